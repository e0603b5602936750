//! What the cache holds, and keeping it within its bound: the least
//! recently used entries go first. Many dlrun processes may share a cache,
//! so nothing here may break another's run: files being written are
//! temporary ones renamed into place, which eviction leaves alone until
//! they are long stale; an entry another process has open or mapped stays
//! readable after it is removed (its inode lives until closed). The worst
//! a race can do is remove an entry another process just stored, which
//! costs a later run one compilation.

use std::path::Path;
use std::time::SystemTime;

use super::temp::{is_stale, is_temp};
use super::{Cache, entry, record, stamp};

/// What an entry of the cache holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A module's compiled code, in `NAME.cwasm`.
    Code,
    /// What was read and parsed of a module file, in `NAME.record`.
    Record,
}

impl EntryKind {
    /// The file of entry `name` of this kind in `dir`.
    fn path(self, dir: &Path, name: &str) -> std::path::PathBuf {
        match self {
            EntryKind::Code => entry::path(dir, name),
            EntryKind::Record => record::path(dir, name),
        }
    }
}

/// One entry of the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its name: the content hash it is kept under.
    pub name: String,
    /// What it holds.
    pub kind: EntryKind,
    /// Bytes it takes (artifact and stamp, or the record).
    pub size: u64,
    /// When a run last used it (to a minute), or when it was written.
    pub last_used: SystemTime,
}

/// What a clean-up removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// Entries of code removed.
    pub entries: usize,
    /// Records removed.
    pub records: usize,
    /// Bytes they took.
    pub bytes: u64,
}

impl Entry {
    /// How `dlrun cache list` names it: a record by its file name, code by
    /// its hash.
    pub fn shown(&self) -> String {
        match self.kind {
            EntryKind::Code => self.name.clone(),
            EntryKind::Record => format!("{}.{}", self.name, record::RECORD.suffix),
        }
    }
}

impl Cache {
    /// The entries (code and records), least recently used first; none
    /// when caching is off or the directory does not exist yet.
    pub fn entries(&self) -> std::io::Result<Vec<Entry>> {
        match &self.dir {
            Some(dir) => entries(dir),
            None => Ok(Vec::new()),
        }
    }

    /// Removes every entry and record. The key stays, and files other
    /// processes are writing.
    pub fn clean(&self) -> std::io::Result<Removed> {
        match &self.dir {
            Some(dir) => shrink(dir, 0, None).map(|(removed, _)| removed),
            None => Ok(Removed::default()),
        }
    }

    /// Removes the least recently used entries until the rest fit in
    /// [`Cache::max_size`].
    pub fn prune(&self) -> std::io::Result<Removed> {
        match &self.dir {
            Some(dir) => shrink(dir, self.max_size, None).map(|(removed, _)| removed),
            None => Ok(Removed::default()),
        }
    }
}

/// Evicts the least recently used entries of `dir` until the rest fit in
/// `limit` bytes, keeping entry `keep` (just written, about to be used)
/// even when it alone is larger.
/// Returns the bytes the entries left take.
pub(super) fn evict(dir: &Path, limit: u64, keep: &str) -> std::io::Result<u64> {
    shrink(dir, limit, Some(keep)).map(|(_, left)| left)
}

/// Removes the least recently used entries until the rest fit in `limit`:
/// what it removed, and the bytes left.
fn shrink(dir: &Path, limit: u64, keep: Option<&str>) -> std::io::Result<(Removed, u64)> {
    let mut all = entries(dir)?;
    let mut total: u64 = all.iter().map(|e| e.size).sum();
    let mut removed = Removed::default();
    all.retain(|e| e.kind != EntryKind::Code || Some(e.name.as_str()) != keep);
    for victim in all {
        if total <= limit {
            break;
        }
        total = total.saturating_sub(victim.size);
        let path = victim.kind.path(dir, &victim.name);
        match std::fs::remove_file(&path) {
            Ok(()) => {
                match victim.kind {
                    EntryKind::Code => removed.entries += 1,
                    EntryKind::Record => removed.records += 1,
                }
                removed.bytes += victim.size;
            }
            // Another process evicted it first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(named(e, &path)),
        }
        if victim.kind == EntryKind::Code {
            let _ = std::fs::remove_file(stamp::path(dir, &victim.name));
        }
    }
    Ok((removed, total))
}

/// The entries in `dir`, least recently used first. Removes what no entry
/// needs on the way: stamps whose entry is gone (a stamp only spares a
/// check, so removing one in a race costs no more than that) and temporary
/// files left by writers that died.
fn entries(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let listing = match std::fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(named(e, dir)),
    };
    let now = SystemTime::now();
    let mut found = Vec::new();
    for item in listing {
        let item = item.map_err(|e| named(e, dir))?;
        let file_name = item.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        // Gone between listing and looking is another process's doing.
        let Ok(md) = item.metadata() else {
            continue;
        };
        if is_temp(file_name) {
            if is_stale(&md, now) {
                let _ = std::fs::remove_file(item.path());
            }
            continue;
        }
        if let Some(name) = entry_name(file_name, stamp::SUFFIX) {
            if !entry::path(dir, name).exists() {
                let _ = std::fs::remove_file(item.path());
            }
            continue;
        }
        if let Some(name) = entry_name(file_name, record::RECORD.suffix) {
            // A record is touched by its uses.
            found.push(Entry {
                name: name.to_string(),
                kind: EntryKind::Record,
                size: md.len(),
                last_used: md.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
            continue;
        }
        let Some(name) = entry_name(file_name, entry::SUFFIX) else {
            continue;
        };
        // A stamp is made by a use and touched by later ones.
        let stamp = std::fs::metadata(stamp::path(dir, name)).ok();
        let last_used = stamp
            .as_ref()
            .unwrap_or(&md)
            .modified()
            .unwrap_or(SystemTime::UNIX_EPOCH);
        found.push(Entry {
            name: name.to_string(),
            kind: EntryKind::Code,
            size: md.len() + stamp.map_or(0, |s| s.len()),
            last_used,
        });
    }
    found.sort_by(|a, b| a.last_used.cmp(&b.last_used).then(a.name.cmp(&b.name)));
    Ok(found)
}

/// The entry name in `file_name` when it is `NAME.suffix` and NAME is a
/// content hash (64 lowercase hexadecimal digits).
fn entry_name<'a>(file_name: &'a str, suffix: &str) -> Option<&'a str> {
    let name = file_name.strip_suffix(suffix)?.strip_suffix('.')?;
    (name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then_some(name)
}

/// `e`, saying which file it is about.
fn named(e: std::io::Error, path: &Path) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
