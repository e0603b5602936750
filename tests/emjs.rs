//! EM_JS functions whose source a module names with `__em_js__NAME`
//! exports (emcc with -sWASM_BIGINT, or newer emcc), on hand-written
//! modules: calls both ways, nesting, and the errors bad sources, traps
//! under JavaScript and runaway JavaScript end a call with.

mod common;

use common::{workdir, write_wat};
use std::path::Path;

use dlrun::cache::Cache;
use dlrun::{Error, Program, RunConfig, Session, Val};

/// A main module importing each EM_JS function of `funcs` (name, params,
/// result, source string) and exporting `call_NAME` calling it, with the
/// sources in its data named by `__em_js__NAME` (a source of `None` points
/// far outside memory).
fn main_wat(funcs: &[(&str, &str, &str, Option<&str>)]) -> String {
    let mut imports = String::new();
    let mut data = String::new();
    let mut data_len = 0;
    let mut exports = String::new();
    for (name, params, result, source) in funcs {
        imports.push_str(&format!(
            "(import \"env\" \"{name}\" (func ${name} (param {params}) (result {result})))\n"
        ));
        let addr = match source {
            Some(s) => {
                let at = data_len;
                data.push_str(s);
                data.push_str("\\00");
                data_len += s.len() + 1;
                at
            }
            None => 0x7fff_0000,
        };
        exports.push_str(&format!(
            "(global (export \"__em_js__{name}\") i32 (i32.const {addr}))\n"
        ));
        let n = params.split_whitespace().count();
        let args: String = (0..n).map(|k| format!("(local.get {k})")).collect();
        exports.push_str(&format!(
            "(func (export \"call_{name}\") (param {params}) (result {result}) (call ${name} {args}))\n"
        ));
    }
    format!(
        r#"(module
  (@dylink.0 (mem-info (memory 4096 2) (table 1 0)))
  (import "env" "memory" (memory 256))
  (import "env" "__indirect_function_table" (table 1 funcref))
  (import "env" "__stack_pointer" (global $sp (mut i32)))
  (import "env" "__memory_base" (global $mb i32))
  (import "env" "__table_base" (global $tb i32))
  (import "GOT.mem" "__heap_base" (global $hb (mut i32)))
  {imports}
  (data (global.get $mb) "{data}")
  {exports}
  (func (export "seven") (result i32) (i32.const 7))
  (func (export "crash") unreachable)
  (func (export "malloc") (param i32) (result i32) (i32.const 0))
  (func (export "main") (param i32 i32) (result i32) (i32.const 0)))"#
    )
}

fn session(dir: &Path, funcs: &[(&str, &str, &str, Option<&str>)]) -> Session {
    write_wat(dir, "main.wasm", &main_wat(funcs));
    let config = RunConfig {
        main: dir.join("main.wasm"),
        cache: Cache::disabled(),
        limits: dlrun::Limits {
            timeout: Some(std::time::Duration::from_secs(2)),
            ..Default::default()
        },
        ..Default::default()
    };
    Program::new(&config).unwrap().load().unwrap()
}

#[test]
fn em_js_functions_run_with_their_arguments_and_call_back() {
    let dir = workdir("emjs-calls");
    let mut s = session(
        &dir,
        &[
            (
                "js_add",
                "i32 i32",
                "i32",
                Some("(int a, int b)<::>{ return a + b + _seven(); }"),
            ),
            (
                "js_half",
                "f64",
                "f64",
                Some("(double x)<::>{ return x / 2; }"),
            ),
            (
                "js_wide",
                "i64",
                "i64",
                Some("(int64_t v)<::>{ return v * 2n; }"),
            ),
            // JavaScript calling wasm calling JavaScript.
            (
                "js_nested",
                "i32",
                "i32",
                Some("(int x)<::>{ return _call_js_add(x, 1) * 2; }"),
            ),
            (
                "js_count",
                "i32",
                "i32",
                Some("(int x)<::>{ globalThis.n = (globalThis.n || 0) + x; return n; }"),
            ),
        ],
    );
    let call = |s: &mut Session, f: &str, args: &[Val]| s.call(f, args).unwrap();
    assert_eq!(
        call(&mut s, "call_js_add", &[Val::I32(2), Val::I32(3)]),
        [Val::I32(12)]
    );
    assert_eq!(
        call(&mut s, "call_js_half", &[Val::F64(5.0)]),
        [Val::F64(2.5)]
    );
    assert_eq!(
        call(&mut s, "call_js_wide", &[Val::I64(1 << 40)]),
        [Val::I64(1 << 41)]
    );
    assert_eq!(
        call(&mut s, "call_js_nested", &[Val::I32(1)]),
        [Val::I32(18)]
    );
    assert_eq!(call(&mut s, "call_js_count", &[Val::I32(2)]), [Val::I32(2)]);
    assert_eq!(call(&mut s, "call_js_count", &[Val::I32(3)]), [Val::I32(5)]);
    // The realm goes with the session.
    drop(s);
}

fn runtime_error(r: Result<Vec<Val>, Error>) -> String {
    match r {
        Err(Error::Runtime(m)) => m,
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[test]
fn bad_sources_are_errors_naming_the_function() {
    let dir = workdir("emjs-bad");
    let mut s = session(
        &dir,
        &[
            ("js_ok", "i32", "i32", Some("(int x)<::>{ return x; }")),
            ("js_nosep", "i32", "i32", Some("(int x){ return x; }")),
            ("js_far", "i32", "i32", None),
            (
                "js_syntax",
                "i32",
                "i32",
                Some("(int x)<::>{ return x +; }"),
            ),
        ],
    );
    let m = runtime_error(s.call("call_js_nosep", &[Val::I32(1)]));
    assert!(
        m.contains("EM_JS function js_nosep") && m.contains("lacks the <::> separator"),
        "{m}"
    );
    let mut s = session(&dir, &[("js_far", "i32", "i32", None)]);
    let m = runtime_error(s.call("call_js_far", &[Val::I32(1)]));
    assert!(
        m.contains("EM_JS function js_far") && m.contains("outside memory"),
        "{m}"
    );
    let mut s = session(
        &dir,
        &[
            ("js_ok", "i32", "i32", Some("(int x)<::>{ return x; }")),
            (
                "js_syntax",
                "i32",
                "i32",
                Some("(int x)<::>{ return x +; }"),
            ),
        ],
    );
    // A broken function does not keep the others from running.
    assert_eq!(s.call("call_js_ok", &[Val::I32(4)]).unwrap(), [Val::I32(4)]);
    let m = runtime_error(s.call("call_js_syntax", &[Val::I32(1)]));
    assert!(
        m.contains("EM_JS function js_syntax threw SyntaxError"),
        "{m}"
    );
}

#[test]
fn a_trap_under_javascript_ends_the_call_even_if_javascript_catches_it() {
    let dir = workdir("emjs-trap");
    let mut s = session(
        &dir,
        &[(
            "js_swallow",
            "i32",
            "i32",
            Some("(int x)<::>{ try { _crash(); } catch (e) {} return x; }"),
        )],
    );
    let m = runtime_error(s.call("call_js_swallow", &[Val::I32(1)]));
    assert!(m.contains("unreachable"), "{m}");
}

#[test]
fn runaway_javascript_stops_at_the_timeout() {
    let dir = workdir("emjs-spin");
    let mut s = session(
        &dir,
        &[("js_spin", "i32", "i32", Some("(int x)<::>{ for (;;) {} }"))],
    );
    match s.call("call_js_spin", &[Val::I32(1)]) {
        Err(Error::Timeout(_)) => {}
        other => panic!("expected the timeout, got {other:?}"),
    }
}
