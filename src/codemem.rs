//! Code memory for small cached artifacts: read straight into place and
//! used there. Wasmtime copies an artifact it deserializes into a fresh
//! mapping of its own and makes that read-only before making its code
//! executable: for a library of a few kilobytes, a dlopen's largest cost
//! after the file system's. Small artifacts are instead read into pages of
//! a shared arena, mapped ahead in chunks, and wasmtime uses them in place
//! (`Module::deserialize_raw`); this module is the engines' code memory, so
//! it is what makes their code executable, and what learns when a module's
//! code is dropped and its pages can be given back.
//!
//! On x86-64 a chunk is one shared memory object mapped twice: executable
//! where wasmtime sees it, writable at another address where artifacts are
//! read in. Publishing such code then takes no system call: a `mprotect`
//! per library, its page tables split and merged again, was a twelfth of a
//! run dlopening a hundred small libraries. (Where instruction caches are
//! not coherent, or the kernel refuses, chunks are single mappings made
//! executable image by image.)

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
    /// Map every chunk once, as where views cannot be had (for tests).
    single: bool,
}

#[derive(Default)]
struct Inner {
    /// The chunk small images are taken from, and how much of it is taken.
    current: Option<(usize, usize)>,
    /// Mappings by (executable) start.
    chunks: BTreeMap<usize, Mapping>,
    /// Images in use: start -> (length, start of its mapping, the number
    /// it was taken under).
    images: BTreeMap<usize, (usize, usize, u64)>,
    /// Images taken so far: the next one's number.
    taken: u64,
}

/// Memory mapped for images: a chunk of small ones, or a large one's own.
struct Mapping {
    len: usize,
    /// How many images in use it holds.
    in_use: usize,
    /// Where its pages can be written: its start, or, when it is mapped
    /// twice, the start of its writable view (its own start then is
    /// executable from the first).
    writable: usize,
}

impl Mapping {
    fn dual(&self, start: usize) -> bool {
        self.writable != start
    }
}

/// An image taken from the arena: where it starts, and its number, so that
/// it is given back once even if its pages were given back (its code
/// unpublished) and taken again meanwhile.
#[derive(Clone, Copy)]
struct Image {
    start: usize,
    number: u64,
    /// Where its bytes are written.
    writable: usize,
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
        let bytes = unsafe { std::slice::from_raw_parts_mut(image.writable as *mut u8, size) };
        if file.read_exact_at(bytes, 0).is_err() {
            self.give_back(image);
            return None;
        }
        // SAFETY: the same pages, seen where they are (also) executable.
        let artifact = NonNull::from(unsafe {
            std::slice::from_raw_parts(image.start as *const u8, len)
        });
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
            let own = inner.map(len, self.single)?;
            (own, own)
        } else {
            let (chunk, used) = match inner.current {
                Some((chunk, used)) if used + len <= CHUNK => (chunk, used),
                _ => {
                    let chunk = inner.map(CHUNK, self.single)?;
                    if let Some((old, _)) = inner.current.replace((chunk, 0)) {
                        inner.release_if_unused(old);
                    }
                    (chunk, 0)
                }
            };
            inner.current = Some((chunk, used + len));
            (chunk, chunk + used)
        };
        let mapping = inner.chunks.get_mut(&chunk)?;
        mapping.in_use += 1;
        let writable = mapping.writable + (start - chunk);
        let number = inner.taken;
        inner.taken += 1;
        inner.images.insert(start, (len, chunk, number));
        Some(Image {
            start,
            number,
            writable,
        })
    }

    /// Gives back `image`, unless it was already: its mapping is unmapped
    /// once no image of it is in use, or, the current chunk, taken from
    /// again.
    fn give_back(&self, image: Image) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.give_back(image);
    }

    /// Whether `ptr` lies in the executable view of a mapping made twice.
    fn executable_already(&self, ptr: *const u8) -> bool {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner
            .mapping_at(ptr as usize)
            .is_some_and(|(start, mapping)| mapping.dual(start))
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
    /// A fresh mapping of `len` bytes, recorded as holding no image yet;
    /// mapped once when `single`.
    fn map(&mut self, len: usize, single: bool) -> Option<usize> {
        let dual = if single { None } else { map_dual(len) };
        let (start, writable) = dual.or_else(|| map(len).map(|at| (at, at)))?;
        self.chunks.insert(
            start,
            Mapping {
                len,
                in_use: 0,
                writable,
            },
        );
        Some(start)
    }

    /// The mapping holding address `at`, and its start, if one does.
    fn mapping_at(&self, at: usize) -> Option<(usize, &Mapping)> {
        let (&start, mapping) = self.chunks.range(..=at).next_back()?;
        (at < start + mapping.len).then_some((start, mapping))
    }

    /// See [`Arena::give_back`].
    fn give_back(&mut self, image: Image) {
        if self.images.get(&image.start).map(|&(_, _, n)| n) != Some(image.number) {
            return;
        }
        let Some((_, chunk, _)) = self.images.remove(&image.start) else {
            return;
        };
        if let Some(mapping) = self.chunks.get_mut(&chunk) {
            mapping.in_use -= 1;
        }
        match self.current {
            Some((current, _)) if current == chunk => {
                if self.chunks.get(&chunk).is_some_and(|m| m.in_use == 0) {
                    self.current = Some((chunk, 0));
                }
            }
            _ => self.release_if_unused(chunk),
        }
    }

    /// See [`Arena::image_at`].
    fn image_at(&self, at: usize) -> Option<Image> {
        let (&start, &(len, chunk, number)) = self.images.range(..=at).next_back()?;
        let writable = self.chunks.get(&chunk)?.writable + (start - chunk);
        (at < start + len).then_some(Image {
            start,
            number,
            writable,
        })
    }

    /// Unmaps mapping `chunk` if no image of it is in use.
    fn release_if_unused(&mut self, chunk: usize) {
        if self.chunks.get(&chunk).is_some_and(|m| m.in_use == 0)
            && let Some(mapping) = self.chunks.remove(&chunk)
        {
            unmap(chunk, mapping.len);
            if mapping.dual(chunk) {
                unmap(mapping.writable, mapping.len);
            }
        }
    }
}

