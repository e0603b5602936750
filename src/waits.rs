//! Modules made to wait through the host: in a program with threads every
//! `memory.atomic.wait32/64` becomes a call to a host function, so that a
//! thread blocked in a futex wait is known to be (it need not answer a
//! dlopen on another thread), catches up with the link when it wakes, and
//! can be woken when the program ends. The call goes through one more
//! imported table ([`MODULE`].[`TABLE`]: entry 0 waits on 32 bits, entry 1
//! on 64), which shifts no function index, so the module's metadata, read
//! from the original bytes, still holds. A module that defines tables of
//! its own, or waits on a memory other than its first, is left as it is.

use std::borrow::Cow;
use std::ops::Range;

use wasm_encoder::Encode;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{Operator, Parser, Payload};

/// The module of the added import.
pub const MODULE: &str = "dlrun";
/// The name of the added import: a table of the two wait functions.
pub const TABLE: &str = "waits";

/// `wasm` with its waits routed through the host; `wasm` itself when it
/// has none (or cannot be rewritten, see the module docs).
pub fn route(wasm: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let mut found = Found::default();
    let mut end = 8;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| e.to_string())?;
        let whole = payload.as_section().map(|(id, range)| (id, end..range.end));
        match &payload {
            Payload::TypeSection(s) => {
                for ty in s.clone().into_iter_err_on_gc_types() {
                    if ty.is_err() {
                        return Ok(Cow::Borrowed(wasm));
                    }
                    found.types += 1;
                }
            }
            Payload::ImportSection(s) => {
                for import in s.clone().into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    if matches!(import.ty, wasmparser::TypeRef::Table(_)) {
                        found.tables += 1;
                    }
                }
            }
            Payload::TableSection(_) => return Ok(Cow::Borrowed(wasm)),
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                let mut ops = body.get_operators_reader().map_err(|e| e.to_string())?;
                let mut waits = Vec::new();
                while !ops.eof() {
                    let at = ops.original_position();
                    let op = ops.read().map_err(|e| e.to_string())?;
                    let wide = match op {
                        Operator::MemoryAtomicWait32 { memarg } => Some((false, memarg)),
                        Operator::MemoryAtomicWait64 { memarg } => Some((true, memarg)),
                        _ => None,
                    };
                    if let Some((wide, memarg)) = wide {
                        if memarg.memory != 0 {
                            return Ok(Cow::Borrowed(wasm));
                        }
                        waits.push(Wait {
                            at: at..ops.original_position(),
                            wide,
                            offset: memarg.offset,
                        });
                    }
                }
                found.bodies.push((range, waits));
            }
            _ => {}
        }
        if let Some((id, whole)) = whole {
            end = whole.end;
            match id {
                1 => found.type_section = Some(whole),
                2 => found.import_section = Some(whole),
                10 => found.code_section = Some(whole),
                _ => {}
            }
        }
    }
    if found.bodies.iter().all(|(_, w)| w.is_empty()) {
        return Ok(Cow::Borrowed(wasm));
    }
    found.rewrite(wasm).map(Cow::Owned)
}

/// One wait instruction of a function body.
struct Wait {
    /// Its bytes in the module.
    at: Range<usize>,
    /// `memory.atomic.wait64` (else `wait32`).
    wide: bool,
    offset: u64,
}

#[derive(Default)]
struct Found {
    types: u32,
    tables: u32,
    type_section: Option<Range<usize>>,
    import_section: Option<Range<usize>>,
    code_section: Option<Range<usize>>,
    /// Each function body's bytes and its waits.
    bodies: Vec<(Range<usize>, Vec<Wait>)>,
}

