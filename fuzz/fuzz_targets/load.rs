//! The whole load path on a mutated side module: a fixed small main module
//! needs `libfuzz.so`, whose bytes are the input, and dlrun runs the pair
//! (find, parse, compile, place, bind, instantiate, relocate, construct,
//! then main, which calls into the library). Any outcome but a panic, a
//! crash or a hang is fine: most inputs are refused with an error.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// Enough fuel for any constructor that does not loop.
const FUEL: u64 = 10_000_000;

#[path = "../../tests/common/modules.rs"]
mod modules;

/// A main module of the Emscripten shape that needs the library, calls
/// the function a seed side module most likely exports (directly and
/// through its pointer), and has a bump `memalign` for libraries' data.
fn main_module() -> String {
    let imports = format!(
        r#"(import "env" "side" (func $side (result i32)))
           (import "GOT.func" "side" (global $side_ptr (mut i32)))
           {}"#,
        modules::BUMP_MEMALIGN
    );
    modules::main_wat(
        &["libfuzz.so"],
        &imports,
        "(i32.add (call $side) (global.get $side_ptr))",
    )
}

/// A directory of this process holding main.wasm, where each run writes
/// the library.
fn workdir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("dlrun-fuzz-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.wasm"), wat::parse_str(&main_module()).unwrap()).unwrap();
        dir
    })
}

/// Whether the module imports a host function that waits for a time the
/// module chooses (or for input): a hang there is the program's doing.
fn may_wait(bytes: &[u8]) -> bool {
    dlrun::modinfo::ModuleInfo::parse_with(bytes, false).is_ok_and(|info| {
        info.imports.iter().any(|i| {
            matches!(
                i.name.as_str(),
                "poll_oneoff" | "fd_read" | "__syscall_poll"
            )
        })
    })
}

fuzz_target!(|side: &[u8]| {
    if may_wait(side) {
        return;
    }
    let dir = workdir();
    std::fs::write(dir.join("libfuzz.so"), side).unwrap();
    let config = dlrun::RunConfig {
        main: dir.join("main.wasm"),
        max_memory: Some(64 << 20),
        limits: dlrun::Limits {
            fuel: Some(FUEL),
            ..Default::default()
        },
        ..Default::default()
    };
    let _ = dlrun::run(&config);
});