impl CustomCodeMemory for Arena {
    fn required_alignment(&self) -> usize {
        page()
    }

    fn publish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        if self.executable_already(ptr) {
            return Ok(());
        }
        protect(ptr, len, libc::PROT_READ | libc::PROT_EXEC)
    }

    fn unpublish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        // Wasmtime unpublishes a module's code as it drops it: an image of
        // the arena is free again. Its executable view stays so; it is
        // written through the other.
        if !self.executable_already(ptr) {
            protect(ptr, len, libc::PROT_READ | libc::PROT_WRITE)?;
        }
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

/// A shared memory object of `len` bytes mapped twice, executable and
/// writable: the two starts, or `None` where that cannot be had (then code
/// is made executable where it was written).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn map_dual(len: usize) -> Option<(usize, usize)> {
    // Kernels that refuse executable memory objects by default want them
    // asked for (MFD_EXEC); older ones know no such flag.
    const MFD_EXEC: libc::c_uint = 0x10;
    let name = c"dlrun-code";
    // SAFETY: plain system calls on a descriptor of this function's own;
    // both mappings are at addresses of the kernel's choosing.
    unsafe {
        let mut fd = libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | MFD_EXEC);
        if fd < 0 {
            fd = libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC);
        }
        if fd < 0 {
            return None;
        }
        let view = |prot| {
            let at = libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd,
                0,
            );
            (at != libc::MAP_FAILED).then_some(at as usize)
        };
        let sized = libc::ftruncate(fd, len as libc::off_t) == 0;
        let writable = sized.then(|| view(libc::PROT_READ | libc::PROT_WRITE)).flatten();
        let executable = writable.and_then(|_| view(libc::PROT_READ | libc::PROT_EXEC));
        libc::close(fd);
        match (executable, writable) {
            (Some(x), Some(w)) => Some((x, w)),
            (_, w) => {
                if let Some(w) = w {
                    unmap(w, len);
                }
                None
            }
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn map_dual(_len: usize) -> Option<(usize, usize)> {
    None
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

    /// An arena of each kind: chunks mapped twice (where that can be had)
    /// and once.
    fn arenas() -> [Arc<Arena>; 2] {
        let single = Arena {
            single: true,
            ..Arena::default()
        };
        [Arc::new(Arena::default()), Arc::new(single)]
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
        for arena in arenas() {
            runs_and_gives_back(&arena);
        }
    }

    fn runs_and_gives_back(arena: &Arc<Arena>) {
        let engine = engine(Some(arena));
        let bytes = artifact(&engine, 7);
        let len = bytes.len() - 32;
        let module = unsafe { arena.load(&engine, &file(&bytes), bytes.len(), len) }.unwrap();
        let text = module.text().as_ptr() as usize;
        assert!(arena.image_at(text).is_some(), "the code is the arena's");
        assert_eq!(call(&engine, &module), 7);
        let clone = module.clone();
        drop(module);
        assert_eq!(in_use(arena), 1);
        assert_eq!(call(&engine, &clone), 7);
        drop(clone);
        assert_eq!(in_use(arena), 0);
    }

    #[test]
    fn traps_in_code_from_the_arena_are_traps() {
        for arena in arenas() {
            traps_are_traps(&arena);
        }
    }

    fn traps_are_traps(arena: &Arc<Arena>) {
        let engine = engine(Some(arena));
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
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    fn chunks_are_executable_where_wasmtime_sees_them_and_written_elsewhere() {
        let [dual, single] = arenas();
        let image = dual.take(100).unwrap();
        assert_ne!(image.writable, image.start);
        unsafe { (image.writable as *mut u8).write(0x5a) };
        assert_eq!(unsafe { (image.start as *const u8).read() }, 0x5a);
        assert!(dual.executable_already(image.start as *const u8));
        assert!(dual.publish_executable(image.start as *const u8, page()).is_ok());
        let once = single.take(100).unwrap();
        assert_eq!(once.writable, once.start);
        assert!(!single.executable_already(once.start as *const u8));
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
