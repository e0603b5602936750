//! Stamps: a small file beside an entry, signed with the cache's key,
//! recording the identity of the artifact file that was last checked in
//! full (device, inode, size, modification and change times). While the
//! artifact's metadata still matches, its contents are what was checked:
//! replacing the file changes its inode, and writing it, truncating it or
//! setting its times changes its change time, which no unprivileged
//! process can set back.
//!
//! Change times are coarse (a clock tick, or a second on some file
//! systems), so a write right after the check could leave the change time
//! as it was. A stamp is therefore only made for a file whose change time
//! is older than the moment the check began, as the same file system's
//! clock tells it (the stamp's own temporary file, created before the
//! check): any later write then shows as a newer change time.
//!
//! A stamp's modification time is also when its entry was last used, for
//! eviction: it can be set freely, since nothing depends on it.
//!
//! Records (`cache/record.rs`) are files of the same form, vouching for a
//! module file instead and carrying what was made of it.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::key::{Key, SUM, mac, verifies};
use super::temp::Temp;

/// What a signed file vouching for another is: a stamp, or a record
/// (`cache/record.rs`), which carries more after the identity.
pub(super) struct Kind {
    /// The suffix of its files.
    pub(super) suffix: &'static str,
    /// The first bytes of one, naming its format.
    pub(super) magic: &'static [u8; 8],
    /// The word its authentication code starts with: one kind of file
    /// cannot pass for another, nor for an entry, whose code starts with
    /// its (hexadecimal) name.
    pub(super) label: &'static str,
}

impl Kind {
    /// The file of this kind for `name`.
    pub(super) fn path(&self, dir: &Path, name: &str) -> PathBuf {
        dir.join(format!("{name}.{}", self.suffix))
    }
}

/// Stamps.
pub(super) const STAMP: Kind = Kind {
    suffix: "stamp",
    magic: b"dlrstmp1",
    label: "stamp",
};

/// The suffix of stamp files.
pub(super) const SUFFIX: &str = STAMP.suffix;

/// Bytes of a recorded identity: seven 64-bit numbers.
const ID_LEN: usize = 7 * 8;

/// Bytes of a signed file before what its kind adds.
const HEAD: usize = 8 + ID_LEN;

/// How stale a stamp's record of the last use may get before a use
/// updates it: finer than eviction needs, coarse enough that most runs
/// write nothing.
const RECENCY_GRAIN: Duration = Duration::from_secs(60);

/// One version of a file, as its metadata tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Identity {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    /// When the inode last changed (contents, times, links, renames).
    ctime: (i64, i64),
}

impl Identity {
    /// The identity of the file `md` describes.
    pub(super) fn of(md: &std::fs::Metadata) -> Identity {
        Identity {
            dev: md.dev(),
            ino: md.ino(),
            size: md.size(),
            mtime: (md.mtime(), md.mtime_nsec()),
            ctime: (md.ctime(), md.ctime_nsec()),
        }
    }

    /// The file's size in bytes.
    pub(super) fn size(&self) -> u64 {
        self.size
    }

    fn bytes(&self) -> [u8; ID_LEN] {
        let fields = [
            self.dev,
            self.ino,
            self.size,
            self.mtime.0 as u64,
            self.mtime.1 as u64,
            self.ctime.0 as u64,
            self.ctime.1 as u64,
        ];
        let mut out = [0u8; ID_LEN];
        for (chunk, field) in out.chunks_exact_mut(8).zip(fields) {
            chunk.copy_from_slice(&field.to_le_bytes());
        }
        out
    }
}

/// The stamp file of entry `name`.
pub(super) fn path(dir: &Path, name: &str) -> PathBuf {
    STAMP.path(dir, name)
}

/// The authentication code of a file of `kind` for `name`: the name is
/// covered so that one entry's stamp cannot vouch for another.
fn seal(key: &Key, kind: &Kind, name: &str, body: &[u8]) -> blake3::Hasher {
    let mut m = mac(key);
    m.update(kind.label.as_bytes());
    m.update(&[0]);
    m.update(name.as_bytes());
    m.update(&[0]);
    m.update(body);
    m
}

