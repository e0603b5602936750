//! A main module's bases made constants before it is compiled. An emcc
//! `-sMAIN_MODULE` main is position-independent: every access to its static
//! data adds the imported global `__memory_base` (CPython's main reads it
//! 89,000 times in its code), and the internal GOT globals that
//! `__wasm_apply_global_relocs` sets to `__memory_base + K` (or
//! `__table_base + K`) are read where a static program has a constant. An
//! imported global is two dependent loads in compiled code, a defined one
//! one load. But dlrun always places the main at the same bases (see
//! [`crate::abi::emscripten::main_bases`]), so each of those reads is a
//! constant the compiler can fold into the access: this module rewrites
//! `global.get` of them into `i32.const`. Nothing else changes (no index
//! moves; the globals stay, the relocations still set them), so the
//! module's metadata, read from the original bytes, still holds.

use std::collections::HashMap;

use wasm_encoder::Encode as _;
use wasmparser::{Operator, Parser, Payload, TypeRef};

/// Where a main module is placed: its `__memory_base` and `__table_base`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bases {
    /// The address of its static data.
    pub memory: u32,
    /// The table slot of its first function pointer.
    pub table: u32,
}

/// `wasm` with every read of its bases, and of the globals set once to a
/// base plus a constant, replaced by the value; `None` when it reads none.
pub fn constant_bases(wasm: &[u8], bases: Bases) -> Result<Option<Vec<u8>>, String> {
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut imported_globals = 0u32;
    let mut base_of: HashMap<u32, u32> = HashMap::new();
    let mut code: Option<std::ops::Range<usize>> = None;
    let mut bodies = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            Payload::ImportSection(s) => {
                for import in s.into_imports() {
                    let import = import.map_err(err)?;
                    if let TypeRef::Global(_) = import.ty {
                        match (import.module, import.name) {
                            ("env", "__memory_base") => {
                                base_of.insert(imported_globals, bases.memory);
                            }
                            ("env", "__table_base") => {
                                base_of.insert(imported_globals, bases.table);
                            }
                            _ => {}
                        }
                        imported_globals += 1;
                    }
                }
            }
            Payload::CodeSectionStart { range, .. } => code = Some(range),
            Payload::CodeSectionEntry(body) => bodies.push(body),
            _ => {}
        }
    }
    let Some(code) = code else {
        return Ok(None);
    };
    if base_of.is_empty() {
        return Ok(None);
    }
    let mut values = base_of.clone();
    values.extend(set_once(&bodies, &base_of, imported_globals)?);

    let mut section = Vec::with_capacity(code.len());
    (bodies.len() as u32).encode(&mut section);
    let mut changed = false;
    let mut body = Vec::new();
    for b in &bodies {
        body.clear();
        let range = b.range();
        let mut ops = b.get_operators_reader().map_err(err)?;
        let mut copied = ops.original_position();
        body.extend_from_slice(&wasm[range.start..copied]);
        while !ops.eof() {
            let at = ops.original_position();
            if let Operator::GlobalGet { global_index } = ops.read().map_err(err)?
                && let Some(&v) = values.get(&global_index)
            {
                body.extend_from_slice(&wasm[copied..at]);
                body.push(0x41);
                (v as i32).encode(&mut body);
                copied = ops.original_position();
                changed = true;
            }
        }
        body.extend_from_slice(&wasm[copied..range.end]);
        (body.len() as u32).encode(&mut section);
        section.extend_from_slice(&body);
    }
    if !changed {
        return Ok(None);
    }
    // The section's id and size precede its contents; the size's LEB may
    // be padded, so the header ends where the contents begin.
    let header_start = section_start(wasm, code.start)?;
    let mut out = Vec::with_capacity(wasm.len());
    out.extend_from_slice(&wasm[..header_start]);
    out.push(10);
    (section.len() as u32).encode(&mut out);
    out.extend_from_slice(&section);
    out.extend_from_slice(&wasm[code.end..]);
    Ok(Some(out))
}

