//! The compiled-module cache: compiling a module is most of a cold start
//! (about a second for an Emscripten main holding all of libc), loading a
//! compiled artifact takes milliseconds. Entries are keyed by the module's
//! content hash and the engine's compatibility hash (wasmtime version and
//! settings), written atomically (temp file + rename, so concurrent runs
//! never see half an entry), and authenticated: each carries a MAC (keyed
//! BLAKE3) of its name and contents under a random key kept in the cache
//! directory ([`KEY_FILE`], mode 0600). A deserialized artifact is trusted machine
//! code, so an entry that is corrupt, does not deserialize, or was written
//! by anyone without the key is recompiled and replaced, never trusted.
//! The program itself never reaches the directory, whatever it is granted
//! (see `Vfs::hide`): it cannot read the key, nor write or replace
//! anything here.
//!
//! Hashing a 4.5 MB artifact on every run was the largest part of a warm
//! start, so an entry is checked in full once, and a small stamp beside
//! it, signed with the same key, then records which file was found sound
//! (its device, inode, size and times; see `cache/stamp.rs`): later runs
//! compare the stamp with the file's metadata instead of hashing the file,
//! and map a large one instead of reading it.
//!
//! A module file is recorded too (`cache/record.rs`): the digest of its
//! bytes and what the loader parsed from them, kept in a signed record
//! beside the file's identity, so that a later run reads, hashes and
//! parses nothing of an unchanged file.
//!
//! The cache is bounded ([`DEFAULT_MAX_SIZE`] unless told otherwise):
//! storing an entry evicts the least recently used ones beyond the bound
//! (see [`Cache::prune`]). A process looks at the whole directory on its
//! first store, and again only once what it stored since passes the bound.

mod entry;
mod key;
mod manage;
mod record;
mod stamp;
mod temp;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) use tests::until_clock_passes;

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use wasmtime::{Engine, Module};

pub use key::KEY_FILE;
pub use manage::{Entry, EntryKind, Removed};
pub use record::{Recalled, Recording};

use key::Key;

/// How many bytes of entries a cache keeps unless told otherwise.
pub const DEFAULT_MAX_SIZE: u64 = 1 << 30;

/// The environment variable the command line reads the size bound from.
pub const MAX_SIZE_VAR: &str = "DLRUN_CACHE_MAX_SIZE";

/// Where compiled modules are kept, if anywhere.
#[derive(Clone)]
pub struct Cache {
    dir: Option<PathBuf>,
    /// Most bytes of entries kept; storing more evicts the least recently
    /// used.
    max_size: u64,
    /// The key, read or made on first use; None when it can be neither
    /// (the cache then works as disabled).
    key: Arc<OnceLock<Option<Key>>>,
    /// Each engine's compatibility hash, part of every entry's name: made
    /// of all its settings, it cost each dlopen as much as a system call.
    engines: Arc<Mutex<Vec<(Engine, u64)>>>,
    /// The bytes of entries the directory held when this process last
    /// looked at all of them, plus what it stored since: a store looks
    /// again (a listing and a look at every entry) only once that passes
    /// the bound, where every store did (a first run stores a dozen
    /// entries, and a cache may hold thousands).
    usage: Arc<Mutex<Option<u64>>>,
}

impl Default for Cache {
    /// No caching, as [`Cache::disabled`].
    fn default() -> Cache {
        Cache {
            dir: None,
            max_size: DEFAULT_MAX_SIZE,
            key: Arc::default(),
            engines: Arc::default(),
            usage: Arc::default(),
        }
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("dir", &self.dir)
            .field("max_size", &self.max_size)
            .finish()
    }
}

impl Cache {
    /// No caching: every module is compiled.
    pub fn disabled() -> Cache {
        Cache::default()
    }

    /// A cache in `dir` (created on first use).
    pub fn at(dir: PathBuf) -> Cache {
        Cache {
            dir: Some(dir),
            ..Cache::default()
        }
    }

