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

use std::ops::Range;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Encode as _, Instruction};
use wasmparser::{Operator, Payload, TypeRef};
use wasmtime::{Extern, Instance, Module, Ref, StoreContextMut};

use crate::sections::{At, entries_of, extend, rank, switch, walk};

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
    /// Per chunk, the slot of [`CHUNKS`] each of its dispatchers goes to.
    slots: Vec<Vec<u32>>,
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
        for (k, &slot) in slots.iter().enumerate() {
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

/// What the split needs to know of the module, read in one pass.
#[derive(Default)]
struct Shape<'a> {
    /// The type section's entries, as `(params, results)`.
    types: Vec<(Vec<wasmparser::ValType>, Vec<wasmparser::ValType>)>,
    /// Imported functions' types, in order.
    imported: Vec<u32>,
    /// Defined functions' types, in order.
    defined: Vec<u32>,
    /// Every table's type, imports first.
    tables: Vec<wasmparser::TableType>,
    /// Every memory's type, imports first.
    memories: Vec<wasmparser::MemoryType>,
    /// Every global's type, imports first.
    globals: Vec<wasmparser::GlobalType>,
    /// Defined functions something outside the code refers to.
    roots: Vec<u32>,
    /// Defined functions that stay in the core with their bodies: the
    /// dispatchers trimming added ([`crate::trim`]).
    resident: Vec<u32>,
    /// The start function.
    start: Option<u32>,
    /// Each defined function's body.
    bodies: Vec<Range<usize>>,
    /// Where the type section's contents are.
    types_at: Range<usize>,
    /// Where the data section's contents are.
    data_at: Option<Range<usize>>,
    /// Function names, from the name section, for backtraces.
    names: std::collections::HashMap<u32, &'a str>,
    /// The module, for the bodies' ranges.
    wasm: &'a [u8],
}

