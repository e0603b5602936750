//! The compiled-module cache: compiling a module is most of a cold start
//! (about a second for an Emscripten main holding all of libc), loading a
//! compiled artifact takes milliseconds. Entries are keyed by the module's
//! content hash and the engine's compatibility hash (wasmtime version and
//! settings), written atomically (temp file + rename, so concurrent runs
//! never see half an entry), and authenticated: each carries an HMAC of its
//! name and contents under a random key kept in the cache directory
//! ([`KEY_FILE`], mode 0600). A deserialized artifact is trusted machine
//! code, so an entry that is corrupt, does not deserialize, or was written
//! by anyone without the key is recompiled and replaced, never trusted.
//! The program itself never reaches the directory, whatever it is granted
//! (see `Vfs::hide`): it cannot read the key, nor write or replace
//! anything here.

use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

/// The file in the cache directory holding the key entries are
/// authenticated with.
pub const KEY_FILE: &str = "key";

/// Bytes of the key.
const KEY_LEN: usize = 32;

/// Length of the authentication code trailing every entry.
const SUM: usize = 32;

/// Where compiled modules are kept, if anywhere.
#[derive(Clone, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
    /// The key, read or made on first use; None when it can be neither
    /// (the cache then works as disabled).
    key: Arc<OnceLock<Option<[u8; KEY_LEN]>>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("dir", &self.dir).finish()
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

    /// The cache directory, if caching is on: the program must not reach
    /// it.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
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
        let (Some(dir), Some(secret)) = (&self.dir, self.secret()) else {
            return Module::new(engine, wasm()?);
        };
        let name = entry_name(engine, source);
        let path = dir.join(format!("{name}.cwasm"));
        if let Some(module) = load(engine, &secret, &name, &path) {
            return Ok(module);
        }
        let module = Module::new(engine, wasm()?)?;
        if let Ok(artifact) = module.serialize() {
            store(dir, &path, &artifact, &seal(&secret, &name, &artifact));
        }
        Ok(module)
    }

    /// The key, read from the cache directory or made there on first use.
    fn secret(&self) -> Option<[u8; KEY_LEN]> {
        *self
            .key
            .get_or_init(|| self.dir.as_deref().and_then(read_or_make_key))
    }
}

