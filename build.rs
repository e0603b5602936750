//! Link-time settings of the `dlrun` binary.

fn main() {
    js_library_table();
    // A warm start takes milliseconds, and the dynamic loader applying the
    // binary's 28,000 relative relocations, each a 24-byte entry to read,
    // was 5% of one. Packed (DT_RELR, glibc 2.36 and later) they take a
    // few kilobytes; the binary stays position-independent.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Emscripten's JS library table (`src/abi/emscripten/jslib.txt`) as a
/// sorted Rust array: parsing the text on each start, and the lookups of
/// the ~260 WebGL pointers an emcc main takes, were a tenth of a
/// millisecond of every run.
fn js_library_table() {
    use std::fmt::Write as _;
    let source = "src/abi/emscripten/jslib.txt";
    println!("cargo:rerun-if-changed={source}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(source).expect("reading the JS library table");
    let mut entries: Vec<(&str, Option<&str>)> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| match l.split_once(' ') {
            Some((name, sig)) => (name, Some(sig)),
            None => (l, None),
        })
        .collect();
    entries.sort_unstable();
    let mut out = String::from("&[\n");
    for (name, sig) in entries {
        let _ = writeln!(out, "    ({name:?}, {sig:?}),");
    }
    out.push(']');
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(format!("{dir}/jslib_table.rs"), out).expect("writing the JS library table");
}