impl<'a> Shape<'a> {
    /// The shape of `wasm`, or `None` for a module this split does not
    /// handle (one with tags or non-function types).
    fn of(wasm: &'a [u8]) -> Result<Option<Shape<'a>>, String> {
        let err = |e: wasmparser::BinaryReaderError| e.to_string();
        let mut shape = Shape {
            wasm,
            ..Shape::default()
        };
        let mut exported = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            match payload.map_err(err)? {
                Payload::TypeSection(s) => {
                    shape.types_at = s.range();
                    for ty in s.into_iter_err_on_gc_types() {
                        let Ok(ty) = ty else { return Ok(None) };
                        shape
                            .types
                            .push((ty.params().to_vec(), ty.results().to_vec()));
                    }
                }
                Payload::ImportSection(s) => {
                    for import in s.into_imports() {
                        match import.map_err(err)?.ty {
                            TypeRef::Func(t) => shape.imported.push(t),
                            TypeRef::Table(t) => shape.tables.push(t),
                            TypeRef::Memory(t) => shape.memories.push(t),
                            TypeRef::Global(t) => shape.globals.push(t),
                            _ => return Ok(None),
                        }
                    }
                }
                Payload::FunctionSection(s) => {
                    for t in s {
                        shape.defined.push(t.map_err(err)?);
                    }
                }
                Payload::TableSection(s) => {
                    for t in s {
                        shape.tables.push(t.map_err(err)?.ty);
                    }
                }
                Payload::MemorySection(s) => {
                    for t in s {
                        shape.memories.push(t.map_err(err)?);
                    }
                }
                Payload::TagSection(_) => return Ok(None),
                Payload::GlobalSection(s) => {
                    for g in s {
                        let g = g.map_err(err)?;
                        shape.globals.push(g.ty);
                        shape.roots.extend(referred(&g.init_expr)?);
                    }
                }
                Payload::ExportSection(s) => {
                    for e in s {
                        let e = e.map_err(err)?;
                        if e.kind == wasmparser::ExternalKind::Func {
                            exported.push((e.name, e.index));
                        }
                    }
                }
                Payload::StartSection { func, .. } => shape.start = Some(func),
                Payload::ElementSection(s) => {
                    for elem in s {
                        match elem.map_err(err)?.items {
                            wasmparser::ElementItems::Functions(r) => {
                                for f in r {
                                    shape.roots.push(f.map_err(err)?);
                                }
                            }
                            wasmparser::ElementItems::Expressions(_, r) => {
                                for e in r {
                                    shape.roots.extend(referred(&e.map_err(err)?)?);
                                }
                            }
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => shape.bodies.push(body.range()),
                Payload::DataSection(s) => shape.data_at = Some(s.range()),
                Payload::CustomSection(c) => {
                    if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                        shape.names = function_names(names);
                    }
                }
                _ => {}
            }
        }
        let first = shape.imported.len() as u32;
        for (name, index) in exported {
            if name.starts_with(crate::trim::DISPATCH) {
                shape.resident.push(index);
            } else {
                shape.roots.push(index);
            }
        }
        shape.roots.extend(shape.start);
        shape.roots.retain(|&f| f >= first);
        shape.roots.sort_unstable();
        shape.roots.dedup();
        shape.resident.retain(|&f| f >= first);
        shape.resident.sort_unstable();
        shape.resident.dedup();
        shape
            .roots
            .retain(|f| shape.resident.binary_search(f).is_err());
        if shape.bodies.len() != shape.defined.len() {
            return Err("function and code sections disagree".into());
        }
        // The module is not validated yet: what the pieces look up by
        // index must be there.
        let types = shape.types.len() as u32;
        if let Some(t) = shape
            .imported
            .iter()
            .chain(&shape.defined)
            .find(|&&t| t >= types)
        {
            return Err(format!("function type {t} out of range"));
        }
        let functions = first + shape.defined.len() as u32;
        let referred = shape.roots.iter().chain(&shape.resident);
        if let Some(f) = referred.chain(&shape.start).find(|&&f| f >= functions) {
            return Err(format!("function {f} out of range"));
        }
        Ok(Some(shape))
    }

    /// The type of function `f`.
    fn type_of(&self, f: u32) -> u32 {
        let first = self.imported.len();
        match (f as usize).checked_sub(first) {
            Some(d) => self.defined[d],
            None => self.imported[f as usize],
        }
    }

    /// The index, among types, of the dispatcher type of type `t`: each
    /// function type's parameters and an i32 (the position), its results.
    fn dispatcher_type(&self, t: u32) -> u32 {
        self.types.len() as u32 + t
    }

    /// The type section's entries followed by each type's dispatcher
    /// type, as a whole section appended to `out`.
    fn types_with_dispatchers(&self, out: &mut Vec<u8>) -> Result<(), String> {
        let mut added = wasm_encoder::TypeSection::new();
        for (params, results) in &self.types {
            let mut p = crate::sections::encoded(params);
            p.push(wasm_encoder::ValType::I32);
            added.ty().function(p, crate::sections::encoded(results));
        }
        extend(
            out,
            1,
            &self.wasm[self.types_at.clone()],
            self.types.len() as u32,
            &entries_of(&added),
            At::End,
        )
    }
}

/// The function names of name section `names`; a damaged one names
/// nothing (names only serve backtraces).
fn function_names(
    names: wasmparser::NameSectionReader<'_>,
) -> std::collections::HashMap<u32, &str> {
    let mut found = std::collections::HashMap::new();
    for name in names.into_iter().flatten() {
        if let wasmparser::Name::Function(map) = name {
            found.extend(map.into_iter().flatten().map(|n| (n.index, n.name)));
        }
    }
    found
}

/// Appends to `out` a name section naming the functions `named` gives
/// (index, original index), when the module named any of them.
fn append_names(out: &mut Vec<u8>, shape: &Shape<'_>, named: impl Iterator<Item = (u32, u32)>) {
    let mut map = wasm_encoder::NameMap::new();
    let mut any = false;
    for (index, f) in named {
        if let Some(name) = shape.names.get(&f) {
            map.append(index, name);
            any = true;
        }
    }
    if any {
        let mut names = wasm_encoder::NameSection::new();
        names.functions(&map);
        wasm_encoder::Section::append_to(&names, out);
    }
}

/// The defined functions constant expression `expr` refers to.
fn referred(expr: &wasmparser::ConstExpr<'_>) -> Result<Vec<u32>, String> {
    let mut found = Vec::new();
    let mut ops = expr.get_operators_reader();
    while !ops.eof() {
        if let Operator::RefFunc { function_index } = ops.read().map_err(|e| e.to_string())? {
            found.push(function_index);
        }
    }
    Ok(found)
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
    let chunks_table = shape.tables.len() as u32;
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
                match callee {
                    Callee::Here(f) => Instruction::Call(f).encode(&mut code),
                    Callee::Chunk { position, slot, ty } => {
                        Instruction::I32Const(position as i32).encode(&mut code);
                        Instruction::I32Const(slot as i32).encode(&mut code);
                        Instruction::CallIndirect {
                            type_index: shape.dispatcher_type(ty),
                            table_index: chunks_table,
                        }
                        .encode(&mut code);
                    }
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

/// Which chunk each defined function goes to, and its position there.
struct Chunking {
    /// Per chunk, its defined functions (as indices into the module).
    chunks: Vec<Vec<u32>>,
    /// Defined function -> (chunk, position among the chunk's functions
    /// of its type, the slot of that type's dispatcher); `None` for a
    /// resident function.
    place: Vec<Option<(u32, u32, u32)>>,
    /// Per chunk, the types of its dispatchers, in slot order.
    dispatchers: Vec<Vec<u32>>,
    /// How many slots [`CHUNKS`] has.
    slots: u32,
}

impl Chunking {
    /// Consecutive functions of `shape` but the resident ones, about
    /// `piece` bytes of code per chunk.
    fn of(shape: &Shape<'_>, piece: usize) -> Chunking {
        let first = shape.imported.len() as u32;
        let mut chunking = Chunking {
            chunks: Vec::new(),
            place: vec![None; shape.defined.len()],
            dispatchers: Vec::new(),
            slots: 0,
        };
        let mut bytes = piece;
        // Per dispatcher of the chunk being filled, how many functions
        // it has so far.
        let mut counts: Vec<u32> = Vec::new();
        for (d, range) in shape.bodies.iter().enumerate() {
            let f = first + d as u32;
            if shape.resident.binary_search(&f).is_ok() {
                continue;
            }
            if bytes >= piece {
                chunking.chunks.push(Vec::new());
                chunking.dispatchers.push(Vec::new());
                counts.clear();
                bytes = 0;
            }
            bytes += range.len();
            let c = chunking.chunks.len() - 1;
            let ty = shape.defined[d];
            let types = &mut chunking.dispatchers[c];
            let k = match types.iter().position(|&t| t == ty) {
                Some(k) => k,
                None => {
                    types.push(ty);
                    counts.push(0);
                    types.len() - 1
                }
            };
            let position = counts[k];
            counts[k] += 1;
            chunking.chunks[c].push(f);
            chunking.place[d] = Some((c as u32, position, k as u32));
        }
        let mut base = 0;
        let mut bases = Vec::new();
        for types in &chunking.dispatchers {
            bases.push(base);
            base += types.len() as u32;
        }
        for place in chunking.place.iter_mut().flatten() {
            place.2 += bases[place.0 as usize];
        }
        chunking.slots = base;
        chunking
    }

    /// Per chunk, the slots of its dispatchers.
    fn slots_of_chunks(&self) -> Vec<Vec<u32>> {
        let mut next = 0;
        self.dispatchers
            .iter()
            .map(|types| {
                let slots = (next..next + types.len() as u32).collect();
                next += types.len() as u32;
                slots
            })
            .collect()
    }
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
    let mut plan = Plan {
        layout: Layout {
            shared: shared_names(&shape),
            slots: chunking.slots_of_chunks(),
        },
        shape,
        chunking,
        core: Vec::new(),
        data: None,
    };
    let Some(core) = core(&plan.shape, &plan.chunking, &|f| plan.elsewhere(f))? else {
        return Ok(None);
    };
    plan.core = core;
    plan.data = data_piece(&plan.shape, &plan.chunking)?;
    Ok(Some(plan))
}

/// A module cut into pieces ([`plan`]).
pub struct Plan<'a> {
    shape: Shape<'a>,
    chunking: Chunking,
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
        chunk(&self.shape, &self.chunking, c, &|f| self.elsewhere(f))
    }

    /// Where the chunks' dispatchers go.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// How a piece calls defined function `f` of a chunk it is not in.
    fn elsewhere(&self, f: u32) -> Option<Callee> {
        let first = self.shape.imported.len() as u32;
        let d = f.checked_sub(first)? as usize;
        let (_, position, slot) = (*self.chunking.place.get(d)?)?;
        Some(Callee::Chunk {
            position,
            slot,
            ty: self.shape.type_of(f),
        })
    }
}

/// The core's exports the chunks import, in the order they import them:
/// imported functions, tables (then [`CHUNKS`]), memories, globals.
fn shared_names(shape: &Shape<'_>) -> Vec<String> {
    let mut names = Vec::new();
    names.extend((0..shape.imported.len()).map(|k| format!("{SHARED}f{k}")));
    names.extend((0..shape.tables.len()).map(|k| format!("{SHARED}t{k}")));
    names.push(CHUNKS.to_string());
    names.extend((0..shape.memories.len()).map(|k| format!("{SHARED}m{k}")));
    names.extend((0..shape.globals.len()).map(|k| format!("{SHARED}g{k}")));
    names
}

/// Function indices of the core: imports keep theirs, then the stubs of
/// the roots, then the resident functions.
struct CoreIndex<'s> {
    first: u32,
    roots: &'s [u32],
    resident: &'s [u32],
}

impl CoreIndex<'_> {
    fn of(&self, f: u32) -> Option<u32> {
        if f < self.first {
            return Some(f);
        }
        if let Ok(k) = self.roots.binary_search(&f) {
            return Some(self.first + k as u32);
        }
        let k = self.resident.binary_search(&f).ok()?;
        Some(self.first + (self.roots.len() + k) as u32)
    }
}