/// The defined globals whose only writes anywhere are
/// `global.get BASE; [i32.const K; i32.add;] global.set G`, with their
/// values.
fn set_once(
    bodies: &[wasmparser::FunctionBody<'_>],
    base_of: &HashMap<u32, u32>,
    imported_globals: u32,
) -> Result<HashMap<u32, u32>, String> {
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut found: HashMap<u32, Option<u32>> = HashMap::new();
    for b in bodies {
        let mut ops = b.get_operators_reader().map_err(err)?;
        // The three operators before the current one.
        let mut last: [Option<Operator<'_>>; 3] = [None, None, None];
        while !ops.eof() {
            let op = ops.read().map_err(err)?;
            if let Operator::GlobalSet { global_index } = op {
                let value = match &last {
                    [
                        Some(Operator::GlobalGet { global_index: base }),
                        Some(Operator::I32Const { value: k }),
                        Some(Operator::I32Add),
                    ] => base_of.get(base).map(|b| b.wrapping_add(*k as u32)),
                    [_, _, Some(Operator::GlobalGet { global_index: base })] => {
                        base_of.get(base).copied()
                    }
                    _ => None,
                };
                let entry = found.entry(global_index).or_insert(value);
                if *entry != value {
                    *entry = None;
                }
            }
            last = [last[1].take(), last[2].take(), Some(op)];
        }
    }
    Ok(found
        .into_iter()
        .filter(|(g, _)| *g >= imported_globals)
        .filter_map(|(g, v)| Some((g, v?)))
        .collect())
}

/// Where the section whose contents begin at `contents` begins (its id byte).
fn section_start(wasm: &[u8], contents: usize) -> Result<usize, String> {
    // An id byte, then a size of 1 to 5 LEB bytes ending at `contents`.
    (2..=6)
        .map(|n| contents.wrapping_sub(n))
        .find(|&at| {
            at < contents
                && wasm.get(at) == Some(&10)
                && read_leb(&wasm[at + 1..contents]).is_some()
        })
        .ok_or_else(|| "no code section header".to_string())
}

/// The value of `bytes` if they are exactly one unsigned LEB128.
fn read_leb(bytes: &[u8]) -> Option<u32> {
    let (last, rest) = bytes.split_last()?;
    if last & 0x80 != 0 || rest.iter().any(|b| b & 0x80 == 0) {
        return None;
    }
    Some(
        bytes
            .iter()
            .enumerate()
            .fold(0u32, |v, (k, b)| v | (u32::from(b & 0x7f) << (7 * k))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASES: Bases = Bases {
        memory: 1024,
        table: 1,
    };

    const MAIN: &str = r#"(module
        (import "env" "__memory_base" (global $mb i32))
        (import "env" "__table_base" (global $tb i32))
        (import "env" "memory" (memory 1))
        (global $got_data (mut i32) (i32.const 0))
        (global $got_func (mut i32) (i32.const 0))
        (global $twice (mut i32) (i32.const 0))
        (func $relocs
            (global.set $got_data (i32.add (global.get $mb) (i32.const 16)))
            (global.set $got_func (i32.add (global.get $tb) (i32.const 3)))
            (global.set $twice (global.get $mb)))
        (func $elsewhere (global.set $twice (i32.const 5)))
        (start $relocs)
        (func (export "data") (result i32) (i32.add (global.get $mb) (i32.const 8)))
        (func (export "got_data") (result i32) (global.get $got_data))
        (func (export "got_func") (result i32) (global.get $got_func))
        (func (export "twice") (result i32) (global.get $twice)))"#;

    /// The instructions of the function exported as `name`, on one line.
    fn ops(wasm: &[u8], name: &str) -> String {
        let text = wasmprinter::print_bytes(wasm).unwrap();
        let export = format!("(export \"{name}\" (func ");
        let at = text.find(&export).unwrap() + export.len();
        let index = &text[at..at + text[at..].find(')').unwrap()];
        let head = format!("(func (;{index};)");
        text[text.find(&head).unwrap()..]
            .lines()
            .skip(1)
            .take_while(|l| l.trim() != ")")
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn bases_and_globals_set_once_become_constants() {
        let wasm = wat::parse_str(MAIN).unwrap();
        let out = constant_bases(&wasm, BASES).unwrap().expect("rewritten");
        wasmparser::validate(&out).unwrap();
        assert!(ops(&out, "data").starts_with("i32.const 1024 i32.const 8 i32.add"));
        assert!(ops(&out, "got_data").starts_with("i32.const 1040"));
        assert!(ops(&out, "got_func").starts_with("i32.const 4"));
        // Set twice (once elsewhere): left a global.
        assert!(ops(&out, "twice").starts_with("global.get"));
    }

    #[test]
    fn damaged_modules_are_errors_not_panics() {
        let wasm = wat::parse_str(MAIN).unwrap();
        for at in 0..wasm.len() {
            for value in [0x00, 0x0a, 0x23, 0x41, 0x7f, 0x80, 0xff] {
                let mut bad = wasm.clone();
                bad[at] = value;
                let _ = constant_bases(&bad, BASES);
            }
            let _ = constant_bases(&wasm[..at], BASES);
        }
    }

    #[test]
    fn modules_without_bases_are_left_alone() {
        let wasm = wat::parse_str(
            "(module (global (mut i32) (i32.const 0)) (func (drop (global.get 0))))",
        )
        .unwrap();
        assert_eq!(constant_bases(&wasm, BASES).unwrap(), None);
    }

    #[test]
    fn leb_round_trips_and_signed_constants_encode() {
        for v in [0u32, 127, 128, 1 << 20, u32::MAX] {
            let mut out = Vec::new();
            v.encode(&mut out);
            assert_eq!(read_leb(&out), Some(v));
        }
        let wasm = wat::parse_str(
            r#"(module (import "env" "__memory_base" (global i32))
                (func (export "f") (result i32) (global.get 0)))"#,
        )
        .unwrap();
        for memory in [0x7fff_ffff, 0x8000_0000, 64] {
            let out = constant_bases(&wasm, Bases { memory, table: 1 })
                .unwrap()
                .unwrap();
            wasmparser::validate(&out).unwrap();
            assert!(ops(&out, "f").starts_with(&format!("i32.const {}", memory as i32)));
        }
    }
}
