//! The dlfcn host calls with guest-chosen arguments: a main module made for
//! each input calls `dlrun.open/sym/close/error/addr` (libc-shim's ABI) and
//! Emscripten's `_dlopen_js`/`_dlsym_js`/`_emscripten_dlopen_js` with
//! constants, earlier results, pointers to strings it holds (library and
//! symbol names, or bytes without an end), and pointers past its memory. A
//! few libraries wait beside it: a pair where one needs the other, one
//! needing itself, and one whose constructor traps.
#![no_main]

use std::fmt::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/modules.rs"]
mod modules;

/// Where the strings live: slot k spans 256 bytes from `SCRATCH + 256 k`,
/// laid out as Emscripten's `struct dso` would be at `slot + 20` (flags at
/// +40, the name from +64).
const SCRATCH: u32 = 12 << 20;
const SLOTS: u32 = 8;
/// The main module's memory: 256 pages.
const MEMORY_END: u32 = 256 * 65536;

const NAMES: &[&str] = &[
    "liba.so",
    "libb.so",
    "libself.so",
    "libtrap.so",
    "./liba.so",
    "liba",
    "missing.so",
    "__main__",
    "",
    "fa",
    "fb",
    "db",
    "fs",
    "ft",
    "main",
    "memalign",
    "cb",
];

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Arg {
    Const(i32),
    /// The last call's result.
    Last,
    /// The string of a slot.
    Str(u8),
    /// The `struct dso` of a slot.
    Dso(u8),
    /// A few bytes before the end of memory, where no NUL follows.
    End(u8),
}

#[derive(Arbitrary, Debug)]
enum Call {
    Open(Arg, Arg),
    Sym(Arg, Arg, Arg),
    Close(Arg),
    Error(Arg, Arg),
    Addr([Arg; 7]),
    DlopenJs(Arg),
    DlsymJs(Arg, Arg),
    EmscriptenDlopenJs(Arg, Arg, Arg),
    /// Calls the function pointer an argument gives, as `int (*)(void)`.
    CallPointer(Arg),
}

#[derive(Arbitrary, Debug)]
struct Input {
    slots: Vec<(Text, i32)>,
    calls: Vec<Call>,
}

fn slot(k: u8) -> u32 {
    SCRATCH + 256 * (u32::from(k) % SLOTS)
}

fn arg(a: &Arg) -> String {
    match a {
        Arg::Const(v) => format!("(i32.const {v})"),
        Arg::Last => "(local.get $last)".into(),
        Arg::Str(k) => format!("(i32.const {})", slot(*k) + 64),
        Arg::Dso(k) => format!("(i32.const {})", slot(*k) + 20),
        Arg::End(k) => format!("(i32.const {})", MEMORY_END - u32::from(*k % 72)),
    }
}

/// `bytes` as a WAT string literal body.
fn escaped(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "\\{b:02x}");
        s
    })
}

