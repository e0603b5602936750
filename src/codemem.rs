//! Code memory for small cached artifacts: read straight into place and
//! used there. Wasmtime copies an artifact it deserializes into a fresh
//! mapping of its own and makes that read-only before making its code
//! executable: for a library of a few kilobytes, a dlopen's largest cost
//! after the file system's. Small artifacts are instead read into pages of
//! a shared arena, mapped ahead in chunks, and wasmtime uses them in place
//! (`Module::deserialize_raw`); this module is the engines' code memory, so
//! it is what makes their code executable, and what learns when a module's
//! code is dropped and its pages can be given back.

use std::collections::BTreeMap;
use std::os::unix::fs::FileExt as _;
use std::ptr::NonNull;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use wasmtime::{CustomCodeMemory, Engine, Module};

/// Artifacts this large or larger are refused: the cache has wasmtime map
/// those from their file.
pub const LARGEST: usize = 1 << 20;

/// Bytes mapped at once for the arena's small images.
const CHUNK: usize = 256 << 10;

/// Images this large or larger get a mapping of their own.
const OWN_MAPPING: usize = 64 << 10;

/// The code memory of every engine dlrun builds.
pub fn arena() -> Arc<dyn CustomCodeMemory> {
    ARENA.clone()
}

static ARENA: LazyLock<Arc<Arena>> = LazyLock::new(|| Arc::new(Arena::default()));

/// The module whose artifact is the first `len` of the `size` bytes `file`
/// holds, read into the arena; `None` when it is too large for it or
/// cannot be read or deserialized.
///
/// # Safety
/// As for `Module::deserialize`: the artifact must be one this engine
/// configuration serialized, and the file is not written while it is read.
pub unsafe fn load(
    engine: &Engine,
    file: &std::fs::File,
    size: usize,
    len: usize,
) -> Option<Module> {
    unsafe { ARENA.load(engine, file, size, len) }
}

/// Pages for artifacts, handed out from chunks mapped ahead.
#[derive(Default)]
struct Arena {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The chunk small images are taken from, and how much of it is taken.
    current: Option<(usize, usize)>,
    /// Mappings by start: their length and how many images in use they
    /// hold (a chunk's small images, or a large one's own).
    chunks: BTreeMap<usize, (usize, usize)>,
    /// Images in use: start -> (length, start of its mapping, the number
    /// it was taken under).
    images: BTreeMap<usize, (usize, usize, u64)>,
    /// Images taken so far: the next one's number.
    taken: u64,
}

/// An image taken from the arena: where it starts, and its number, so that
/// it is given back once even if its pages were given back (its code
/// unpublished) and taken again meanwhile.
#[derive(Clone, Copy)]
struct Image {
    start: usize,
    number: u64,
}

impl Arena {
    /// [`load`], from this arena, which `engine` must have as its code
    /// memory for the module to be served from it.
    unsafe fn load(
        &self,
        engine: &Engine,
        file: &std::fs::File,
        size: usize,
        len: usize,
    ) -> Option<Module> {
        if size >= LARGEST || len > size {
            return None;
        }
        let image = self.take(size)?;
        // SAFETY: the image's pages are mapped, writable, and this call's
        // alone until it is given back.
        let bytes = unsafe { std::slice::from_raw_parts_mut(image.start as *mut u8, size) };
        if file.read_exact_at(bytes, 0).is_err() {
            self.give_back(image);
            return None;
        }
        let artifact = NonNull::from(&bytes[..len]);
        // SAFETY: the caller vouches for the artifact; the memory stays as
        // it is until wasmtime unpublishes the module's code as it drops
        // it.
        match unsafe { Module::deserialize_raw(engine, artifact) } {
            Ok(module) if !module.text().is_empty() => Some(module),
            // Code never published is never unpublished either, so the
            // image would never be given back: such a module gets a copy of
            // its own. So does one of an engine without this code memory.
            // The image is not read again: code published before a failure
            // was unpublished, and its pages given back, as it was dropped.
            raw => {
                drop(raw);
                self.give_back(image);
                let mut copy = vec![0; len];
                file.read_exact_at(&mut copy, 0).ok()?;
                unsafe { Module::deserialize(engine, &copy) }.ok()
            }
        }
    }

    /// An image of `size` bytes (whole pages), or `None` when no memory can
    /// be mapped.
    fn take(&self, size: usize) -> Option<Image> {
        let len = size.div_ceil(page()) * page();
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let (chunk, start) = if len >= OWN_MAPPING {
            let own = map(len)?;
            inner.chunks.insert(own, (len, 0));
            (own, own)
        } else {
            let (chunk, used) = match inner.current {
                Some((chunk, used)) if used + len <= CHUNK => (chunk, used),
                _ => {
                    let chunk = map(CHUNK)?;
                    if let Some((old, _)) = inner.current.replace((chunk, 0)) {
                        inner.release_if_unused(old);
                    }
                    inner.chunks.insert(chunk, (CHUNK, 0));
                    (chunk, 0)
                }
            };
            inner.current = Some((chunk, used + len));
            (chunk, chunk + used)
        };
        if let Some((_, count)) = inner.chunks.get_mut(&chunk) {
            *count += 1;
        }
        let number = inner.taken;
        inner.taken += 1;
        inner.images.insert(start, (len, chunk, number));
        Some(Image { start, number })
    }