impl Found {
    fn rewrite(&self, wasm: &[u8]) -> Result<Vec<u8>, String> {
        let (Some(types), Some(code)) = (&self.type_section, &self.code_section) else {
            return Err("waits without a type or code section".into());
        };
        let err = |e: wasm_encoder::reencode::Error| e.to_string();
        // The module's own types and imports, re-encoded to add to.
        let mut type_section = wasm_encoder::TypeSection::new();
        let mut import_section = wasm_encoder::ImportSection::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| e.to_string())? {
                Payload::TypeSection(s) => RoundtripReencoder
                    .parse_type_section(&mut type_section, s)
                    .map_err(err)?,
                Payload::ImportSection(s) => RoundtripReencoder
                    .parse_import_section(&mut import_section, s)
                    .map_err(err)?,
                Payload::CodeSectionStart { .. } => break,
                _ => {}
            }
        }
        use wasm_encoder::ValType::{I32, I64};
        let (wait32, wait64) = (self.types, self.types + 1);
        type_section.ty().function([I32, I32, I64, I32], [I32]);
        type_section.ty().function([I32, I64, I64, I32], [I32]);
        import_section.import(
            MODULE,
            TABLE,
            wasm_encoder::TableType {
                element_type: wasm_encoder::RefType::FUNCREF,
                table64: false,
                minimum: 2,
                maximum: Some(2),
                shared: false,
            },
        );
        let table = self.tables;
        let mut code_section = wasm_encoder::CodeSection::new();
        for (range, waits) in &self.bodies {
            if waits.is_empty() {
                code_section.raw(&wasm[range.clone()]);
                continue;
            }
            let mut body = Vec::with_capacity(range.len() + 16 * waits.len());
            let mut from = range.start;
            for w in waits {
                body.extend_from_slice(&wasm[from..w.at.start]);
                let mut sink = Vec::new();
                let offset = i32::try_from(w.offset).map_err(|_| "a wait offset past 2 GiB")?;
                wasm_encoder::Instruction::I32Const(offset).encode(&mut sink);
                wasm_encoder::Instruction::I32Const(i32::from(w.wide)).encode(&mut sink);
                wasm_encoder::Instruction::CallIndirect {
                    type_index: if w.wide { wait64 } else { wait32 },
                    table_index: table,
                }
                .encode(&mut sink);
                body.extend_from_slice(&sink);
                from = w.at.end;
            }
            body.extend_from_slice(&wasm[from..range.end]);
            code_section.raw(&body);
        }
        let mut out = Vec::with_capacity(wasm.len() + 64);
        let section = |s: &dyn wasm_encoder::Section, out: &mut Vec<u8>| {
            let mut bytes = Vec::new();
            s.append_to(&mut bytes);
            out.extend_from_slice(&bytes);
        };
        // Sections in order: up to types, new types, up to imports (or
        // where they go), imports, up to code, code, the rest.
        out.extend_from_slice(&wasm[..types.start]);
        section(&type_section, &mut out);
        let after_types = types.end;
        match &self.import_section {
            Some(imports) => {
                out.extend_from_slice(&wasm[after_types..imports.start]);
                section(&import_section, &mut out);
                out.extend_from_slice(&wasm[imports.end..code.start]);
            }
            None => {
                section(&import_section, &mut out);
                out.extend_from_slice(&wasm[after_types..code.start]);
            }
        }
        section(&code_section, &mut out);
        out.extend_from_slice(&wasm[code.end..]);
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A module with a wait of each width, and a function without one.
    pub(crate) fn waiting() -> Vec<u8> {
        wat::parse_str(
            r#"(module
                (import "env" "memory" (memory 1 1 shared))
                (import "env" "__indirect_function_table" (table 0 funcref))
                (func (export "w32") (param i32 i32) (result i32)
                    local.get 0 local.get 1 i64.const -1 memory.atomic.wait32 offset=8)
                (func (export "w64") (param i32 i64) (result i32)
                    local.get 0 local.get 1 i64.const 5 memory.atomic.wait64)
                (func (export "plain") (result i32) i32.const 7))"#,
        )
        .unwrap()
    }

    #[test]
    fn waits_become_calls_through_the_added_table_and_the_rest_stays() {
        let wasm = waiting();
        let out = route(&wasm).unwrap();
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&out)
            .unwrap();
        let text = wasmprinter::print_bytes(&*out).unwrap();
        assert!(!text.contains("memory.atomic.wait"), "{text}");
        assert!(text.contains(r#"(import "dlrun" "waits" (table"#), "{text}");
        assert!(text.contains("i32.const 8"), "{text}");
        assert!(text.contains("call_indirect 1"), "{text}");
        let info = crate::modinfo::ModuleInfo::parse_with(&out, false).unwrap();
        let names: Vec<&str> = info.exports.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["w32", "w64", "plain"]);
    }

    #[test]
    fn a_module_without_waits_is_left_as_it_is() {
        let wasm =
            wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 1))"#).unwrap();
        assert!(matches!(route(&wasm).unwrap(), Cow::Borrowed(_)));
    }
}
