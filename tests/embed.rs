//! The embedding API (Program, Session) and the CLI's `--invoke`, on small
//! hand-written modules: calls with checked arguments, host dlopen/dlsym,
//! guest memory, independent runs of one compiled program.

mod common;

use common::{Workdir, dlrun, workdir};
use std::path::Path;

use dlrun::cache::Cache;
use dlrun::dlfcn::flags::{RTLD_GLOBAL, RTLD_NOW};
use dlrun::{Error, Handle, Program, RunConfig, Template, Val};

fn write_wat(dir: &Path, file: &str, wat: &str) {
    std::fs::write(dir.join(file), wat::parse_str(wat).unwrap()).unwrap();
}

/// An Emscripten-shaped main module needing libseven.so, with a bump
/// `malloc`/`memalign` over `__heap_base` (so libraries opened after
/// startup get memory), a call counter, and functions of every number type.
const MAIN: &str = r#"(module
  (@dylink.0 (mem-info (memory 16 2) (table 1 0)) (needed "libseven.so"))
  (import "env" "memory" (memory 256))
  (import "env" "__indirect_function_table" (table 1 funcref))
  (import "env" "__stack_pointer" (global $sp (mut i32)))
  (import "env" "__memory_base" (global $mb i32))
  (import "env" "__table_base" (global $tb i32))
  (import "GOT.mem" "__heap_base" (global $hb (mut i32)))
  (import "env" "seven" (func $seven (result i32)))
  (import "env" "exit" (func $exit (param i32)))
  (global $calls (mut i32) (i32.const 0))
  (func $memalign (export "memalign") (param $align i32) (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $hb) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $hb (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (func (export "malloc") (param $n i32) (result i32)
    (call $memalign (i32.const 16) (local.get $n)))
  (func (export "free") (param i32))
  (func (export "strlen") (param $s i32) (result i32) (local $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64) (f64.div (local.get 0) (f64.const 2)))
  (func (export "wide") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 2)))
  (func (export "count") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (global.get $calls))
  (func (export "quit") (param i32) (call $exit (local.get 0)))
  (func (export "crash") unreachable)
  (func (export "main") (param i32 i32) (result i32)
    (i32.add (call $seven) (i32.mul (i32.const 10) (global.get $calls)))))"#;

/// A side module exporting `name` returning `value`, with `data` in its
/// static memory.
fn side(exports: &str) -> String {
    format!(
        r#"(module
          (@dylink.0 (mem-info (memory 16 2)))
          (import "env" "memory" (memory 1))
          (import "env" "__indirect_function_table" (table 0 funcref))
          (import "env" "__memory_base" (global $mb i32))
          (import "env" "__table_base" (global $tb i32))
          {exports})"#
    )
}

/// main.wasm, libseven.so and libplugin.so (`triple`, `plugin_name`
/// pointing at its static string "plugin", and `big`, i64-legalized as
/// emcc 3.1 does it).
fn program_dir(name: &str) -> Workdir {
    let dir = workdir(name);
    write_wat(&dir, "main.wasm", MAIN);
    write_wat(
        &dir,
        "libseven.so",
        &side(r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
    write_wat(
        &dir,
        "libplugin.so",
        &side(
            r#"(data (global.get $mb) "plugin\00")
               (func (export "triple") (param i32) (result i32)
                 (i32.mul (local.get 0) (i32.const 3)))
               (func (export "plugin_name") (result i32) global.get $mb)
               (func (export "big") (param i32 i32) (result i32) unreachable)
               (func (export "orig$big") (param i64) (result i64)
                 (i64.add (local.get 0) (i64.const 1)))"#,
        ),
    );
    dir
}

fn config(dir: &Path) -> RunConfig {
    RunConfig {
        main: dir.join("main.wasm"),
        cache: Cache::disabled(),
        ..Default::default()
    }
}

fn i32_of(results: Vec<Val>) -> i32 {
    match results.as_slice() {
        [Val::I32(v)] => *v,
        other => panic!("expected one i32, got {other:?}"),
    }
}

#[test]
fn one_program_runs_many_times_each_afresh() {
    let dir = program_dir("runs");
    let program = Program::new(&config(&dir)).unwrap();
    for _ in 0..3 {
        assert_eq!(program.run().unwrap(), 7);
        let mut session = program.load().unwrap();
        assert_eq!(i32_of(session.call("count", &[]).unwrap()), 1);
        assert_eq!(i32_of(session.call("count", &[]).unwrap()), 2);
        assert_eq!(
            session.run_main().unwrap(),
            27,
            "main sees this session's calls"
        );
    }
}

#[test]
fn libraries_are_read_and_compiled_once_per_program() {
    let dir = program_dir("template");
    let program = Program::new(&config(&dir)).unwrap();
    assert_eq!(program.run().unwrap(), 7);
    std::fs::write(dir.join("libseven.so"), b"no longer a module").unwrap();
    assert_eq!(
        program.run().unwrap(),
        7,
        "the second run takes the library from memory"
    );
    let fresh = Program::new(&config(&dir)).unwrap();
    let err = fresh.run().unwrap_err();
    assert!(err.to_string().contains("libseven.so"), "{err}");
}

#[test]
fn the_start_up_link_is_decided_once_per_program() {
    let dir = program_dir("startup-plan");
    let program = Program::new(&config(&dir)).unwrap();
    assert_eq!(program.run().unwrap(), 7);
    std::fs::remove_file(dir.join("libseven.so")).unwrap();
    assert_eq!(
        program.run().unwrap(),
        7,
        "the second run neither searches for nor binds the libraries again"
    );
    let session = program.load().unwrap();
    assert_eq!(session.run_main().unwrap(), 7);
}

#[test]
fn a_program_serves_several_threads_at_once() {
    let dir = program_dir("threads");
    let program = Program::new(&config(&dir)).unwrap();
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut session = program.load().unwrap();
                    session.call("count", &[]).unwrap();
                    session.run_main().unwrap()
                })
            })
            .collect();
        for run in runs {
            assert_eq!(run.join().unwrap(), 17);
        }
    });
}

