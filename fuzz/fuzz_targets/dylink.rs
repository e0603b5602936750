//! The dylink metadata parsers on arbitrary bytes: `dylink::parse` and
//! `ModuleInfo::parse_with` (then `inspect`, which reports what they read).
//! Input that is not a wasm module is wrapped as the payload of a `dylink.0`
//! (or, first byte odd, a legacy `dylink`) custom section, so that most
//! runs reach the subsection readers rather than stop at the magic number.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn leb(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A module holding one custom section `name` with `payload`.
fn wrap(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    leb(name.len(), &mut body);
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(payload);
    let mut module = b"\0asm\x01\0\0\0\0".to_vec();
    leb(body.len(), &mut module);
    module.extend(body);
    module
}

fuzz_target!(|data: &[u8]| {
    let module = match data.split_first() {
        _ if data.starts_with(b"\0asm") => data.to_vec(),
        Some((first, rest)) if first & 1 == 1 => wrap("dylink", rest),
        Some((_, rest)) => wrap("dylink.0", rest),
        None => return,
    };
    let _ = dlrun::dylink::parse(&module);
    for require in [true, false] {
        if let Ok(info) = dlrun::modinfo::ModuleInfo::parse_with(&module, require) {
            let _ = dlrun::inspect::inspect(&info).render();
        }
    }
});
