//! End-to-end checks of the `dlrun` binary on small hand-written modules:
//! exit statuses and the error messages a user acts on.

mod common;

use std::path::Path;

use common::{dlrun, main_wat, seven_main, seven_program, side_wat, workdir, write_wat};
use serde_json::json;

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
fn a_main_module_past_the_size_limit_is_refused_unread() {
    let dir = workdir("hugemain");
    let file = std::fs::File::create(dir.join("main.wasm")).unwrap();
    std::io::Write::write_all(&mut &file, b"\0asm\x01\0\0\0").unwrap();
    file.set_len(3 << 30).unwrap();
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1);
    assert!(
        err.contains(
            "main.wasm: file too large (3221225472 bytes; the limit on a module is 256 MiB)"
        ),
        "{err}"
    );
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
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "kind",
            "memory_size",
            "memory_align",
            "table_size",
            "table_align",
            "needed",
            "runtime_paths",
            "export_flags",
            "import_flags",
            "imports_env_functions",
            "imports_got_mem",
            "imports_got_func",
            "imports_wasi",
            "imports_other",
            "exports_functions",
            "exports_globals",
        ],
        "{json}"
    );
    assert_eq!(report["kind"], "side module (shared library)", "{json}");
    assert_eq!(report["imports_env_functions"], json!(["puts"]), "{json}");
    assert_eq!(report["imports_got_mem"], json!(["shared"]), "{json}");
    assert_eq!(report["exports_functions"], json!(["x"]), "{json}");
    assert_eq!(report["memory_align"], 4, "{json}");
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
    let tree: serde_json::Value = serde_json::from_str(&json).unwrap();
    let [seven, gone] = tree.as_array().unwrap().as_slice() else {
        panic!("two libraries expected: {json}");
    };
    let keys: Vec<&str> = gone
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(keys, ["name", "depth", "path", "searched"], "{json}");
    assert_eq!(seven["name"], "libseven.so", "{json}");
    let found = dir.canonicalize().unwrap().join("libseven.so");
    assert_eq!(seven["path"], found.to_str().unwrap(), "{json}");
    assert_eq!(gone["name"], "libgone.so", "{json}");
    assert_eq!(gone["depth"], 1, "{json}");
    assert_eq!(gone["path"], serde_json::Value::Null, "{json}");
    let searched = gone["searched"].as_array().unwrap();
    assert!(
        searched.contains(&json!(dir.canonicalize().unwrap().to_str().unwrap())),
        "the main module's directory is searched: {json}"
    );
}

/// ldd prints the load set a run would load: a library reached by two
/// names (a symlink) or by two requesters is listed once, breadth first.
#[test]
fn ldd_lists_the_load_set_each_library_once() {
    let dir = workdir("lddonce");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&["liba.so", "libb.so"], "", "i32.const 0"),
    );
    write_wat(&dir, "liba.so", &side_needing(&["libx.so"]));
    write_wat(&dir, "libb.so", &side_needing(&["libx.so.1"]));
    write_wat(&dir, "libx.so.1", &side_wat("", ""));
    std::os::unix::fs::symlink("libx.so.1", dir.join("libx.so")).unwrap();
    let (status, out, err) = dlrun(&dir, &["ldd", "main.wasm"]);
    assert_eq!(status, 0, "{err}");
    let names: Vec<&str> = out
        .lines()
        .map(|l| l.trim_start().split(" => ").next().unwrap())
        .collect();
    assert_eq!(names, ["liba.so", "libb.so", "libx.so"], "{out}");
}

/// A side module needing `needed`.
fn side_needing(needed: &[&str]) -> String {
    let names: String = needed.iter().map(|n| format!(" \"{n}\"")).collect();
    side_wat("", "").replacen("(@dylink.0", &format!("(@dylink.0 (needed{names})"), 1)
}

