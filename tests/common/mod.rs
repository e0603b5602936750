//! Helpers shared by the end-to-end tests: a temp directory per test,
//! hand-written modules in WAT, and running the `dlrun` binary.

// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

mod modules;
#[allow(unused_imports)]
pub use modules::*;

/// A fresh directory for one test, removed when the test ends.
pub struct Workdir(tempfile::TempDir);

impl std::ops::Deref for Workdir {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Workdir {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// A fresh directory for one test, named after it.
pub fn workdir(name: &str) -> Workdir {
    Workdir(
        tempfile::Builder::new()
            .prefix(&format!("dlrun-test-{name}-"))
            .tempdir()
            .unwrap(),
    )
}

/// Assembles `wat` into `dir/file`.
pub fn write_wat(dir: &Path, file: &str, wat: &str) {
    std::fs::write(dir.join(file), wat::parse_str(wat).unwrap()).unwrap();
}

/// Runs the dlrun binary in `dir`: (exit status, stdout, stderr). The
/// default compiled-module cache goes to `dir`, never the user's.
pub fn dlrun(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dlrun"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        // No `dlrun compile` left running in the background to change the
        // cache under a test (tests of that say --compiler auto).
        .env("DLRUN_COMPILER", "cranelift")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// main.wasm returning what `seven()` of its NEEDED libseven.so returns,
/// with `more` (imports, functions) besides.
pub fn seven_main(dir: &Path, more: &str) {
    let imports = format!(r#"(import "env" "seven" (func $seven (result i32))) {more}"#);
    write_wat(
        dir,
        "main.wasm",
        &main_wat(&["libseven.so"], &imports, "call $seven"),
    );
}

/// main.wasm returning what `seven()` of its NEEDED libseven.so returns (7).
pub fn seven_program(dir: &Path) {
    seven_main(dir, "");
    write_wat(
        dir,
        "libseven.so",
        &side_wat("", r#"(func (export "seven") (result i32) i32.const 7)"#),
    );
}
