//! A large module's first-run code compiled in pieces, each cached on its
//! own, so that a rebuilt module whose functions are mostly unchanged
//! compiles only the pieces that changed. Winch compiles a 3 MB library in
//! a few hundred milliseconds, and a rebuilt module (another custom
//! section, one function edited) has another digest, so the cache held
//! nothing of it. Which modules are split, and how large the pieces are,
//! is [`crate::compiled`]'s to say.
//!
//! The module is cut into a *core* and *chunks*. Each chunk holds a run of
//! consecutive functions and calls its own directly; the core holds the
//! module's tables, memories, globals, element segments and exports, with a stub
//! for each function something outside the code refers to (an export, an
//! element segment, the start function), and the dispatchers trimming
//! added ([`crate::trim`]). A function of another piece is
//! called through the core's table [`CHUNKS`]: each chunk exports one
//! dispatcher per function type (the function's position in the chunk
//! last among the arguments), and the loader puts every dispatcher in its
//! slot once the chunk is instantiated ([`realize`]). Chunks import
//! everything else from the core, in the core's own index order, so their
//! code refers to globals, tables and imported functions by the indices it
//! had: a chunk's bytes depend only on its functions, the module's types
//! and imports, and where the functions stand.
//!
//! The data segments are a piece of their own, instantiated right after
//! the core: data changes more often than the rest of the core (a string
//! edited). The start function runs once the chunks are in place: the
//! core exports it as [`START`] instead of starting with it.
//!
//! Reading the module is `shape.rs`, deciding which chunk each function
//! goes to `chunking.rs`, writing the core `core.rs` and the other pieces
//! `chunk.rs`; this file plans the pieces and puts them in place.

mod chunk;
mod chunking;
mod core;
mod shape;
#[cfg(test)]
mod tests;

use std::ops::Range;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Encode as _, Instruction};
use wasmparser::Operator;
use wasmtime::{Extern, Instance, Module, Ref, StoreContextMut};

use chunking::Chunking;
use shape::Shape;

/// The core's table of the chunks' dispatchers.
pub const CHUNKS: &str = "dlrun.chunks";

/// The core's export of the module's start function.
pub const START: &str = "dlrun.start";

/// What the core exports for the chunks to import: a prefix, then the
/// kind's letter and index.
const SHARED: &str = "dlrun.shared.";

/// The module name of a chunk's imports.
const CORE: &str = "c";

/// How the loader puts a split module's chunks in place.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The core's exports each chunk imports, in order.
    shared: Vec<String>,
    /// Per chunk, the slots of [`CHUNKS`] its dispatchers go to, in
    /// order.
    slots: Vec<Range<u32>>,
}

/// A split module compiled: the core is the module the loader
/// instantiates, the chunks are instantiated after it.
pub struct Split {
    /// The core's code.
    pub core: Module,
    /// The data piece's code, if the module has data.
    pub data: Option<Module>,
    /// The chunks' code, in order.
    pub chunks: Vec<Module>,
    /// Where their dispatchers go.
    pub layout: Layout,
}

impl Split {
    /// How many pieces the module was compiled in.
    pub fn pieces(&self) -> usize {
        1 + usize::from(self.data.is_some()) + self.chunks.len()
    }
}

/// Puts the data and the chunks of the split module whose core is `core`
/// in place and runs its start function.
pub fn realize<T>(
    cx: &mut StoreContextMut<'_, T>,
    core: Instance,
    split: &Split,
) -> wasmtime::Result<()> {
    let table = core
        .get_table(&mut *cx, CHUNKS)
        .ok_or_else(|| wasmtime::format_err!("a split module without its table {CHUNKS}"))?;
    let shared = split
        .layout
        .shared
        .iter()
        .map(|name| {
            core.get_export(&mut *cx, name)
                .ok_or_else(|| wasmtime::format_err!("a split module without its export {name}"))
        })
        .collect::<wasmtime::Result<Vec<Extern>>>()?;
    if let Some(data) = &split.data {
        Instance::new(&mut *cx, data, &shared)?;
    }
    for (chunk, slots) in split.chunks.iter().zip(&split.layout.slots) {
        let instance = Instance::new(&mut *cx, chunk, &shared)?;
        for (k, slot) in slots.clone().enumerate() {
            let dispatcher = instance
                .get_func(&mut *cx, &k.to_string())
                .ok_or_else(|| wasmtime::format_err!("a chunk without its dispatcher {k}"))?;
            table.set(&mut *cx, u64::from(slot), Ref::Func(Some(dispatcher)))?;
        }
    }
    if let Some(start) = core.get_func(&mut *cx, START) {
        start.call(&mut *cx, &[], &mut [])?;
    }
    Ok(())
}

/// How `wasm` is cut into a core and chunks of about `piece` bytes of
/// code; `None` for a module this split does not handle. The core is made
/// here, each chunk when asked for ([`Plan::chunk`]), so that they can be
/// made side by side.
pub fn plan(wasm: &[u8], piece: usize) -> Result<Option<Plan<'_>>, String> {
    let Some(shape) = Shape::of(wasm)? else {
        return Ok(None);
    };
    let chunking = Chunking::of(&shape, piece);
    let shared = shared(&shape, &chunking)?;
    let Some(core) = core::core(&shape, &chunking, &shared)? else {
        return Ok(None);
    };
    let data = chunk::data_piece(&shape, &shared)?;
    let layout = Layout {
        shared: shared.iter().map(|s| s.name.clone()).collect(),
        slots: (0..chunking.chunks.len())
            .map(|c| chunking.slots_of(c))
            .collect(),
    };
    Ok(Some(Plan {
        shape,
        chunking,
        shared,
        core,
        data,
        layout,
    }))
}

