//! The program's file system, whatever ABI it was built for: host
//! directories granted with `--dir HOST[::GUEST]` mounted into one guest
//! tree and reached only through cap-std, a table of file descriptors, and
//! the POSIX file operations on both. The ABI layers (e.g.
//! `abi::emscripten::fs`) only translate arguments and struct layouts.
//!
//! # Paths
//!
//! A guest path is normalized lexically against the guest working directory
//! (which starts at `/`): `.` and empty components go, `..` drops the
//! previous component and never rises above `/`. The result is matched
//! against the mounts, longest guest prefix first, and the remainder is
//! opened inside that mount's [`cap_std::fs::Dir`]. Symlinks are resolved by
//! cap-std inside the mount: an absolute symlink, or one whose target leads
//! out of the mount, is refused.
//!
//! # Errors
//!
//! Every operation returns an [`Errno`] in the WASI numbering that
//! Emscripten's and wasi-libc's musl use (ENOENT is 44, not the host's 2).
//! Host errors are translated value by value. A path that cap-std refuses
//! because it would leave the mount is **EPERM** ("Operation not
//! permitted"), consistently; EACCES stays what the host says about
//! permission bits. Symlink targets that are absolute or climb out of the
//! mount are refused with EPERM when created, and `readlink` of an absolute
//! symlink is EPERM too, so host paths do not leak into the guest.
//!
//! Outside the mounts, `/` and every parent of a mount point are virtual,
//! read-only directories (mode 0555): they can be stat'ed, listed, opened
//! and made the working directory, and list the mount points under them;
//! creating anything inside them is EACCES, removing or renaming them is
//! EBUSY. Every other path outside the mounts is ENOENT.
//!
//! # Layout
//!
//! This file holds the types and path resolution; the operations live in
//! `fds` (the descriptor table), `data` (reads and writes), `dirs`
//! (operations on paths), `mmap`; `hidden` keeps dlrun's own directories
//! out of reach; `errno`, `consts`, `path` and `stat` are the vocabulary.

mod data;
mod dirs;
mod errno;
mod fds;
mod hidden;
mod mmap;
mod path;
mod stat;
#[cfg(test)]
mod tests;

pub mod consts;

pub use errno::{Errno, Result};
pub use mmap::Mapping;
pub use path::{Preopen, normalize, resolve_dots};
use path::{leaves, parent, under};
pub use stat::{DirEntry, FileKind, Stat, TimeSet};
use stat::{path_ino, permitted};

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::DirEntryExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cap_std::ambient_authority;
use cap_std::fs::{
    Dir, DirBuilder, DirBuilderExt, File, FileExt, FileType, FileTypeExt, Metadata, MetadataExt,
    OpenOptions, OpenOptionsExt, Permissions, PermissionsExt,
};

use consts::*;

/// Most file descriptors a program may have open at once.
pub const MAX_FDS: usize = 1024;
/// Longest guest path accepted (PATH_MAX, terminator included).
pub const PATH_MAX: usize = 4096;
/// Longest path component (NAME_MAX).
pub const NAME_MAX: usize = 255;
/// Bytes a pipe holds before writes fall short (Linux's default).
pub const PIPE_CAPACITY: usize = 65536;
/// Status flags F_SETFL may change.
const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
/// Open flags that stay with the open file (what F_GETFL reports).
const STATUS_MASK: u32 = O_ACCMODE
    | O_APPEND
    | O_NONBLOCK
    | O_DSYNC
    | O_SYNC
    | O_ASYNC
    | O_DIRECT
    | O_LARGEFILE
    | O_NOATIME
    | O_PATH;

/// What `poll` sees on a descriptor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ready {
    /// Reading would not block (data or end of file).
    pub read: bool,
    /// Writing would not block.
    pub write: bool,
    /// The other end of a pipe is gone.
    pub hangup: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stdio {
    In,
    Out,
    Err,
}

#[derive(Debug, Default)]
struct Pipe {
    buf: VecDeque<u8>,
    readers: usize,
    writers: usize,
    ino: u64,
}