fn main_module(input: &Input) -> String {
    let mut data = String::new();
    for (k, (text, flags)) in input.slots.iter().take(SLOTS as usize).enumerate() {
        let at = slot(k as u8);
        let bytes = match text {
            Text::Known(n) => NAMES[usize::from(*n) % NAMES.len()].as_bytes(),
            Text::Raw(raw) => &raw[..raw.len().min(190)],
        };
        let flags = escaped(&flags.to_le_bytes());
        let _ = write!(
            data,
            r#"(data (i32.const {}) "{flags}") (data (i32.const {}) "{}")"#,
            at + 40,
            at + 64,
            escaped(bytes)
        );
    }
    let mut body = String::new();
    for call in input.calls.iter().take(24) {
        let line = match call {
            Call::Open(n, m) => format!("(local.set $last (call $open {} {}))", arg(n), arg(m)),
            Call::Sym(h, n, o) => format!(
                "(local.set $last (call $sym {} {} {}))",
                arg(h),
                arg(n),
                arg(o)
            ),
            Call::Close(h) => format!("(local.set $last (call $close {}))", arg(h)),
            Call::Error(b, l) => format!("(local.set $last (call $error {} {}))", arg(b), arg(l)),
            Call::Addr(args) => format!(
                "(local.set $last (call $addr {}))",
                args.iter().map(arg).collect::<Vec<_>>().join(" ")
            ),
            Call::DlopenJs(h) => format!("(local.set $last (call $dlopen_js {}))", arg(h)),
            Call::DlsymJs(h, n) => {
                format!("(local.set $last (call $dlsym_js {} {}))", arg(h), arg(n))
            }
            Call::EmscriptenDlopenJs(h, ok, err) => format!(
                "(call $emscripten_dlopen_js {} {} {})",
                arg(h),
                arg(ok),
                arg(err)
            ),
            Call::CallPointer(p) => {
                format!("(local.set $last (call_indirect (type $int) {}))", arg(p))
            }
        };
        body.push_str(&line);
        body.push('\n');
    }
    let imports = format!(
        r#"(type $int (func (result i32)))
  (import "dlrun" "open" (func $open (param i32 i32) (result i32)))
  (import "dlrun" "sym" (func $sym (param i32 i32 i32) (result i32)))
  (import "dlrun" "close" (func $close (param i32) (result i32)))
  (import "dlrun" "error" (func $error (param i32 i32) (result i32)))
  (import "dlrun" "addr" (func $addr (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "_dlopen_js" (func $dlopen_js (param i32) (result i32)))
  (import "env" "_dlsym_js" (func $dlsym_js (param i32 i32) (result i32)))
  (import "env" "_emscripten_dlopen_js" (func $emscripten_dlopen_js (param i32 i32 i32)))
  {data}
  (data (i32.const {end}) "{tail}")
  (func $cb (export "cb") (param i32))
  (elem (global.get $tb) func $cb)
  (func (export "__dl_seterr") (param i32 i32))
  {memalign}"#,
        end = MEMORY_END - 72,
        tail = escaped(&[0x41; 72]),
        memalign = modules::BUMP_MEMALIGN,
    );
    modules::main_wat(
        &[],
        &imports,
        &format!("(local $last i32)\n{body}\ni32.const 0"),
    )
}

/// A side module exporting `fNAME` (returning `value`) and `dNAME`, with
/// `needed` in its dylink.0 and `imports` and `funcs` of its own.
fn side(needed: &str, name: &str, value: i32, imports: &str, funcs: &str) -> String {
    format!(
        r#"(module
  (@dylink.0 (mem-info (memory 4 2)) {needed})
  (import "env" "memory" (memory 1))
  (import "env" "__indirect_function_table" (table 0 funcref))
  (import "env" "__memory_base" (global $mb i32))
  (import "env" "__table_base" (global $tb i32))
  {imports}
  (global (export "d{name}") i32 (i32.const 0))
  (func (export "f{name}") (result i32) i32.const {value})
  {funcs})"#
    )
}

fn workdir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("dlrun-fuzz-dlfcn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let libs = [
            (
                "liba.so",
                side(
                    r#"(needed "libb.so")"#,
                    "a",
                    1,
                    r#"(import "env" "fb" (func $fb (result i32)))"#,
                    r#"(func (export "call_b") (result i32) call $fb)"#,
                ),
            ),
            ("libb.so", side("", "b", 2, "", "")),
            (
                "libself.so",
                side(r#"(needed "libself.so")"#, "s", 3, "", ""),
            ),
            (
                "libtrap.so",
                side(
                    "",
                    "t",
                    4,
                    "",
                    r#"(func (export "__wasm_call_ctors") unreachable)"#,
                ),
            ),
        ];
        for (file, text) in libs {
            std::fs::write(dir.join(file), wat::parse_str(text).unwrap()).unwrap();
        }
        dir
    })
}

fuzz_target!(|input: Input| {
    let dir = workdir();
    let main = wat::parse_str(main_module(&input)).expect("the generated main assembles");
    std::fs::write(dir.join("main.wasm"), main).unwrap();
    let config = dlrun::RunConfig {
        main: dir.join("main.wasm"),
        max_memory: Some(64 << 20),
        limits: dlrun::Limits {
            fuel: Some(1_000_000),
            ..Default::default()
        },
        ..Default::default()
    };
    let _ = dlrun::run(&config);
});
