//! Mains whose start function relocates data before the globals it reads.
//! In a module built with threads, LLVM 14 (emcc 3.1.6) makes the start
//! function `call $init_memory; call $apply_global_relocs`: the first copies
//! the passive data segments and applies the data relocations once per
//! program, guarded by a flag in memory; the second sets, in every
//! instance, the internal GOT globals of the symbols the module exports.
//! Data relocations that read those globals (a vtable's pointer to its
//! `type_info`, for one) therefore store them before they hold their
//! addresses. Without threads `__wasm_call_ctors` applies the data
//! relocations again and hides this; with threads nothing does, and C++
//! code that looks at the `type_info` of a `type_info` (a `catch` clause of
//! class type meeting an `int` thrown, `dynamic_cast` of a pointer type)
//! reads a wild vtable. Node fails the same way. Swapping the two calls
//! fixes it: setting globals touches no memory, so it may come first.

use std::borrow::Cow;
use std::ops::Range;

use wasmparser::{Operator, Parser, Payload};

/// `wasm` with its start function's two calls swapped when it has the shape
/// above; `wasm` itself otherwise. The patch swaps two instructions in
/// place, so no offset in the module moves.
pub fn apply(wasm: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut start = None;
    let mut imported = 0u32;
    let mut bodies: Vec<wasmparser::FunctionBody<'_>> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            Payload::ImportSection(s) => {
                for import in s.into_imports() {
                    if matches!(import.map_err(err)?.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::StartSection { func, .. } => start = Some(func),
            Payload::CodeSectionEntry(body) => bodies.push(body),
            _ => {}
        }
    }
    let body = |f: u32| bodies.get(f.checked_sub(imported)? as usize);
    let Some(start) = start.and_then(body) else {
        return Ok(Cow::Borrowed(wasm));
    };
    let Some([(first, init), (second, globals)]) = two_calls(start) else {
        return Ok(Cow::Borrowed(wasm));
    };
    let (Some(init), Some(globals)) = (body(init), body(globals)) else {
        return Ok(Cow::Borrowed(wasm));
    };
    if !copies_data(init) || !only_sets_globals(globals) {
        return Ok(Cow::Borrowed(wasm));
    }
    let mut out = wasm.to_vec();
    let swapped = [&wasm[second.clone()], &wasm[first.clone()]].concat();
    out[first.start..second.end].copy_from_slice(&swapped);
    Ok(Cow::Owned(out))
}

/// The two calls (byte range, callee) of a body that is exactly
/// `call A; call B`, with no locals.
fn two_calls(body: &wasmparser::FunctionBody<'_>) -> Option<[(Range<usize>, u32); 2]> {
    if body.get_locals_reader().ok()?.get_count() != 0 {
        return None;
    }
    let mut ops = body.get_operators_reader().ok()?;
    let mut calls = Vec::new();
    while !ops.eof() {
        let at = ops.original_position();
        match ops.read().ok()? {
            Operator::Call { function_index } => {
                calls.push((at..ops.original_position(), function_index));
            }
            Operator::End if ops.eof() => {}
            _ => return None,
        }
    }
    let [a, b]: [_; 2] = calls.try_into().ok()?;
    // The two calls are adjacent, so swapping them keeps the body's length.
    (a.0.end == b.0.start).then_some([a, b])
}

fn copies_data(body: &wasmparser::FunctionBody<'_>) -> bool {
    let Ok(mut ops) = body.get_operators_reader() else {
        return false;
    };
    while !ops.eof() {
        match ops.read() {
            Ok(Operator::MemoryInit { .. }) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

fn only_sets_globals(body: &wasmparser::FunctionBody<'_>) -> bool {
    let Ok(mut ops) = body.get_operators_reader() else {
        return false;
    };
    let mut sets = false;
    while !ops.eof() {
        match ops.read() {
            Ok(Operator::GlobalSet { .. }) => sets = true,
            Ok(
                Operator::GlobalGet { .. }
                | Operator::I32Const { .. }
                | Operator::I32Add
                | Operator::End,
            ) => {}
            _ => return false,
        }
    }
    sets
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULE: &str = r#"(module
        (import "env" "__memory_base" (global $base i32))
        (memory 1)
        (global $got (mut i32) (i32.const 8))
        (data $d "\00\00\00\00")
        (func $init_memory
            (memory.init $d (i32.const 0) (i32.const 0) (i32.const 4))
            (i32.store (i32.const 0) (global.get $got)))
        (func $globals (global.set $got (i32.add (global.get $base) (i32.const 8))))
        (func $start (call $init_memory) (call $globals))
        (start $start)
        (export "load" (func $load))
        (func $load (result i32) (i32.load (i32.const 0))))"#;

    fn run(wasm: &[u8]) -> i32 {
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, wasm).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let base = wasmtime::Global::new(
            &mut store,
            wasmtime::GlobalType::new(wasmtime::ValType::I32, wasmtime::Mutability::Const),
            wasmtime::Val::I32(1000),
        )
        .unwrap();
        let instance = wasmtime::Instance::new(&mut store, &module, &[base.into()]).unwrap();
        let load = instance
            .get_typed_func::<(), i32>(&mut store, "load")
            .unwrap();
        load.call(&mut store, ()).unwrap()
    }

    #[test]
    fn data_relocations_see_relocated_globals() {
        let wasm = wat::parse_str(MODULE).unwrap();
        assert_eq!(
            run(&wasm),
            8,
            "as built, the relocation stores the bare offset"
        );
        let fixed = apply(&wasm).unwrap();
        assert!(matches!(fixed, Cow::Owned(_)));
        assert_eq!(fixed.len(), wasm.len());
        assert_eq!(run(&fixed), 1008);
    }

    #[test]
    fn other_start_functions_are_left_as_they_are() {
        let calls_memory = MODULE.replace(
            "(func $globals (global.set",
            "(func $globals (i32.store (i32.const 4) (i32.const 1)) (global.set",
        );
        let no_init = MODULE.replace(
            "(memory.init $d (i32.const 0) (i32.const 0) (i32.const 4))",
            "",
        );
        for text in [calls_memory, no_init] {
            let wasm = wat::parse_str(&text).unwrap();
            assert!(matches!(apply(&wasm).unwrap(), Cow::Borrowed(_)));
        }
    }
}
