//! Modules made to show their mutable globals: a template must put every
//! global back as the constructors left it, and wasmtime reads only
//! exported ones. The module's export section is rewritten with one more
//! export per mutable global it defines, under a name no C symbol can have
//! ([`PREFIX`]); nothing else in the module changes (no index shifts), so
//! its metadata, read from the original bytes, still holds.

use std::ops::Range;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{Parser, Payload};

/// What the added exports are called: the prefix, then the global's index.
pub const PREFIX: &str = "dlrun.global.";

/// `wasm` with every mutable global it defines exported as
/// `dlrun.global.INDEX`; `wasm` itself when it defines none.
pub fn export_mutable(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let mut imported = 0u32;
    let mut mutable = Vec::new();
    let mut section = wasm_encoder::ExportSection::new();
    let mut exports: Option<Range<usize>> = None;
    // Sections follow each other: each starts where the one before ended
    // (the first after the 8-byte preamble).
    let mut end = 8;
    // Where an export section goes when there is none: after the sections
    // the binary format puts before it.
    let mut insert_at = 8;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| e.to_string())?;
        let whole = payload.as_section().map(|(id, range)| (id, end..range.end));
        match payload {
            Payload::ImportSection(s) => {
                for import in s.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    if matches!(import.ty, wasmparser::TypeRef::Global(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::GlobalSection(s) => {
                for (k, g) in s.into_iter().enumerate() {
                    let g = g.map_err(|e| e.to_string())?;
                    if g.ty.mutable {
                        mutable.push(imported + k as u32);
                    }
                }
            }
            Payload::ExportSection(s) => {
                RoundtripReencoder
                    .parse_export_section(&mut section, s)
                    .map_err(|e| e.to_string())?;
            }
            _ => {}
        }
        if let Some((id, whole)) = whole {
            end = whole.end;
            match id {
                1..=6 => insert_at = whole.end,
                7 => exports = Some(whole),
                _ => {}
            }
        }
    }
    if mutable.is_empty() {
        return Ok(wasm.to_vec());
    }
    for index in mutable {
        section.export(
            &format!("{PREFIX}{index}"),
            wasm_encoder::ExportKind::Global,
            index,
        );
    }
    let replaced = exports.unwrap_or(insert_at..insert_at);
    let mut encoded = Vec::new();
    wasm_encoder::Section::append_to(&section, &mut encoded);
    let mut out = Vec::with_capacity(wasm.len() + encoded.len());
    out.extend_from_slice(&wasm[..replaced.start]);
    out.extend_from_slice(&encoded);
    out.extend_from_slice(&wasm[replaced.end..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutable_globals_are_exported_and_nothing_else_changes() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "g" (global (mut i32)))
                (global $a (mut i32) (i32.const 1))
                (global $b i32 (i32.const 2))
                (global $c (mut i64) (i64.const 3))
                (func (export "f") (result i32) global.get $a)
                (memory 1)
                (data (i32.const 0) "x"))"#,
        )
        .unwrap();
        let out = export_mutable(&wasm).unwrap();
        let info = crate::modinfo::ModuleInfo::parse_with(&out, false).unwrap();
        let names: Vec<&str> = info.exports.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["f", "dlrun.global.1", "dlrun.global.3"]);
        wasmparser::Validator::new().validate_all(&out).unwrap();
    }

    #[test]
    fn a_module_without_exports_gets_an_export_section() {
        let wasm = wat::parse_str(r#"(module (global (mut i32) (i32.const 1)) (func) (start 0))"#)
            .unwrap();
        let out = export_mutable(&wasm).unwrap();
        wasmparser::Validator::new().validate_all(&out).unwrap();
        let info = crate::modinfo::ModuleInfo::parse_with(&out, false).unwrap();
        assert_eq!(info.exports.len(), 1);
    }

    #[test]
    fn a_module_without_mutable_globals_is_left_as_it_is() {
        let wasm = wat::parse_str(r#"(module (global i32 (i32.const 1)))"#).unwrap();
        assert_eq!(export_mutable(&wasm).unwrap(), wasm);
    }
}