    /// The default location: `$XDG_CACHE_HOME/dlrun`, else `~/.cache/dlrun`;
    /// disabled when neither is known.
    pub fn default_location() -> Cache {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| PathBuf::from(h).join(".cache"))
            });
        Cache {
            dir: base.map(|b| b.join("dlrun")),
            ..Cache::default()
        }
    }

    /// The same cache, keeping at most `bytes` of entries.
    pub fn with_max_size(self, bytes: u64) -> Cache {
        Cache {
            max_size: bytes,
            ..self
        }
    }

    /// The cache directory, if caching is on: the program must not reach
    /// it.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Most bytes of entries the cache keeps.
    pub fn max_size(&self) -> u64 {
        self.max_size
    }

    /// The module for `bytes`: from the cache when a sound entry exists,
    /// else compiled (and stored).
    pub fn module(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Module> {
        self.module_from(engine, &[bytes], || Ok(bytes.to_vec()))
    }

    /// The module whose source is the concatenation of `source` if the cache
    /// holds a sound entry for it; it compiles nothing.
    pub fn cached(&self, engine: &Engine, source: &[&[u8]]) -> Option<Module> {
        let (dir, key) = self.open()?;
        entry::load(engine, &key, dir, &self.entry_name(engine, source))
    }

    /// The module whose source (the concatenation of `source`) determines
    /// it, built by `wasm` only when it must be compiled (generated or
    /// rewritten modules: hashing their source spares producing the binary
    /// on a warm start).
    pub fn module_from(
        &self,
        engine: &Engine,
        source: &[&[u8]],
        wasm: impl FnOnce() -> wasmtime::Result<Vec<u8>>,
    ) -> wasmtime::Result<Module> {
        let Some((dir, key)) = self.open() else {
            return Module::new(engine, wasm()?);
        };
        let name = self.entry_name(engine, source);
        if let Some(module) = entry::load(engine, &key, dir, &name) {
            return Ok(module);
        }
        let module = Module::new(engine, wasm()?)?;
        if let Ok(artifact) = module.serialize()
            && entry::store(&key, dir, &name, &artifact)
        {
            self.stored(dir, &name, artifact.len() as u64);
        }
        Ok(module)
    }

    /// What the cache recorded as `what` (the caller's name for what it
    /// made, and in which form) of the module file at `source`, whose
    /// metadata when opened is `opened`, if the file is the version
    /// recorded.
    pub fn recall(
        &self,
        source: &Path,
        what: &str,
        opened: &std::fs::Metadata,
    ) -> Option<Recalled> {
        let (dir, key) = self.open()?;
        record::recall(&key, dir, &record::name(source, what), opened)
    }

    /// Begins the record of `what` made of the module file at `source`,
    /// whose metadata when opened is `opened`, before it is read; None when
    /// caching is off or the directory takes no new file.
    pub fn record(
        &self,
        source: &Path,
        what: &str,
        opened: &std::fs::Metadata,
    ) -> Option<Recording> {
        let (dir, key) = self.open()?;
        Recording::begin(key, dir, record::name(source, what), opened)
    }

    /// Counts entry `name`, of `bytes`, just stored in `dir`, and evicts
    /// what the bound leaves no room for once the count passes it.
    fn stored(&self, dir: &Path, name: &str, bytes: u64) {
        let mut usage = self.usage.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(used) = usage.as_mut() {
            *used += bytes;
            if *used <= self.max_size {
                return;
            }
        }
        // Failing to evict only leaves the cache larger until the next
        // store looks again.
        *usage = manage::evict(dir, self.max_size, name).ok();
    }

    /// Content hash of the module's source and of the engine's
    /// compatibility. BLAKE3, which every run computes over its main
    /// module: SHA-256 of a MAIN_MODULE=1 main was 7% of a warm start.
    fn entry_name(&self, engine: &Engine, source: &[&[u8]]) -> String {
        let mut h = blake3::Hasher::new();
        h.update(&self.engine_hash(engine).to_le_bytes());
        for part in source {
            h.update(part);
        }
        h.finalize().to_hex().to_string()
    }

    /// `engine`'s compatibility hash, computed once.
    fn engine_hash(&self, engine: &Engine) -> u64 {
        let mut engines = self.engines.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, hash)) = engines.iter().find(|(e, _)| Engine::same(e, engine)) {
            return *hash;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let hash = hasher.finish();
        engines.push((engine.clone(), hash));
        hash
    }

    /// The directory and its key, when caching is on and a key can be had.
    fn open(&self) -> Option<(&Path, Key)> {
        Some((self.dir.as_deref()?, self.key()?))
    }

    /// The key, read from the cache directory or made there on first use.
    fn key(&self) -> Option<Key> {
        *self
            .key
            .get_or_init(|| self.dir.as_deref().and_then(key::read_or_make))
    }
}
