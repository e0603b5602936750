//! WebAssembly modules of the shapes dlrun loads, written in WAT: shared by
//! the end-to-end tests (through `common`) and the fuzz targets (which
//! include this file by path), so both build modules the same way.

// Each includer uses only part of it.
#![allow(dead_code)]

/// An Emscripten-shaped main module: imports memory, table, stack pointer,
/// bases and `__heap_base`, and runs `body` as main.
pub fn main_wat(needed: &[&str], imports: &str, body: &str) -> String {
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

/// A side module with 4 bytes of data, importing memory, table and bases
/// besides `imports`.
pub fn side_wat(imports: &str, funcs: &str) -> String {
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

/// A `memalign` export for a main module built by [`main_wat`] (put it
/// among its `imports`): it bumps from 8 MiB up, where libraries' data goes.
pub const BUMP_MEMALIGN: &str = r#"(global $brk (mut i32) (i32.const 0x800000))
  (func (export "memalign") (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and
      (i32.add (global.get $brk) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
    (global.set $brk (i32.add (local.get $p) (local.get $size)))
    (local.get $p))"#;
