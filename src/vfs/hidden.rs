//! Host directories the program must never reach, even through a grant
//! that holds them: the compiled-module cache. dlrun deserializes the
//! cache's entries as trusted machine code, so a program that could write
//! an entry, or read or replace the key that authenticates entries, could
//! run code of its choice on the host in a later run.
//!
//! Paths cannot say what is hidden: a grant may reach the directory under
//! another name (a symlink the program made, a bind mount), so every check
//! compares identities (device and inode) of what a path resolves to:
//!
//! - nothing may be named directly inside a hidden directory (the
//!   directory holding a path's last component is opened first and its
//!   identity checked, so a symlink in the middle of the path changes
//!   nothing);
//! - a hidden directory, and its secret files, may not be opened, changed
//!   or linked through a name elsewhere (a symlink to them is followed, and
//!   what it reached is checked);
//! - the hidden directory and every directory on the way to it may not be
//!   removed or renamed, so no substitute can be put in its place;
//! - when the hidden directory does not exist yet, its name may not be
//!   created in its parent.

use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

use super::{Errno, Result};

/// A file's identity: device and inode.
pub(crate) type Id = (u64, u64);

/// The identity of host metadata.
pub(crate) fn id_of(md: &impl std::os::unix::fs::MetadataExt) -> Id {
    (md.dev(), md.ino())
}

/// The identity of a cap-std metadata record.
pub(crate) fn cap_id(md: &cap_std::fs::Metadata) -> Id {
    use cap_std::fs::MetadataExt as _;
    (md.dev(), md.ino())
}

/// One hidden host directory, as identities taken when the program starts.
#[derive(Debug)]
pub(crate) struct Hidden {
    /// The directory itself, when it exists.
    dir: Option<Id>,
    /// When it does not: its nearest existing ancestor and the name that
    /// would create it there.
    reserved: Option<(Id, OsString)>,
    /// The directory and everything on the way to it (directories and the
    /// symlinks the path passes through).
    pinned: Vec<Id>,
    /// Files inside it checked by identity whenever something is opened:
    /// looked up again each time, since they may appear while the program
    /// runs.
    secrets: Vec<PathBuf>,
}

impl Hidden {
    /// Hides host directory `dir` (relative to dlrun's working directory
    /// if relative) and, among its files, `secrets`.
    pub(crate) fn new(dir: &Path, secrets: &[&str]) -> Hidden {
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut pinned = Vec::new();
        let mut prefix = PathBuf::new();
        let mut reserved = None;
        let mut last_existing = None;
        for c in abs.components() {
            prefix.push(c);
            if let Ok(md) = std::fs::symlink_metadata(&prefix) {
                pinned.push(id_of(&md));
            }
            match std::fs::metadata(&prefix) {
                Ok(md) => {
                    pinned.push(id_of(&md));
                    last_existing = Some((id_of(&md), prefix.clone()));
                }
                Err(_) => {
                    if reserved.is_none()
                        && let (Some((parent, _)), Component::Normal(name)) = (&last_existing, c)
                    {
                        reserved = Some((*parent, name.to_os_string()));
                    }
                    break;
                }
            }
        }
        // The directories the path leads through once symlinks are
        // resolved are as much on the way as those it names.
        if let Some((_, existing)) = &last_existing
            && let Ok(canonical) = std::fs::canonicalize(existing)
        {
            let mut p = canonical.as_path();
            loop {
                if let Ok(md) = std::fs::metadata(p) {
                    pinned.push(id_of(&md));
                }
                match p.parent() {
                    Some(up) => p = up,
                    None => break,
                }
            }
        }
        pinned.sort_unstable();
        pinned.dedup();
        let dir_id = if reserved.is_none() {
            std::fs::metadata(&abs)
                .ok()
                .filter(|md| md.is_dir())
                .map(|md| id_of(&md))
        } else {
            None
        };
        Hidden {
            dir: dir_id,
            reserved,
            pinned,
            secrets: secrets.iter().map(|s| abs.join(s)).collect(),
        }
    }

    /// Refuses naming `name` in the directory whose identity is `parent`.
    pub(crate) fn check_entry(&self, parent: Id, name: &OsStr) -> Result<()> {
        if self.dir == Some(parent) {
            return Err(Errno::ACCES);
        }
        if let Some((p, n)) = &self.reserved
            && *p == parent
            && n == name
        {
            return Err(Errno::ACCES);
        }
        Ok(())
    }

    /// Refuses opening or changing `object` (what a path resolved to).
    pub(crate) fn check_object(&self, object: Id) -> Result<()> {
        if self.dir == Some(object) {
            return Err(Errno::ACCES);
        }
        for s in &self.secrets {
            if let Ok(md) = std::fs::metadata(s)
                && id_of(&md) == object
            {
                return Err(Errno::ACCES);
            }
        }
        Ok(())
    }

    /// Refuses removing or renaming `entry` (not following a symlink).
    pub(crate) fn check_removal(&self, entry: Id) -> Result<()> {
        if self.pinned.contains(&entry) {
            return Err(Errno::BUSY);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dlrun-hidden-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn id(p: &Path) -> Id {
        id_of(&std::fs::metadata(p).unwrap())
    }

    #[test]
    fn an_existing_directory_is_closed_and_its_way_pinned() {
        let root = tempdir("existing");
        let cache = root.join("a/cache");
        std::fs::create_dir_all(&cache).unwrap();
        std::fs::write(cache.join("key"), b"k").unwrap();
        let h = Hidden::new(&cache, &["key"]);
        assert_eq!(
            h.check_entry(id(&cache), OsStr::new("x")),
            Err(Errno::ACCES)
        );
        assert_eq!(h.check_entry(id(&root), OsStr::new("a")), Ok(()));
        assert_eq!(h.check_object(id(&cache)), Err(Errno::ACCES));
        assert_eq!(h.check_object(id(&cache.join("key"))), Err(Errno::ACCES));
        assert_eq!(h.check_object(id(&root)), Ok(()));
        assert_eq!(h.check_removal(id(&root.join("a"))), Err(Errno::BUSY));
        assert_eq!(h.check_removal(id(&cache)), Err(Errno::BUSY));
        std::fs::create_dir(root.join("other")).unwrap();
        assert_eq!(h.check_removal(id(&root.join("other"))), Ok(()));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_missing_directory_reserves_its_name() {
        let root = tempdir("missing");
        let h = Hidden::new(&root.join("cache/deeper"), &[]);
        assert_eq!(
            h.check_entry(id(&root), OsStr::new("cache")),
            Err(Errno::ACCES)
        );
        assert_eq!(h.check_entry(id(&root), OsStr::new("other")), Ok(()));
        assert_eq!(h.check_removal(id(&root)), Err(Errno::BUSY));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn symlinks_on_the_way_are_pinned_and_their_targets_too() {
        let root = tempdir("symlink");
        std::fs::create_dir_all(root.join("real/cache")).unwrap();
        std::os::unix::fs::symlink("real", root.join("link")).unwrap();
        let h = Hidden::new(&root.join("link/cache"), &[]);
        let link = id_of(&std::fs::symlink_metadata(root.join("link")).unwrap());
        assert_eq!(h.check_removal(link), Err(Errno::BUSY));
        assert_eq!(h.check_removal(id(&root.join("real"))), Err(Errno::BUSY));
        assert_eq!(
            h.check_object(id(&root.join("real/cache"))),
            Err(Errno::ACCES)
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