#[test]
fn calls_take_and_return_every_number_type() {
    let dir = program_dir("types");
    let mut session = Program::new(&config(&dir)).unwrap().load().unwrap();
    assert_eq!(
        session.call("add", &[Val::I32(2), Val::I32(3)]).unwrap(),
        [Val::I32(5)]
    );
    assert_eq!(
        session.call("half", &[Val::F64(5.0)]).unwrap(),
        [Val::F64(2.5)]
    );
    assert_eq!(
        session.call("wide", &[Val::I64(1 << 40)]).unwrap(),
        [Val::I64(1 << 41)]
    );
    assert_eq!(session.call("seven", &[]).unwrap(), [Val::I32(7)]);
    assert_eq!(
        session.signature("add").unwrap().to_string(),
        "(i32, i32) -> i32"
    );
}

#[test]
fn bad_calls_are_refused_with_what_was_wrong() {
    let dir = program_dir("badcalls");
    let mut session = Program::new(&config(&dir)).unwrap().load().unwrap();
    let err = session.call("ad", &[]).unwrap_err();
    assert!(matches!(err, Error::Call(_)), "{err:?}");
    assert!(err.to_string().contains("did you mean add?"), "{err}");
    let err = session.call("add", &[Val::I32(1)]).unwrap_err();
    assert!(
        err.to_string().contains("takes 2 arguments, 1 given"),
        "{err}"
    );
    let err = session
        .call("add", &[Val::I32(1), Val::I64(2)])
        .unwrap_err();
    assert!(
        err.to_string().contains("argument 2 is i64, expected i32"),
        "{err}"
    );
    let err = session.call_pointer(9999, &[]).unwrap_err();
    assert!(err.to_string().contains("9999"), "{err}");
    assert_eq!(
        session.call("add", &[Val::I32(1), Val::I32(2)]).unwrap(),
        [Val::I32(3)],
        "a refused call changes nothing"
    );
}

#[test]
fn a_trap_during_a_call_is_a_runtime_error() {
    let dir = program_dir("trap");
    let mut session = Program::new(&config(&dir)).unwrap().load().unwrap();
    let err = session.call("crash", &[]).unwrap_err();
    assert!(matches!(err, Error::Runtime(_)), "{err:?}");
    assert!(err.to_string().contains("wasm trap"), "{err}");
    assert!(!err.to_string().contains("wasm trap: wasm trap"), "{err}");
}

#[test]
fn a_constructor_calling_exit_ends_the_load_with_its_status() {
    let dir = program_dir("ctorexit");
    let with_ctor = MAIN.replace(
        r#"(func (export "crash") unreachable)"#,
        r#"(func (export "__wasm_call_ctors") (call $exit (i32.const 5)))"#,
    );
    write_wat(&dir, "main.wasm", &with_ctor);
    let program = Program::new(&config(&dir)).unwrap();
    assert!(matches!(program.load(), Err(Error::Exit(5))));
    assert_eq!(program.run().unwrap(), 5);
    assert_eq!(
        dlrun(&dir, &["--invoke", "add", "main.wasm", "1", "2"]).0,
        5
    );
}