/// One end of a pipe; dropping the last open file of an end closes it.
#[derive(Debug)]
struct PipeEnd {
    pipe: Arc<Mutex<Pipe>>,
    write: bool,
}

impl PipeEnd {
    fn new(pipe: &Arc<Mutex<Pipe>>, write: bool) -> PipeEnd {
        let mut p = lock(pipe);
        if write {
            p.writers += 1;
        } else {
            p.readers += 1;
        }
        PipeEnd {
            pipe: pipe.clone(),
            write,
        }
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut p = lock(&self.pipe);
        if self.write {
            p.writers -= 1;
        } else {
            p.readers -= 1;
        }
    }
}

enum Node {
    Stdio(Stdio),
    File(File),
    /// A named pipe: read and written as a stream, its host descriptor
    /// non-blocking so that every wait is the VFS's, bounded by the
    /// deadline.
    Fifo(File),
    /// `None`: a virtual directory.
    Dir {
        dir: Option<Dir>,
        listing: Option<Vec<DirEntry>>,
    },
    Pipe(PipeEnd),
}

/// An open file description: shared by the descriptors `dup` makes.
struct OpenFile {
    node: Node,
    /// Access mode and status flags (F_GETFL).
    flags: u32,
    /// File offset; for directories, the index of the next entry.
    pos: u64,
    /// The guest path it was opened as.
    path: String,
}

impl OpenFile {
    fn readable(&self) -> bool {
        self.flags & O_PATH == 0 && self.flags & O_ACCMODE != O_WRONLY
    }

    fn writable(&self) -> bool {
        self.flags & O_PATH == 0 && self.flags & O_ACCMODE != O_RDONLY
    }
}

struct Slot {
    file: Arc<Mutex<OpenFile>>,
    cloexec: bool,
    /// For a WASI preopen: the guest path it grants (its prestat name).
    /// Belongs to the descriptor, so `dup` does not copy it and
    /// `renumber` moves it.
    preopen: Option<String>,
}

struct Mount {
    guest: String,
    /// The granted host directory, canonical: where its files live.
    host: PathBuf,
    dir: Dir,
    /// The same directory as a std file, for cap-primitives calls.
    std: std::fs::File,
    /// The directory's identity, for the hidden directories' checks.
    id: hidden::Id,
}

/// Where an operation on a real path acts: a directory and a path inside
/// it. Without hidden directories that is the mount and the whole path;
/// with them, for an operation on the last component itself, the opened
/// directory holding it (checked) and that component, so nothing can
/// change between check and use. An operation that follows a symlink in
/// the last component still starts from the mount (the link may climb
/// with `..` above the directory holding it) and checks what it reached.
struct At<'a> {
    dir: DirRef<'a>,
    name: PathBuf,
}

impl At<'_> {
    /// What the path names (following a final symlink when `follow`).
    fn metadata(&self, follow: bool) -> io::Result<cap_std::fs::Metadata> {
        if self.name.as_os_str() == "." {
            self.dir.dir_metadata()
        } else if follow {
            self.dir.metadata(&self.name)
        } else {
            self.dir.symlink_metadata(&self.name)
        }
    }
}

enum DirRef<'a> {
    Mount(&'a Dir),
    Opened(Dir),
}

impl std::ops::Deref for DirRef<'_> {
    type Target = Dir;
    fn deref(&self) -> &Dir {
        match self {
            DirRef::Mount(d) => d,
            DirRef::Opened(d) => d,
        }
    }
}

/// Where a normalized guest path lands.
enum Loc {
    /// Inside mount `m`, at `rel` (`.` for the mount's root).
    Real { m: usize, rel: PathBuf },
    /// `/` or a parent of a mount point that no mount covers.
    Virtual,
    /// Outside every mount; `in_virtual` when its parent is virtual.
    Absent { in_virtual: bool },
}