/// Reads the cache's key, or makes one (the directory too) when there is
/// none or it is malformed. Two processes making one at once agree: the
/// first link wins and the other reads it.
fn read_or_make_key(dir: &Path) -> Option<[u8; KEY_LEN]> {
    let path = dir.join(KEY_FILE);
    if let Some(key) = read_key(&path) {
        return Some(key);
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .ok()?;
    let mut key = [0u8; KEY_LEN];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").ok()?, &mut key).ok()?;
    let tmp = dir.join(format!(".{KEY_FILE}.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(&key));
    let placed = written.and_then(|()| match std::fs::hard_link(&tmp, &path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read_key(&path) {
            Some(_) => Ok(()),
            None => std::fs::rename(&tmp, &path),
        },
        other => other,
    });
    let _ = std::fs::remove_file(&tmp);
    placed.ok()?;
    read_key(&path)
}

fn read_key(path: &Path) -> Option<[u8; KEY_LEN]> {
    std::fs::read(path).ok()?.try_into().ok()
}

/// The authentication code of entry `name` holding `artifact`: the name is
/// covered so that one entry cannot stand in for another.
fn seal(secret: &[u8; KEY_LEN], name: &str, artifact: &[u8]) -> [u8; SUM] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(name.as_bytes());
    mac.update(&[0]);
    mac.update(artifact);
    mac.finalize().into_bytes().into()
}

/// Content hash of the module and of the engine's compatibility.
fn entry_name(engine: &Engine, bytes: &[u8]) -> String {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let mut h = Sha256::new();
    h.update(engine_hash.finish().to_le_bytes());
    h.update(bytes);
    format!("{:x}", h.finalize())
}

/// Reads an entry, checking its authentication code before handing it to
/// wasmtime.
fn load(engine: &Engine, secret: &[u8; KEY_LEN], name: &str, path: &Path) -> Option<Module> {
    let data = std::fs::read(path).ok()?;
    if data.len() < SUM {
        return None;
    }
    let (artifact, sum) = data.split_at(data.len() - SUM);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).ok()?;
    mac.update(name.as_bytes());
    mac.update(&[0]);
    mac.update(artifact);
    mac.verify_slice(sum).ok()?;
    // SAFETY: the artifact was produced by `Module::serialize` of this
    // engine configuration (the name covers it) and written by dlrun: only
    // a holder of the key, which the program never reaches, can make an
    // authentication code that verifies.
    unsafe { Module::deserialize(engine, artifact) }.ok()
}

/// Writes an entry atomically; failures only mean the next run compiles.
fn store(dir: &Path, path: &Path, artifact: &[u8], sum: &[u8; SUM]) {
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let mut data = Vec::with_capacity(artifact.len() + SUM);
    data.extend_from_slice(artifact);
    data.extend_from_slice(sum);
    if std::fs::write(&tmp, &data).is_ok() && std::fs::rename(&tmp, path).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(&tmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache directory not made yet, in a temporary directory that is
    /// removed when the test ends.
    fn cache_dir() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cache");
        (tmp, dir)
    }

    fn entries(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    }

    fn cwasm(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = entries(dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
            .collect();
        v.sort();
        v
    }

    fn module(result: i32) -> Vec<u8> {
        wat::parse_str(format!(
            "(module (func (export \"f\") (result i32) i32.const {result}))"
        ))
        .unwrap()
    }

    #[test]
    fn second_load_comes_from_the_cache_and_corrupt_entries_are_replaced() {
        let engine = Engine::default();
        let (_tmp, dir) = cache_dir();
        let cache = Cache::at(dir.clone());
        let bytes = module(7);
        cache.module(&engine, &bytes).unwrap();
        let files = cwasm(&dir);
        assert_eq!(files.len(), 1);
        let entry = files[0].clone();
        let secret = cache.secret().unwrap();
        let name = entry_name(&engine, &bytes);
        assert!(load(&engine, &secret, &name, &entry).is_some());

        let mut data = std::fs::read(&entry).unwrap();
        let mid = data.len() / 2;
        data[mid] ^= 0xff;
        std::fs::write(&entry, &data).unwrap();
        assert!(
            load(&engine, &secret, &name, &entry).is_none(),
            "a flipped byte must not be trusted"
        );
        Cache::at(dir.clone()).module(&engine, &bytes).unwrap();
        assert!(
            load(&engine, &secret, &name, &entry).is_some(),
            "the bad entry was rewritten"
        );

        std::fs::write(&entry, b"short").unwrap();
        assert!(Cache::at(dir.clone()).module(&engine, &bytes).is_ok());
    }

    #[test]
    fn the_key_is_private_and_kept_across_runs() {
        use std::os::unix::fs::PermissionsExt as _;
        let (_tmp, dir) = cache_dir();
        let first = Cache::at(dir.clone()).secret().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join(KEY_FILE)), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(Cache::at(dir.clone()).secret().unwrap(), first);
        std::fs::write(dir.join(KEY_FILE), b"too short").unwrap();
        let fresh = Cache::at(dir.clone()).secret().unwrap();
        assert_ne!(fresh, first, "a malformed key is replaced");
    }

    /// What a program that could write the cache did: one program's entry
    /// copied over another's, and an entry sealed as the old format did
    /// (a plain SHA-256 anyone can compute). Neither may be trusted.
    #[test]
    fn entries_anyone_could_have_made_are_recompiled() {
        let engine = Engine::default();
        let (_tmp, dir) = cache_dir();
        let cache = Cache::at(dir.clone());
        let (a, b) = (module(1), module(2));
        cache.module(&engine, &a).unwrap();
        cache.module(&engine, &b).unwrap();
        let (name_a, name_b) = (entry_name(&engine, &a), entry_name(&engine, &b));
        let (path_a, path_b) = (
            dir.join(format!("{name_a}.cwasm")),
            dir.join(format!("{name_b}.cwasm")),
        );
        let secret = cache.secret().unwrap();
        std::fs::copy(&path_b, &path_a).unwrap();
        assert!(load(&engine, &secret, &name_a, &path_a).is_none());

        let artifact = Module::new(&engine, &b).unwrap().serialize().unwrap();
        let mut old = artifact.clone();
        old.extend_from_slice(&Sha256::digest(&artifact));
        std::fs::write(&path_a, &old).unwrap();
        assert!(load(&engine, &secret, &name_a, &path_a).is_none());

        let f = |m: &Module| {
            let mut store = wasmtime::Store::new(&engine, ());
            let i = wasmtime::Instance::new(&mut store, m, &[]).unwrap();
            i.get_typed_func::<(), i32>(&mut store, "f")
                .unwrap()
                .call(&mut store, ())
                .unwrap()
        };
        assert_eq!(f(&Cache::at(dir.clone()).module(&engine, &a).unwrap()), 1);
    }

    #[test]
    fn different_modules_get_different_names() {
        let engine = Engine::default();
        assert_ne!(entry_name(&engine, b"a"), entry_name(&engine, b"b"));
        assert_eq!(entry_name(&engine, b"a"), entry_name(&engine, b"a"));
    }

    /// Names are the SHA-256 in lowercase hex, so existing caches stay valid.
    #[test]
    fn names_are_the_hash_in_lowercase_hex() {
        let name = entry_name(&Engine::default(), b"a");
        assert_eq!(name.len(), 64, "{name}");
        assert!(
            name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "{name}"
        );
    }
}