/// Whether entry `name` has a sound stamp for the artifact file `id`
/// describes. Records the use when the stamp's record is stale.
pub(super) fn vouches(key: &Key, dir: &Path, name: &str, id: &Identity) -> bool {
    read(key, dir, &STAMP, name, id, 0).is_some()
}

/// The sound file of `kind` for `name`, read whole, and where in it lies
/// what it carries after the identity (at most `most` bytes), when it
/// vouches for the file `id` describes. Records the use when the file's
/// record of it is stale.
pub(super) fn read(
    key: &Key,
    dir: &Path,
    kind: &Kind,
    name: &str,
    id: &Identity,
    most: u64,
) -> Option<(Vec<u8>, std::ops::Range<usize>)> {
    let file = std::fs::File::open(kind.path(dir, name)).ok()?;
    let md = file.metadata().ok()?;
    if md.len() > (HEAD + SUM) as u64 + most {
        return None;
    }
    // The file is read to the size it had when opened: these files are
    // written whole and renamed into place, never grown.
    let mut data = vec![0; md.len() as usize];
    (&file).read_exact(&mut data).ok()?;
    let body_len = data.len().checked_sub(SUM).filter(|&n| n >= HEAD)?;
    let (body, sum) = data.split_at(body_len);
    let (magic, rest) = body.split_at(kind.magic.len());
    let (recorded, _) = rest.split_at(ID_LEN);
    if magic != kind.magic || recorded != id.bytes() || !verifies(&seal(key, kind, name, body), sum)
    {
        return None;
    }
    let now = SystemTime::now();
    let stale = md.modified().map_or(true, |used| {
        now.duration_since(used)
            .is_ok_and(|age| age > RECENCY_GRAIN)
    });
    if stale {
        // A file that cannot be touched only ages towards eviction.
        let _ = file.set_modified(now);
    }
    Some((data, HEAD..body_len))
}

/// A stamp (or record) about to be made: its temporary file is created
/// before the check it records, and its change time is the moment the
/// check began.
pub(super) struct Pending {
    temp: Temp,
    began: (i64, i64),
    kind: &'static Kind,
}

impl Pending {
    /// Starts a stamp for entry `name`; None when the directory takes no
    /// new file (the entry then goes unstamped).
    pub(super) fn begin(dir: &Path, name: &str) -> Option<Pending> {
        Self::begin_of(&STAMP, dir, name)
    }

    /// Starts a file of `kind` for `name`, as [`Pending::begin`] does.
    pub(super) fn begin_of(kind: &'static Kind, dir: &Path, name: &str) -> Option<Pending> {
        let temp = Temp::create(dir, &format!("{name}.{}", kind.suffix)).ok()?;
        let md = temp.file.metadata().ok()?;
        let began = (md.ctime(), md.ctime_nsec());
        Some(Pending { temp, began, kind })
    }

    /// Records that the artifact file `id` describes was found sound by
    /// the check begun with this stamp, if nothing could since have
    /// changed it unseen (see the module's notes).
    pub(super) fn finish(self, key: &Key, dir: &Path, name: &str, id: &Identity) {
        self.finish_with(key, dir, name, id, &[]);
    }

    /// Like [`Pending::finish`], the file carrying `extra` after the
    /// identity.
    pub(super) fn finish_with(
        mut self,
        key: &Key,
        dir: &Path,
        name: &str,
        id: &Identity,
        extra: &[&[u8]],
    ) {
        if id.ctime >= self.began {
            return;
        }
        let extra_len: usize = extra.iter().map(|e| e.len()).sum();
        let mut body = Vec::with_capacity(HEAD + extra_len + SUM);
        body.extend_from_slice(self.kind.magic);
        body.extend_from_slice(&id.bytes());
        for part in extra {
            body.extend_from_slice(part);
        }
        let sum = *seal(key, self.kind, name, &body).finalize().as_bytes();
        body.extend_from_slice(&sum);
        if self.temp.file.write_all(&body).is_ok() {
            // A file that could not be placed is made again next time.
            let _ = self.temp.persist(&self.kind.path(dir, name));
        }
    }
}