/// A resolved guest path.
struct Target {
    abs: String,
    loc: Loc,
    /// The path ended in `/`: it must name a directory.
    dir_only: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The guest file system: mounts, working directory and descriptors.
pub struct Vfs {
    /// When the program's time is up (`--timeout`): a read of stdin waits
    /// no longer.
    pub deadline: Option<std::time::Instant>,
    mounts: Vec<Mount>,
    cwd: String,
    fds: Vec<Option<Slot>>,
    maps: HashMap<u64, Mapping>,
    next_pipe: u64,
    hidden: Vec<hidden::Hidden>,
}

impl Default for Vfs {
    /// No directories granted; fds 0-2 are the host's stdio.
    fn default() -> Vfs {
        let mut v = Vfs {
            deadline: None,
            mounts: Vec::new(),
            cwd: "/".to_string(),
            fds: Vec::new(),
            maps: HashMap::new(),
            next_pipe: 1,
            hidden: Vec::new(),
        };
        for (which, flags) in [
            (Stdio::In, O_RDONLY),
            (Stdio::Out, O_WRONLY),
            (Stdio::Err, O_WRONLY),
        ] {
            v.fds.push(Some(Slot {
                file: Arc::new(Mutex::new(OpenFile {
                    node: Node::Stdio(which),
                    flags,
                    pos: 0,
                    path: "/dev/tty".to_string(),
                })),
                cloexec: false,
                preopen: None,
            }));
        }
        v
    }
}

impl Vfs {
    /// Opens the granted host directories. Errors name the `--dir` at fault.
    pub fn new(preopens: &[Preopen]) -> std::result::Result<Vfs, String> {
        let mut v = Vfs::default();
        for p in preopens {
            if v.mounts.iter().any(|m| m.guest == p.guest) {
                return Err(format!(
                    "--dir {}: guest path {} is already granted",
                    p.host.display(),
                    p.guest
                ));
            }
            let dir = Dir::open_ambient_dir(&p.host, ambient_authority())
                .map_err(|e| format!("--dir {}: {e}", p.host.display()))?;
            let std = dir
                .try_clone()
                .map_err(|e| format!("--dir {}: {e}", p.host.display()))?
                .into_std_file();
            let id = dir
                .dir_metadata()
                .map(|md| hidden::cap_id(&md))
                .map_err(|e| format!("--dir {}: {e}", p.host.display()))?;
            v.mounts.push(Mount {
                guest: p.guest.clone(),
                host: std::fs::canonicalize(&p.host).unwrap_or_else(|_| p.host.clone()),
                dir,
                std,
                id,
            });
        }
        Ok(v)
    }

    /// Hides host directory `dir` from the program whatever it is granted,
    /// with the files `secrets` in it: nothing inside can be named, the
    /// directory and its secrets cannot be reached through links, and the
    /// directories on the way to it cannot be removed or renamed (checked
    /// by identity, so no other name for them helps).
    pub fn hide(&mut self, dir: &Path, secrets: &[&str]) {
        self.hidden.push(hidden::Hidden::new(dir, secrets));
    }

    /// Where an operation on `rel` in mount `m` acts, once the hidden
    /// directories allow naming it (EACCES otherwise); `follow` when the
    /// operation follows a symlink in the last component.
    fn at(&self, m: usize, rel: &Path, follow: bool) -> Result<At<'_>> {
        let mount = &self.mounts[m];
        if self.hidden.is_empty() {
            return Ok(At {
                dir: DirRef::Mount(&mount.dir),
                name: rel.to_path_buf(),
            });
        }
        if rel.as_os_str() == "." {
            self.check_object(mount.id)?;
            return Ok(At {
                dir: DirRef::Mount(&mount.dir),
                name: rel.to_path_buf(),
            });
        }
        let name = rel.file_name().ok_or(Errno::INVAL)?;
        let (dir, id) = match rel.parent().filter(|p| !p.as_os_str().is_empty()) {
            None => (DirRef::Mount(&mount.dir), mount.id),
            Some(parent) => {
                let d = mount.dir.open_dir(parent)?;
                let id = hidden::cap_id(&d.dir_metadata()?);
                (DirRef::Opened(d), id)
            }
        };
        for h in &self.hidden {
            h.check_entry(id, name)?;
        }
        if follow {
            return Ok(At {
                dir: DirRef::Mount(&mount.dir),
                name: rel.to_path_buf(),
            });
        }
        Ok(At {
            dir,
            name: PathBuf::from(name),
        })
    }