/// `ldd --bindings` shows where each import binds, from the plan a run
/// makes: a library's function, the loader's memory, a function nothing
/// defines (bound lazily), a host function.
#[test]
fn ldd_bindings_show_where_each_import_binds() {
    let dir = workdir("lddbind");
    seven_main(
        &dir,
        r#"(import "env" "nowhere" (func (result i32)))
           (import "wasi_snapshot_preview1" "fd_close" (func (param i32) (result i32)))"#,
    );
    write_wat(
        &dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
    let (status, out, err) = dlrun(&dir, &["ldd", "--bindings", "main.wasm"]);
    assert_eq!(status, 0, "{err}");
    for line in [
        "main.wasm",
        "  env.seven -> libseven.so",
        "  env.memory -> loader",
        "  env.nowhere -> lazy",
        "  wasi_snapshot_preview1.fd_close -> host",
        "libseven.so",
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} not in\n{out}");
    }
    let (_, json, _) = dlrun(&dir, &["ldd", "--bindings", "--json", "main.wasm"]);
    let libs: serde_json::Value = serde_json::from_str(&json).unwrap();
    let seven = libs[0]["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["import"] == "env.seven")
        .unwrap();
    assert_eq!(seven["binds"], "library");
    assert_eq!(seven["library"], "libseven.so");
}

#[test]
fn run_subcommand_is_the_same_as_running_directly() {
    let dir = workdir("runsub");
    write_wat(&dir, "main.wasm", &main_wat(&[], "", "i32.const 9"));
    assert_eq!(dlrun(&dir, &["run", "main.wasm"]).0, 9);
    assert_eq!(dlrun(&dir, &["run", "--fuel", "100000", "main.wasm"]).0, 9);
    // After the main module, a subcommand's name is the program's argument.
    assert_eq!(dlrun(&dir, &["main.wasm", "inspect", "--json"]).0, 9);
    assert_eq!(dlrun(&dir, &["--fuel", "100000", "main.wasm", "ldd"]).0, 9);
}

#[test]
fn every_subcommand_has_its_own_help() {
    let dir = workdir("subhelp");
    let (status, out, _) = dlrun(&dir, &["--help"]);
    assert_eq!(status, 0);
    for sub in ["run", "inspect", "ldd", "completions"] {
        assert!(out.contains(&format!("\n  {sub} ")), "{sub}: {out}");
    }
    for (args, usage) in [
        (&["help", "ldd"][..], "Usage: dlrun ldd"),
        (&["ldd", "--help"][..], "Usage: dlrun ldd"),
        (&["help", "inspect"][..], "Usage: dlrun inspect"),
        (&["run", "--help"][..], "--max-memory"),
    ] {
        let (status, out, err) = dlrun(&dir, args);
        assert_eq!(status, 0, "{args:?}: {err}");
        assert!(out.contains(usage), "{args:?}: {out}");
    }
    let (status, _, err) = dlrun(&dir, &["inspect", "--bogus", "x.wasm"]);
    assert_eq!(status, 2);
    assert!(err.contains("Usage: dlrun inspect"), "{err}");
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

/// A library is instantiated before the modules calling it, so their calls
/// need no stand-in; modules calling each other keep link order (main
/// first). Constructors run in link order either way.
#[test]
fn a_library_is_instantiated_before_the_modules_that_call_it() {
    let dir = workdir("order");
    seven_program(&dir);
    let loaded = |err: &str| -> Vec<String> {
        err.lines()
            .filter_map(|l| l.strip_prefix("dlrun: loaded "))
            .filter_map(|l| l.split(' ').next().map(str::to_string))
            .collect()
    };
    let (status, _, err) = dlrun(&dir, &["--trace", "libs", "main.wasm"]);
    assert_eq!(status, 7, "{err}");
    assert_eq!(loaded(&err), ["libseven.so", "main.wasm"], "{err}");
    seven_main(&dir, r#"(func (export "five") (result i32) i32.const 5)"#);
    write_wat(
        &dir,
        "libseven.so",
        &side_wat(
            r#"(import "env" "five" (func $five (result i32)))"#,
            r#"(func (export "seven") (result i32) call $five i32.const 2 i32.add)"#,
        ),
    );
    let (status, _, err) = dlrun(&dir, &["--trace", "libs", "main.wasm"]);
    assert_eq!(status, 7, "{err}");
    assert_eq!(loaded(&err), ["main.wasm", "libseven.so"], "{err}");
}

#[test]
fn a_first_run_calls_through_routers_and_keeps_function_pointers() {
    // Winch's code for a first run is trimmed of its function exports and
    // routes its calls to imports (src/route.rs): main calls the library's
    // seven and twice, the library calls main's base, and the address of
    // seven taken through the GOT is still seven.
    let dir = workdir("routed");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["libseven.so"],
            r#"(type $r (func (result i32)))
               (import "env" "seven" (func $seven (result i32)))
               (import "env" "twice" (func $twice (param i32) (result i32)))
               (import "GOT.func" "seven" (global $seven_ptr (mut i32)))
               (func (export "base") (result i32) i32.const 10)"#,
            "(i32.add (call $seven)
               (i32.add (call_indirect (type $r) (global.get $seven_ptr))
                        (call $twice (i32.const 1))))",
        ),
    );
    write_wat(
        &dir,
        "libseven.so",
        &side_wat(
            r#"(import "env" "base" (func $base (result i32)))"#,
            r#"(func (export "seven") (result i32) i32.const 7)
               (func (export "twice") (param i32) (result i32)
                 (i32.add (i32.mul (local.get 0) (i32.const 2)) (call $base)))"#,
        ),
    );
    // 7 + 7 + (2 + 10), whichever code runs.
    for compiler in ["winch", "cranelift"] {
        let (status, _, err) = dlrun(&dir, &["--compiler", compiler, "main.wasm"]);
        assert_eq!(status, 26, "{compiler}: {err}");
    }
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

#[test]
fn timeout_stops_a_runaway_program() {
    let dir = workdir("timeout");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&[], "", "(loop $l (br $l)) i32.const 0"),
    );
    let (status, _, err) = dlrun(&dir, &["--timeout", "300ms", "main.wasm"]);
    assert_eq!(status, 124);
    assert!(err.contains("--timeout"), "{err}");
    let (status, _, err) = dlrun(&dir, &["--timeout", "soon", "main.wasm"]);
    assert_eq!(status, 2);
    assert!(err.contains("not a duration"), "{err}");
}

