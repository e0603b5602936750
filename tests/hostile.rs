//! Hostile inputs: malformed metadata, absurd sizes, odd dependency graphs,
//! mismatched imports, faulting constructors and bad guest pointers. Each
//! must end in a clear message naming what is wrong and where, with a
//! non-zero status (or load fine, where glibc would), never a panic.

mod common;

use std::path::Path;

use common::{BUMP_MEMALIGN, main_wat, side_wat, workdir, write_wat};

/// Runs dlrun in `dir` without touching any compiled-module cache.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--no-cache"];
    all.extend_from_slice(args);
    common::dlrun(dir, &all)
}

/// A load that fails with status 1 and a message holding every one of
/// `wanted`, and no panic.
fn assert_load_error(dir: &Path, args: &[&str], wanted: &[&str]) {
    let (status, _, err) = run(dir, args);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status, 1, "{err}");
    for w in wanted {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
}

/// main.wasm needing `lib`, returning 0.
fn main_needing(dir: &Path, lib: &str) {
    write_wat(dir, "main.wasm", &main_wat(&[lib], "", "i32.const 0"));
}

/// A side module whose only metadata is the raw `dylink.0` payload given.
fn side_with_raw_dylink(payload: &str) -> String {
    format!(
        r#"(module
          (@custom "dylink.0" (before first) "{payload}")
          (import "env" "memory" (memory 1))
          (import "env" "__memory_base" (global i32)))"#
    )
}

#[test]
fn a_truncated_dylink_section_names_the_library() {
    let dir = workdir("hostile-truncated");
    main_needing(&dir, "libcut.so");
    // MEM_INFO announcing 10 bytes of which only one LEB's first byte is there.
    write_wat(&dir, "libcut.so", &side_with_raw_dylink("\\01\\0a\\80"));
    assert_load_error(
        &dir,
        &["main.wasm"],
        &["libcut.so", "malformed dylink.0 section"],
    );
}

#[test]
fn a_garbage_dylink_section_names_the_library() {
    let dir = workdir("hostile-garbage");
    main_needing(&dir, "libjunk.so");
    // A NEEDED subsection claiming 2^32-1 names, then noise.
    write_wat(
        &dir,
        "libjunk.so",
        &side_with_raw_dylink("\\02\\06\\ff\\ff\\ff\\ff\\0f\\41\\ff\\00\\13\\37"),
    );
    assert_load_error(
        &dir,
        &["main.wasm"],
        &["libjunk.so", "malformed dylink.0 section"],
    );
}

#[test]
fn a_garbage_dylink_section_in_the_main_module_names_it() {
    let dir = workdir("hostile-garbage-main");
    write_wat(
        &dir,
        "main.wasm",
        r#"(module
          (@custom "dylink.0" (before first) "\01\ff\ff\ff\ff\ff\ff")
          (import "env" "memory" (memory 1))
          (func (export "main") (param i32 i32) (result i32) i32.const 0))"#,
    );
    assert_load_error(
        &dir,
        &["main.wasm"],
        &["main.wasm", "malformed dylink.0 section"],
    );
}

/// A side module asking for `mem` data bytes aligned to 2^`align`, and
/// `table` slots.
fn side_asking(mem: u32, align: u32, table: u32) -> String {
    format!(
        r#"(module
          (@dylink.0 (mem-info (memory {mem} {align}) (table {table} 0)))
          (import "env" "memory" (memory 1))
          (import "env" "__indirect_function_table" (table 0 funcref))
          (import "env" "__memory_base" (global i32))
          (import "env" "__table_base" (global i32)))"#
    )
}

#[test]
fn a_library_asking_for_4_gib_of_data_is_refused() {
    let dir = workdir("hostile-4gib");
    main_needing(&dir, "libhuge.so");
    write_wat(&dir, "libhuge.so", &side_asking(u32::MAX, 2, 0));
    assert_load_error(&dir, &["main.wasm"], &["libhuge.so", "memory"]);
}