    /// Refuses what a path resolved to when it is hidden.
    fn check_object(&self, object: hidden::Id) -> Result<()> {
        self.hidden.iter().try_for_each(|h| h.check_object(object))
    }

    /// Refuses opening or changing what `at` names (following a symlink)
    /// when it is hidden.
    fn check_target(&self, at: &At<'_>) -> Result<()> {
        if self.hidden.is_empty() {
            return Ok(());
        }
        match at.dir.metadata(&at.name) {
            Ok(md) => self.check_object(hidden::cap_id(&md)),
            Err(_) => Ok(()),
        }
    }

    /// Refuses removing or renaming what `at` names when a hidden
    /// directory depends on it.
    fn check_removal(&self, at: &At<'_>) -> Result<()> {
        if self.hidden.is_empty() {
            return Ok(());
        }
        match at.dir.symlink_metadata(&at.name) {
            Ok(md) => {
                let id = hidden::cap_id(&md);
                self.hidden.iter().try_for_each(|h| h.check_removal(id))
            }
            Err(_) => Ok(()),
        }
    }

    /// Refuses a node just opened when it is hidden.
    fn check_opened(&self, node: &Node) -> Result<()> {
        if self.hidden.is_empty() {
            return Ok(());
        }
        let md = match node {
            Node::File(f) => f.metadata()?,
            Node::Dir { dir: Some(d), .. } => d.dir_metadata()?,
            _ => return Ok(()),
        };
        self.check_object(hidden::cap_id(&md))
    }

    // ---- paths -----------------------------------------------------------

    /// The guest working directory.
    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    fn is_mount_ancestor(&self, abs: &str) -> bool {
        abs == "/"
            || self
                .mounts
                .iter()
                .any(|m| m.guest != abs && under(&m.guest, abs))
    }

    fn locate(&self, abs: &str) -> Loc {
        let best = self
            .mounts
            .iter()
            .enumerate()
            .filter(|(_, m)| under(abs, &m.guest))
            .max_by_key(|(_, m)| m.guest.len());
        if let Some((m, mount)) = best {
            let rest = if mount.guest == "/" {
                &abs[1..]
            } else {
                abs[mount.guest.len()..].trim_start_matches('/')
            };
            let rel = if rest.is_empty() { "." } else { rest };
            return Loc::Real {
                m,
                rel: PathBuf::from(rel),
            };
        }
        if self.is_mount_ancestor(abs) {
            Loc::Virtual
        } else {
            Loc::Absent {
                in_virtual: self.is_mount_ancestor(parent(abs)),
            }
        }
    }

    /// Sleeps `pause` unless the deadline comes first ([`Errno::DEADLINE`]).
    fn pause(&self, pause: Duration) -> Result<()> {
        if let Some(deadline) = self.deadline {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left <= pause {
                std::thread::sleep(left);
                return Err(Errno::DEADLINE);
            }
        }
        std::thread::sleep(pause);
        Ok(())
    }

    /// Whether host path `path` (canonical) lies inside a granted directory.
    pub fn grants_host_path(&self, path: &std::path::Path) -> bool {
        self.mounts.iter().any(|m| path.starts_with(&m.host))
    }

    /// The grant holding guest path `path` (resolved against the working
    /// directory): its directory, its host path and the path inside it.
    /// None when no `--dir` grant holds the path.
    pub fn grant_of(&self, path: &str) -> Option<(&Dir, &std::path::Path, PathBuf)> {
        match self.target(AT_FDCWD, path, false).ok()?.loc {
            Loc::Real { m, rel } => {
                self.at(m, &rel, true).ok()?;
                let mount = &self.mounts[m];
                Some((&mount.dir, mount.host.as_path(), rel))
            }
            _ => None,
        }
    }

