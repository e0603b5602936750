//! The core of a split module: all of it but its data and the bodies of
//! its functions.

use wasm_encoder::reencode::Reencode;
use wasm_encoder::{Encode as _, Instruction};
use wasmparser::Payload;

use super::{Callee, Chunking, START, Shape, Shared, chunks_table_type, rewrite_body};
use crate::sections::{At, entries_of, extend, rank, walk};

/// Function indices of the core: imports keep theirs, then the stubs of
/// the roots, then the resident functions.
struct CoreIndex<'s> {
    first: u32,
    roots: &'s [u32],
    resident: &'s [u32],
}

impl CoreIndex<'_> {
    /// The core's index of function `f`, if the core has it.
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

/// The core's bytes, sharing `shared`; `None` when a resident body
/// cannot move.
pub(super) fn core(
    shape: &Shape<'_>,
    chunking: &Chunking,
    shared: &[Shared],
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
            core_exports(&mut out, shape, shared, &mut index, None)?;
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
                core_exports(&mut out, shape, shared, &mut index, Some(s))?;
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
                    stub(shape, chunking, f, &mut contents);
                }
                for &f in &shape.resident {
                    let callee = |g| {
                        let chunked = chunking.callee(shape, g);
                        chunked.or_else(|| index.of(g).map(Callee::Here))
                    };
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
        core_exports(&mut out, shape, shared, &mut index, None)?;
    }
    let kept = shape.roots.iter().chain(&shape.resident);
    let named = (0..first).chain(kept.copied()).enumerate();
    shape.append_names(&mut out, named.map(|(k, f)| (k as u32, f)));
    Ok(Some(out))
}

/// Appends the table section whose contents were `contents` with
/// [`CHUNKS`] (`slots` slots) added last.
fn chunks_table(out: &mut Vec<u8>, slots: u32, contents: &[u8]) -> Result<(), String> {
    let mut added = wasm_encoder::TableSection::new();
    added.table(chunks_table_type(slots));
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
/// functions at their core indices), what it shares with the other
/// pieces, the start function.
fn core_exports(
    out: &mut Vec<u8>,
    shape: &Shape<'_>,
    shared: &[Shared],
    index: &mut CoreIndex<'_>,
    exports: Option<wasmparser::ExportSectionReader<'_>>,
) -> Result<(), String> {
    let mut section = wasm_encoder::ExportSection::new();
    if let Some(exports) = exports {
        index
            .parse_export_section(&mut section, exports)
            .map_err(|e| e.to_string())?;
    }
    for s in shared {
        section.export(&s.name, s.kind, s.index);
    }
    if let Some(start) = shape.start {
        let f = index.of(start).ok_or("the start function left the core")?;
        section.export(START, wasm_encoder::ExportKind::Func, f);
    }
    wasm_encoder::Section::append_to(&section, out);
    Ok(())
}

/// Appends the body of the core's stub for function `f`: it passes its
/// arguments on to `f` in its chunk (every function the core has a stub
/// of is in one).
fn stub(shape: &Shape<'_>, chunking: &Chunking, f: u32, out: &mut Vec<u8>) {
    let params = shape.types[shape.type_of(f) as usize].0.len() as u32;
    let mut body = wasm_encoder::Function::new([]);
    for p in 0..params {
        body.instruction(&Instruction::LocalGet(p));
    }
    for instruction in chunking.callee(shape, f).iter().flat_map(|c| c.call(shape)) {
        body.instruction(&instruction);
    }
    body.instruction(&Instruction::End);
    body.encode(out);
}