impl Reencode for CoreIndex<'_> {
    type Error = String;

    fn function_index(&mut self, func: u32) -> Result<u32, wasm_encoder::reencode::Error<String>> {
        self.of(func).ok_or_else(|| {
            wasm_encoder::reencode::Error::UserError(format!("function {func} left the core"))
        })
    }
}

/// The core's bytes, or `None` when a resident body cannot move.
fn core(
    shape: &Shape<'_>,
    chunking: &Chunking,
    elsewhere: &impl Fn(u32) -> Option<Callee>,
) -> Result<Option<Vec<u8>>, String> {
    let wasm = shape.wasm;
    let first = shape.imported.len() as u32;
    let mut index = CoreIndex {
        first,
        roots: &shape.roots,
        resident: &shape.resident,
    };
    let reencode = |e: wasm_encoder::reencode::Error<String>| e.to_string();
    let mut out = Vec::with_capacity(wasm.len() / 4);
    out.extend_from_slice(&wasm[..8]);
    let mut tabled = false;
    let mut exported = false;
    for section in walk(wasm) {
        let (id, payload, range, whole) = section?;
        if !tabled && rank(id).is_some_and(|r| r > rank(crate::sections::TABLES).unwrap()) {
            chunks_table(&mut out, chunking.slots, &[0])?;
            tabled = true;
        }
        if !exported && rank(id).is_some_and(|r| r > rank(7).unwrap()) {
            core_exports(&mut out, shape, &mut index, None)?;
            exported = true;
        }
        match payload {
            Payload::CustomSection(_)
            | Payload::StartSection { .. }
            | Payload::DataCountSection { .. }
            | Payload::DataSection(_) => {}
            Payload::TypeSection(_) => shape.types_with_dispatchers(&mut out)?,
            Payload::FunctionSection(_) => {
                let mut functions = wasm_encoder::FunctionSection::new();
                for &f in shape.roots.iter().chain(&shape.resident) {
                    functions.function(shape.type_of(f));
                }
                wasm_encoder::Section::append_to(&functions, &mut out);
            }
            Payload::TableSection(_) => {
                chunks_table(&mut out, chunking.slots, &wasm[range])?;
                tabled = true;
            }
            Payload::ExportSection(s) => {
                core_exports(&mut out, shape, &mut index, Some(s))?;
                exported = true;
            }
            Payload::GlobalSection(s) => {
                let mut globals = wasm_encoder::GlobalSection::new();
                index
                    .parse_global_section(&mut globals, s)
                    .map_err(reencode)?;
                wasm_encoder::Section::append_to(&globals, &mut out);
            }
            Payload::ElementSection(s) => {
                let mut elements = wasm_encoder::ElementSection::new();
                index
                    .parse_element_section(&mut elements, s)
                    .map_err(reencode)?;
                wasm_encoder::Section::append_to(&elements, &mut out);
            }
            Payload::CodeSectionStart { .. } => {
                let count = (shape.roots.len() + shape.resident.len()) as u32;
                let mut contents = Vec::new();
                count.encode(&mut contents);
                for &f in &shape.roots {
                    stub(shape, f, elsewhere, &mut contents);
                }
                for &f in &shape.resident {
                    let callee = |g| elsewhere(g).or_else(|| index.of(g).map(Callee::Here));
                    if rewrite_body(shape, f, callee, &mut contents)?.is_none() {
                        return Ok(None);
                    }
                }
                out.push(id);
                contents.encode(&mut out);
            }
            Payload::CodeSectionEntry(_) => {}
            _ => out.extend_from_slice(&wasm[whole]),
        }
    }
    if !tabled {
        chunks_table(&mut out, chunking.slots, &[0])?;
    }
    if !exported {
        core_exports(&mut out, shape, &mut index, None)?;
    }
    let kept = shape.roots.iter().chain(&shape.resident);
    let named = (0..first).chain(kept.copied()).enumerate();
    append_names(&mut out, shape, named.map(|(k, f)| (k as u32, f)));
    Ok(Some(out))
}