#[test]
fn a_library_asking_for_absurd_alignment_is_refused() {
    let dir = workdir("hostile-align");
    main_needing(&dir, "libalign.so");
    write_wat(&dir, "libalign.so", &side_asking(16, 31, 0));
    assert_load_error(
        &dir,
        &["main.wasm"],
        &["libalign.so", "alignment 2^31 is out of range"],
    );
}

#[test]
fn a_main_module_asking_for_4_gib_of_data_is_refused() {
    let dir = workdir("hostile-main-4gib");
    let main = main_wat(&[], "", "i32.const 0").replace(
        "(memory 16 2) (table 1 0)",
        &format!("(memory {} 2) (table 1 0)", u32::MAX),
    );
    write_wat(&dir, "main.wasm", &main);
    assert_load_error(&dir, &["main.wasm"], &["main.wasm", "memory"]);
}

#[test]
fn a_library_asking_for_too_many_table_slots_is_refused() {
    let dir = workdir("hostile-table");
    main_needing(&dir, "libslots.so");
    write_wat(&dir, "libslots.so", &side_asking(16, 2, u32::MAX));
    assert_load_error(&dir, &["main.wasm"], &["libslots.so", "table"]);
}

#[test]
fn a_main_module_asking_for_too_many_table_slots_is_refused() {
    let dir = workdir("hostile-main-table");
    let main = main_wat(&[], "", "i32.const 0")
        .replace("(table 1 0))", &format!("(table {} 0))", u32::MAX));
    write_wat(&dir, "main.wasm", &main);
    assert_load_error(&dir, &["main.wasm"], &["main.wasm", "table"]);
}

/// A side module needing `needed`, exporting `name` returning `value`.
fn side_needing(needed: &[&str], name: &str, value: i32) -> String {
    let needed: String = needed.iter().map(|n| format!(" \"{n}\"")).collect();
    side_wat(
        "",
        &format!(r#"(func (export "{name}") (result i32) i32.const {value})"#),
    )
    .replace(
        "(memory 4 2)))",
        &format!("(memory 4 2)) (needed{needed}))"),
    )
}

/// How many times `--trace libs` reports loading `lib`.
fn times_loaded(trace: &str, lib: &str) -> usize {
    trace
        .lines()
        .filter(|l| l.starts_with(&format!("dlrun: loaded {lib} ")))
        .count()
}

#[test]
fn needed_cycles_load_each_library_once() {
    let dir = workdir("hostile-cycle");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["liba.so"],
            r#"(import "env" "a" (func $a (result i32)))
               (import "env" "b" (func $b (result i32)))"#,
            "(i32.add (call $a) (call $b))",
        ),
    );
    write_wat(&dir, "liba.so", &side_needing(&["libb.so"], "a", 3));
    write_wat(&dir, "libb.so", &side_needing(&["liba.so"], "b", 4));
    let (status, _, err) = run(&dir, &["--trace", "libs", "main.wasm"]);
    assert_eq!(status, 7, "{err}");
    assert_eq!(times_loaded(&err, "liba.so"), 1, "{err}");
    assert_eq!(times_loaded(&err, "libb.so"), 1, "{err}");
}

#[test]
fn a_library_needing_itself_loads_once() {
    let dir = workdir("hostile-self");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["libself.so"],
            r#"(import "env" "me" (func $me (result i32)))"#,
            "call $me",
        ),
    );
    write_wat(&dir, "libself.so", &side_needing(&["libself.so"], "me", 5));
    let (status, _, err) = run(&dir, &["--trace", "libs", "main.wasm"]);
    assert_eq!(status, 5, "{err}");
    assert_eq!(times_loaded(&err, "libself.so"), 1, "{err}");
}