/// A module cut into pieces ([`plan`]).
pub struct Plan<'a> {
    shape: Shape<'a>,
    chunking: Chunking,
    shared: Vec<Shared>,
    core: Vec<u8>,
    data: Option<Vec<u8>>,
    layout: Layout,
}

impl Plan<'_> {
    /// The core's bytes.
    pub fn core(&self) -> &[u8] {
        &self.core
    }

    /// The data piece's bytes, if the module has data.
    pub fn data(&self) -> Option<&[u8]> {
        self.data.as_deref()
    }

    /// How many chunks there are.
    pub fn chunks(&self) -> usize {
        self.chunking.chunks.len()
    }

    /// Chunk `c`'s bytes; `None` when one of its bodies cannot move (the
    /// module is then compiled whole).
    pub fn chunk(&self, c: usize) -> Result<Option<Vec<u8>>, String> {
        chunk::chunk(&self.shape, &self.chunking, &self.shared, c)
    }

    /// Where the chunks' dispatchers go.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
}

/// One thing the core shares with the other pieces: the core exports it
/// as `name`, of `kind`, at `index`; the others import it by that name,
/// as `ty`.
struct Shared {
    name: String,
    kind: wasm_encoder::ExportKind,
    index: u32,
    ty: wasm_encoder::EntityType,
}

/// What the core shares, in the order the other pieces import it (each
/// kind in the core's own index order): imported functions, tables (then
/// [`CHUNKS`]), memories, globals.
fn shared(shape: &Shape<'_>, chunking: &Chunking) -> Result<Vec<Shared>, String> {
    use wasm_encoder::{EntityType, ExportKind};
    let reencode = |e| format!("{e}");
    let mut shared = Vec::new();
    let mut share = |name: String, kind, index: usize, ty| {
        let index = index as u32;
        shared.push(Shared {
            name,
            kind,
            index,
            ty,
        });
    };
    let named = |letter: &str, k: usize| format!("{SHARED}{letter}{k}");
    for (k, &t) in shape.imported.iter().enumerate() {
        share(named("f", k), ExportKind::Func, k, EntityType::Function(t));
    }
    for (k, &t) in shape.tables.iter().enumerate() {
        let ty = RoundtripReencoder.table_type(t).map_err(reencode)?;
        share(named("t", k), ExportKind::Table, k, ty.into());
    }
    let ty = chunks_table_type(chunking.slots);
    share(
        CHUNKS.into(),
        ExportKind::Table,
        shape.tables.len(),
        ty.into(),
    );
    for (k, &t) in shape.memories.iter().enumerate() {
        let ty = RoundtripReencoder.memory_type(t).map_err(reencode)?;
        share(named("m", k), ExportKind::Memory, k, ty.into());
    }
    for (k, &t) in shape.globals.iter().enumerate() {
        let ty = RoundtripReencoder.global_type(t).map_err(reencode)?;
        share(named("g", k), ExportKind::Global, k, ty.into());
    }
    Ok(shared)
}

/// The type of [`CHUNKS`], of `slots` slots.
fn chunks_table_type(slots: u32) -> wasm_encoder::TableType {
    wasm_encoder::TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: u64::from(slots),
        maximum: Some(u64::from(slots)),
        shared: false,
    }
}

/// Where a call to a function goes from the piece being written.
#[derive(Clone, Copy)]
enum Callee {
    /// A function of the piece (or an import), by its index there.
    Here(u32),
    /// Another piece's function: its position in its chunk's dispatcher
    /// for its type, that dispatcher's slot, and its type.
    Chunk { position: u32, slot: u32, ty: u32 },
}

impl Callee {
    /// The instructions that call it, its arguments on the stack, from a
    /// piece of `shape`.
    fn call(self, shape: &Shape<'_>) -> Vec<Instruction<'static>> {
        match self {
            Callee::Here(f) => vec![Instruction::Call(f)],
            Callee::Chunk { position, slot, ty } => vec![
                Instruction::I32Const(position as i32),
                Instruction::I32Const(slot as i32),
                Instruction::CallIndirect {
                    type_index: shape.dispatcher_type(ty),
                    table_index: shape.tables.len() as u32,
                },
            ],
        }
    }
}

/// Appends to `out` the body of defined function `f` of `shape` with
/// each call rewritten as `callee` says; `None` when the body calls a
/// function `callee` cannot place, refers to functions otherwise than by
/// calling them, or to segments (a chunk has none).
fn rewrite_body(
    shape: &Shape<'_>,
    f: u32,
    callee: impl Fn(u32) -> Option<Callee>,
    out: &mut Vec<u8>,
) -> Result<Option<()>, String> {
    let wasm = shape.wasm;
    let range = shape.bodies[(f - shape.imported.len() as u32) as usize].clone();
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
        &wasm[range.clone()],
        range.start,
    ));
    let mut ops = body.get_operators_reader().map_err(err)?;
    let mut code = Vec::with_capacity(range.len() + range.len() / 8);
    let mut copied = range.start;
    while !ops.eof() {
        let at = ops.original_position();
        match ops.read().map_err(err)? {
            Operator::Call { function_index } => {
                code.extend_from_slice(&wasm[copied..at]);
                let Some(callee) = callee(function_index) else {
                    return Ok(None);
                };
                for instruction in callee.call(shape) {
                    instruction.encode(&mut code);
                }
                copied = ops.original_position();
            }
            Operator::RefFunc { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::MemoryInit { .. }
            | Operator::DataDrop { .. }
            | Operator::TableInit { .. }
            | Operator::ElemDrop { .. } => return Ok(None),
            _ => {}
        }
    }
    code.extend_from_slice(&wasm[copied..range.end]);
    code.encode(out);
    Ok(Some(()))
}