#[test]
fn a_program_that_ends_in_time_is_not_stopped() {
    let dir = workdir("intime");
    seven_program(&dir);
    assert_eq!(dlrun(&dir, &["--timeout", "60s", "main.wasm"]).0, 7);
}

#[test]
fn a_table_past_the_limit_fails_the_load_naming_the_limit() {
    let dir = workdir("tablelimit");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&["libwide.so"], "", "i32.const 0"),
    );
    let wide = side_wat("", "").replace(
        "(mem-info (memory 4 2))",
        "(mem-info (memory 4 2) (table 4000000000 0))",
    );
    write_wat(&dir, "libwide.so", &wide);
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("libwide.so"), "{err}");
    assert!(err.contains("--max-table"), "{err}");
    let (status, _, err) = dlrun(&dir, &["--max-table", "100", "main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("limit of 100"), "{err}");
}

#[test]
fn max_libraries_bounds_what_is_loaded_at_once() {
    let dir = workdir("liblimit");
    seven_program(&dir);
    let (status, _, err) = dlrun(&dir, &["--max-libraries", "1", "main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("--max-libraries"), "{err}");
    assert_eq!(dlrun(&dir, &["--max-libraries", "2", "main.wasm"]).0, 7);
}

#[test]
fn library_path_adds_search_directories() {
    let dir = workdir("libpath");
    seven_program(&dir);
    let sub = dir.join("lib");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::rename(dir.join("libseven.so"), sub.join("libseven.so")).unwrap();
    assert_eq!(dlrun(&dir, &["main.wasm"]).0, 1);
    let (status, _, err) = dlrun(&dir, &["--library-path", "/nowhere:lib", "main.wasm"]);
    assert_eq!(status, 7, "{err}");
}

#[test]
fn help_shows_examples_and_completions_are_generated() {
    let dir = workdir("help");
    let (status, out, _) = dlrun(&dir, &["--help"]);
    assert_eq!(status, 0);
    assert!(
        out.contains("Examples:") && out.contains("--timeout"),
        "{out}"
    );
    let (status, out, _) = dlrun(&dir, &["--version"]);
    assert_eq!(status, 0);
    assert!(out.starts_with("dlrun "), "{out}");
    for shell in ["bash", "zsh", "fish"] {
        let (status, out, err) = dlrun(&dir, &["completions", shell]);
        assert_eq!(status, 0, "{err}");
        assert!(
            out.contains("max-memory") && out.contains("inspect"),
            "{shell}"
        );
    }
    let (status, _, err) = dlrun(&dir, &["completions", "tcsh"]);
    assert_eq!(status, 2);
    assert!(err.contains("tcsh"), "{err}");
}

#[test]
fn a_plain_wasi_command_runs_without_a_shared_table() {
    let dir = workdir("plainwasi");
    let plain = wasi_main_wat(
        r#"(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))"#,
        r#"(data (i32.const 16) "\20\00\00\00\06\00\00\00") (data (i32.const 32) "plain\0a")"#,
        "(drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8))) (call $exit (i32.const 3))",
    )
    .replace(r#"(table (export "__indirect_function_table") 1 funcref)"#, "");
    write_wat(&dir, "main.wasm", &plain);
    let (status, out, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!((status, out.as_str()), (3, "plain\n"), "{err}");
    write_wat(
        &dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#)
            .replace("(memory 4 2)", "(memory 0 0)"),
    );
    let (status, _, err) = dlrun(&dir, &["--preload", "libseven.so", "main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("--export-table"), "{err}");
}

#[test]
fn a_main_built_for_threads_runs_and_a_library_built_otherwise_is_refused() {
    let dir = workdir("threads");
    let shared =
        |wat: String, memory: &str| wat.replace(memory, &memory.replace("))", " shared))"));
    let main = shared(
        main_wat(&["libplain.so"], "", "i32.const 7"),
        r#"(import "env" "memory" (memory 256 256))"#,
    );
    write_wat(&dir, "main.wasm", &main);
    write_wat(&dir, "libplain.so", &side_wat("", ""));
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1, "{err}");
    assert!(
        err.contains("libplain.so") && err.contains("without threads"),
        "{err}"
    );
    let main = shared(
        main_wat(&[], "", "i32.const 7"),
        r#"(import "env" "memory" (memory 256 256))"#,
    );
    write_wat(&dir, "main.wasm", &main);
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 7, "a main with a shared memory runs: {err}");
    // A library that imports no memory fits a main built with threads.
    let main = shared(
        main_wat(&["libnomem.so"], "", "i32.const 7"),
        r#"(import "env" "memory" (memory 256 256))"#,
    );
    write_wat(&dir, "main.wasm", &main);
    write_wat(
        &dir,
        "libnomem.so",
        r#"(module (@dylink.0 (mem-info (memory 0 0))) (func (export "f")))"#,
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 7, "{err}");
    let side = shared(side_wat("", ""), r#"(import "env" "memory" (memory 1))"#)
        .replace("(memory 1 shared))", "(memory 1 65536 shared))");
    write_wat(&dir, "libthreaded.so", &side);
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&["libthreaded.so"], "", "i32.const 0"),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1, "{err}");
    assert!(
        err.contains("libthreaded.so") && err.contains("with threads"),
        "{err}"
    );
}

#[test]
fn an_import_from_an_unknown_module_names_module_and_import() {
    let dir = workdir("unknownmod");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &[],
            r#"(import "wasi_snapshot_preview2" "clock" (func $c (result i32)))"#,
            "call $c",
        ),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_ne!(status, 0);
    assert!(
        err.contains("wasi_snapshot_preview2") || err.contains("clock"),
        "{err}"
    );
    assert!(err.contains("main.wasm"), "{err}");
}

#[test]
fn bad_options_name_the_option_and_exit_2() {
    let dir = workdir("badopts");
    seven_program(&dir);
    std::fs::create_dir_all(dir.join("d")).unwrap();
    for (args, needle) in [
        (&["--env", "=x", "main.wasm"][..], "KEY=VALUE"),
        (&["--trace", "bogus", "main.wasm"][..], "bogus"),
        (&["--max-memory", "5X", "main.wasm"][..], "unknown unit"),
        (&["--max-table", "lots", "main.wasm"][..], "--max-table"),
        (&["--dir", "::/x", "main.wasm"][..], "no host directory"),
    ] {
        let (status, _, err) = dlrun(&dir, args);
        assert_eq!(status, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn bad_directory_grants_are_load_errors_naming_the_grant() {
    let dir = workdir("baddir");
    seven_program(&dir);
    std::fs::create_dir_all(dir.join("d")).unwrap();
    let (status, _, err) = dlrun(&dir, &["--dir", "nowhere", "main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("--dir nowhere"), "{err}");
    let (status, _, err) = dlrun(&dir, &["--dir", "d::/x", "--dir", ".::/x", "main.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("already granted"), "{err}");
}

#[test]
fn timeout_cuts_a_long_sleep_short() {
    let dir = workdir("sleeptimeout");
    // poll_oneoff on one monotonic-clock subscription of 30 s.
    let sleeper = wasi_main_wat(
        r#"(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))"#,
        r#"(data (i32.const 80) "\01\00\00\00\00\00\00\00\00\5e\d0\b2\06\00\00\00")"#,
        "(drop (call $poll (i32.const 64) (i32.const 256) (i32.const 1) (i32.const 512)))",
    );
    write_wat(&dir, "main.wasm", &sleeper);
    let started = std::time::Instant::now();
    let (status, _, err) = dlrun(&dir, &["--timeout", "300ms", "main.wasm"]);
    assert_eq!(status, 124, "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn env_without_a_value_passes_on_dlruns_own() {
    let dir = workdir("envinherit");
    // Exits with the number of environment variables the program has.
    let count = wasi_main_wat(
        r#"(import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))"#,
        "",
        "(drop (call $sizes (i32.const 0) (i32.const 4))) (call $exit (i32.load (i32.const 0)))",
    );
    write_wat(&dir, "main.wasm", &count);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dlrun"))
        .args([
            "--no-cache",
            "--env",
            "DLRUN_INHERITED",
            "--env",
            "DLRUN_NOT_SET_ANYWHERE",
        ])
        .args(["--env", "B=2", "main.wasm"])
        .current_dir(&dir)
        .env("DLRUN_INHERITED", "yes")
        .env_remove("DLRUN_NOT_SET_ANYWHERE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// main.wasm needing libmid.so (in `dir`), which needs libseven.so and
/// carries RUNTIME_PATH `rpath`; libseven.so is written to `seven_dir`.
fn runtime_path_program(dir: &Path, rpath: &str, seven_dir: &Path) {
    write_wat(
        dir,
        "main.wasm",
        &main_wat(
            &["libmid.so"],
            r#"(import "env" "mid" (func $mid (result i32)))"#,
            "call $mid",
        ),
    );
    let mid = side_wat(
        r#"(import "env" "seven" (func $seven (result i32)))"#,
        r#"(func (export "mid") (result i32) call $seven)"#,
    )
    .replace(
        "(mem-info (memory 4 2))",
        &format!(r#"(mem-info (memory 4 2)) (needed "libseven.so") (runtime-path "{rpath}")"#),
    );
    write_wat(dir, "libmid.so", &mid);
    std::fs::create_dir_all(seven_dir).unwrap();
    write_wat(
        seven_dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
}

#[test]
fn runtime_path_with_origin_finds_needed_libraries() {
    let dir = workdir("rpath");
    runtime_path_program(&dir, "$ORIGIN/sub", &dir.join("sub"));
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 7, "{err}");
}

#[test]
fn runtime_paths_outside_what_the_user_gave_are_not_searched() {
    let dir = workdir("rpath-out");
    let outside = workdir("rpath-outside");
    runtime_path_program(&dir, &outside.display().to_string(), &outside);
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1);
    assert!(
        err.contains("libseven.so") && err.contains("not found"),
        "{err}"
    );
    let granted = format!("{}", outside.display());
    let (status, _, err) = dlrun(&dir, &["-L", &granted, "main.wasm"]);
    assert_eq!(status, 7, "{err}");
}

/// A WASI main reading stdin (fd 0): `body` decides what it does with the
/// result of `fd_read` (its call is `$read_stdin`).
fn stdin_reader(body: &str) -> String {
    wasi_main_wat(
        r#"(import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))"#,
        r#"(data (i32.const 16) "\40\00\00\00\10\00\00\00")"#,
        &body.replace(
            "$read_stdin",
            "(call $read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 8))",
        ),
    )
}

/// Runs `dlrun --timeout TIMEOUT main.wasm` in `dir` with a stdin that
/// stays open and silent: a read of it would wait forever.
fn run_with_silent_stdin(dir: &std::path::Path, timeout: &str) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dlrun"))
        .args(["--no-cache", "--timeout", timeout, "main.wasm"])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    child.wait_with_output().unwrap()
}

/// A program writing to a stdout pipe nobody reads blocks once the pipe is
/// full; `--timeout` must still end it (status 124), not leave dlrun
/// waiting in the host's write.
#[test]
fn timeout_ends_a_program_blocked_on_a_full_stdout_pipe() {
    let dir = workdir("stdoutfull");
    let writer = wasi_main_wat(
        r#"(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))"#,
        // An iovec at 16 pointing at 4 KiB from 64.
        r#"(data (i32.const 16) "\40\00\00\00\00\10\00\00")"#,
        "(loop $again (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8))) (br $again))",
    );
    write_wat(&dir, "main.wasm", &writer);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dlrun"))
        .args(["--no-cache", "--timeout", "300ms", "main.wasm"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Hold stdout open and unread; give dlrun ten seconds to end by itself.
    let _stdout = child.stdout.take();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(124),
        "still writing after the deadline"
    );
}

#[test]
fn timeout_ends_a_program_waiting_for_stdin() {
    let dir = workdir("stdintimeout");
    // Reads stdin until it gets something, retrying on errors.
    let reader = stdin_reader("(loop $again (br_if $again (i32.ne $read_stdin (i32.const 0))))");
    write_wat(&dir, "main.wasm", &reader);
    let out = run_with_silent_stdin(&dir, "300ms");
    assert_eq!(out.status.code(), Some(124), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--timeout"));
}

/// A program that gives up on the first failed read and exits 0 must not
/// get the chance: once the deadline passes while the host waits, the
/// program ends with the timeout's status, every time.
#[test]
fn a_read_cut_short_by_the_timeout_does_not_let_the_program_run_on() {
    let dir = workdir("stdinonce");
    write_wat(&dir, "main.wasm", &stdin_reader("(drop $read_stdin)"));
    for _ in 0..5 {
        let out = run_with_silent_stdin(&dir, "200ms");
        assert_eq!(out.status.code(), Some(124), "{out:?}");
    }
}

/// `dlrun ... 2>&1 | head`: a stderr that nobody reads any more changes
/// nothing about the exit status (it was 101, a Rust panic).
#[test]
fn a_closed_stderr_is_not_a_crash() {
    let dir = workdir("closedstderr");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dlrun"))
        .args(["--no-cache", "nothere.wasm"])
        .current_dir(&dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

#[test]
fn getentropy_checks_the_guest_length_before_allocating() {
    let dir = workdir("getentropy");
    // 2 GiB asked for at the end of memory: EFAULT (21), not an allocation.
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &[],
            r#"(import "env" "getentropy" (func $entropy (param i32 i32) (result i32)))"#,
            "(call $entropy (i32.const 0xfffff0) (i32.const 0x7fffffff))",
        ),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 21, "{err}");
}

#[test]
fn a_wasi_main_without_exported_destructors_ends_through_its_exit() {
    let dir = workdir("exitfallback");
    // No command wrapper (it exports __wasm_call_ctors) and no
    // __wasm_call_dtors: after _start returns, libc's exit must run, here
    // writing "flushed" the way a stdio flush would.
    let main = wasi_main_wat(
        r#"(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))"#,
        r#"(data (i32.const 16) "\20\00\00\00\08\00\00\00") (data (i32.const 32) "flushed\0a")
           (func (export "__wasm_call_ctors"))
           (func (export "exit") (param i32)
             (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
             (call $exit (local.get 0)))"#,
        "",
    );
    write_wat(&dir, "main.wasm", &main);
    let (status, out, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!((status, out.as_str()), (0, "flushed\n"), "{err}");
}

/// An Emscripten main module importing `imports` (besides a function only
/// Emscripten's JS defines, which makes it one) and running `body`.
fn emscripten_main(imports: &str, body: &str) -> String {
    main_wat(
        &[],
        &format!(r#"(import "env" "setTempRet0" (func (param i32))) {imports}"#),
        body,
    )
}

#[test]
fn a_pointer_to_a_javascript_library_function_is_a_named_lookup_error() {
    let dir = workdir("jsptr");
    write_wat(
        &dir,
        "main.wasm",
        &emscripten_main(
            r#"(import "GOT.func" "emscripten_glClear" (global $clear (mut i32)))
               (type $vi (func (param i32)))"#,
            "(call_indirect (type $vi) (i32.const 0x4000) (global.get $clear)) i32.const 0",
        ),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 127, "{err}");
    assert!(
        err.contains("GOT.func.emscripten_glClear, a JavaScript library function dlrun does not provide): undefined symbol: emscripten_glClear"),
        "{err}"
    );
}

#[test]
fn calling_a_javascript_library_function_is_a_named_lookup_error() {
    let dir = workdir("jscall");
    write_wat(
        &dir,
        "main.wasm",
        &emscripten_main(
            r#"(import "env" "emscripten_run_script" (func $run (param i32)))"#,
            "(call $run (i32.const 0)) i32.const 0",
        ),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 127, "{err}");
    assert!(
        err.contains("import env.emscripten_run_script, a JavaScript library function dlrun does not provide): undefined symbol: emscripten_run_script"),
        "{err}"
    );
}

#[test]
fn system_has_no_shell_and_name_lookups_fail() {
    let dir = workdir("jssystem");
    // Returns system(NULL) + 10 * (system("ls") == -1) + 100 * (errno ==
    // ENOSYS) + 1000 * (getaddrinfo == EAI_FAIL) + 10000 * !gethostbyname.
    write_wat(
        &dir,
        "main.wasm",
        &emscripten_main(
            r#"(import "env" "system" (func $system (param i32) (result i32)))
               (import "env" "getaddrinfo" (func $gai (param i32 i32 i32 i32) (result i32)))
               (import "env" "gethostbyname" (func $ghbn (param i32) (result i32)))
               (func (export "__errno_location") (result i32) i32.const 64)
               (data (i32.const 32) "ls\00")"#,
            "(call $system (i32.const 0))
             (i32.mul (i32.const 10) (i32.eq (call $system (i32.const 32)) (i32.const -1)))
             i32.add
             (i32.mul (i32.const 100) (i32.eq (i32.load (i32.const 64)) (i32.const 52)))
             i32.add
             (i32.mul (i32.const 1000)
               (i32.eq (call $gai (i32.const 32) (i32.const 0) (i32.const 0) (i32.const 128)) (i32.const -4)))
             i32.add
             (i32.mul (i32.const 10000) (i32.eqz (call $ghbn (i32.const 32))))
             i32.add
             i32.const 11110
             i32.eq",
        ),
    );
    let (status, _, err) = dlrun(&dir, &["main.wasm"]);
    assert_eq!(status, 1, "{err}");
}

#[test]
fn force_exit_ends_the_program_and_memory_growth_notes_are_taken() {
    let dir = workdir("jsexit");
    write_wat(
        &dir,
        "main.wasm",
        &emscripten_main(
            r#"(import "env" "emscripten_notify_memory_growth" (func $grew (param i32)))
               (import "env" "emscripten_force_exit" (func $exit (param i32)))"#,
            "(call $grew (i32.const 0)) (call $exit (i32.const 5)) i32.const 0",
        ),
    );
    assert_eq!(dlrun(&dir, &["main.wasm"]).0, 5);
}