#[test]
fn an_exit_during_a_call_ends_the_session() {
    let dir = program_dir("exit");
    let mut session = Program::new(&config(&dir)).unwrap().load().unwrap();
    let err = session.call("quit", &[Val::I32(3)]).unwrap_err();
    assert!(matches!(err, Error::Exit(3)), "{err:?}");
    let err = session.call("count", &[]).unwrap_err();
    assert!(matches!(err, Error::Exit(3)), "{err:?}");
}

#[test]
fn the_host_dlopens_dlsyms_and_calls_through_pointers() {
    let dir = program_dir("dlopen");
    let mut session = Program::new(&config(&dir)).unwrap().load().unwrap();
    let plugin = session.dlopen("libplugin.so", RTLD_NOW).unwrap();
    let triple = session.dlsym(plugin, "triple").unwrap();
    assert_eq!(
        session.call_pointer(triple, &[Val::I32(5)]).unwrap(),
        [Val::I32(15)]
    );
    assert_eq!(
        session.call("triple", &[Val::I32(2)]).unwrap(),
        [Val::I32(6)],
        "the host calls into RTLD_LOCAL libraries by name too"
    );
    let err = session.dlsym(Handle::MAIN, "triple").unwrap_err();
    assert!(
        err.to_string().contains("undefined symbol: triple"),
        "{err}"
    );
    let again = session
        .dlopen("libplugin.so", RTLD_NOW | RTLD_GLOBAL)
        .unwrap();
    assert_eq!(again, plugin);
    assert_eq!(session.dlsym(Handle::MAIN, "triple").unwrap(), triple);
    let name = i32_of(session.call("plugin_name", &[]).unwrap());
    assert_eq!(session.read_cstr(name as u32).unwrap(), "plugin");
    assert_eq!(
        session.call("big", &[Val::I64(1 << 40)]).unwrap(),
        [Val::I64((1 << 40) + 1)],
        "an i64-legalized export is called through its orig$ twin"
    );
    let err = session.dlopen("libnothere.so", RTLD_NOW).unwrap_err();
    assert!(matches!(err, Error::Load(_)), "{err:?}");
    assert!(err.to_string().contains("libnothere.so"), "{err}");
}

#[test]
fn strings_go_through_the_programs_malloc() {
    let dir = program_dir("strings");
    let mut session = Program::new(&config(&dir)).unwrap().load().unwrap();
    let s = session.alloc_cstr("hello, world").unwrap();
    assert_eq!(
        session.call("strlen", &[Val::I32(s as i32)]).unwrap(),
        [Val::I32(12)]
    );
    assert_eq!(session.read_cstr(s).unwrap(), "hello, world");
    session.write_bytes(s, b"HELLO").unwrap();
    assert_eq!(session.read_bytes(s, 7).unwrap(), b"HELLO, ");
    session.free(s).unwrap();
    let err = session.read_bytes(u32::MAX - 2, 8).unwrap_err();
    assert!(err.to_string().contains("out of bounds"), "{err}");
}

#[test]
fn a_wasi_program_is_driven_the_same_way() {
    let dir = workdir("wasi");
    write_wat(
        &dir,
        "main.wasm",
        r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (table (export "__indirect_function_table") 1 funcref)
          (func (export "mul") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))
          (func (export "_start") (call $exit (i32.const 4))))"#,
    );
    let program = Program::new(&config(&dir)).unwrap();
    let mut session = program.load().unwrap();
    assert_eq!(
        session.call("mul", &[Val::I32(6), Val::I32(7)]).unwrap(),
        [Val::I32(42)]
    );
    assert_eq!(program.run().unwrap(), 4);
}

#[test]
fn invoke_calls_an_export_with_parsed_arguments() {
    let dir = program_dir("invoke");
    assert_eq!(
        dlrun(&dir, &["--invoke", "add", "main.wasm", "2", "-3"]),
        (0, "-1\n".into(), String::new())
    );
    assert_eq!(
        dlrun(&dir, &["--invoke", "half", "main.wasm", "5"]).1,
        "2.5\n"
    );
    assert_eq!(
        dlrun(&dir, &["--invoke", "wide", "main.wasm", "0x100000000"]).1,
        "8589934592\n"
    );
    assert_eq!(dlrun(&dir, &["--invoke", "seven", "main.wasm"]).1, "7\n");
    assert_eq!(dlrun(&dir, &["--invoke", "free", "main.wasm", "0"]).1, "");
    assert_eq!(dlrun(&dir, &["--invoke", "quit", "main.wasm", "5"]).0, 5);
}

