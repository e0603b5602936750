//! The other pieces of a split module: its data, and its chunks of
//! functions.

use wasm_encoder::{Encode as _, Instruction};

use super::{CORE, Callee, Chunking, Shape, Shared, rewrite_body};
use crate::sections::switch;

/// The start of every piece but the core: the module's types (with the
/// dispatchers'), and imports of everything the core shares.
fn piece_head(shape: &Shape<'_>, shared: &[Shared]) -> Result<Vec<u8>, String> {
    let mut out = shape.wasm[..8].to_vec();
    if !shape.types.is_empty() {
        shape.types_with_dispatchers(&mut out)?;
    }
    let mut imports = wasm_encoder::ImportSection::new();
    for s in shared {
        imports.import(CORE, &s.name, s.ty);
    }
    wasm_encoder::Section::append_to(&imports, &mut out);
    Ok(out)
}

/// The piece holding the module's data segments, if it has any: data
/// changes more often than what the core holds (a string edited), and is
/// cheap to compile on its own.
pub(super) fn data_piece(shape: &Shape<'_>, shared: &[Shared]) -> Result<Option<Vec<u8>>, String> {
    let Some(data) = shape.data_at.clone() else {
        return Ok(None);
    };
    let mut out = piece_head(shape, shared)?;
    out.push(11);
    shape.wasm[data].encode(&mut out);
    Ok(Some(out))
}

/// Chunk `c`'s bytes, or `None` when one of its bodies cannot move.
pub(super) fn chunk(
    shape: &Shape<'_>,
    chunking: &Chunking,
    shared: &[Shared],
    c: usize,
) -> Result<Option<Vec<u8>>, String> {
    let first = shape.imported.len() as u32;
    let funcs = &chunking.chunks[c];
    let mut out = piece_head(shape, shared)?;
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
        here(g)
            .map(Callee::Here)
            .or_else(|| chunking.callee(shape, g))
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
    shape.append_names(&mut out, named.map(|(k, f)| (k as u32, f)));
    Ok(Some(out))
}
