//! Records: what dlrun made of a module file, the digest of its bytes and
//! the loader's parse of them, in a file signed with the cache's key that
//! vouches, as a stamp does (`cache/stamp.rs`), for the version of the
//! module file it was made from. While that file is unchanged, a run takes
//! the record instead of reading, hashing and parsing it: for a 1 MB
//! Emscripten main, a quarter of a warm start.
//!
//! A record is named after the file's canonical path and after what was
//! made of it (the caller's words, which name the form of its parse), so
//! that a file read as a main and as a library, or by two versions of the
//! parse, has a record of each.
//!
//! The module file may lie on another file system than the cache. Its
//! change time is still compared with the moment the read began as the
//! cache directory's file system tells it: local file systems share the
//! kernel's clock. A file written while it was read shows as a change of
//! identity, and gets no record.

use std::fs::File;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use super::key::Key;
use super::stamp::{self, Identity, Kind, Pending};

/// Records.
pub(super) const RECORD: Kind = Kind {
    suffix: "record",
    magic: b"dlrrec01",
    label: "record",
};

/// The most a record may carry after the identity. A module's parse is
/// far smaller than the module (at most 256 MiB); a record this large is
/// not read.
const MOST: u64 = 64 << 20;

/// What the cache recorded of a module file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recalled {
    /// BLAKE3 digest of its bytes.
    pub digest: [u8; 32],
    /// The record as read, what the loader made in it at `made`: taken
    /// as it is, not copied out of it.
    data: Vec<u8>,
    made: std::ops::Range<usize>,
}

impl Recalled {
    /// What the loader made of the file's bytes, in the loader's form.
    pub fn made(&self) -> &[u8] {
        &self.data[self.made.clone()]
    }
}

/// A record begun before its module file is read: kept only when the file
/// read is the version the record vouches for.
pub struct Recording {
    key: Key,
    dir: PathBuf,
    name: String,
    pending: Pending,
    before: Identity,
}

impl Recording {
    /// Starts the record `name` in `dir` of the module file whose
    /// metadata is `opened`, before it is read.
    pub(super) fn begin(
        key: Key,
        dir: &Path,
        name: String,
        opened: &std::fs::Metadata,
    ) -> Option<Recording> {
        let pending = Pending::begin_of(&RECORD, dir, &name)?;
        let before = Identity::of(opened);
        Some(Recording {
            key,
            dir: dir.to_path_buf(),
            name,
            pending,
            before,
        })
    }

    /// Keeps the record: `digest` of the bytes read from `file` and what
    /// the loader `made` of them, if the file was not changed since the
    /// record began (nor so soon before that a change could go unseen).
    pub fn keep(self, file: &File, digest: &[u8; 32], made: &[u8]) {
        let Ok(md) = file.metadata() else {
            return;
        };
        if Identity::of(&md) != self.before {
            return;
        }
        let Recording {
            key,
            dir,
            name,
            pending,
            before,
        } = self;
        pending.finish_with(&key, &dir, &name, &before, &[digest, made]);
    }
}

/// The name of the record of `what` was made of the file at `source`.
pub(super) fn name(source: &Path, what: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"dlrun record\0");
    h.update(what.as_bytes());
    h.update(&[0]);
    h.update(source.as_os_str().as_bytes());
    h.finalize().to_hex().to_string()
}

/// The record file of `name`.
pub(super) fn path(dir: &Path, name: &str) -> PathBuf {
    RECORD.path(dir, name)
}

/// What record `name` holds, if it is sound and vouches for the module
/// file whose metadata is `opened`.
pub(super) fn recall(
    key: &Key,
    dir: &Path,
    name: &str,
    opened: &std::fs::Metadata,
) -> Option<Recalled> {
    let (data, carried) = stamp::read(key, dir, &RECORD, name, &Identity::of(opened), MOST)?;
    let made = carried
        .start
        .checked_add(32)
        .filter(|&m| m <= carried.end)?..carried.end;
    let digest: [u8; 32] = data[carried.start..made.start].try_into().ok()?;
    Some(Recalled { digest, data, made })
}