#[test]
fn duplicate_needed_names_load_the_library_once() {
    let dir = workdir("hostile-dup");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["libd.so", "libd.so", "./libd.so"],
            r#"(import "env" "d" (func $d (result i32)))"#,
            "call $d",
        ),
    );
    write_wat(
        &dir,
        "libd.so",
        &side_needing(&["libd.so", "libd.so"], "d", 6),
    );
    let (status, _, err) = run(&dir, &["--trace", "libs", "main.wasm"]);
    assert_eq!(status, 6, "{err}");
    assert_eq!(times_loaded(&err, "libd.so"), 1, "{err}");
}

#[test]
fn a_ten_thousand_deep_needed_chain_loads() {
    const DEPTH: usize = 10_000;
    let dir = workdir("hostile-deep");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["lib0.so"],
            r#"(import "env" "bottom" (func $bottom (result i32)))"#,
            "call $bottom",
        ),
    );
    for k in 0..DEPTH {
        let text = if k + 1 == DEPTH {
            side_needing(&[], "bottom", 9)
        } else {
            side_needing(&[&format!("lib{}.so", k + 1)], &format!("f{k}"), 0).replace(
                "(func (export",
                "(func $ctor) (export \"__wasm_call_ctors\" (func $ctor)) (func (export",
            )
        };
        write_wat(&dir, &format!("lib{k}.so"), &text);
    }
    let (status, _, err) = run(&dir, &["main.wasm"]);
    assert!(!err.contains("overflow"), "{err}");
    assert_eq!(status, 9, "{err}");
}

#[test]
fn a_function_import_of_the_wrong_type_names_both_modules() {
    let dir = workdir("hostile-functype");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["libseven.so"],
            r#"(import "env" "seven" (func $seven (param i64) (result f32)))"#,
            "(drop (call $seven (i64.const 1))) i32.const 0",
        ),
    );
    write_wat(
        &dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
    assert_load_error(
        &dir,
        &["main.wasm"],
        &["main.wasm", "seven", "libseven.so", "type mismatch"],
    );
    let (_, _, err) = run(&dir, &["--trace", "bindings,libs", "main.wasm"]);
    assert!(
        !err.contains("dlrun: binding") && !err.contains("dlrun: loaded"),
        "the mismatch is found while planning, before anything is instantiated: {err}"
    );
}

/// A library importing `import` (a GOT global of some type) next to a
/// library defining `shared`.
fn got_program(dir: &Path, import: &str) {
    main_needing(dir, "libuser.so");
    let user =
        side_wat(import, "").replace("(memory 4 2)))", "(memory 4 2)) (needed \"libdef.so\"))");
    write_wat(dir, "libuser.so", &user);
    write_wat(
        dir,
        "libdef.so",
        &side_wat(
            "",
            r#"(global (export "shared") i32 (i32.const 0))
               (func (export "fn"))"#,
        ),
    );
}

