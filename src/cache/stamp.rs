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

use std::io::{Read as _, Write as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::key::{Key, SUM, mac, verifies};
use super::temp::Temp;

/// The suffix of stamp files.
pub(super) const SUFFIX: &str = "stamp";

/// The first bytes of a stamp, naming its format.
const MAGIC: &[u8; 8] = b"dlrstmp1";

/// Bytes of a recorded identity: seven 64-bit numbers.
const ID_LEN: usize = 7 * 8;

/// Bytes of a stamp.
const LEN: usize = MAGIC.len() + ID_LEN + SUM;

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
    dir.join(format!("{name}.{SUFFIX}"))
}

/// The authentication code of a stamp for entry `name`: the name is
/// covered so that one entry's stamp cannot vouch for another, and the
/// leading "stamp" keeps it apart from an entry's code, whose input starts
/// with the (hexadecimal) name.
fn seal(key: &Key, name: &str, body: &[u8]) -> blake3::Hasher {
    let mut m = mac(key);
    m.update(b"stamp\0");
    m.update(name.as_bytes());
    m.update(&[0]);
    m.update(body);
    m
}

/// Whether entry `name` has a sound stamp for the artifact file `id`
/// describes. Records the use when the stamp's record is stale.
pub(super) fn vouches(key: &Key, dir: &Path, name: &str, id: &Identity) -> bool {
    let Ok(file) = std::fs::File::open(path(dir, name)) else {
        return false;
    };
    let mut data = Vec::with_capacity(LEN + 1);
    // One byte more than a stamp holds, to tell a longer file.
    if (&file).take(LEN as u64 + 1).read_to_end(&mut data).is_err() || data.len() != LEN {
        return false;
    }
    let (body, sum) = data.split_at(LEN - SUM);
    let (magic, recorded) = body.split_at(MAGIC.len());
    if magic != MAGIC || recorded != id.bytes() || !verifies(&seal(key, name, body), sum) {
        return false;
    }
    let now = SystemTime::now();
    let stale = file
        .metadata()
        .and_then(|md| md.modified())
        .map_or(true, |used| {
            now.duration_since(used)
                .is_ok_and(|age| age > RECENCY_GRAIN)
        });
    if stale {
        // A stamp that cannot be touched only ages towards eviction.
        let _ = file.set_modified(now);
    }
    true
}

/// A stamp about to be made: its temporary file is created before the
/// check it records, and its change time is the moment the check began.
pub(super) struct Pending {
    temp: Temp,
    began: (i64, i64),
}

impl Pending {
    /// Starts a stamp for entry `name`; None when the directory takes no
    /// new file (the entry then goes unstamped).
    pub(super) fn begin(dir: &Path, name: &str) -> Option<Pending> {
        let temp = Temp::create(dir, &format!("{name}.{SUFFIX}")).ok()?;
        let md = temp.file.metadata().ok()?;
        let began = (md.ctime(), md.ctime_nsec());
        Some(Pending { temp, began })
    }

    /// Records that the artifact file `id` describes was found sound by
    /// the check begun with this stamp, if nothing could since have
    /// changed it unseen (see the module's notes).
    pub(super) fn finish(mut self, key: &Key, dir: &Path, name: &str, id: &Identity) {
        if id.ctime >= self.began {
            return;
        }
        let mut body = Vec::with_capacity(LEN);
        body.extend_from_slice(MAGIC);
        body.extend_from_slice(&id.bytes());
        let sum = *seal(key, name, &body).finalize().as_bytes();
        body.extend_from_slice(&sum);
        if self.temp.file.write_all(&body).is_ok() {
            // A stamp that could not be placed is made again next time.
            let _ = self.temp.persist(&path(dir, name));
        }
    }
}