    /// Resolves `path` relative to `dirfd` (or the working directory for
    /// AT_FDCWD). An empty path is ENOENT unless `empty_ok`, when it names
    /// `dirfd` itself.
    fn target(&self, dirfd: i32, path: &str, empty_ok: bool) -> Result<Target> {
        if path.len() >= PATH_MAX {
            return Err(Errno::NAMETOOLONG);
        }
        if path.split('/').any(|c| c.len() > NAME_MAX) {
            return Err(Errno::NAMETOOLONG);
        }
        let abs = if path.starts_with('/') {
            normalize("/", path)
        } else {
            let base = if dirfd == AT_FDCWD {
                self.cwd.clone()
            } else {
                let f = self.file(dirfd)?;
                let of = lock(&f);
                if path.is_empty() && empty_ok {
                    of.path.clone()
                } else if !matches!(of.node, Node::Dir { .. }) {
                    return Err(Errno::NOTDIR);
                } else {
                    of.path.clone()
                }
            };
            if path.is_empty() && !empty_ok {
                return Err(Errno::NOENT);
            }
            normalize(&base, path)
        };
        let loc = self.locate(&abs);
        Ok(Target {
            abs,
            loc,
            dir_only: path.ends_with('/'),
        })
    }

    fn stat_abs(&self, abs: &str, loc: &Loc, follow: bool) -> Result<Stat> {
        match loc {
            Loc::Virtual => Ok(Stat::virtual_dir(abs)),
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Real { m, rel } => {
                let at = self.at(*m, rel, follow)?;
                match at.metadata(follow).map_err(Errno::from) {
                    Ok(md) => Ok(Stat::of(&md)),
                    // A parent of a nested mount point that the outer mount
                    // lacks is still a directory.
                    Err(Errno::NOENT) if self.is_mount_ancestor(abs) => Ok(Stat::virtual_dir(abs)),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// stat/lstat/fstatat: `flags` may hold AT_SYMLINK_NOFOLLOW and
    /// AT_EMPTY_PATH.
    pub fn stat(&self, dirfd: i32, path: &str, flags: u32) -> Result<Stat> {
        if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
            return Err(Errno::INVAL);
        }
        if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
            if dirfd == AT_FDCWD {
                let t = self.target(AT_FDCWD, ".", false)?;
                return self.stat_abs(&t.abs, &t.loc, true);
            }
            return self.fstat(dirfd);
        }
        let t = self.target(dirfd, path, false)?;
        let st = self.stat_abs(&t.abs, &t.loc, flags & AT_SYMLINK_NOFOLLOW == 0)?;
        if t.dir_only && st.kind() != FileKind::Directory {
            return Err(Errno::NOTDIR);
        }
        Ok(st)
    }

    /// Changes the working directory.
    pub fn chdir(&mut self, path: &str) -> Result<()> {
        let t = self.target(AT_FDCWD, path, false)?;
        if self.stat_abs(&t.abs, &t.loc, true)?.kind() != FileKind::Directory {
            return Err(Errno::NOTDIR);
        }
        self.cwd = t.abs;
        Ok(())
    }

    /// Makes directory `fd` the working directory.
    pub fn fchdir(&mut self, fd: i32) -> Result<()> {
        let f = self.file(fd)?;
        let of = lock(&f);
        if !matches!(of.node, Node::Dir { .. }) {
            return Err(Errno::NOTDIR);
        }
        self.cwd = of.path.clone();
        Ok(())
    }
}

/// Waits until stdin has input; once the deadline passes, fails with
/// [`Errno::DEADLINE`]. Without a deadline the read itself blocks.
pub(crate) fn wait_for_stdin(deadline: Option<std::time::Instant>) -> Result<()> {
    if deadline.is_none() {
        return Ok(());
    }
    wait_ready(deadline, 0, libc::POLLIN)
}

/// Waits until host descriptor `fd` is ready for `events` (or hung
/// up); fails with [`Errno::DEADLINE`] once the deadline passes.
pub(crate) fn wait_ready(
    deadline: Option<std::time::Instant>,
    fd: std::os::fd::RawFd,
    events: i16,
) -> Result<()> {
    loop {
        let ms = match deadline {
            None => -1,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    return Err(Errno::DEADLINE);
                }
                left.as_millis().clamp(1, i32::MAX as u128) as i32
            }
        };
        let mut pfd = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: one valid pollfd, for the duration of the call.
        let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
        if ready > 0 {
            return Ok(());
        }
        if ready < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return Err(io::Error::last_os_error().into());
        }
    }
}
