//! End-to-end checks of the `dlrun` binary on small hand-written modules:
//! exit statuses and the error messages a user acts on.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh directory for one test.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlrun-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_wat(dir: &Path, file: &str, wat: &str) {
    std::fs::write(dir.join(file), wat::parse_str(wat).unwrap()).unwrap();
}

/// An Emscripten-shaped main module: imports memory, table, stack pointer,
/// bases and `__heap_base`, and runs `body` as main.
fn main_wat(needed: &[&str], imports: &str, body: &str) -> String {
    let needed: String = needed.iter().map(|n| format!(" \"{n}\"")).collect();
    let needed = if needed.is_empty() {
        String::new()
    } else {
        format!("(needed{needed})")
    };
    format!(
        r#"(module
          (@dylink.0 (mem-info (memory 16 2) (table 1 0)) {needed})
          (import "env" "memory" (memory 256 256))
          (import "env" "__indirect_function_table" (table 1 funcref))
          (import "env" "__stack_pointer" (global $sp (mut i32)))
          (import "env" "__memory_base" (global $mb i32))
          (import "env" "__table_base" (global $tb i32))
          (import "GOT.mem" "__heap_base" (global $hb (mut i32)))
          {imports}
          (func (export "main") (param i32 i32) (result i32) {body}))"#
    )
}

fn side_wat(imports: &str, funcs: &str) -> String {
    format!(
        r#"(module
          (@dylink.0 (mem-info (memory 4 2)))
          (import "env" "memory" (memory 1))
          (import "env" "__indirect_function_table" (table 0 funcref))
          (import "env" "__memory_base" (global $mb i32))
          (import "env" "__table_base" (global $tb i32))
          {imports}
          {funcs})"#
    )
}

fn dlrun(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dlrun"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["libseven.so"],
            r#"(import "env" "seven" (func $seven (result i32)))"#,
            "call $seven",
        ),
    );
    write_wat(
        &dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
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
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["libseven.so"],
            r#"(import "env" "seven" (func $seven (result i32)))"#,
            "call $seven",
        ),
    );
    write_wat(
        &dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
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
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["libseven.so"],
            r#"(import "env" "seven" (func $seven (result i32)))"#,
            "call $seven",
        ),
    );
    write_wat(
        &dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
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
