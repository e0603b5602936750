//! Embedding dlrun: compile a program once, call its functions from the
//! host, dlopen a plugin into it from the host and pass it a string, then
//! run `main` many times from the one compiled program.
//!
//! `cargo run --example embed [RUNS]`. The example writes its own tiny
//! modules (with the `wat` crate) into a temporary directory, so it needs
//! no toolchain; a real program would be `emcc -sMAIN_MODULE` output.

use std::error::Error;
use std::path::Path;
use std::time::Instant;

use dlrun::dlfcn::flags::RTLD_NOW;
use dlrun::{Program, RunConfig, Val};

/// A main module laid out as emcc -sMAIN_MODULE lays it out: it imports
/// its memory and table, exports `add`, a bump `malloc` (the host's strings
/// and the plugin's static data come from it), and a `main` returning argc.
const MAIN: &str = r#"(module
  (@dylink.0 (mem-info (memory 0 0)))
  (import "env" "memory" (memory 256))
  (import "env" "__indirect_function_table" (table 0 funcref))
  (import "env" "__stack_pointer" (global (mut i32)))
  (import "env" "__memory_base" (global i32))
  (import "env" "__table_base" (global i32))
  (import "GOT.mem" "__heap_base" (global $heap (mut i32)))
  (func $memalign (export "memalign") (param $align i32) (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (func (export "malloc") (param $n i32) (result i32)
    (call $memalign (i32.const 16) (local.get $n)))
  (func (export "free") (param i32))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "main") (param $argc i32) (param i32) (result i32) (local.get $argc)))"#;

/// A shared library (side module) whose `shout` upper-cases a C string in
/// place.
const PLUGIN: &str = r#"(module
  (@dylink.0 (mem-info (memory 0 0)))
  (import "env" "memory" (memory 1))
  (import "env" "__indirect_function_table" (table 0 funcref))
  (import "env" "__memory_base" (global i32))
  (import "env" "__table_base" (global i32))
  (func (export "shout") (param $s i32) (local $c i32)
    (block $done (loop $next
      (local.set $c (i32.load8_u (local.get $s)))
      (br_if $done (i32.eqz (local.get $c)))
      (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
        (then (i32.store8 (local.get $s) (i32.sub (local.get $c) (i32.const 32)))))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br $next)))))"#;

fn main() -> Result<(), Box<dyn Error>> {
    let runs = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 100,
    };
    let dir = std::env::temp_dir().join(format!("dlrun-example-embed-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = demo(&dir, runs);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Writes the modules into `dir` and drives the program.
fn demo(dir: &Path, runs: usize) -> Result<(), Box<dyn Error>> {
    std::fs::write(dir.join("main.wasm"), wat::parse_str(MAIN)?)?;
    std::fs::write(dir.join("libplugin.so"), wat::parse_str(PLUGIN)?)?;
    let config = RunConfig {
        main: dir.join("main.wasm"),
        // Keep the example's modules out of the user's compiled-module cache.
        cache: dlrun::cache::Cache::disabled(),
        ..Default::default()
    };
    let started = Instant::now();
    let program = Program::new(&config)?;
    println!("compiled in {:?}", started.elapsed());

    let mut session = program.load()?;
    let sum = session.call("add", &[Val::I32(2), Val::I32(3)])?;
    println!("add(2, 3) = {}", sum[0]);

    let plugin = session.dlopen("libplugin.so", RTLD_NOW)?;
    let shout = session.dlsym(plugin, "shout")?;
    let text = session.alloc_cstr("hello from the host")?;
    session.call_pointer(shout, &[Val::I32(text as i32)])?;
    println!("shout: {}", session.read_cstr(text)?);
    session.free(text)?;
    session.finish()?;

    let started = Instant::now();
    for _ in 0..runs {
        let argc = program.run_with_args(["one", "two"])?;
        assert_eq!(argc, 3, "each run gets its own arguments");
    }
    println!("{runs} runs in {:?}", started.elapsed());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_runs() {
        let dir = std::env::temp_dir().join(format!("dlrun-example-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let result = super::demo(&dir, 3);
        let _ = std::fs::remove_dir_all(&dir);
        result.unwrap();
    }
}
