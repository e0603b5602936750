//! End-to-end checks of the `dlrun` binary on small hand-written modules:
//! exit statuses and the error messages a user acts on.

mod common;

use std::path::Path;

use common::{dlrun, main_wat, side_wat, workdir, write_wat};

/// main.wasm returning what `seven()` of its NEEDED libseven.so returns (7).
fn seven_program(dir: &Path) {
    write_wat(
        dir,
        "main.wasm",
        &main_wat(
            &["libseven.so"],
            r#"(import "env" "seven" (func $seven (result i32)))"#,
            "call $seven",
        ),
    );
    write_wat(
        dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
}

#[test]
fn main_return_value_is_the_exit_status() {
    let dir = workdir("status");
    write_wat(&dir, "main.wasm", &main_wat(&[], "", "i32.const 42"));
    assert_eq!(dlrun(&dir, &["main.wasm"]).0, 42);
}

#[test]
fn a_needed_library_is_linked_and_called() {
    let dir = workdir("needed");
    seven_program(&dir);
    assert_eq!(dlrun(&dir, &["main.wasm"]).0, 7);
}

#[test]
fn missing_file_is_reported_by_name() {
    let dir = workdir("missing");
    let (status, _, err) = dlrun(&dir, &["nothere.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("nothere.wasm"), "{err}");
}

#[test]
fn a_file_that_is_not_wasm_is_refused() {
    let dir = workdir("notwasm");
    std::fs::write(dir.join("main.wasm"), b"#!/bin/sh\necho hi\n").unwrap();
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("not a WebAssembly module"), "{err}");
}

#[test]
fn a_module_without_dylink_is_not_a_main_module() {
    let dir = workdir("nodylink");
    write_wat(&dir, "main.wasm", "(module (func (export \"main\")))");
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("not a main module"), "{err}");
}

#[test]
fn a_side_module_run_as_main_is_refused() {
    let dir = workdir("sideasmain");
    write_wat(&dir, "libx.so", &side_wat("", ""));
    let (status, _, err) = dlrun(&dir, &["libx.so"]);
    assert_eq!(status, 1);
    assert!(err.contains("side module"), "{err}");
}

#[test]
fn a_missing_needed_library_names_it_and_the_search_path() {
    let dir = workdir("noneeded");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&["libgone.so"], "", "i32.const 0"),
    );
    let (status, _, err) = dlrun(&dir, &["-L", "/nonexistent-dir", "main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("libgone.so"), "{err}");
    assert!(err.contains("/nonexistent-dir"), "{err}");
    assert!(err.contains("needed by"), "{err}");
}

#[test]
fn undefined_data_fails_the_load_naming_symbol_and_module() {
    let dir = workdir("undefdata");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&["libneeds.so"], "", "i32.const 0"),
    );
    write_wat(
        &dir,
        "libneeds.so",
        &side_wat(
            r#"(import "GOT.mem" "no_such_data" (global (mut i32)))"#,
            "",
        ),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("no_such_data"), "{err}");
    assert!(err.contains("libneeds.so"), "{err}");
}

#[test]
fn calling_an_undefined_function_is_a_symbol_lookup_error() {
    let dir = workdir("undeffunc");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &[],
            r#"(import "env" "no_such_function" (func $f (result i32)))"#,
            "call $f",
        ),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 127);
    assert!(err.contains("undefined symbol: no_such_function"), "{err}");
}