    /// Gives back `image`, unless it was already: its mapping is unmapped
    /// once no image of it is in use, or, the current chunk, taken from
    /// again.
    fn give_back(&self, image: Image) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.give_back(image);
    }

    /// The image holding address `at`, if one does.
    #[cfg(test)]
    fn image_at(&self, at: usize) -> Option<Image> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .image_at(at)
    }
}

impl Inner {
    /// See [`Arena::give_back`].
    fn give_back(&mut self, image: Image) {
        if self.images.get(&image.start).map(|&(_, _, n)| n) != Some(image.number) {
            return;
        }
        let Some((_, chunk, _)) = self.images.remove(&image.start) else {
            return;
        };
        if let Some((_, count)) = self.chunks.get_mut(&chunk) {
            *count -= 1;
        }
        match self.current {
            Some((current, _)) if current == chunk => {
                if self
                    .chunks
                    .get(&chunk)
                    .is_some_and(|&(_, count)| count == 0)
                {
                    self.current = Some((chunk, 0));
                }
            }
            _ => self.release_if_unused(chunk),
        }
    }

    /// See [`Arena::image_at`].
    fn image_at(&self, at: usize) -> Option<Image> {
        let (&start, &(len, _, number)) = self.images.range(..=at).next_back()?;
        (at < start + len).then_some(Image { start, number })
    }

    /// Unmaps mapping `chunk` if no image of it is in use.
    fn release_if_unused(&mut self, chunk: usize) {
        if let Some(&(len, 0)) = self.chunks.get(&chunk) {
            self.chunks.remove(&chunk);
            unmap(chunk, len);
        }
    }
}

impl CustomCodeMemory for Arena {
    fn required_alignment(&self) -> usize {
        page()
    }

    fn publish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        protect(ptr, len, libc::PROT_READ | libc::PROT_EXEC)
    }

    fn unpublish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        protect(ptr, len, libc::PROT_READ | libc::PROT_WRITE)?;
        // Wasmtime unpublishes a module's code as it drops it: an image of
        // the arena is free again.
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(image) = inner.image_at(ptr as usize) {
            inner.give_back(image);
        }
        Ok(())
    }
}

fn protect(ptr: *const u8, len: usize, prot: libc::c_int) -> wasmtime::Result<()> {
    // SAFETY: wasmtime passes the page-aligned text of a code image it
    // owns or was given, which nothing else maps differently.
    if unsafe { libc::mprotect(ptr as *mut libc::c_void, len, prot) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(())
}

fn page() -> usize {
    static PAGE: LazyLock<usize> = LazyLock::new(|| {
        usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
    });
    *PAGE
}

/// A fresh mapping of `len` bytes, its pages faulted in at once (they are
/// written next).
fn map(len: usize) -> Option<usize> {
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing touches no existing memory.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
            -1,
            0,
        )
    };
    (ptr != libc::MAP_FAILED).then_some(ptr as usize)
}