/// Appends the table section whose contents were `contents` with
/// [`CHUNKS`] (`slots` slots) added last.
fn chunks_table(out: &mut Vec<u8>, slots: u32, contents: &[u8]) -> Result<(), String> {
    let mut added = wasm_encoder::TableSection::new();
    added.table(wasm_encoder::TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: u64::from(slots),
        maximum: Some(u64::from(slots)),
        shared: false,
    });
    extend(
        out,
        crate::sections::TABLES,
        contents,
        1,
        &entries_of(&added),
        At::End,
    )
}

/// Appends the core's export section: the module's own (`exports`, their
/// functions at their core indices), what the chunks import, the start
/// function.
fn core_exports(
    out: &mut Vec<u8>,
    shape: &Shape<'_>,
    index: &mut CoreIndex<'_>,
    exports: Option<wasmparser::ExportSectionReader<'_>>,
) -> Result<(), String> {
    use wasm_encoder::ExportKind;
    let mut section = wasm_encoder::ExportSection::new();
    if let Some(exports) = exports {
        index
            .parse_export_section(&mut section, exports)
            .map_err(|e| e.to_string())?;
    }
    for k in 0..shape.imported.len() as u32 {
        section.export(&format!("{SHARED}f{k}"), ExportKind::Func, k);
    }
    for k in 0..shape.tables.len() as u32 {
        section.export(&format!("{SHARED}t{k}"), ExportKind::Table, k);
    }
    section.export(CHUNKS, ExportKind::Table, shape.tables.len() as u32);
    for k in 0..shape.memories.len() as u32 {
        section.export(&format!("{SHARED}m{k}"), ExportKind::Memory, k);
    }
    for k in 0..shape.globals.len() as u32 {
        section.export(&format!("{SHARED}g{k}"), ExportKind::Global, k);
    }
    if let Some(start) = shape.start {
        let f = index.of(start).ok_or("the start function left the core")?;
        section.export(START, ExportKind::Func, f);
    }
    wasm_encoder::Section::append_to(&section, out);
    Ok(())
}

