//! Helpers shared by the end-to-end tests: a temp directory per test,
//! hand-written modules in WAT, and running the `dlrun` binary.

// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh directory for one test.
pub fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlrun-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Assembles `wat` into `dir/file`.
pub fn write_wat(dir: &Path, file: &str, wat: &str) {
    std::fs::write(dir.join(file), wat::parse_str(wat).unwrap()).unwrap();
}

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

/// Runs the dlrun binary in `dir`: (exit status, stdout, stderr). The
/// default compiled-module cache goes to `dir`, never the user's.
pub fn dlrun(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dlrun"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