fn unmap(start: usize, len: usize) {
    // SAFETY: the mapping was made by `map` and no image of it is in use.
    unsafe { libc::munmap(start as *mut libc::c_void, len) };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(arena: Option<&Arc<Arena>>) -> Engine {
        let mut config = wasmtime::Config::new();
        if let Some(arena) = arena {
            config.with_custom_code_memory(Some(arena.clone() as Arc<dyn CustomCodeMemory>));
        }
        Engine::new(&config).unwrap()
    }

    fn in_use(arena: &Arena) -> usize {
        arena.inner.lock().unwrap().images.len()
    }

    fn artifact(engine: &Engine, result: i32) -> Vec<u8> {
        let wat = format!("(module (func (export \"f\") (result i32) i32.const {result}))");
        let mut bytes = engine.precompile_module(wat.as_bytes()).unwrap();
        // What follows the artifact in a cache entry.
        bytes.extend([0xaa; 32]);
        bytes
    }

    /// A file holding `bytes`, as a cache entry is.
    fn file(bytes: &[u8]) -> std::fs::File {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, bytes).unwrap();
        file
    }

    fn call(engine: &Engine, module: &Module) -> i32 {
        let mut store = wasmtime::Store::new(engine, ());
        let instance = wasmtime::Instance::new(&mut store, module, &[]).unwrap();
        let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
        f.call(&mut store, ()).unwrap()
    }

    #[test]
    fn a_module_runs_from_the_arena_and_gives_its_pages_back_when_dropped() {
        let arena = Arc::new(Arena::default());
        let engine = engine(Some(&arena));
        let bytes = artifact(&engine, 7);
        let len = bytes.len() - 32;
        let module = unsafe { arena.load(&engine, &file(&bytes), bytes.len(), len) }.unwrap();
        let text = module.text().as_ptr() as usize;
        assert!(arena.image_at(text).is_some(), "the code is the arena's");
        assert_eq!(call(&engine, &module), 7);
        let clone = module.clone();
        drop(module);
        assert_eq!(in_use(&arena), 1);
        assert_eq!(call(&engine, &clone), 7);
        drop(clone);
        assert_eq!(in_use(&arena), 0);
    }

    #[test]
    fn traps_in_code_from_the_arena_are_traps() {
        let arena = Arc::new(Arena::default());
        let engine = engine(Some(&arena));
        let wat = r#"(module (memory 1)
            (func (export "unreachable") unreachable)
            (func (export "out_of_bounds") (result i32) i32.const -4 i32.load))"#;
        let mut bytes = engine.precompile_module(wat.as_bytes()).unwrap();
        let len = bytes.len();
        bytes.extend([0; 32]);
        let module = unsafe { arena.load(&engine, &file(&bytes), bytes.len(), len) }.unwrap();
        assert!(arena.image_at(module.text().as_ptr() as usize).is_some());
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        let unreachable = instance
            .get_typed_func::<(), ()>(&mut store, "unreachable")
            .unwrap();
        let err = unreachable.call(&mut store, ()).unwrap_err();
        assert_eq!(
            err.downcast_ref(),
            Some(&wasmtime::Trap::UnreachableCodeReached)
        );
        let load = instance
            .get_typed_func::<(), i32>(&mut store, "out_of_bounds")
            .unwrap();
        let err = load.call(&mut store, ()).unwrap_err();
        assert_eq!(err.downcast_ref(), Some(&wasmtime::Trap::MemoryOutOfBounds));
    }

    #[test]
    fn an_engine_with_its_own_code_memory_gets_a_copy() {
        let arena = Arc::new(Arena::default());
        let engine = engine(None);
        let bytes = artifact(&engine, 8);
        let len = bytes.len() - 32;
        let module = unsafe { arena.load(&engine, &file(&bytes), bytes.len(), len) }.unwrap();
        assert_eq!(in_use(&arena), 0);
        assert_eq!(call(&engine, &module), 8);
    }

    #[test]
    fn what_cannot_be_read_or_deserialized_is_given_back() {
        let arena = Arc::new(Arena::default());
        let engine = engine(Some(&arena));
        let bytes = artifact(&engine, 9);
        let (size, len) = (bytes.len(), bytes.len() - 32);
        let load =
            |bytes: &[u8], size, len| unsafe { arena.load(&engine, &file(bytes), size, len) };
        assert!(load(&bytes[..100], size, len).is_none());
        let mut damaged = bytes.clone();
        damaged[..4].copy_from_slice(b"junk");
        assert!(load(&damaged, size, len).is_none());
        assert!(load(&bytes, size, size + 1).is_none());
        assert!(load(&vec![0; LARGEST], LARGEST, 10).is_none());
        assert_eq!(in_use(&arena), 0);
        assert!(load(&bytes, size, len).is_some());
    }

    #[test]
    fn chunks_are_reused_when_empty_and_unmapped_when_left_behind() {
        let arena = Arena::default();
        let mappings = || arena.inner.lock().unwrap().chunks.len();
        let a = arena.take(100).unwrap();
        let b = arena.take(page() + 1).unwrap();
        assert_eq!(b.start, a.start + page());
        arena.give_back(a);
        arena.give_back(b);
        // The current chunk, empty, is taken from its start again.
        let almost = OWN_MAPPING - page();
        let fit: Vec<Image> = (0..CHUNK / almost)
            .map(|_| arena.take(almost).unwrap())
            .collect();
        assert_eq!(fit[0].start, a.start);
        assert_eq!(mappings(), 1);
        // A new chunk once it is full; the old one goes when its last
        // image is given back.
        let next = arena.take(almost).unwrap();
        assert_eq!(mappings(), 2);
        for image in &fit {
            arena.give_back(*image);
        }
        assert_eq!(mappings(), 1);
        assert_eq!(
            arena.image_at(next.start + 5).map(|i| i.start),
            Some(next.start)
        );
        assert!(arena.image_at(next.start + almost).is_none());
        // A large image has a mapping of its own, unmapped when given back.
        let large = arena.take(OWN_MAPPING).unwrap();
        assert_eq!(mappings(), 2);
        let at_end = arena.image_at(large.start + OWN_MAPPING - 1);
        assert_eq!(at_end.map(|i| i.start), Some(large.start));
        arena.give_back(large);
        assert_eq!(mappings(), 1);
        arena.give_back(next);
        assert_eq!(mappings(), 1, "the current chunk stays");
        // An image given back twice, its pages taken again in between, is
        // given back once: the second image stays.
        let again = arena.take(100).unwrap();
        assert_eq!(again.start, next.start);
        arena.give_back(next);
        assert!(arena.image_at(again.start).is_some());
        arena.give_back(again);
        assert!(arena.image_at(again.start).is_none());
    }
}