/// Appends the body of the core's stub for function `f`: it passes its
/// arguments on to `f` in its chunk.
fn stub(shape: &Shape<'_>, f: u32, elsewhere: &impl Fn(u32) -> Option<Callee>, out: &mut Vec<u8>) {
    let params = shape.types[shape.type_of(f) as usize].0.len() as u32;
    let mut body = wasm_encoder::Function::new([]);
    for p in 0..params {
        body.instruction(&Instruction::LocalGet(p));
    }
    if let Some(Callee::Chunk { position, slot, ty }) = elsewhere(f) {
        body.instruction(&Instruction::I32Const(position as i32));
        body.instruction(&Instruction::I32Const(slot as i32));
        body.instruction(&Instruction::CallIndirect {
            type_index: shape.dispatcher_type(ty),
            table_index: shape.tables.len() as u32,
        });
    }
    body.instruction(&Instruction::End);
    body.encode(out);
}

/// The start of every piece but the core: the module's types (with the
/// dispatchers'), and imports of everything the core shares, in the
/// core's index order.
fn piece_head(shape: &Shape<'_>, chunking: &Chunking) -> Result<Vec<u8>, String> {
    let mut out = shape.wasm[..8].to_vec();
    if !shape.types.is_empty() {
        shape.types_with_dispatchers(&mut out)?;
    }
    let mut imports = wasm_encoder::ImportSection::new();
    let shared = shared_names(shape);
    let mut names = shared.iter().map(|n| &n[..]);
    let mut import = |ty: wasm_encoder::EntityType| {
        imports.import(CORE, names.next().expect("a name per import"), ty);
    };
    for &t in &shape.imported {
        import(wasm_encoder::EntityType::Function(t));
    }
    let reencode = |e| format!("{e}");
    for &t in &shape.tables {
        import(RoundtripReencoder.table_type(t).map_err(reencode)?.into());
    }
    import(
        wasm_encoder::TableType {
            element_type: wasm_encoder::RefType::FUNCREF,
            table64: false,
            minimum: u64::from(chunking.slots),
            maximum: Some(u64::from(chunking.slots)),
            shared: false,
        }
        .into(),
    );
    for &t in &shape.memories {
        import(RoundtripReencoder.memory_type(t).map_err(reencode)?.into());
    }
    for &t in &shape.globals {
        import(RoundtripReencoder.global_type(t).map_err(reencode)?.into());
    }
    wasm_encoder::Section::append_to(&imports, &mut out);
    Ok(out)
}