#[test]
fn got_imports_of_the_wrong_global_type_are_refused() {
    for (tag, import) in [
        (
            "mem-i64",
            r#"(import "GOT.mem" "shared" (global (mut i64)))"#,
        ),
        ("mem-const", r#"(import "GOT.mem" "shared" (global i32))"#),
        ("func-f64", r#"(import "GOT.func" "fn" (global (mut f64)))"#),
        ("func-const", r#"(import "GOT.func" "fn" (global i32))"#),
    ] {
        let dir = workdir(&format!("hostile-got-{tag}"));
        got_program(&dir, import);
        let name = if tag.starts_with("mem") {
            "GOT.mem.shared"
        } else {
            "GOT.func.fn"
        };
        assert_load_error(&dir, &["main.wasm"], &["libuser.so", name, "mutable i32"]);
    }
}

/// Where the dlopen test programs keep their strings and buffers: far above
/// main's data, stack and the libraries' data, inside its 16 MiB.
const SCRATCH: u32 = 12 << 20;

/// A main module calling the `dlrun` dlfcn imports (libc-shim's ABI) and
/// Emscripten's `_dlopen_js`/`_dlsym_js`, with `strings` placed from
/// `SCRATCH` on (each NUL-terminated, 64 bytes apart), running `body`. Its
/// `memalign` bumps from 8 MiB up, for the data of libraries it opens.
fn dl_main(strings: &[&str], body: &str) -> String {
    let data: String = strings
        .iter()
        .enumerate()
        .map(|(k, s)| format!("(data (i32.const {}) \"{s}\\00\")", SCRATCH + 64 * k as u32))
        .collect();
    let imports = format!(
        r#"(import "dlrun" "open" (func $open (param i32 i32) (result i32)))
           (import "dlrun" "sym" (func $sym (param i32 i32 i32) (result i32)))
           (import "dlrun" "error" (func $error (param i32 i32) (result i32)))
           (import "env" "_dlopen_js" (func $dlopen_js (param i32) (result i32)))
           (import "env" "_dlsym_js" (func $dlsym_js (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
           {data}
           {BUMP_MEMALIGN}"#
    );
    main_wat(&[], &imports, body)
}

/// Address of the `k`th string of [`dl_main`].
fn string(k: u32) -> u32 {
    SCRATCH + 64 * k
}

#[test]
fn a_library_trapping_in_its_constructor_during_dlopen_leaves_no_trace() {
    let dir = workdir("hostile-dlopen-ctor");
    let (bad, sym, good, buf, out) = (string(0), string(1), string(2), string(3), string(8));
    // RTLD_NOW|RTLD_GLOBAL, so that a library that stayed would be visible
    // through RTLD_DEFAULT.
    let iov = buf + 512;
    // dlerror's message goes to stdout.
    let body = format!(
        r#"(local $n i32)
           (if (call $open (i32.const {bad}) (i32.const 0x102)) (then (return (i32.const 10))))
           (if (i32.eqz (call $error (i32.const {buf}) (i32.const 256))) (then (return (i32.const 11))))
           (block $end (loop $next
             (br_if $end (i32.eqz (i32.load8_u (i32.add (i32.const {buf}) (local.get $n)))))
             (local.set $n (i32.add (local.get $n) (i32.const 1)))
             (br $next)))
           (i32.store (i32.const {iov}) (i32.const {buf}))
           (i32.store (i32.const {}) (local.get $n))
           (drop (call $fd_write (i32.const 1) (i32.const {iov}) (i32.const 1) (i32.const {})))
           (if (call $open (i32.const {bad}) (i32.const 0x102)) (then (return (i32.const 12))))
           (if (i32.ne (call $sym (i32.const 0) (i32.const {sym}) (i32.const {out})) (i32.const -1))
             (then (return (i32.const 13))))
           (if (i32.eqz (call $open (i32.const {good}) (i32.const 2))) (then (return (i32.const 14))))
           i32.const 0"#,
        iov + 4,
        iov + 8
    );
    write_wat(
        &dir,
        "main.wasm",
        &dl_main(&["libbad.so", "bad_sym", "libseven.so"], &body),
    );
    write_wat(
        &dir,
        "libbad.so",
        &side_wat(
            "",
            r#"(func (export "__wasm_call_ctors") unreachable)
               (func (export "bad_sym") (result i32) i32.const 1)"#,
        ),
    );
    write_wat(
        &dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
    let (status, out, err) = run(&dir, &["--trace", "dl", "main.wasm"]);
    assert_eq!(status, 0, "{err}");
    assert!(
        out.contains("libbad.so: constructor failed: wasm trap: wasm `unreachable`"),
        "dlerror said: {out}"
    );
    assert!(!out.contains("backtrace"), "dlerror said: {out}");
    let failures: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("dlrun: dlopen(\"libbad.so\""))
        .collect();
    assert_eq!(failures.len(), 2, "{err}");
    for f in failures {
        assert!(f.contains("libbad.so: constructor failed"), "{err}");
    }
    assert!(err.contains("undefined symbol: bad_sym"), "{err}");
}

/// A run of `body` that must stop as a fault would (status 134), with a
/// message naming `what` and saying why the pointer is bad.
fn assert_bad_pointer(tag: &str, body: &str, what: &str, why: &str) {
    let dir = workdir(&format!("hostile-ptr-{tag}"));
    write_wat(&dir, "main.wasm", &dl_main(&["main", "libnone.so"], body));
    let (status, _, err) = run(&dir, &["main.wasm"]);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status, 134, "{err}");
    assert!(err.contains("dlrun: bad pointer: "), "{err}");
    assert!(err.contains(what), "expected {what:?} in: {err}");
    assert!(err.contains(why), "expected {why:?} in: {err}");
}

#[test]
fn out_of_bounds_pointers_to_dlopen_and_dlsym_stop_the_program_cleanly() {
    let bad = "(i32.const 0xfffffff0)";
    let main = string(0);
    // The last bytes of the 16 MiB memory, with no NUL after them.
    let end = "(i32.store (i32.const 0xfffffc) (i32.const 0x41414141))";
    let cases = [
        (
            "open",
            format!("(call $open {bad} (i32.const 2))"),
            "dlopen file name",
            "out of bounds",
        ),
        (
            "open-unterminated",
            format!("{end} (call $open (i32.const 0xfffffc) (i32.const 2))"),
            "dlopen file name",
            "not terminated",
        ),
        (
            "sym-name",
            format!("(call $sym (i32.const 0) {bad} (i32.const 0))"),
            "dlsym symbol name",
            "out of bounds",
        ),
        (
            "sym-out",
            format!("(call $sym (i32.const 0) (i32.const {main}) {bad})"),
            "dlsym result",
            "out of bounds",
        ),
        (
            "error-buf",
            format!(
                "(drop (call $open (i32.const {}) (i32.const 2))) (call $error {bad} (i32.const 100))",
                string(1)
            ),
            "dlerror buffer",
            "out of bounds",
        ),
        (
            "dlopen-js",
            format!("(call $dlopen_js {bad})"),
            "dlopen",
            "out of bounds",
        ),
        (
            "dlopen-js-unterminated",
            format!("{end} (call $dlopen_js (i32.const 0xfffffc))"),
            "dlopen",
            "out of bounds",
        ),
        (
            "dlsym-js",
            format!("(call $dlsym_js (i32.const 0) {bad})"),
            "dlsym symbol name",
            "out of bounds",
        ),
    ];
    for (tag, call, what, why) in cases {
        assert_bad_pointer(tag, &format!("(drop {call}) i32.const 0"), what, why);
    }
}

#[test]
fn fuel_stops_a_constructor_that_loops_forever() {
    let dir = workdir("hostile-fuel");
    main_needing(&dir, "libloop.so");
    write_wat(
        &dir,
        "libloop.so",
        &side_wat("", r#"(func (export "__wasm_call_ctors") (loop br 0))"#),
    );
    let config = dlrun::RunConfig {
        main: dir.join("main.wasm"),
        limits: dlrun::Limits {
            fuel: Some(1_000_000),
            ..Default::default()
        },
        ..Default::default()
    };
    match dlrun::run(&config) {
        Err(dlrun::Error::Runtime(msg)) => {
            assert!(msg.contains("fuel"), "{msg}");
            assert!(msg.contains("libloop.so: constructor failed"), "{msg}");
        }
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

/// A side module whose constructor runs `body`, with `imports` and
/// NEEDED `needed`.
fn side_with_ctor(needed: &[&str], imports: &str, body: &str) -> String {
    let side = side_wat(
        imports,
        &format!(r#"(func (export "__wasm_call_ctors") {body})"#),
    );
    if needed.is_empty() {
        return side;
    }
    let needed: String = needed.iter().map(|n| format!(" \"{n}\"")).collect();
    side.replace(
        "(memory 4 2)))",
        &format!("(memory 4 2)) (needed{needed}))"),
    )
}

#[test]
fn a_constructor_ending_the_program_during_dlopen_ends_it_there() {
    let exit = r#"(import "env" "exit" (func $exit (param i32)))"#;
    let abort = r#"(import "env" "abort" (func $abort))"#;
    let libs = [
        (
            "libexit.so",
            side_with_ctor(&[], exit, "(call $exit (i32.const 7))"),
        ),
        ("libneedsexit.so", side_with_ctor(&["libexit.so"], "", "")),
        ("libabort.so", side_with_ctor(&[], abort, "call $abort")),
        ("libloop.so", side_with_ctor(&[], "", "(loop br 0)")),
    ];
    // Through libc-shim's `open`, and through Emscripten's `_dlopen_js`
    // with the `struct dso` its libc passes (flags at 20, name at 44).
    let (name, dso) = (string(0), string(0) - 44);
    let by_open = format!("(drop (call $open (i32.const {name}) (i32.const 2))) i32.const 42");
    let by_dlopen_js = format!(
        "(i32.store (i32.const {}) (i32.const 2)) (drop (call $dlopen_js (i32.const {dso}))) i32.const 42",
        dso + 20
    );
    let cases = [
        ("libexit.so", &by_open, &[][..], 7, "exit"),
        ("libexit.so", &by_dlopen_js, &[], 7, "exit-js"),
        ("libneedsexit.so", &by_open, &[], 7, "needed-exit"),
        ("libneedsexit.so", &by_dlopen_js, &[], 7, "needed-exit-js"),
        ("libabort.so", &by_open, &[], 134, "abort"),
        ("libabort.so", &by_dlopen_js, &[], 134, "abort-js"),
        (
            "libloop.so",
            &by_open,
            &["--timeout", "300ms"],
            124,
            "timeout",
        ),
    ];
    for (lib, body, flags, want, tag) in cases {
        let dir = workdir(&format!("hostile-ctor-ends-{tag}"));
        for (file, wat) in &libs {
            write_wat(&dir, file, wat);
        }
        write_wat(&dir, "main.wasm", &dl_main(&[lib], body));
        let mut args = flags.to_vec();
        args.push("main.wasm");
        let (status, _, err) = run(&dir, &args);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(status, want, "{tag}: {err}");
    }
}

#[test]
fn an_exit_in_a_constructor_during_session_dlopen_ends_the_session() {
    let dir = workdir("hostile-session-ctor-exit");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(&[], BUMP_MEMALIGN, "i32.const 0"),
    );
    write_wat(
        &dir,
        "libexit.so",
        &side_with_ctor(
            &[],
            r#"(import "env" "exit" (func $exit (param i32)))"#,
            "(call $exit (i32.const 7))",
        ),
    );
    let config = dlrun::RunConfig {
        main: dir.join("main.wasm"),
        cache: dlrun::cache::Cache::disabled(),
        ..Default::default()
    };
    let mut session = dlrun::Program::new(&config).unwrap().load().unwrap();
    match session.dlopen("libexit.so", dlrun::dlfcn::flags::RTLD_NOW) {
        Err(dlrun::Error::Exit(7)) => {}
        other => panic!("expected the program's exit, got {other:?}"),
    }
    assert!(matches!(
        session.call("main", &[]),
        Err(dlrun::Error::Exit(7))
    ));
}

#[test]
fn dlerror_names_libraries_as_the_program_does_and_trace_as_the_user_does() {
    let dir = workdir("hostile-dlerror-names");
    std::fs::create_dir_all(dir.join("root")).unwrap();
    write_wat(
        &dir,
        "root/libneeds.so",
        &side_with_ctor(&["libabsent.so"], "", ""),
    );
    let (buf, iov) = (string(4), string(12));
    let body = format!(
        r#"(local $n i32)
           (if (call $open (i32.const {}) (i32.const 2)) (then (return (i32.const 10))))
           (if (i32.eqz (call $error (i32.const {buf}) (i32.const 512))) (then (return (i32.const 11))))
           (block $end (loop $next
             (br_if $end (i32.eqz (i32.load8_u (i32.add (i32.const {buf}) (local.get $n)))))
             (local.set $n (i32.add (local.get $n) (i32.const 1)))
             (br $next)))
           (i32.store (i32.const {iov}) (i32.const {buf}))
           (i32.store (i32.const {}) (local.get $n))
           (drop (call $fd_write (i32.const 1) (i32.const {iov}) (i32.const 1) (i32.const {})))
           i32.const 0"#,
        string(0),
        iov + 4,
        iov + 8
    );
    write_wat(&dir, "main.wasm", &dl_main(&["/data/libneeds.so"], &body));
    let (status, out, err) = run(
        &dir,
        &["--dir", "root::/data", "--trace", "dl", "main.wasm"],
    );
    assert_eq!(status, 0, "{err}");
    assert_eq!(
        out,
        "libabsent.so: cannot open shared object file: No such file or directory (needed by /data/libneeds.so)"
    );
    let host = dir.canonicalize().unwrap().display().to_string();
    let trace = err
        .lines()
        .find(|l| l.starts_with("dlrun: dlopen(\"/data/libneeds.so\""))
        .unwrap_or_else(|| panic!("no trace of the dlopen in: {err}"));
    assert!(trace.contains("searched: "), "{trace}");
    assert!(
        trace.contains(&format!("needed by {host}/root/libneeds.so")),
        "{trace}"
    );
}

#[test]
fn puts_and_strlen_of_an_unterminated_string_fault() {
    let dir = workdir("jsstrings");
    for (f, ty) in [("puts", "(result i32)"), ("strlen", "(result i32)")] {
        // The last byte of memory is not NUL: the string runs off the end.
        write_wat(
            &dir,
            "main.wasm",
            &main_wat(
                &[],
                &format!(
                    r#"(import "env" "setTempRet0" (func (param i32)))
                       (import "env" "{f}" (func $f (param i32) {ty}))"#
                ),
                "(memory.fill (i32.const 0xfffff0) (i32.const 65) (i32.const 16)) (call $f (i32.const 0xfffff0))",
            ),
        );
        let (status, out, err) = run(&dir, &["main.wasm"]);
        assert_eq!(status, 134, "{f}: {err}");
        assert!(
            err.contains(f) && err.contains("runs past the end of memory"),
            "{err}"
        );
        assert!(out.is_empty(), "{out}");
    }
}

#[test]
fn a_library_exporting_the_names_of_dlruns_rewrites_is_taken_as_it_is() {
    // The first-run rewrites mark what they made with names of their own
    // (src/trim.rs, src/route.rs); a library exporting such names itself
    // is neither rewritten nor taken for rewritten, under either compiler.
    let dir = workdir("hostile-our-names");
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["libours.so"],
            r#"(import "env" "seven" (func $seven (result i32)))
               (func (export "base") (result i32) i32.const 5)"#,
            "call $seven",
        ),
    );
    write_wat(
        &dir,
        "libours.so",
        &side_wat(
            r#"(import "env" "base" (func $base (result i32)))"#,
            r#"(func (export "seven") (result i32) (i32.add (call $base) (i32.const 2)))
               (func (export "dlrun.routed") (result i32) (call $base))
               (func (export "dlrun.dispatch.0") (param i32) (result i32) (local.get 0))"#,
        ),
    );
    for compiler in ["cranelift", "winch"] {
        let (status, _, err) = run(&dir, &["--compiler", compiler, "main.wasm"]);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(status, 7, "{compiler}: {err}");
    }
}
