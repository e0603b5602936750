//! The directories a search path has looked in, kept open. Every library
//! of a search is looked for in the same few directories: opening each
//! again, and asking the kernel for the canonical path of every file found
//! in it, was half the system calls of a cached dlopen. A directory is
//! opened once, its canonical path asked once, and both serve while its
//! path still names that directory.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, MetadataExt as _};
use foldhash::HashMap;

use super::{Located, open_beneath, opened_path};

/// The directories opened so far, by the host path they were opened by
/// (shared by the clones of a search path).
#[derive(Debug, Clone, Default)]
pub(super) struct Opened(Arc<Mutex<HashMap<PathBuf, Arc<OpenDir>>>>);

/// One directory, open.
#[derive(Debug)]
struct OpenDir {
    dir: Dir,
    /// Its device and inode: which directory it is.
    id: (u64, u64),
    /// Its canonical path, when the kernel told it.
    canonical: Option<PathBuf>,
}

impl Opened {
    /// Opens `rel` (normal components only) inside host directory `dir`,
    /// for the program to know as `guest`.
    pub(super) fn open_in(&self, dir: &Path, rel: &Path, guest: &str) -> Option<Located> {
        let open = self.dir(dir)?;
        open_beneath(&open.dir, dir, open.canonical.as_deref(), rel, guest)
    }

    /// Directory `dir`, opened before if its path still names the
    /// directory it named then (not one made in place of it), else now.
    fn dir(&self, dir: &Path) -> Option<Arc<OpenDir>> {
        let now = std::fs::metadata(dir).ok()?;
        let id = (now.dev(), now.ino());
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = kept.get(dir).filter(|open| open.id == id) {
            return Some(open.clone());
        }
        let handle = Dir::open_ambient_dir(dir, ambient_authority()).ok()?;
        let meta = handle.dir_metadata().ok()?;
        let id = (meta.dev(), meta.ino());
        let canonical = opened_path(&handle, id);
        let open = Arc::new(OpenDir {
            dir: handle,
            id,
            canonical,
        });
        kept.insert(dir.to_path_buf(), open.clone());
        Some(open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_made_in_place_of_an_opened_one_is_searched_instead() {
        let top = tempfile::tempdir().unwrap();
        let dir = top.path().join("lib");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("liba.so"), b"\0asm\x01\0\0\0a").unwrap();
        let opened = Opened::default();
        let found = opened
            .open_in(&dir, Path::new("liba.so"), "liba.so")
            .unwrap();
        let canonical = std::fs::canonicalize(&dir).unwrap();
        assert_eq!(found.path, canonical.join("liba.so"));
        std::fs::rename(&dir, top.path().join("old")).unwrap();
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("libb.so"), b"\0asm\x01\0\0\0b").unwrap();
        assert!(
            opened
                .open_in(&dir, Path::new("liba.so"), "liba.so")
                .is_none()
        );
        let found = opened
            .open_in(&dir, Path::new("libb.so"), "libb.so")
            .unwrap();
        assert_eq!(found.path, canonical.join("libb.so"));
    }

    #[test]
    fn a_symlinked_name_is_known_by_the_file_it_leads_to() {
        let top = tempfile::tempdir().unwrap();
        let dir = std::fs::canonicalize(top.path()).unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/liba.so.1"), b"\0asm\x01\0\0\0a").unwrap();
        std::os::unix::fs::symlink("sub/liba.so.1", dir.join("liba.so")).unwrap();
        let opened = Opened::default();
        for _ in 0..2 {
            let found = opened
                .open_in(&dir, Path::new("liba.so"), "liba.so")
                .unwrap();
            assert_eq!(found.path, dir.join("sub/liba.so.1"));
        }
    }
}
