//! Bounds-checked access to the program's linear memory: a guest pointer
//! that is out of range is an error naming what was being read, never a
//! panic.

use wasmtime::{
    AsContext, AsContextMut, Extern, Memory, SharedMemory, StoreContext, StoreContextMut,
};

use crate::process::Process;
use crate::unwind::Fault;

/// The program's linear memory: one its store owns, or (for a program
/// built with threads) the one memory every thread's store imports.
#[derive(Clone, Copy, Debug)]
pub enum Mem {
    /// A memory of this store.
    Own(Memory),
    /// The process's shared memory, kept in [`Process::shared_memory`].
    Shared,
}

impl Mem {
    fn shared(p: &Process) -> &SharedMemory {
        p.shared_memory
            .as_ref()
            .expect("a shared memory is recorded with the process that uses it")
    }

    /// Its bytes. For a shared memory other threads may write them at the
    /// same time, as they may natively: the host reads and writes guest
    /// memory only where the guest asked it to, and races are the guest's.
    pub fn data<'a>(&self, cx: impl Into<StoreContext<'a, Process>>) -> &'a [u8] {
        let cx = cx.into();
        match self {
            Mem::Own(m) => m.data(cx),
            Mem::Shared => {
                let cells = Mem::shared(cx.data()).data();
                // SAFETY: UnsafeCell<u8> has u8's layout; see above on races.
                unsafe { std::slice::from_raw_parts(cells.as_ptr().cast::<u8>(), cells.len()) }
            }
        }
    }

    /// Its bytes, to write.
    pub fn data_mut<'a>(&self, cx: impl Into<StoreContextMut<'a, Process>>) -> &'a mut [u8] {
        self.data_and_store_mut(cx).0
    }

    /// Its bytes and the store's data at once.
    pub fn data_and_store_mut<'a>(
        &self,
        cx: impl Into<StoreContextMut<'a, Process>>,
    ) -> (&'a mut [u8], &'a mut Process) {
        let mut cx = cx.into();
        match self {
            Mem::Own(m) => m.data_and_store_mut(cx),
            Mem::Shared => {
                let p: *mut Process = cx.data_mut();
                // SAFETY: the store's data lives for 'a, as `cx` borrows it;
                // `cx` is not used again.
                let p = unsafe { &mut *p };
                let cells = Mem::shared(p).data();
                let (ptr, len) = (cells.as_ptr() as *mut u8, cells.len());
                // SAFETY: the memory lives as long as the process that holds
                // it; UnsafeCell<u8> has u8's layout; see `data` on races.
                (unsafe { std::slice::from_raw_parts_mut(ptr, len) }, p)
            }
        }
    }

    /// Its size in bytes.
    pub fn data_size(&self, cx: impl AsContext<Data = Process>) -> usize {
        match self {
            Mem::Own(m) => m.data_size(&cx),
            Mem::Shared => Mem::shared(cx.as_context().data()).data_size(),
        }
    }

    /// Its size in pages.
    pub fn size(&self, cx: impl AsContext<Data = Process>) -> u64 {
        match self {
            Mem::Own(m) => m.size(&cx),
            Mem::Shared => Mem::shared(cx.as_context().data()).size(),
        }
    }

    /// Grows it by `delta` pages; the old size in pages.
    pub fn grow(
        &self,
        mut cx: impl AsContextMut<Data = Process>,
        delta: u64,
    ) -> wasmtime::Result<u64> {
        match self {
            Mem::Own(m) => m.grow(&mut cx, delta),
            Mem::Shared => Mem::shared(cx.as_context().data()).grow(delta),
        }
    }

    /// Its largest size in pages, if it has one.
    pub fn maximum(&self, cx: impl AsContext<Data = Process>) -> Option<u64> {
        match self {
            Mem::Own(m) => m.ty(&cx).maximum(),
            Mem::Shared => Mem::shared(cx.as_context().data()).ty().maximum(),
        }
    }

    /// What an import of it is bound to.
    pub fn to_extern(self, cx: impl AsContext<Data = Process>) -> Extern {
        match self {
            Mem::Own(m) => m.into(),
            Mem::Shared => Mem::shared(cx.as_context().data()).clone().into(),
        }
    }
}

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
    cx: impl AsContext<Data = Process>,
    mem: Mem,
    ptr: u32,
    len: u32,
    what: &str,
) -> wasmtime::Result<Vec<u8>> {
    let data = mem.data(cx.as_context());
    let (start, end) = (ptr as usize, ptr as usize + len as usize);
    data.get(start..end)
        .map(|s| s.to_vec())
        .ok_or_else(|| out_of_bounds(what, ptr.into(), len.into()))
}

/// Writes `bytes` at `ptr`.
pub fn write(
    mut cx: impl AsContextMut<Data = Process>,
    mem: Mem,
    ptr: u32,
    bytes: &[u8],
    what: &str,
) -> wasmtime::Result<()> {
    let data = mem.data_mut(cx.as_context_mut());
    let start = ptr as usize;
    data.get_mut(start..start + bytes.len())
        .ok_or_else(|| out_of_bounds(what, ptr.into(), bytes.len() as u64))?
        .copy_from_slice(bytes);
    Ok(())
}

/// Reads a little-endian u32.
pub fn read_u32(
    cx: impl AsContext<Data = Process>,
    mem: Mem,
    ptr: u32,
    what: &str,
) -> wasmtime::Result<u32> {
    let b = read(cx, mem, ptr, 4, what)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Writes a little-endian u32.
pub fn write_u32(
    cx: impl AsContextMut<Data = Process>,
    mem: Mem,
    ptr: u32,
    v: u32,
    what: &str,
) -> wasmtime::Result<()> {
    write(cx, mem, ptr, &v.to_le_bytes(), what)
}

/// Writes a little-endian u64.
pub fn write_u64(
    cx: impl AsContextMut<Data = Process>,
    mem: Mem,
    ptr: u32,
    v: u64,
    what: &str,
) -> wasmtime::Result<()> {
    write(cx, mem, ptr, &v.to_le_bytes(), what)
}

/// Reads a NUL-terminated string (lossy UTF-8).
pub fn read_cstr(
    cx: impl AsContext<Data = Process>,
    mem: Mem,
    ptr: u32,
    what: &str,
) -> wasmtime::Result<String> {
    let data = mem.data(cx.as_context());
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
pub fn read_name(
    cx: impl AsContext<Data = Process>,
    mem: Mem,
    ptr: u32,
    what: &str,
) -> wasmtime::Result<Name> {
    let data = mem.data(cx.as_context());
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
