//! The compiled-module cache: compiling a module is most of a cold start
//! (about a second for an Emscripten main holding all of libc), loading a
//! compiled artifact takes milliseconds. Entries are keyed by the module's
//! content hash and the engine's compatibility hash (wasmtime version and
//! settings), written atomically (temp file + rename, so concurrent runs
//! never see half an entry), and carry their own checksum: an entry that is
//! corrupt or does not deserialize is recompiled and replaced, never
//! trusted.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

/// Where compiled modules are kept, if anywhere.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
}

/// Length of the checksum trailing every entry.
const SUM: usize = 32;

impl Cache {
    /// No caching: every module is compiled.
    pub fn disabled() -> Cache {
        Cache { dir: None }
    }

    /// A cache in `dir` (created on first write).
    pub fn at(dir: PathBuf) -> Cache {
        Cache { dir: Some(dir) }
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
        }
    }

    /// The module for `bytes`: from the cache when a sound entry exists,
    /// else compiled (and stored).
    pub fn module(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Module> {
        self.module_from(engine, bytes, || Ok(bytes.to_vec()))
    }

    /// The module whose source `source` determines, built by `wasm` only
    /// when it must be compiled (generated modules: hashing their source
    /// spares producing the binary on a warm start).
    pub fn module_from(
        &self,
        engine: &Engine,
        source: &[u8],
        wasm: impl FnOnce() -> wasmtime::Result<Vec<u8>>,
    ) -> wasmtime::Result<Module> {
        let Some(dir) = &self.dir else {
            return Module::new(engine, wasm()?);
        };
        let path = dir.join(format!("{}.cwasm", key(engine, source)));
        if let Some(module) = load(engine, &path) {
            return Ok(module);
        }
        let module = Module::new(engine, wasm()?)?;
        if let Ok(artifact) = module.serialize() {
            store(dir, &path, &artifact);
        }
        Ok(module)
    }
}

/// Content hash of the module and of the engine's compatibility.
fn key(engine: &Engine, bytes: &[u8]) -> String {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let mut h = Sha256::new();
    h.update(engine_hash.finish().to_le_bytes());
    h.update(bytes);
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads an entry, checking its checksum before handing it to wasmtime.
fn load(engine: &Engine, path: &Path) -> Option<Module> {
    let data = std::fs::read(path).ok()?;
    if data.len() < SUM {
        return None;
    }
    let (artifact, sum) = data.split_at(data.len() - SUM);
    if Sha256::digest(artifact).as_slice() != sum {
        return None;
    }
    // SAFETY: the artifact was produced by `Module::serialize` of this
    // engine configuration (the key covers it) and is byte-for-byte what
    // was written, as the checksum shows.
    unsafe { Module::deserialize(engine, artifact) }.ok()
}

/// Writes an entry atomically; failures only mean the next run compiles.
fn store(dir: &Path, path: &Path, artifact: &[u8]) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let mut data = artifact.to_vec();
    data.extend_from_slice(&Sha256::digest(artifact));
    if std::fs::write(&tmp, &data).is_ok() && std::fs::rename(&tmp, path).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(&tmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dlrun-cache-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn entries(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    }

    #[test]
    fn second_load_comes_from_the_cache_and_corrupt_entries_are_replaced() {
        let engine = Engine::default();
        let dir = tempdir("roundtrip");
        let cache = Cache::at(dir.clone());
        let bytes =
            wat::parse_str("(module (func (export \"f\") (result i32) i32.const 7))").unwrap();
        cache.module(&engine, &bytes).unwrap();
        let files = entries(&dir);
        assert_eq!(files.len(), 1);
        let entry = files[0].clone();
        assert!(load(&engine, &entry).is_some());

        let mut data = std::fs::read(&entry).unwrap();
        let mid = data.len() / 2;
        data[mid] ^= 0xff;
        std::fs::write(&entry, &data).unwrap();
        assert!(
            load(&engine, &entry).is_none(),
            "a flipped byte must not be trusted"
        );
        Cache::at(dir.clone()).module(&engine, &bytes).unwrap();
        assert!(
            load(&engine, &entry).is_some(),
            "the bad entry was rewritten"
        );

        std::fs::write(&entry, b"short").unwrap();
        assert!(Cache::at(dir.clone()).module(&engine, &bytes).is_ok());
    }

    #[test]
    fn different_modules_get_different_keys() {
        let engine = Engine::default();
        assert_ne!(key(&engine, b"a"), key(&engine, b"b"));
        assert_eq!(key(&engine, b"a"), key(&engine, b"a"));
    }
}