/// The piece holding the module's data segments, if it has any: data
/// changes more often than what the core holds (a string edited), and is
/// cheap to compile on its own.
fn data_piece(shape: &Shape<'_>, chunking: &Chunking) -> Result<Option<Vec<u8>>, String> {
    let Some(data) = shape.data_at.clone() else {
        return Ok(None);
    };
    let mut out = piece_head(shape, chunking)?;
    out.push(11);
    shape.wasm[data].encode(&mut out);
    Ok(Some(out))
}

/// Chunk `c`'s bytes, or `None` when one of its bodies cannot move.
fn chunk(
    shape: &Shape<'_>,
    chunking: &Chunking,
    c: usize,
    elsewhere: &impl Fn(u32) -> Option<Callee>,
) -> Result<Option<Vec<u8>>, String> {
    let first = shape.imported.len() as u32;
    let funcs = &chunking.chunks[c];
    let mut out = piece_head(shape, chunking)?;
    let dispatchers = &chunking.dispatchers[c];
    let mut functions = wasm_encoder::FunctionSection::new();
    for &f in funcs {
        functions.function(shape.type_of(f));
    }
    for &t in dispatchers {
        functions.function(shape.dispatcher_type(t));
    }
    wasm_encoder::Section::append_to(&functions, &mut out);
    let own = funcs.len() as u32;
    let mut exports = wasm_encoder::ExportSection::new();
    for k in 0..dispatchers.len() as u32 {
        exports.export(
            &k.to_string(),
            wasm_encoder::ExportKind::Func,
            first + own + k,
        );
    }
    wasm_encoder::Section::append_to(&exports, &mut out);
    let here = |f: u32| funcs.binary_search(&f).ok().map(|k| first + k as u32);
    let callee = |g: u32| {
        if g < first {
            return Some(Callee::Here(g));
        }
        here(g).map(Callee::Here).or_else(|| elsewhere(g))
    };
    let mut contents = Vec::new();
    (own + dispatchers.len() as u32).encode(&mut contents);
    for &f in funcs {
        if rewrite_body(shape, f, callee, &mut contents)?.is_none() {
            return Ok(None);
        }
    }
    for &t in dispatchers {
        let params = shape.types[t as usize].0.len() as u32;
        let of_type: Vec<u32> = funcs
            .iter()
            .copied()
            .filter(|&f| shape.type_of(f) == t)
            .collect();
        let select = |body: &mut wasm_encoder::Function| {
            body.instruction(&Instruction::LocalGet(params));
        };
        let table = (0..of_type.len() as u32).collect();
        let body = switch(select, table, of_type.len(), |n, body| {
            for p in 0..params {
                body.instruction(&Instruction::LocalGet(p));
            }
            let k = funcs
                .binary_search(&of_type[n])
                .expect("a function of the chunk");
            body.instruction(&Instruction::Call(first + k as u32));
        });
        body.encode(&mut contents);
    }
    out.push(10);
    contents.encode(&mut out);
    let named = (0..first).chain(funcs.iter().copied()).enumerate();
    append_names(&mut out, shape, named.map(|(k, f)| (k as u32, f)));
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Func, Global, Memory, Store, Table, Val};

    /// A library as the split meets them: imports of every kind, its own
    /// table and globals, functions of several types calling each other
    /// directly and through the table, an element segment, a start
    /// function, exports of each kind.
    const LIBRARY: &str = r#"(module
      (type $ii (func (param i32) (result i32)))
      (type $ll (func (param i64 i64) (result i64)))
      (import "env" "host" (func $host (param i32) (result i32)))
      (import "env" "memory" (memory 1))
      (import "env" "table" (table 4 funcref))
      (import "env" "base" (global $base i32))
      (table $own 2 funcref)
      (global $count (mut i32) (i32.const 0))
      (global $seen (mut i32) (i32.const 0))
      (elem (table 0) (global.get $base) func $double $twice)
      (elem (table $own) (i32.const 0) func $add)
      (data (global.get $base) "\05")
      (start $init)
      (func $init (global.set $seen (i32.const 7)))
      (func $double (type $ii)
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        (i32.mul (local.get 0) (i32.const 2)))
      (func $twice (type $ii) (call $double (call $double (local.get 0))))
      (func $add (type $ll) (i64.add (local.get 0) (local.get 1)))
      (func $store (param i32 i32)
        (i32.store (local.get 0) (call $host (local.get 1))))
      (func (export "entry") (param i32) (result i32)
        (call $store (i32.const 16) (local.get 0))
        (i32.add
          (call_indirect (type $ii) (i32.load (i32.const 16))
            (i32.add (global.get $base) (i32.const 1)))
          (i32.wrap_i64 (call_indirect $own (type $ll)
            (i64.const 40) (i64.const 2) (i32.const 0)))))
      (func (export "count") (result i32) (global.get $count))
      (func $deeper unreachable)
      (func (export "fails") (call $deeper))
      (func (export "seen") (result i32) (global.get $seen))
      (func (export "datum") (result i32) (i32.load8_u (global.get $base)))
      (export "double" (func $double))
      (export "own" (table $own))
      (export "counted" (global $count)))"#;

    /// What `LIBRARY` (or its pieces, when `piece` is given) computes:
    /// `entry(5)`, `count`, `seen`, `double(21)`, `datum`; and how `fails`
    /// fails.
    fn run(wasm: &[u8], piece: Option<usize>) -> (Vec<i32>, String) {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let host = Func::wrap(&mut store, |x: i32| x + 1);
        let ty = wasmtime::MemoryType::new(1, None);
        let memory = Memory::new(&mut store, ty).unwrap();
        let ty = wasmtime::TableType::new(wasmtime::RefType::FUNCREF, 4, None);
        let table = Table::new(&mut store, ty, Ref::Func(None)).unwrap();
        let ty = wasmtime::GlobalType::new(wasmtime::ValType::I32, wasmtime::Mutability::Const);
        let base = Global::new(&mut store, ty, Val::I32(2)).unwrap();
        let imports = [host.into(), memory.into(), table.into(), base.into()];
        let instance = match piece {
            None => Instance::new(&mut store, &Module::new(&engine, wasm).unwrap(), &imports),
            Some(piece) => {
                let ((core, data, chunks), layout) = pieces(wasm, piece);
                let compiled = Split {
                    core: Module::new(&engine, &core).unwrap(),
                    data: data.map(|d| Module::new(&engine, d).unwrap()),
                    chunks: (chunks.iter())
                        .map(|c| Module::new(&engine, c).unwrap())
                        .collect(),
                    layout,
                };
                let core = Instance::new(&mut store, &compiled.core, &imports).unwrap();
                realize(&mut store.as_context_mut(), core, &compiled).map(|()| core)
            }
        }
        .unwrap();
        let call = |store: &mut Store<()>, name: &str, args: &[Val]| {
            let f = instance.get_func(&mut *store, name).unwrap();
            let mut out = [Val::I32(0)];
            f.call(&mut *store, args, &mut out).unwrap();
            out[0].unwrap_i32()
        };
        let values = vec![
            call(&mut store, "entry", &[Val::I32(5)]),
            call(&mut store, "count", &[]),
            call(&mut store, "seen", &[]),
            call(&mut store, "double", &[Val::I32(21)]),
            call(&mut store, "datum", &[]),
        ];
        let fails = instance.get_func(&mut store, "fails").unwrap();
        let failure = fails.call(&mut store, &[], &mut []).unwrap_err();
        (values, format!("{failure:?}"))
    }

    use wasmtime::AsContextMut as _;

    /// A module's pieces, as bytes: the core, the data, the chunks.
    type Bytes = (Vec<u8>, Option<Vec<u8>>, Vec<Vec<u8>>);

    /// `wasm` cut into pieces of about `piece` bytes of code, each
    /// validated, and their layout.
    fn pieces(wasm: &[u8], piece: usize) -> (Bytes, Layout) {
        let plan = plan(wasm, piece).unwrap().unwrap();
        let chunks: Vec<Vec<u8>> = (0..plan.chunks())
            .map(|c| plan.chunk(c).unwrap().unwrap())
            .collect();
        let all = std::iter::once(plan.core()).chain(plan.data());
        for bytes in all.chain(chunks.iter().map(|c| &c[..])) {
            wasmparser::validate(bytes).unwrap();
        }
        let data = plan.data().map(<[u8]>::to_vec);
        ((plan.core().to_vec(), data, chunks), plan.layout().clone())
    }

    #[test]
    fn the_pieces_compute_what_the_module_does() {
        let wasm = wat::parse_str(LIBRARY).unwrap();
        let (whole, _) = run(&wasm, None);
        // entry: 6 stored, table[base + 1] is $twice: 24, plus 42.
        assert_eq!(whole, [66, 2, 7, 42, 5]);
        // One function a chunk, and all in one.
        assert_eq!(run(&wasm, Some(1)).0, whole);
        assert_eq!(run(&wasm, Some(1 << 20)).0, whole);
    }

    #[test]
    fn backtraces_name_the_functions_of_the_chunks() {
        let wasm = wat::parse_str(LIBRARY).unwrap();
        let (_, failure) = run(&wasm, Some(1));
        assert!(failure.contains("deeper"), "{failure}");
    }

    #[test]
    fn a_trimmed_module_keeps_its_dispatchers_in_the_core() {
        let (_, _, trimmed) = crate::trim::tests::trimmed_module(crate::trim::Form::Dispatchers);
        let ((core, _, _), _) = pieces(&trimmed, 1);
        let core = crate::modinfo::ModuleInfo::parse_with(&core, false).unwrap();
        let dispatcher = format!("{}0", crate::trim::DISPATCH);
        assert!(core.export(&dispatcher).is_some());
    }

    #[test]
    fn bodies_that_cannot_move_leave_the_module_whole() {
        let wasm = wat::parse_str(
            r#"(module (table 1 funcref) (elem declare func $f)
                (func $f (result funcref) (ref.func $f)))"#,
        )
        .unwrap();
        let plan = plan(&wasm, 1).unwrap().unwrap();
        assert!(plan.chunk(0).unwrap().is_none());
    }

    #[test]
    fn equal_functions_make_equal_chunks() {
        let wasm = wat::parse_str(LIBRARY).unwrap();
        let ((core_a, data_a, chunks_a), _) = pieces(&wasm, 1);
        let edited = wat::parse_str(LIBRARY.replace("(i32.const 7)", "(i32.const 8)")).unwrap();
        let ((core_b, data_b, chunks_b), _) = pieces(&edited, 1);
        let same = chunks_a.iter().zip(&chunks_b).filter(|(x, y)| x == y);
        let only_init = chunks_a.len() - 1;
        assert_eq!(same.count(), only_init, "only $init's chunk changes");
        assert_eq!((core_a, data_a), (core_b, data_b));
    }

    #[test]
    fn edited_data_changes_only_the_data_piece() {
        let wasm = wat::parse_str(LIBRARY).unwrap();
        let ((core_a, data_a, chunks_a), _) = pieces(&wasm, 1);
        let edited = wat::parse_str(LIBRARY.replace(r#""\05""#, r#""\06""#)).unwrap();
        let ((core_b, data_b, chunks_b), _) = pieces(&edited, 1);
        assert_eq!((core_a, chunks_a), (core_b, chunks_b));
        assert_ne!(data_a, data_b);
        assert_eq!(run(&edited, Some(1)).0[4], 6);
    }

    #[test]
    fn indices_out_of_range_are_errors_not_panics() {
        use wasm_encoder::{
            CodeSection, ExportKind, ExportSection, Function, FunctionSection, TypeSection,
        };
        let module = |ty: u32, export: u32| {
            let mut types = TypeSection::new();
            types.ty().function([], []);
            let mut functions = FunctionSection::new();
            functions.function(ty);
            let mut exports = ExportSection::new();
            exports.export("f", ExportKind::Func, export);
            let mut code = CodeSection::new();
            let mut body = Function::new([]);
            body.instruction(&Instruction::End);
            code.function(&body);
            let mut module = wasm_encoder::Module::new();
            module
                .section(&types)
                .section(&functions)
                .section(&exports)
                .section(&code);
            module.finish()
        };
        assert!(plan(&module(0, 0), 1).unwrap().is_some());
        assert!(plan(&module(3, 0), 1).is_err(), "a type past the types");
        assert!(
            plan(&module(0, 9), 1).is_err(),
            "an export past the functions"
        );
    }

    #[test]
    fn damaged_modules_are_errors_not_panics() {
        let wasm = wat::parse_str(LIBRARY).unwrap();
        for cut in [9, 20, wasm.len() / 2, wasm.len() - 1] {
            assert!(plan(&wasm[..cut], 1).is_err(), "cut at {cut}");
        }
    }
}
