//! Main modules as Emscripten builds them from 4.0.19 on (PR #25522),
//! which Debian's emcc 3.1.6 cannot produce: hand-assembled to the ABI that
//! Emscripten's link.py/building.py and its JS loader (libdylink.js,
//! preamble.js, postamble.js) of that release define. The main is linked
//! without `-pie` (`-Bdynamic --experimental-pic
//! --unresolved-symbols=import-dynamic --export-table --growable-table`):
//!
//! - it defines and exports its memory and its growable table
//!   (`__indirect_function_table`), and exports `__stack_pointer`
//!   (REQUIRED_EXPORTS for non-relocatable mains) and `__heap_base`;
//! - it keeps a `dylink.0` section (the JS loader reads its `needed` list
//!   and fails without one), with no memory or table of its own to place;
//! - its exported data symbols are absolute addresses (relocateExports adds
//!   no base), functions it does not define are `env` imports, addresses of
//!   symbols it does not define come through `GOT.mem`/`GOT.func`;
//! - it calls `emscripten_stack_init` rather than receiving its stack
//!   limits, and its `main` is called with argc/argv as in 3.1.
//!
//! Side modules are unchanged: they import `env.memory`, the table, bases
//! and `__stack_pointer`, and reach the main's data through `GOT.mem`.

mod common;

use common::{BUMP_MEMALIGN, dlrun, side_wat, workdir, write_wat};

/// A non-relocatable Emscripten main: `main` returns what `side_value()`
/// of its NEEDED libside.so returns plus the byte the side module reads
/// from the main's data through its GOT, plus 1 when the stack was set up
/// by `emscripten_stack_init`.
fn static_main(needed: &str) -> String {
    format!(
        r#"(module
          (@dylink.0 (mem-info) (needed "{needed}"))
          (import "env" "emscripten_notify_memory_growth" (func $grown (param i32)))
          (import "env" "side_value" (func $side_value (result i32)))
          (import "GOT.func" "side_value" (global $side_ptr (mut i32)))
          (memory (export "memory") 256)
          (table (export "__indirect_function_table") 1 funcref)
          (global $sp (export "__stack_pointer") (mut i32) (i32.const 65536))
          (global (export "__heap_base") i32 (i32.const 65536))
          (global (export "__data_end") i32 (i32.const 2048))
          (global (export "answer") i32 (i32.const 1024))
          (global $stack_inited (mut i32) (i32.const 0))
          (data (i32.const 1024) "\28")
          (type $v_i (func (result i32)))
          (func (export "emscripten_stack_init") (global.set $stack_inited (i32.const 1)))
          (func (export "__wasm_call_ctors"))
          {BUMP_MEMALIGN}
          (func (export "main") (param i32 i32) (result i32)
            (i32.add
              (i32.add (call $side_value) (global.get $stack_inited))
              (call_indirect (type $v_i) (global.get $side_ptr)))))"#
    )
}

/// libside.so: `side_value()` reads the main's `answer` (0x28 = 40) through
/// `GOT.mem` and adds 1; `zero()` is what the main reaches by pointer.
fn side() -> String {
    side_wat(
        r#"(import "GOT.mem" "answer" (global $answer (mut i32)))"#,
        r#"(func (export "side_value") (result i32)
             (i32.add (i32.load8_u (global.get $answer)) (i32.const 1)))"#,
    )
}

#[test]
fn a_non_relocatable_emscripten_main_runs_with_its_libraries() {
    let dir = workdir("emstatic");
    write_wat(&dir, "main.wasm", &static_main("libside.so"));
    write_wat(&dir, "libside.so", &side());
    let (status, out, err) = dlrun(&dir, &["main.wasm"]);
    // 41 from the call, 1 for the stack, 41 through the function pointer.
    assert_eq!(status, 83, "stdout: {out}\nstderr: {err}");
}

#[test]
fn inspect_and_ldd_read_a_non_relocatable_main() {
    let dir = workdir("emstaticldd");
    write_wat(&dir, "main.wasm", &static_main("libside.so"));
    write_wat(&dir, "libside.so", &side());
    let (status, out, err) = dlrun(&dir, &["ldd", "main.wasm"]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("libside.so => "), "{out}");
}

/// dlopen and dlsym from such a main: its libc's `struct dso` has the
/// layout of thread-synchronized dlopen (flags at 4, name at 36) and its
/// `_dlsym_js` takes a third, symbol-index pointer.
#[test]
fn dlopen_from_a_non_relocatable_main_reads_its_struct_dso() {
    let dir = workdir("emstaticdl");
    let main = r#"(module
          (@dylink.0 (mem-info))
          (import "env" "_dlopen_js" (func $dlopen (param i32) (result i32)))
          (import "env" "_dlsym_js" (func $dlsym (param i32 i32 i32) (result i32)))
          (memory (export "memory") 256)
          (table (export "__indirect_function_table") 1 funcref)
          (global $sp (export "__stack_pointer") (mut i32) (i32.const 65536))
          (global (export "__heap_base") i32 (i32.const 65536))
          ;; struct dso at 3000: flags (RTLD_NOW) at +4, name at +36
          (data (i32.const 3004) "\02")
          (data (i32.const 3036) "libplug.so\00")
          (data (i32.const 3200) "plug_value\00")
          (data (i32.const 3300) "\ff\ff\ff\ff")
          (type $v_i (func (result i32)))
          (func (export "__wasm_call_ctors"))
          MEMALIGN
          (func (export "main") (param i32 i32) (result i32)
            (if (i32.ne (call $dlopen (i32.const 3000)) (i32.const 3000))
              (then (return (i32.const 1))))
            (call_indirect (type $v_i)
              (call $dlsym (i32.const 3000) (i32.const 3200) (i32.const 3300)))))"#;
    write_wat(&dir, "main.wasm", &main.replace("MEMALIGN", BUMP_MEMALIGN));
    write_wat(
        &dir,
        "libplug.so",
        &side_wat(
            "",
            r#"(func (export "plug_value") (result i32) i32.const 42)"#,
        ),
    );
    let (status, out, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 42, "stdout: {out}\nstderr: {err}");
}