#[test]
fn a_library_trapping_in_its_constructor_fails_the_load() {
    let dir = workdir("ctortrap");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&["libbad.so"], "", "i32.const 0"),
    );
    write_wat(
        &dir,
        "libbad.so",
        &side_wat("", r#"(func (export "__wasm_call_ctors") unreachable)"#),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_ne!(status, 0);
    assert!(err.contains("libbad.so"), "{err}");
    assert!(err.contains("constructor"), "{err}");
}

#[test]
fn inspect_describes_a_side_module() {
    let dir = workdir("inspect");
    write_wat(
        &dir,
        "libx.so",
        &side_wat(
            r#"(import "GOT.mem" "shared" (global (mut i32)))
               (import "env" "puts" (func (param i32) (result i32)))"#,
            r#"(func (export "x") (result i32) i32.const 1)"#,
        ),
    );
    let (status, out, _) = dlrun(&dir, &["inspect", "libx.so"]);
    assert_eq!(status, 0);
    assert!(out.contains("side module"), "{out}");
    assert!(out.contains("imports_got_mem (1):\n  shared"), "{out}");
    let (status, json, _) = dlrun(&dir, &["inspect", "--json", "libx.so"]);
    assert_eq!(status, 0);
    assert!(
        json.contains(r#""imports_env_functions":["puts"]"#),
        "{json}"
    );
    assert!(json.contains(r#""exports_functions":["x"]"#), "{json}");
}

#[test]
fn ldd_shows_resolved_and_missing_libraries() {
    let dir = workdir("ldd");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&["libseven.so", "libgone.so"], "", "i32.const 0"),
    );
    write_wat(&dir, "libseven.so", &side_wat("", ""));
    let (status, out, _) = dlrun(&dir, &["ldd", "main.wasm"]);
    assert_eq!(status, 1, "a missing library makes ldd fail");
    assert!(out.contains("libseven.so => "), "{out}");
    assert!(out.contains("libgone.so => not found (searched "), "{out}");
    let (_, json, _) = dlrun(&dir, &["ldd", "--json", "main.wasm"]);
    assert!(
        json.contains(r#""name":"libgone.so","depth":1,"path":null"#),
        "{json}"
    );
}

#[test]
fn run_subcommand_is_the_same_as_running_directly() {
    let dir = workdir("runsub");
    write_wat(&dir, "main.wasm", &main_wat(&[], "", "i32.const 9"));
    assert_eq!(dlrun(&dir, &["run", "main.wasm"]).0, 9);
}

#[test]
fn trace_reports_libraries_and_bindings() {
    let dir = workdir("trace");
    seven_program(&dir);
    let (status, _, err) = dlrun(&dir, &["--trace", "libs,symbols", "main.wasm"]);
    assert_eq!(status, 7);
    assert!(err.contains("dlrun: loaded libseven.so"), "{err}");
    assert!(err.contains("env.seven -> libseven.so:seven"), "{err}");
    let (status, _, err) = dlrun(&dir, &["--trace", "bogus", "main.wasm"]);
    assert_eq!(status, 2);
    assert!(err.contains("unknown trace category"), "{err}");
    let (_, _, quiet) = dlrun(&dir, &["main.wasm"]);
    assert!(
        !quiet.contains("dlrun:"),
        "tracing is off by default: {quiet}"
    );
}

#[test]
fn max_memory_refuses_a_program_that_needs_more() {
    let dir = workdir("maxmem");
    write_wat(&dir, "main.wasm", &main_wat(&[], "", "i32.const 0"));
    let (status, _, err) = dlrun(&dir, &["--max-memory", "1M", "main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("--max-memory"), "{err}");
    assert_eq!(dlrun(&dir, &["--max-memory", "64M", "main.wasm"]).0, 0);
    let (status, _, err) = dlrun(&dir, &["--max-memory", "12Q", "main.wasm"]);
    assert_eq!(status, 2);
    assert!(err.contains("unknown unit"), "{err}");
}

#[test]
fn preload_libraries_come_before_needed_ones() {
    let dir = workdir("preload");
    seven_program(&dir);
    write_wat(
        &dir,
        "libeight.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 8)"#),
    );
    assert_eq!(dlrun(&dir, &["main.wasm"]).0, 7);
    assert_eq!(dlrun(&dir, &["--preload", "libeight.so", "main.wasm"]).0, 8);
    let (status, _, err) = dlrun(&dir, &["--preload", "libnone.so", "main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("libnone.so"), "{err}");
}

/// A static WASI main (defines and exports its memory) whose `_start` runs
/// `body`; `$expect (got, want, code)` exits with `code` on a mismatch.
fn wasi_main_wat(imports: &str, data: &str, body: &str) -> String {
    format!(
        r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          {imports}
          (memory (export "memory") 1)
          (table (export "__indirect_function_table") 1 funcref)
          {data}
          (func $expect (param $got i32) (param $want i32) (param $code i32)
            (if (i32.ne (local.get $got) (local.get $want))
              (then (call $exit (local.get $code)))))
          (func (export "_start") {body}))"#
    )
}

#[test]
fn wasi_calls_with_bad_arguments_fail_with_an_errno() {
    let dir = workdir("wasi-bad");
    std::fs::write(dir.join("f.txt"), "x").unwrap();
    let w = "wasi_snapshot_preview1";
    let imports = format!(
        r#"(import "{w}" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
          (import "{w}" "fd_prestat_dir_name" (func $prestat_name (param i32 i32 i32) (result i32)))
          (import "{w}" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "{w}" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
          (import "{w}" "fd_filestat_get" (func $fstat (param i32 i32) (result i32)))
          (import "{w}" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
          (import "{w}" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
          (import "{w}" "random_get" (func $random (param i32 i32) (result i32)))
          (import "{w}" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
          (import "{w}" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))"#
    );
    // 16: "f.txt", 32: "/f.txt", 48: invalid UTF-8, 64: result slots.
    let data = r#"(data (i32.const 16) "f.txt") (data (i32.const 32) "/f.txt")
                  (data (i32.const 48) "\ff\fe")"#;
    let bad = "(i32.const 0xfffffff0)";
    let open = |path: &str, len: &str, out: &str| {
        format!(
            "(call $open (i32.const 3) (i32.const 1) {path} {len} (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) {out})"
        )
    };
    let body = [
        // EFAULT for every pointer outside memory, never a trap.
        format!("(call $expect (call $prestat (i32.const 3) {bad}) (i32.const 21) (i32.const 1))"),
        format!("(call $expect (call $prestat_name (i32.const 3) {bad} (i32.const 8)) (i32.const 21) (i32.const 2))"),
        format!("(call $expect {} (i32.const 21) (i32.const 3))", open(bad, "(i32.const 5)", "(i32.const 64)")),
        // A bad result pointer opens nothing: the next open gets fd 4.
        format!("(call $expect {} (i32.const 21) (i32.const 4))", open("(i32.const 16)", "(i32.const 5)", bad)),
        format!("(call $expect {} (i32.const 0) (i32.const 5))", open("(i32.const 16)", "(i32.const 5)", "(i32.const 64)")),
        "(call $expect (i32.load (i32.const 64)) (i32.const 4) (i32.const 6))".to_string(),
        "(call $expect (call $readdir (i32.const 3) (i32.const 0xffff0000) (i32.const 0x20000) (i64.const 0) (i32.const 64)) (i32.const 21) (i32.const 7))".to_string(),
        format!("(call $expect (call $fstat (i32.const 3) {bad}) (i32.const 21) (i32.const 8))"),
        format!("(call $expect (call $stat (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5) {bad}) (i32.const 21) (i32.const 9))"),
        format!("(call $expect (call $poll {bad} (i32.const 128) (i32.const 1) (i32.const 64)) (i32.const 21) (i32.const 10))"),
        format!("(call $expect (call $random {bad} (i32.const 100)) (i32.const 21) (i32.const 11))"),
        format!("(call $expect (call $read (i32.const 4) {bad} (i32.const 1) (i32.const 64)) (i32.const 21) (i32.const 12))"),
        // No subscriptions: EINVAL.
        "(call $expect (call $poll (i32.const 128) (i32.const 256) (i32.const 0) (i32.const 64)) (i32.const 28) (i32.const 13))".to_string(),
        // A huge length, an absolute path, bytes that are not UTF-8.
        format!("(call $expect {} (i32.const 37) (i32.const 14))", open("(i32.const 16)", "(i32.const 0x7fffffff)", "(i32.const 64)")),
        format!("(call $expect {} (i32.const 63) (i32.const 15))", open("(i32.const 32)", "(i32.const 6)", "(i32.const 64)")),
        format!("(call $expect {} (i32.const 25) (i32.const 16))", open("(i32.const 48)", "(i32.const 2)", "(i32.const 64)")),
        // Descriptors: none is negative (AT_FDCWD is not a WASI fd), and
        // renumbering onto itself changes nothing.
        "(call $expect (call $open (i32.const -100) (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 64)) (i32.const 8) (i32.const 17))".to_string(),
        "(call $expect (call $renumber (i32.const 3) (i32.const 3)) (i32.const 0) (i32.const 18))".to_string(),
        "(call $expect (call $prestat (i32.const 4) (i32.const 64)) (i32.const 8) (i32.const 19))".to_string(),
    ]
    .join("\n");
    write_wat(&dir, "main.wasm", &wasi_main_wat(&imports, data, &body));
    let (status, _, err) = dlrun(&dir, &["--dir", ".", "main.wasm"]);
    assert_eq!(status, 0, "{err}");
}

#[test]
fn an_undefined_symbol_suggests_a_close_name() {
    let dir = workdir("suggest");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&["libneeds.so", "libhas.so"], "", "i32.const 0"),
    );
    write_wat(
        &dir,
        "libneeds.so",
        &side_wat(
            r#"(import "GOT.mem" "shared_countr" (global (mut i32)))"#,
            "",
        ),
    );
    write_wat(
        &dir,
        "libhas.so",
        &side_wat(
            "",
            r#"(global (export "shared_counter") i32 (i32.const 0))"#,
        ),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1);
    assert!(
        err.contains("undefined symbol: shared_countr (did you mean shared_counter?)"),
        "{err}"
    );
}
