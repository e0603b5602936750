//! Link-time settings of the `dlrun` binary.

fn main() {
    // A warm start takes milliseconds, and the dynamic loader applying the
    // binary's 28,000 relative relocations, each a 24-byte entry to read,
    // was 5% of one. Packed (DT_RELR, glibc 2.36 and later) they take a
    // few kilobytes; the binary stays position-independent.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
