//! Reading a module file: bounded, its header checked before the rest is
//! read, the program's deadline looked at while it is read.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use super::Located;
use crate::naming::{About, ModuleName};

/// Largest module file dlrun reads (256 MiB, several times the largest
/// real libraries): a bigger one is refused before it is read, so a
/// program cannot make dlrun hold gigabytes by dlopening a sparse file.
pub const MAX_MODULE_SIZE: u64 = 256 << 20;

/// How much of a module is read between two looks at the deadline.
const CHUNK: usize = 1 << 20;

/// Modules smaller than this are read in one system call.
const ONE_READ: u64 = 64 << 10;

/// Reads the module file at host path `path` (a main module, or one
/// `inspect` looks at) as [`read_module`] does: header first, bounded.
/// Messages name it as the user gave it.
pub fn read_module_file(path: &Path) -> wasmtime::Result<Vec<u8>> {
    let located = Located::open(path, path.display().to_string())?;
    let names = ModuleName::new(path, &located.guest);
    read_module(located.file(), located.size(), &names, None)
}

/// Reads the module `module` from `file`, whose size is said to be
/// `size`: its 8-byte header first (wasm's magic number and version 1, or
/// it is "not a WebAssembly module"; a file under 64 KiB is read whole
/// before it is checked), then, if it is no larger than
/// [`MAX_MODULE_SIZE`], the rest in chunks, looking at `deadline` before
/// each (past it, the error is `Trap::Interrupt`: the program's time is
/// up). The size is only a hint: a file that grows past the limit while
/// being read is refused too.
pub fn read_module(
    mut file: impl Read,
    size: u64,
    module: &ModuleName,
    deadline: Option<Instant>,
) -> wasmtime::Result<Vec<u8>> {
    let failed = |e: std::io::Error| wasmtime::Error::new(About::new(module, format!("{e}")));
    let too_large = |size: String| {
        wasmtime::Error::new(About::new(
            module,
            format!(
                "file too large ({size} bytes; the limit on a module is {} MiB)",
                MAX_MODULE_SIZE >> 20
            ),
        ))
    };
    let mut bytes = Vec::new();
    // A small file is asked for whole, and a byte more, in one read: a
    // read of a regular file that returns less than asked met its end.
    // Reading the header, then the rest to the end, took three.
    let small = size < ONE_READ;
    if small {
        bytes.resize(size as usize + 1, 0);
        let got = read_once(&mut file, &mut bytes).map_err(failed)?;
        bytes.truncate(got);
    }
    if bytes.len() < 8 {
        (&mut file)
            .take(8 - bytes.len() as u64)
            .read_to_end(&mut bytes)
            .map_err(failed)?;
    }
    if bytes.len() < 8 || bytes[..4] != *b"\0asm" || bytes[4..8] != [1, 0, 0, 0] {
        wasmtime::bail!(About::new(module, "not a WebAssembly module"));
    }
    if size > MAX_MODULE_SIZE {
        return Err(too_large(size.to_string()));
    }
    if small && bytes.len() as u64 == size {
        return Ok(bytes);
    }
    bytes.reserve(size.saturating_sub(bytes.len() as u64) as usize);
    // One byte past the limit tells a file that grew past it.
    let mut rest = file.take(MAX_MODULE_SIZE - bytes.len() as u64 + 1);
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(wasmtime::Trap::Interrupt.into());
        }
        let read = (&mut rest)
            .take(CHUNK as u64)
            .read_to_end(&mut bytes)
            .map_err(failed)?;
        // Short of a whole chunk, the read met the end of the file: asking
        // again would only find it once more.
        if read < CHUNK {
            break;
        }
    }
    if bytes.len() as u64 > MAX_MODULE_SIZE {
        return Err(too_large(format!("more than {MAX_MODULE_SIZE}")));
    }
    Ok(bytes)
}

/// One read into all of `buf`, again if a signal interrupted it.
fn read_once(mut file: impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            done => return done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of a module at a made-up path, for [`read_module`].
    fn lib() -> ModuleName {
        ModuleName::new(Path::new("/host/dir/libx.so"), "/data/libx.so")
    }

    #[test]
    fn the_header_is_checked_before_the_rest_is_read() {
        // A reader that fails past its first 8 bytes shows nothing more
        // was read.
        struct Header(std::io::Cursor<&'static [u8]>);
        impl Read for Header {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                match self.0.position() {
                    8.. => Err(std::io::Error::other("read past the header")),
                    p => {
                        let n = buf.len().min(8 - p as usize);
                        self.0.read(&mut buf[..n])
                    }
                }
            }
        }
        for head in [
            &b"\0\0\0\0\0\0\0\0"[..],
            b"#!/bin/sh",
            b"\0asm\x0d\0\x01\0",
            b"\0asm",
        ] {
            let err =
                read_module(Header(std::io::Cursor::new(head)), 3 << 30, &lib(), None).unwrap_err();
            assert_eq!(
                format!("{err:#}"),
                "/host/dir/libx.so: not a WebAssembly module"
            );
            let seen = crate::naming::as_guest_sees(|| format!("{err:#}"));
            assert_eq!(seen, "/data/libx.so: not a WebAssembly module");
        }
    }

    #[test]
    fn a_small_module_is_read_in_one_call_and_a_size_is_only_a_hint() {
        struct Counted<'a>(&'a [u8], usize);
        impl Read for Counted<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.1 += 1;
                self.0.read(buf)
            }
        }
        let module: Vec<u8> = b"\0asm\x01\0\0\0".iter().copied().chain(0..200).collect();
        let mut file = Counted(&module, 0);
        let read = read_module(&mut file, module.len() as u64, &lib(), None).unwrap();
        assert_eq!((read, file.1), (module.clone(), 1));
        // Larger or smaller than said: read to its end all the same.
        for said in [10, 150, 300, 100_000] {
            let read = read_module(&module[..], said, &lib(), None).unwrap();
            assert_eq!(read, module, "said {said}");
        }
        let err = read_module(&module[..5], 5, &lib(), None).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "/host/dir/libx.so: not a WebAssembly module"
        );
    }

    #[test]
    fn a_module_past_the_size_limit_is_refused_unread() {
        let header = b"\0asm\x01\0\0\0";
        let err = read_module(&header[..], 3 << 30, &lib(), None).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "/host/dir/libx.so: file too large (3221225472 bytes; the limit on a module is 256 MiB)"
        );
        // A file that says it is small but is not: read up to the limit.
        let endless = header.chain(std::io::repeat(0));
        let err = read_module(endless, 100, &lib(), None).unwrap_err();
        assert!(
            format!("{err:#}").contains("file too large (more than 268435456 bytes"),
            "{err:#}"
        );
    }

    #[test]
    fn reading_past_the_deadline_ends_the_program() {
        let endless = b"\0asm\x01\0\0\0".chain(std::io::repeat(0));
        let err = read_module(endless, 100, &lib(), Some(Instant::now())).unwrap_err();
        assert_eq!(
            err.downcast_ref::<wasmtime::Trap>(),
            Some(&wasmtime::Trap::Interrupt)
        );
    }
}
