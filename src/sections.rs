//! Small edits of a module's sections that the first-run rewrites
//! ([`crate::trim`], [`crate::route`]) share: new entries appended to a
//! section whose existing entries are copied as they are, so that no index
//! moves and nothing is decoded that need not be.

use std::ops::Range;

use wasm_encoder::Encode as _;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{BinaryReader, Parser, Payload};

/// A section as [`walk`] finds it: its id, what it holds, where its
/// contents are, and where it is whole (header included, from the end of
/// the section before it: copying each one after the module's first 8
/// bytes copies the module).
pub type Section<'a> = (u8, Payload<'a>, Range<usize>, Range<usize>);

/// The sections of module `wasm`, in order.
pub fn walk(wasm: &[u8]) -> impl Iterator<Item = Result<Section<'_>, String>> {
    let mut end = 8;
    Parser::new(0).parse_all(wasm).filter_map(move |payload| {
        let payload = match payload {
            Ok(payload) => payload,
            Err(e) => return Some(Err(e.to_string())),
        };
        let (id, contents) = payload.as_section()?;
        let whole = end..contents.end;
        end = contents.end;
        Some(Ok((id, payload, contents, whole)))
    })
}

/// The id of the table section.
pub const TABLES: u8 = 4;

/// The id of the element section.
pub const ELEMENTS: u8 = 9;

/// Where a section with id `id` stands among the known sections, which a
/// module holds in this order; `None` for a custom section, which may
/// stand anywhere, and for ids wasm does not know.
pub fn rank(id: u8) -> Option<u8> {
    // Type, import, function, table, memory, tag, global, export, start,
    // element, data count, code, data.
    const ORDER: [u8; 13] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
    ORDER.iter().position(|&k| k == id).map(|r| r as u8)
}

/// The wasm-encoder value types of `types`.
pub fn encoded(types: &[wasmparser::ValType]) -> Vec<wasm_encoder::ValType> {
    types
        .iter()
        .map(|&t| RoundtripReencoder.val_type(t).expect("a core value type"))
        .collect()
}

/// The entries of an encoded section (its contents without the count).
pub fn entries_of(section: &impl wasm_encoder::Section) -> Vec<u8> {
    let mut contents = Vec::new();
    section.encode(&mut contents);
    let mut reader = BinaryReader::new(&contents, 0);
    let size = reader.read_var_u32().expect("an encoded section size") as usize;
    let at = reader.original_position();
    let mut reader = BinaryReader::new(&contents[at..at + size], 0);
    reader.read_var_u32().expect("an encoded count");
    let start = at + reader.original_position();
    contents[start..at + size].to_vec()
}

/// A generated module of functions calling imported ones: its sections,
/// put in the order wasm wants them.
pub fn module(
    types: &wasm_encoder::TypeSection,
    imports: &wasm_encoder::ImportSection,
    functions: &wasm_encoder::FunctionSection,
    exports: &wasm_encoder::ExportSection,
    code: &wasm_encoder::CodeSection,
) -> Vec<u8> {
    let mut module = wasm_encoder::Module::new();
    module
        .section(types)
        .section(imports)
        .section(functions)
        .section(exports)
        .section(code);
    module.finish()
}

/// A function body that runs one of `cases` cases, chosen by the i32 that
/// `select` leaves on the stack: `table[k]` is the case for `k`, and
/// anything else traps. Case `n` is what `case(n, body)` emits, after
/// which the function returns.
pub fn switch(
    select: impl FnOnce(&mut wasm_encoder::Function),
    table: Vec<u32>,
    cases: usize,
    mut case: impl FnMut(usize, &mut wasm_encoder::Function),
) -> wasm_encoder::Function {
    use wasm_encoder::Instruction;
    let mut body = wasm_encoder::Function::new([]);
    for _ in 0..=cases {
        body.instruction(&Instruction::Block(wasm_encoder::BlockType::Empty));
    }
    select(&mut body);
    body.instruction(&Instruction::BrTable(table.into(), cases as u32));
    for n in 0..cases {
        body.instruction(&Instruction::End);
        case(n, &mut body);
        body.instruction(&Instruction::Return);
    }
    body.instruction(&Instruction::End);
    body.instruction(&Instruction::Unreachable);
    body.instruction(&Instruction::End);
    body
}

/// Where [`extend`] puts a section's new entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// After the section's own.
    End,
    /// Before the section's own.
    Start,
}

/// Appends to `out` section `id` whose contents were `contents` (a count,
/// then the entries), with `added` more `entries` at `at`.
pub fn extend(
    out: &mut Vec<u8>,
    id: u8,
    contents: &[u8],
    added: u32,
    entries: &[u8],
    at: At,
) -> Result<(), String> {
    let mut reader = BinaryReader::new(contents, 0);
    let count = reader.read_var_u32().map_err(|e| e.to_string())?;
    let kept = &contents[reader.original_position()..];
    let mut body = Vec::with_capacity(kept.len() + entries.len() + 5);
    (count + added).encode(&mut body);
    let (a, b) = match at {
        At::Start => (entries, kept),
        At::End => (kept, entries),
    };
    body.extend_from_slice(a);
    body.extend_from_slice(b);
    out.push(id);
    body.encode(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A type section of one type per entry of `params`, each taking
    /// those parameters.
    fn types(params: &[&[wasm_encoder::ValType]]) -> wasm_encoder::TypeSection {
        let mut section = wasm_encoder::TypeSection::new();
        for p in params {
            section.ty().function(p.iter().copied(), []);
        }
        section
    }

    #[test]
    fn new_entries_go_after_or_before_the_sections_own() {
        use wasm_encoder::ValType::I32;
        let mut contents = Vec::new();
        1u32.encode(&mut contents);
        contents.extend_from_slice(&entries_of(&types(&[&[]])));
        let new = entries_of(&types(&[&[I32]]));
        let encoded = |section: wasm_encoder::TypeSection| {
            let mut want = Vec::new();
            wasm_encoder::Section::append_to(&section, &mut want);
            want
        };
        let mut out = Vec::new();
        extend(&mut out, 1, &contents, 1, &new, At::End).unwrap();
        assert_eq!(out, encoded(types(&[&[], &[I32]])));
        let mut out = Vec::new();
        extend(&mut out, 1, &contents, 1, &new, At::Start).unwrap();
        assert_eq!(out, encoded(types(&[&[I32], &[]])));
    }

    #[test]
    fn sections_rank_in_the_order_wasm_wants_them() {
        assert!(rank(13) > rank(5) && rank(13) < rank(6));
        assert!(rank(12) > rank(ELEMENTS) && rank(12) < rank(10));
        assert!(rank(TABLES) < rank(ELEMENTS));
        assert_eq!(rank(0), None);
    }

    #[test]
    fn a_damaged_count_is_an_error() {
        assert!(extend(&mut Vec::new(), 1, &[0x80], 1, &[], At::End).is_err());
    }
}
