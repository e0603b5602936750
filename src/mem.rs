//! Bounds-checked access to the program's linear memory: a guest pointer
//! that is out of range is an error naming what was being read, never a
//! panic.

use wasmtime::{AsContext, AsContextMut, Memory};

use crate::unwind::Fault;

/// Most bytes a C string read from the guest may have (a missing terminator
/// stops here instead of scanning all of memory).
pub const MAX_CSTR: usize = 64 * 1024;

fn out_of_bounds(what: &str, ptr: u64, len: u64) -> wasmtime::Error {
    wasmtime::Error::new(Fault(format!(
        "{what}: guest pointer {ptr:#x} (+{len}) is out of bounds"
    )))
}

/// The address of the field `offset` bytes into a guest struct at `ptr`;
/// an error naming `what` when it lies past the 32-bit address space.
pub fn field(ptr: u32, offset: u32, what: &str) -> wasmtime::Result<u32> {
    ptr.checked_add(offset)
        .ok_or_else(|| out_of_bounds(what, ptr.into(), offset.into()))
}

/// Copies `len` bytes at `ptr`.
pub fn read(
    cx: impl AsContext,
    mem: Memory,
    ptr: u32,
    len: u32,
    what: &str,
) -> wasmtime::Result<Vec<u8>> {
    let data = mem.data(&cx);
    let (start, end) = (ptr as usize, ptr as usize + len as usize);
    data.get(start..end)
        .map(|s| s.to_vec())
        .ok_or_else(|| out_of_bounds(what, ptr.into(), len.into()))
}

/// Writes `bytes` at `ptr`.
pub fn write(
    mut cx: impl AsContextMut,
    mem: Memory,
    ptr: u32,
    bytes: &[u8],
    what: &str,
) -> wasmtime::Result<()> {
    let data = mem.data_mut(&mut cx);
    let start = ptr as usize;
    data.get_mut(start..start + bytes.len())
        .ok_or_else(|| out_of_bounds(what, ptr.into(), bytes.len() as u64))?
        .copy_from_slice(bytes);
    Ok(())
}

/// Reads a little-endian u32.
pub fn read_u32(cx: impl AsContext, mem: Memory, ptr: u32, what: &str) -> wasmtime::Result<u32> {
    let b = read(cx, mem, ptr, 4, what)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Writes a little-endian u32.
pub fn write_u32(
    cx: impl AsContextMut,
    mem: Memory,
    ptr: u32,
    v: u32,
    what: &str,
) -> wasmtime::Result<()> {
    write(cx, mem, ptr, &v.to_le_bytes(), what)
}

/// Writes a little-endian u64.
pub fn write_u64(
    cx: impl AsContextMut,
    mem: Memory,
    ptr: u32,
    v: u64,
    what: &str,
) -> wasmtime::Result<()> {
    write(cx, mem, ptr, &v.to_le_bytes(), what)
}

/// Reads a NUL-terminated string (lossy UTF-8).
pub fn read_cstr(
    cx: impl AsContext,
    mem: Memory,
    ptr: u32,
    what: &str,
) -> wasmtime::Result<String> {
    let data = mem.data(&cx);
    let start = ptr as usize;
    let tail = data
        .get(start..)
        .ok_or_else(|| out_of_bounds(what, ptr.into(), 1))?;
    let tail = &tail[..tail.len().min(MAX_CSTR)];
    let len = tail.iter().position(|&b| b == 0).ok_or_else(|| {
        wasmtime::Error::new(Fault(format!(
            "{what}: string at {ptr:#x} is not terminated"
        )))
    })?;
    Ok(String::from_utf8_lossy(&tail[..len]).into_owned())
}

/// Longest name dlopen or dlsym looks up (64 KiB, far past any file or
/// symbol name). A longer one is found nowhere, and is not copied.
pub const MAX_NAME: usize = 64 * 1024;

/// How much of a name past [`MAX_NAME`] a message quotes.
const QUOTED: usize = 100;

/// A name the program passed to dlopen or dlsym, whole when it is no
/// longer than [`MAX_NAME`]; it displays as a message quotes it (the start
/// of a longer one, and its length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    text: String,
    len: usize,
}

impl Name {
    /// The name `s` (cut short when past [`MAX_NAME`]).
    pub fn new(s: &str) -> Name {
        Name::from_bytes(s.as_bytes())
    }

    fn from_bytes(bytes: &[u8]) -> Name {
        let kept = if bytes.len() <= MAX_NAME {
            bytes
        } else {
            &bytes[..QUOTED]
        };
        Name {
            text: String::from_utf8_lossy(kept).into_owned(),
            len: bytes.len(),
        }
    }

    /// The whole name, unless it is longer than [`MAX_NAME`].
    pub fn whole(&self) -> Option<&str> {
        (self.len <= MAX_NAME).then_some(self.text.as_str())
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.whole() {
            Some(name) => f.write_str(name),
            None => write!(f, "{}... ({} bytes)", self.text, self.len),
        }
    }
}

/// Reads the NUL-terminated name at `ptr`, however long, copying no more
/// of it than [`Name`] keeps. A pointer out of bounds, or a string that
/// runs to the end of memory, is a [`Fault`], as it would be natively.
pub fn read_name(cx: impl AsContext, mem: Memory, ptr: u32, what: &str) -> wasmtime::Result<Name> {
    let data = mem.data(&cx);
    let tail = data
        .get(ptr as usize..)
        .ok_or_else(|| out_of_bounds(what, ptr.into(), 1))?;
    let name = std::ffi::CStr::from_bytes_until_nul(tail).map_err(|_| {
        wasmtime::Error::new(Fault(format!(
            "{what}: string at {ptr:#x} is not terminated"
        )))
    })?;
    Ok(Name::from_bytes(name.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_past_the_limit_is_kept_short_and_quoted_with_its_length() {
        let short = Name::new("libx.so");
        assert_eq!(short.whole(), Some("libx.so"));
        assert_eq!(short.to_string(), "libx.so");
        let limit = "y".repeat(MAX_NAME);
        assert_eq!(Name::new(&limit).whole(), Some(limit.as_str()));
        let long = Name::new(&"x".repeat(70_000));
        assert_eq!(long.whole(), None);
        assert_eq!(long.text.len(), QUOTED, "no more is copied");
        assert_eq!(
            long.to_string(),
            format!("{}... (70000 bytes)", "x".repeat(QUOTED))
        );
    }
}
