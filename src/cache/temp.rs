//! Files written under a temporary name and renamed into place, so that a
//! reader, another dlrun among them, sees a whole file or none.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// A temporary file older than this was left by a writer that died:
/// writing an entry takes milliseconds.
pub(super) const STALE: Duration = Duration::from_secs(3600);

/// Whether `name` (a file name in the cache directory) is a temporary
/// file's.
pub(super) fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Whether the temporary file with metadata `md` was left by a writer
/// that died.
pub(super) fn is_stale(md: &std::fs::Metadata, now: SystemTime) -> bool {
    md.modified()
        .ok()
        .and_then(|m| now.duration_since(m).ok())
        .is_some_and(|age| age > STALE)
}

/// A file being written, removed unless [`Temp::persist`] puts it in
/// place.
pub(super) struct Temp {
    path: PathBuf,
    /// The file, open for writing.
    pub(super) file: File,
    persisted: bool,
}

impl Temp {
    /// A new empty file in `dir` that will become `dir/final_name`. The
    /// name is unique across processes (pid) and threads (a counter), so
    /// two writers of one entry never write into the same file.
    pub(super) fn create(dir: &Path, final_name: &str) -> std::io::Result<Temp> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{final_name}.{}.{n}.tmp", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        Ok(Temp {
            path,
            file,
            persisted: false,
        })
    }

    /// Renames the file to `dest`, replacing what was there.
    pub(super) fn persist(mut self, dest: &Path) -> std::io::Result<()> {
        std::fs::rename(&self.path, dest)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
