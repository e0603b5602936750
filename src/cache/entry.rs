//! Entries: a compiled artifact followed by its authentication code, in
//! `NAME.cwasm`.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use wasmtime::{Engine, Module};

use super::key::{Key, SUM, mac, verifies};
use super::stamp::{self, Identity, Pending};
use super::temp::Temp;

/// The suffix of entry files.
pub(super) const SUFFIX: &str = "cwasm";

/// The artifact file of entry `name`.
pub(super) fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.{SUFFIX}"))
}

/// The authentication code of entry `name` holding `artifact`: the name is
/// covered so that one entry cannot stand in for another.
fn seal(key: &Key, name: &str, artifact: &[u8]) -> blake3::Hasher {
    let mut m = mac(key);
    m.update(name.as_bytes());
    m.update(&[0]);
    m.update(artifact);
    m
}

/// Artifacts this large or larger are mapped rather than read: mapping
/// spares a read and a copy (a fifth of a warm start's CPU for a 4.5 MB
/// main), but wasmtime keeps the file open while the module lives, and a
/// program of hundreds of small libraries should not hold hundreds of
/// descriptors.
pub(super) const MAP_FROM: u64 = 1 << 20;

/// The module entry `name` holds, if it is sound. A stamp vouching for the
/// file spares authenticating it (and, for a large one, reading it: it is
/// mapped; a smaller one is read into code memory and used there).
/// Otherwise it is read and its authentication code checked before
/// wasmtime sees it, and a stamp is made for the next runs.
pub(super) fn load(engine: &Engine, key: &Key, dir: &Path, name: &str) -> Option<Module> {
    let file = std::fs::File::open(path(dir, name)).ok()?;
    let id = Identity::of(&file.metadata().ok()?);
    if !stamp::vouches(key, dir, name, &id) {
        return load_checked(engine, key, dir, name, file, &id);
    }
    // SAFETY (both): the stamp, which only a holder of the key (which the
    // program never reaches) can make, says this very file (same inode,
    // unchanged since) held an artifact that `load_checked`
    // authenticated.
    if id.size() >= MAP_FROM {
        // wasmtime maps the whole file, authentication code included: the
        // ELF image it reads ends before it.
        return unsafe { Module::deserialize_open_file(engine, file) }.ok();
    }
    let size = usize::try_from(id.size()).ok()?;
    unsafe { crate::codemem::load(engine, &file, size, size.checked_sub(SUM)?) }
}

// Every artifact not mapped from its file is read into code memory.
const _: () = assert!(MAP_FROM as usize <= crate::codemem::LARGEST);

/// Reads and authenticates entry `name` from `file`, whose metadata was
/// `id`; stamps it when sound.
fn load_checked(
    engine: &Engine,
    key: &Key,
    dir: &Path,
    name: &str,
    mut file: std::fs::File,
    id: &Identity,
) -> Option<Module> {
    let pending = Pending::begin(dir, name);
    let data = read(&mut file, id.size())?;
    let artifact = data.len().checked_sub(SUM).map(|n| data.split_at(n))?;
    verifies(&seal(key, name, artifact.0), artifact.1).then_some(())?;
    // SAFETY: the artifact was produced by `Module::serialize` of this
    // engine configuration (the name covers it) and written by dlrun: only
    // a holder of the key, which the program never reaches, can make an
    // authentication code that verifies.
    let module = unsafe { Module::deserialize(engine, artifact.0) }.ok()?;
    // A file changed while it was read is not the one that was checked.
    if let (Some(p), Ok(md)) = (pending, file.metadata())
        && Identity::of(&md) == *id
    {
        p.finish(key, dir, name, id);
    }
    Some(module)
}

/// The first `size` bytes of entry `file`, its size when it was opened (a
/// stamp vouches for that version; otherwise the authentication code
/// covers what was read): one read, where reading to the end looked the
/// size up again and read in pieces.
fn read(file: &mut std::fs::File, size: u64) -> Option<Vec<u8>> {
    let mut data = vec![0; usize::try_from(size).ok()?];
    file.read_exact(&mut data).ok()?;
    Some(data)
}

/// Writes entry `name` holding `artifact` atomically; false when it could
/// not (the next run then compiles again).
pub(super) fn store(key: &Key, dir: &Path, name: &str, artifact: &[u8]) -> bool {
    let sum = *seal(key, name, artifact).finalize().as_bytes();
    let written = Temp::create(dir, &format!("{name}.{SUFFIX}")).and_then(|mut t| {
        t.file.write_all(artifact)?;
        t.file.write_all(&sum)?;
        t.persist(&path(dir, name))
    });
    if written.is_err() {
        return false;
    }
    // A stamp of the file replaced can never vouch for this one, and its
    // time of last use would make the new entry look old to eviction.
    let _ = std::fs::remove_file(stamp::path(dir, name));
    true
}