#[test]
fn invoke_explains_unknown_functions_and_bad_arguments() {
    let dir = program_dir("invoke-bad");
    let (status, out, err) = dlrun(&dir, &["--invoke", "addd", "main.wasm", "1", "2"]);
    assert_eq!((status, out.as_str()), (2, ""));
    assert!(err.contains("no function addd"), "{err}");
    assert!(err.contains("did you mean add?"), "{err}");
    let (status, _, err) = dlrun(&dir, &["--invoke", "add", "main.wasm", "1"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("add (i32, i32) -> i32 takes 2 arguments, 1 given"),
        "{err}"
    );
    let (status, _, err) = dlrun(&dir, &["--invoke", "add", "main.wasm", "1", "two"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("argument 2: 'two' is not a valid i32"),
        "{err}"
    );
    let (status, _, err) = dlrun(&dir, &["--invoke", "add", "nothere.wasm"]);
    assert_eq!(status, 1);
    assert!(err.contains("nothere.wasm"), "{err}");
}

#[test]
fn template_sessions_start_from_the_constructed_state() {
    let dir = program_dir("template-state");
    let with_ctor = MAIN.replace(
        r#"(func (export "crash") unreachable)"#,
        r#"(func (export "__wasm_call_ctors")
             (global.set $calls (i32.const 100))
             (i32.store (i32.const 4096) (i32.const 41)))
           (func (export "peek") (result i32) (i32.load (i32.const 4096)))
           (func (export "poke") (param i32) (i32.store (i32.const 4096) (local.get 0)))"#,
    );
    write_wat(&dir, "main.wasm", &with_ctor);
    let template = Template::new(&config(&dir)).unwrap();
    let mut left = None;
    for round in 0..4 {
        let mut session = template.session().unwrap();
        if let Some(p) = left {
            assert_eq!(
                session.read_bytes(p, 11).unwrap(),
                [0; 11],
                "round {round}: what the last session wrote is gone"
            );
        }
        assert_eq!(
            i32_of(session.call("peek", &[]).unwrap()),
            41,
            "round {round}"
        );
        assert_eq!(
            i32_of(session.call("count", &[]).unwrap()),
            101,
            "round {round}"
        );
        session.call("poke", &[Val::I32(7)]).unwrap();
        let s = session.alloc_cstr("left behind").unwrap();
        assert_eq!(session.read_cstr(s).unwrap(), "left behind");
        left = Some(s);
        if round == 1 {
            // A library loaded: the store cannot go back to the image.
            session.dlopen("libplugin.so", RTLD_NOW).unwrap();
        }
        if round == 2 {
            assert_eq!(session.run_main().unwrap(), 7 + 10 * 101);
        } else {
            drop(session);
        }
    }
}

#[test]
fn template_sessions_are_independent_when_alive_together() {
    let dir = program_dir("template-many");
    let template = Template::new(&config(&dir)).unwrap();
    let mut a = template.session().unwrap();
    let mut b = template.session().unwrap();
    assert_eq!(i32_of(a.call("count", &[]).unwrap()), 1);
    assert_eq!(i32_of(a.call("count", &[]).unwrap()), 2);
    assert_eq!(i32_of(b.call("count", &[]).unwrap()), 1);
    drop(a);
    drop(b);
    let mut c = template.session().unwrap();
    assert_eq!(i32_of(c.call("count", &[]).unwrap()), 1);
}

#[test]
fn a_template_refuses_what_it_cannot_keep() {
    let dir = program_dir("template-refused");
    let with_ctor = MAIN.replace(
        r#"(func (export "crash") unreachable)"#,
        r#"(func (export "__wasm_call_ctors") (call $exit (i32.const 5)))"#,
    );
    write_wat(&dir, "main.wasm", &with_ctor);
    assert!(matches!(Template::new(&config(&dir)), Err(Error::Exit(5))));
    write_wat(
        &dir,
        "main.wasm",
        r#"(module (memory (export "memory") 1)
             (func (export "_start")))"#,
    );
    let err = Template::new(&config(&dir)).err().unwrap();
    assert!(err.to_string().contains("imports its memory"), "{err}");
    let threaded = MAIN.replace(
        r#"(import "env" "memory" (memory 256))"#,
        r#"(import "env" "memory" (memory 256 256 shared))"#,
    );
    assert_ne!(threaded, MAIN, "the main module's memory import");
    write_wat(&dir, "main.wasm", &threaded);
    let err = Template::new(&config(&dir)).err().unwrap();
    assert!(err.to_string().contains("built with threads"), "{err}");
}
