//! Tests of the split: pieces compute what the module does.

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
