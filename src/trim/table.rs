//! Trimming for Cranelift's code ([`Form::Table`]): the removed functions
//! become the entries of one exported table, [`TABLE`].

use wasmparser::Payload;

use super::{Layout, TABLE, exports_without};
use crate::sections::{At, ELEMENTS, TABLES, entries_of, extend, rank, walk};

/// The most tables and element segments a module may have, as wasmtime
/// validates it: a module at either limit has no room for the table of
/// exports and is not trimmed into one.
const MOST_TABLES: u32 = 100;
const MOST_SEGMENTS: u32 = 100_000;

/// The module with the table of exports, [`TABLE`], exported: a table
/// after the module's others, and an element segment filling it, each in a
/// section of its own when the module has none. `None` when the module has
/// element segments other than active ones of functions.
///
/// The segment comes first: wasmtime fills a table lazily, as its entries
/// are used, only from the segments before the first it cannot (one into
/// an imported table, as an Emscripten main's is); it fills the others at
/// each instantiation, which for a main's thousands of functions cost more
/// than the names did. Active segments are dropped once applied, so moving
/// them one index later changes nothing the code can see; a passive or
/// declared one could be named by `table.init`, and the module is left
/// alone.
pub(super) fn with_table(wasm: &[u8], layout: &Layout) -> Result<Option<Vec<u8>>, String> {
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let size = layout.tabled.len() as u64;
    let mut table = wasm_encoder::TableSection::new();
    table.table(wasm_encoder::TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: size,
        maximum: Some(size),
        shared: false,
    });
    // Its index: the tables the module imports and defines come first.
    // The imports are counted in these bytes, not in the module's metadata:
    // a rewrite before this one may have added a table (a program with
    // threads imports `dlrun.waits`, see `crate::waits`).
    let mut index = 0;
    let segment = |index: u32| {
        let mut elements = wasm_encoder::ElementSection::new();
        elements.active(
            Some(index),
            &wasm_encoder::ConstExpr::i32_const(0),
            wasm_encoder::Elements::Functions(layout.tabled.as_slice().into()),
        );
        elements
    };
    let (mut tabled, mut filled) = (false, false);
    let mut out = Vec::with_capacity(wasm.len() + 4 * layout.tabled.len());
    out.extend_from_slice(&wasm[..8]);
    for section in walk(wasm) {
        let (id, payload, range, whole) = section?;
        let after = |kind: u8| rank(id).is_some_and(|r| r > rank(kind).unwrap_or(0));
        if !tabled && after(TABLES) {
            if index >= MOST_TABLES {
                return Ok(None);
            }
            wasm_encoder::Section::append_to(&table, &mut out);
            tabled = true;
        }
        if !filled && after(ELEMENTS) {
            wasm_encoder::Section::append_to(&segment(index), &mut out);
            filled = true;
        }
        match &payload {
            Payload::ImportSection(s) => {
                for import in s.clone().into_imports() {
                    if let wasmparser::TypeRef::Table(_) = import.map_err(err)?.ty {
                        index += 1;
                    }
                }
            }
            Payload::TableSection(s) => {
                index += s.count();
                if index >= MOST_TABLES {
                    return Ok(None);
                }
                extend(&mut out, id, &wasm[range], 1, &entries_of(&table), At::End)?;
                tabled = true;
                continue;
            }
            Payload::ElementSection(s) => {
                if s.count() >= MOST_SEGMENTS {
                    return Ok(None);
                }
                for element in s.clone() {
                    let element = element.map_err(err)?;
                    let active = matches!(element.kind, wasmparser::ElementKind::Active { .. });
                    let funcs = match element.items {
                        wasmparser::ElementItems::Functions(_) => true,
                        wasmparser::ElementItems::Expressions(ty, _) => ty.is_func_ref(),
                    };
                    if !(active && funcs) {
                        return Ok(None);
                    }
                }
                extend(
                    &mut out,
                    id,
                    &wasm[range],
                    1,
                    &entries_of(&segment(index)),
                    At::Start,
                )?;
                filled = true;
                continue;
            }
            Payload::ExportSection(s) => {
                let section = exports_without(s.clone(), layout, |section| {
                    section.export(TABLE, wasm_encoder::ExportKind::Table, index);
                })?;
                wasm_encoder::Section::append_to(&section, &mut out);
                continue;
            }
            _ => {}
        }
        out.extend_from_slice(&wasm[whole]);
    }
    if !filled {
        wasm_encoder::Section::append_to(&segment(index), &mut out);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{exports, trimmed_module};
    use super::super::{Form, Route, is_trimmed, trim};
    use super::*;
    use crate::modinfo::ModuleInfo;
    use wasmtime::{Engine, Instance, Store};

    /// The table of exports of `instance`, entry `position`, called with
    /// one i32.
    fn call_entry(store: &mut Store<()>, instance: &Instance, position: u32, arg: i32) -> i32 {
        let table = instance.get_table(&mut *store, TABLE).unwrap();
        let entry = table.get(&mut *store, u64::from(position)).unwrap();
        let f = entry.as_func().flatten().unwrap();
        f.typed::<i32, i32>(&*store)
            .unwrap()
            .call(store, arg)
            .unwrap()
    }

    #[test]
    fn tabling_keeps_other_exports_and_holds_every_function_once() {
        let (info, layout, tabled) = trimmed_module(Form::Table);
        assert_eq!(exports(&tabled), ["memory", "g", "malloc", TABLE]);
        assert_eq!(layout.route(3), Some(Route::Export("malloc")));
        let (twice, inc, other) = (0, 1, 4);
        let position = |f| match layout.route(f) {
            Some(Route::Table { position }) => position,
            other => panic!("{other:?}"),
        };
        assert_eq!(layout.tabled.len(), 4, "an alias takes no second entry");
        let engine = Engine::default();
        let module = wasmtime::Module::new(&engine, &tabled).unwrap();
        assert_eq!(is_trimmed(&module, &info), Some(Form::Table));
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        assert_eq!(call_entry(&mut store, &instance, position(twice), 21), 42);
        assert_eq!(call_entry(&mut store, &instance, position(inc), 41), 42);
        assert_eq!(call_entry(&mut store, &instance, position(other), 7), 7);
    }

    /// `wasm` trimmed into a table, validated and compiled.
    fn tabled_module(wasm: &[u8]) -> (Engine, wasmtime::Module) {
        let info = ModuleInfo::parse_with(wasm, false).unwrap();
        let tabled = trim(wasm, &info, Form::Table).unwrap().unwrap();
        wasmparser::validate(&tabled).unwrap();
        let engine = Engine::default();
        let module = wasmtime::Module::new(&engine, &tabled).unwrap();
        (engine, module)
    }

    #[test]
    fn the_table_of_exports_comes_after_the_tables_its_segment_before_the_segments() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "t" (table 1 funcref))
                (table $own 2 funcref)
                (func $f (export "f") (param i32) (result i32) (local.get 0))
                (func $g (export "g") (param i32) (result i32)
                    (call_indirect $own (param i32) (result i32) (local.get 0) (i32.const 1)))
                (elem (table $own) (i32.const 1) func $f))"#,
        )
        .unwrap();
        let (engine, module) = tabled_module(&wasm);
        let mut store = Store::new(&engine, ());
        let t = wasmtime::Table::new(
            &mut store,
            wasmtime::TableType::new(wasmtime::RefType::FUNCREF, 1, None),
            wasmtime::Ref::Func(None),
        )
        .unwrap();
        let instance = Instance::new(&mut store, &module, &[t.into()]).unwrap();
        let table = instance.get_table(&mut store, TABLE).unwrap();
        assert_eq!(table.size(&store), 2);
        assert_eq!(call_entry(&mut store, &instance, 1, 5), 5, "g calls f");
    }

    #[test]
    fn a_module_without_tables_or_segments_gets_both() {
        let wasm = wat::parse_str(
            r#"(module
                (memory (export "memory") 1)
                (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
                (data (i32.const 0) "x"))"#,
        )
        .unwrap();
        let (engine, module) = tabled_module(&wasm);
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        assert_eq!(call_entry(&mut store, &instance, 0, 1), 2);
    }

    #[test]
    fn a_module_with_a_passive_segment_is_not_tabled() {
        let wasm = wat::parse_str(
            r#"(module (table 1 funcref)
                (func $f (export "f"))
                (elem func $f))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        assert_eq!(trim(&wasm, &info, Form::Table).unwrap(), None);
        assert!(trim(&wasm, &info, Form::Dispatchers).unwrap().is_some());
    }

    #[test]
    fn a_module_with_all_the_tables_wasm_allows_is_not_tabled() {
        let tables = "(table 0 funcref)".repeat(MOST_TABLES as usize);
        let wasm = wat::parse_str(format!("(module {tables} (func (export \"f\")))")).unwrap();
        wasmparser::validate(&wasm).unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        assert_eq!(trim(&wasm, &info, Form::Table).unwrap(), None);
        let fewer = "(table 0 funcref)".repeat(MOST_TABLES as usize - 1);
        let wasm = wat::parse_str(format!("(module {fewer} (func (export \"f\")))")).unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let tabled = trim(&wasm, &info, Form::Table).unwrap().unwrap();
        wasmparser::validate(&tabled).unwrap();
    }

    #[test]
    fn a_table_an_earlier_rewrite_imported_comes_before_the_new_one() {
        // A program with threads has its waits routed through an imported
        // table before it is trimmed; its metadata, read from the original
        // bytes, does not list that import.
        let wasm = crate::waits::tests::waiting();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let routed = crate::waits::route(&wasm).unwrap().into_owned();
        let tabled = trim(&routed, &info, Form::Table).unwrap().unwrap();
        wasmparser::validate(&tabled).unwrap();
        assert_eq!(segment_tables(&tabled), [2]);
    }

    /// The tables the element segments of `wasm` fill, in order.
    fn segment_tables(wasm: &[u8]) -> Vec<u32> {
        let mut tables = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            if let Payload::ElementSection(s) = payload.unwrap() {
                for element in s {
                    if let wasmparser::ElementKind::Active { table_index, .. } =
                        element.unwrap().kind
                    {
                        tables.push(table_index.unwrap_or(0));
                    }
                }
            }
        }
        tables
    }

    /// wasmtime fills lazily only the segments before the first it cannot
    /// (here, the one into the imported table): the table's must come
    /// before it.
    #[test]
    fn the_segment_of_the_table_of_exports_comes_first() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "t" (table 1 funcref))
                (import "env" "base" (global i32))
                (func $f (export "f"))
                (elem (table 0) (global.get 0) func $f))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let tabled = trim(&wasm, &info, Form::Table).unwrap().unwrap();
        wasmparser::validate(&tabled).unwrap();
        assert_eq!(segment_tables(&tabled), [1, 0]);
    }

    #[test]
    fn a_module_with_all_the_segments_wasm_allows_is_not_tabled() {
        let mut module = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        let mut funcs = wasm_encoder::FunctionSection::new();
        funcs.function(0);
        let mut tables = wasm_encoder::TableSection::new();
        tables.table(wasm_encoder::TableType {
            element_type: wasm_encoder::RefType::FUNCREF,
            table64: false,
            minimum: 1,
            maximum: None,
            shared: false,
        });
        let mut exports = wasm_encoder::ExportSection::new();
        exports.export("f", wasm_encoder::ExportKind::Func, 0);
        let mut elements = wasm_encoder::ElementSection::new();
        for _ in 0..MOST_SEGMENTS {
            elements.active(
                None,
                &wasm_encoder::ConstExpr::i32_const(0),
                wasm_encoder::Elements::Functions([0u32][..].into()),
            );
        }
        let mut code = wasm_encoder::CodeSection::new();
        let mut body = wasm_encoder::Function::new([]);
        body.instruction(&wasm_encoder::Instruction::End);
        code.function(&body);
        module
            .section(&types)
            .section(&funcs)
            .section(&tables)
            .section(&exports)
            .section(&elements)
            .section(&code);
        let wasm = module.finish();
        wasmparser::validate(&wasm).unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        assert_eq!(trim(&wasm, &info, Form::Table).unwrap(), None);
    }
}
