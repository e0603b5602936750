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

mod hidden;

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

/// An error number in the WASI numbering (also Emscripten's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    /// EACCES: permission denied.
    pub const ACCES: Errno = Errno(2);
    /// EAGAIN: try again (would block).
    pub const AGAIN: Errno = Errno(6);
    /// EBADF: bad file descriptor.
    pub const BADF: Errno = Errno(8);
    /// EBUSY: resource busy.
    pub const BUSY: Errno = Errno(10);
    /// EEXIST: file exists.
    pub const EXIST: Errno = Errno(20);
    /// EFAULT: bad address.
    pub const FAULT: Errno = Errno(21);
    /// EFBIG: file too large.
    pub const FBIG: Errno = Errno(22);
    /// EILSEQ: illegal byte sequence.
    pub const ILSEQ: Errno = Errno(25);
    /// EINTR: interrupted call.
    pub const INTR: Errno = Errno(27);
    /// EINVAL: invalid argument.
    pub const INVAL: Errno = Errno(28);
    /// EIO: input/output error.
    pub const IO: Errno = Errno(29);
    /// EISDIR: is a directory.
    pub const ISDIR: Errno = Errno(31);
    /// ELOOP: too many symbolic links.
    pub const LOOP: Errno = Errno(32);
    /// EMFILE: too many open files.
    pub const MFILE: Errno = Errno(33);
    /// EMLINK: too many links.
    pub const MLINK: Errno = Errno(34);
    /// ENAMETOOLONG: file name too long.
    pub const NAMETOOLONG: Errno = Errno(37);
    /// ENODEV: no such device.
    pub const NODEV: Errno = Errno(43);
    /// ENOENT: no such file or directory.
    pub const NOENT: Errno = Errno(44);
    /// ENOMEM: out of memory.
    pub const NOMEM: Errno = Errno(48);
    /// ENOSPC: no space left on device.
    pub const NOSPC: Errno = Errno(51);
    /// ENOSYS: function not implemented.
    pub const NOSYS: Errno = Errno(52);
    /// ENOTDIR: not a directory.
    pub const NOTDIR: Errno = Errno(54);
    /// ENOTEMPTY: directory not empty.
    pub const NOTEMPTY: Errno = Errno(55);
    /// ENOTSOCK: not a socket.
    pub const NOTSOCK: Errno = Errno(57);
    /// ENOTSUP: operation not supported.
    pub const NOTSUP: Errno = Errno(58);
    /// ENOTTY: not a terminal.
    pub const NOTTY: Errno = Errno(59);
    /// EOVERFLOW: value too large for its type.
    pub const OVERFLOW: Errno = Errno(61);
    /// EPERM: operation not permitted.
    pub const PERM: Errno = Errno(63);
    /// EPIPE: broken pipe.
    pub const PIPE: Errno = Errno(64);
    /// ERANGE: result out of range.
    pub const RANGE: Errno = Errno(68);
    /// EROFS: read-only file system.
    pub const ROFS: Errno = Errno(69);
    /// ESPIPE: illegal seek.
    pub const SPIPE: Errno = Errno(70);
    /// EXDEV: cross-device link.
    pub const XDEV: Errno = Errno(75);
    /// ENXIO: no reader on the other end of a FIFO opened O_NONBLOCK for
    /// writing.
    pub const NXIO: Errno = Errno(60);
    /// Not an errno: the program's `--timeout` passed while the host
    /// waited for it. Never returned to the program: the ABI layers end it
    /// (with the timeout's status) instead, so it cannot run on.
    pub const DEADLINE: Errno = Errno(-1);

    /// Translates a host (Linux/libc) errno.
    pub fn from_host(code: i32) -> Errno {
        let wasi = match code {
            libc::E2BIG => 1,
            libc::EACCES => 2,
            libc::EADDRINUSE => 3,
            libc::EADDRNOTAVAIL => 4,
            libc::EAFNOSUPPORT => 5,
            libc::EAGAIN => 6,
            libc::EALREADY => 7,
            libc::EBADF => 8,
            libc::EBADMSG => 9,
            libc::EBUSY => 10,
            libc::ECANCELED => 11,
            libc::ECHILD => 12,
            libc::ECONNABORTED => 13,
            libc::ECONNREFUSED => 14,
            libc::ECONNRESET => 15,
            libc::EDEADLK => 16,
            libc::EDESTADDRREQ => 17,
            libc::EDOM => 18,
            libc::EDQUOT => 19,
            libc::EEXIST => 20,
            libc::EFAULT => 21,
            libc::EFBIG => 22,
            libc::EHOSTUNREACH => 23,
            libc::EIDRM => 24,
            libc::EILSEQ => 25,
            libc::EINPROGRESS => 26,
            libc::EINTR => 27,
            libc::EINVAL => 28,
            libc::EIO => 29,
            libc::EISCONN => 30,
            libc::EISDIR => 31,
            libc::ELOOP => 32,
            libc::EMFILE => 33,
            libc::EMLINK => 34,
            libc::EMSGSIZE => 35,
            libc::EMULTIHOP => 36,
            libc::ENAMETOOLONG => 37,
            libc::ENETDOWN => 38,
            libc::ENETRESET => 39,
            libc::ENETUNREACH => 40,
            libc::ENFILE => 41,
            libc::ENOBUFS => 42,
            libc::ENODEV => 43,
            libc::ENOENT => 44,
            libc::ENOEXEC => 45,
            libc::ENOLCK => 46,
            libc::ENOLINK => 47,
            libc::ENOMEM => 48,
            libc::ENOMSG => 49,
            libc::ENOPROTOOPT => 50,
            libc::ENOSPC => 51,
            libc::ENOSYS => 52,
            libc::ENOTCONN => 53,
            libc::ENOTDIR => 54,
            libc::ENOTEMPTY => 55,
            libc::ENOTRECOVERABLE => 56,
            libc::ENOTSOCK => 57,
            libc::ENOTSUP => 58,
            libc::ENOTTY => 59,
            libc::ENXIO => 60,
            libc::EOVERFLOW => 61,
            libc::EOWNERDEAD => 62,
            libc::EPERM => 63,
            libc::EPIPE => 64,
            libc::EPROTO => 65,
            libc::EPROTONOSUPPORT => 66,
            libc::EPROTOTYPE => 67,
            libc::ERANGE => 68,
            libc::EROFS => 69,
            libc::ESPIPE => 70,
            libc::ESRCH => 71,
            libc::ESTALE => 72,
            libc::ETIMEDOUT => 73,
            libc::ETXTBSY => 74,
            libc::EXDEV => 75,
            _ => 29, // EIO
        };
        Errno(wasi)
    }
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        if let Some(code) = e.raw_os_error() {
            return Errno::from_host(code);
        }
        match e.kind() {
            // cap-std's "a path led outside of the filesystem".
            io::ErrorKind::PermissionDenied => Errno::PERM,
            io::ErrorKind::NotFound => Errno::NOENT,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::WouldBlock => Errno::AGAIN,
            io::ErrorKind::BrokenPipe => Errno::PIPE,
            _ => Errno::IO,
        }
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "errno {}", self.0)
    }
}

/// Result of a file operation.
pub type Result<T> = std::result::Result<T, Errno>;

/// Flag values as musl (Emscripten's libc) defines them for Linux.
pub mod consts {
    #![allow(missing_docs)]
    pub const O_ACCMODE: u32 = 0o3;
    pub const O_RDONLY: u32 = 0;
    pub const O_WRONLY: u32 = 0o1;
    pub const O_RDWR: u32 = 0o2;
    pub const O_CREAT: u32 = 0o100;
    pub const O_EXCL: u32 = 0o200;
    pub const O_NOCTTY: u32 = 0o400;
    pub const O_TRUNC: u32 = 0o1000;
    pub const O_APPEND: u32 = 0o2000;
    pub const O_NONBLOCK: u32 = 0o4000;
    pub const O_DSYNC: u32 = 0o10000;
    pub const O_ASYNC: u32 = 0o20000;
    pub const O_DIRECT: u32 = 0o40000;
    pub const O_LARGEFILE: u32 = 0o100000;
    pub const O_DIRECTORY: u32 = 0o200000;
    pub const O_NOFOLLOW: u32 = 0o400000;
    pub const O_NOATIME: u32 = 0o1000000;
    pub const O_CLOEXEC: u32 = 0o2000000;
    pub const O_SYNC: u32 = 0o4010000;
    pub const O_PATH: u32 = 0o10000000;
    pub const O_TMPFILE: u32 = 0o20200000;

    pub const AT_FDCWD: i32 = -100;
    pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
    pub const AT_REMOVEDIR: u32 = 0x200;
    pub const AT_EACCESS: u32 = 0x200;
    pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
    pub const AT_NO_AUTOMOUNT: u32 = 0x800;
    pub const AT_EMPTY_PATH: u32 = 0x1000;

    pub const SEEK_SET: u32 = 0;
    pub const SEEK_CUR: u32 = 1;
    pub const SEEK_END: u32 = 2;

    pub const F_OK: u32 = 0;
    pub const X_OK: u32 = 1;
    pub const W_OK: u32 = 2;
    pub const R_OK: u32 = 4;

    pub const S_IFMT: u32 = 0o170000;
    pub const S_IFSOCK: u32 = 0o140000;
    pub const S_IFLNK: u32 = 0o120000;
    pub const S_IFREG: u32 = 0o100000;
    pub const S_IFBLK: u32 = 0o060000;
    pub const S_IFDIR: u32 = 0o040000;
    pub const S_IFCHR: u32 = 0o020000;
    pub const S_IFIFO: u32 = 0o010000;
}

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

/// A directory to grant the program: `--dir HOST[::GUEST]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    /// The host directory.
    pub host: PathBuf,
    /// Where the program sees it: a normalized absolute guest path.
    pub guest: String,
}

impl Preopen {
    /// Parses `HOST[::GUEST]`. Without GUEST the directory appears at its
    /// own path; a relative HOST (`.`, `data`) appears under `/` (so `--dir
    /// .` makes the host working directory the guest `/`).
    pub fn parse(spec: &str) -> std::result::Result<Preopen, String> {
        let (host, guest) = match spec.split_once("::") {
            Some((h, g)) => (h, g),
            None => (spec, spec),
        };
        if host.is_empty() {
            return Err(format!("--dir {spec}: no host directory"));
        }
        if guest.is_empty() {
            return Err(format!("--dir {spec}: empty guest path"));
        }
        Ok(Preopen {
            host: PathBuf::from(host),
            guest: normalize("/", guest),
        })
    }
}

/// Lexically normalizes `path` against the absolute, normalized `base`:
/// the result is absolute, without `.`, `..` or empty components, and `..`
/// never rises above `/`.
pub fn normalize(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let start = if path.starts_with('/') { "" } else { base };
    for c in start.split('/').chain(path.split('/')) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        "/".to_string()
    } else {
        let mut s = String::new();
        for p in parts {
            s.push('/');
            s.push_str(p);
        }
        s
    }
}

/// Whether normalized `path` is `prefix` or inside it.
fn under(path: &str, prefix: &str) -> bool {
    prefix == "/"
        || path == prefix
        || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// The parent of a normalized absolute path (`/` for `/`).
fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// What kind of file something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Type not known (or not reported).
    Unknown,
    /// A named pipe (FIFO).
    Fifo,
    /// A character device.
    CharDevice,
    /// A directory.
    Directory,
    /// A block device.
    BlockDevice,
    /// A regular file.
    Regular,
    /// A symbolic link.
    Symlink,
    /// A socket.
    Socket,
}

impl FileKind {
    fn of(t: FileType) -> FileKind {
        if t.is_dir() {
            FileKind::Directory
        } else if t.is_file() {
            FileKind::Regular
        } else if t.is_symlink() {
            FileKind::Symlink
        } else if t.is_fifo() {
            FileKind::Fifo
        } else if t.is_char_device() {
            FileKind::CharDevice
        } else if t.is_block_device() {
            FileKind::BlockDevice
        } else if t.is_socket() {
            FileKind::Socket
        } else {
            FileKind::Unknown
        }
    }

    /// From the type bits of `st_mode`.
    pub fn from_mode(mode: u32) -> FileKind {
        match mode & S_IFMT {
            S_IFDIR => FileKind::Directory,
            S_IFREG => FileKind::Regular,
            S_IFLNK => FileKind::Symlink,
            S_IFIFO => FileKind::Fifo,
            S_IFCHR => FileKind::CharDevice,
            S_IFBLK => FileKind::BlockDevice,
            S_IFSOCK => FileKind::Socket,
            _ => FileKind::Unknown,
        }
    }

    /// The `d_type` of a Linux/musl `struct dirent`.
    pub fn dirent_type(self) -> u8 {
        match self {
            FileKind::Unknown => 0,
            FileKind::Fifo => 1,
            FileKind::CharDevice => 2,
            FileKind::Directory => 4,
            FileKind::BlockDevice => 6,
            FileKind::Regular => 8,
            FileKind::Symlink => 10,
            FileKind::Socket => 12,
        }
    }
}

/// `struct stat`, flavour-neutral. `mode` carries the type bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stat {
    /// st_dev: the device holding the file.
    pub dev: u64,
    /// st_ino: the file's inode number.
    pub ino: u64,
    /// st_mode: file type bits and permissions.
    pub mode: u32,
    /// st_nlink: the number of hard links.
    pub nlink: u64,
    /// st_uid: the owner's user id.
    pub uid: u32,
    /// st_gid: the owner's group id.
    pub gid: u32,
    /// st_rdev: the device it is, for a device file.
    pub rdev: u64,
    /// st_size: size in bytes.
    pub size: u64,
    /// st_blksize: preferred I/O block size.
    pub blksize: u64,
    /// st_blocks: 512-byte blocks allocated.
    pub blocks: u64,
    /// (seconds, nanoseconds) since the epoch.
    pub atime: (i64, u32),
    /// st_mtime: last modification, as (seconds, nanoseconds).
    pub mtime: (i64, u32),
    /// st_ctime: last status change, as (seconds, nanoseconds).
    pub ctime: (i64, u32),
}

impl Stat {
    fn of(md: &Metadata) -> Stat {
        Stat {
            dev: md.dev(),
            ino: md.ino(),
            mode: md.mode(),
            nlink: md.nlink(),
            uid: md.uid(),
            gid: md.gid(),
            rdev: md.rdev(),
            size: md.size(),
            blksize: md.blksize(),
            blocks: md.blocks(),
            atime: (md.atime(), md.atime_nsec() as u32),
            mtime: (md.mtime(), md.mtime_nsec() as u32),
            ctime: (md.ctime(), md.ctime_nsec() as u32),
        }
    }

    /// A virtual directory: read-only, owned by no one in particular.
    fn virtual_dir(path: &str) -> Stat {
        Stat {
            ino: path_ino(path),
            mode: S_IFDIR | 0o555,
            nlink: 2,
            size: 4096,
            blksize: 4096,
            ..Stat::default()
        }
    }

    /// The program's terminal (fds 0-2), shaped as Emscripten's /dev/tty.
    fn tty(which: Stdio) -> Stat {
        let (id, rdev) = match which {
            Stdio::Err => (8, 6 << 8),
            _ => (7, 5 << 8),
        };
        Stat {
            dev: id,
            ino: id,
            mode: S_IFCHR | 0o666,
            nlink: 1,
            rdev,
            blksize: 4096,
            ..Stat::default()
        }
    }

    /// The file type its mode bits say.
    pub fn kind(&self) -> FileKind {
        FileKind::from_mode(self.mode)
    }
}

/// A stable inode number for a virtual path (FNV-1a).
fn path_ino(path: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// One directory entry from [`Vfs::getdents`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's file name (no directory part).
    pub name: String,
    /// Its inode number (`d_ino`).
    pub ino: u64,
    /// Its file type (`d_type`).
    pub kind: FileKind,
    /// The directory position just after this entry (an entry index).
    pub next: u64,
}

/// How `utimensat` sets one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSet {
    /// Set to the current time (`UTIME_NOW`).
    Now,
    /// Leave unchanged (`UTIME_OMIT`).
    Omit,
    /// Set to (seconds, nanoseconds) since the epoch.
    At(i64, u32),
}

impl TimeSet {
    /// The time to set, None to leave it; EINVAL when out of range.
    fn system_time(self) -> Result<Option<SystemTime>> {
        let at = |s: i64, ns: u32| {
            let t = if s >= 0 {
                UNIX_EPOCH.checked_add(Duration::from_secs(s as u64))
            } else {
                UNIX_EPOCH.checked_sub(Duration::from_secs(s.unsigned_abs()))
            };
            t.and_then(|t| t.checked_add(Duration::from_nanos(ns.into())))
                .ok_or(Errno::INVAL)
        };
        match self {
            TimeSet::Omit => Ok(None),
            TimeSet::Now => Ok(Some(SystemTime::now())),
            TimeSet::At(_, ns) if ns >= 1_000_000_000 => Err(Errno::INVAL),
            TimeSet::At(s, ns) => at(s, ns).map(Some),
        }
    }

    /// For cap-primitives' set_times, which cannot take (and would panic
    /// on) times before the epoch: those are EINVAL here.
    fn spec(self) -> Result<Option<cap_primitives::fs::SystemTimeSpec>> {
        use cap_primitives::fs::SystemTimeSpec;
        match self {
            TimeSet::Now => Ok(Some(SystemTimeSpec::SymbolicNow)),
            TimeSet::At(s, _) if s < 0 => Err(Errno::INVAL),
            t => Ok(t.system_time()?.map(|st| {
                SystemTimeSpec::Absolute(cap_primitives::time::SystemTime::from_std(st))
            })),
        }
    }
}

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

/// A file mapped into guest memory by `mmap`: its own handle on the file,
/// so closing the descriptor does not end the mapping.
pub struct Mapping {
    file: File,
    offset: u64,
    len: u64,
    shared_write: bool,
}

impl Mapping {
    /// Bytes the mapping covers.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it is empty (never: mmap refuses length 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether memory changes reach the file (MAP_SHARED with PROT_WRITE).
    pub fn shared_write(&self) -> bool {
        self.shared_write
    }

    /// Writes `data` (the mapped memory) back to the file, as msync and
    /// munmap do for shared writable mappings; bytes past the current end
    /// of the file are not written, as with a real mapping.
    pub fn write_back(&self, data: &[u8]) -> Result<()> {
        if !self.shared_write {
            return Ok(());
        }
        let size = self.file.metadata()?.len();
        if self.offset >= size {
            return Ok(());
        }
        let n = data
            .len()
            .min((size - self.offset) as usize)
            .min(self.len as usize);
        self.file.write_all_at(&data[..n], self.offset)?;
        Ok(())
    }
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

    /// Hides host directory `dir` from the program whatever it is granted
    /// (see [`hidden`]), with the files `secrets` in it: they cannot be
    /// opened even through a link to them.
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

    /// Waits until stdin has input; once the deadline passes, fails with
    /// [`Errno::DEADLINE`]. Without a deadline the read itself blocks.
    fn wait_for_stdin(&self) -> Result<()> {
        if self.deadline.is_none() {
            return Ok(());
        }
        self.wait_ready(0, libc::POLLIN)
    }

    /// Waits until host descriptor `fd` is ready for `events` (or hung
    /// up); fails with [`Errno::DEADLINE`] once the deadline passes.
    fn wait_ready(&self, fd: std::os::fd::RawFd, events: i16) -> Result<()> {
        loop {
            let ms = match self.deadline {
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
                let (dir, rel) = (&at.dir, &at.name);
                let md = if rel.as_os_str() == "." {
                    dir.dir_metadata()
                } else if follow {
                    dir.metadata(rel)
                } else {
                    dir.symlink_metadata(rel)
                };
                match md.map_err(Errno::from) {
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

    // ---- descriptors -----------------------------------------------------

    fn file(&self, fd: i32) -> Result<Arc<Mutex<OpenFile>>> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get(i))
            .and_then(|s| s.as_ref())
            .map(|s| s.file.clone())
            .ok_or(Errno::BADF)
    }

    fn slot_mut(&mut self, fd: i32) -> Result<&mut Slot> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get_mut(i))
            .and_then(|s| s.as_mut())
            .ok_or(Errno::BADF)
    }

    /// Installs `file` at the lowest free descriptor not below `min`.
    fn install(&mut self, file: Arc<Mutex<OpenFile>>, min: usize, cloexec: bool) -> Result<i32> {
        let fd = (min..MAX_FDS)
            .find(|&i| self.fds.get(i).is_none_or(|s| s.is_none()))
            .ok_or(Errno::MFILE)?;
        if self.fds.len() <= fd {
            self.fds.resize_with(fd + 1, || None);
        }
        self.fds[fd] = Some(Slot {
            file,
            cloexec,
            preopen: None,
        });
        Ok(fd as i32)
    }

    fn new_file(node: Node, flags: u32, path: String) -> Arc<Mutex<OpenFile>> {
        Arc::new(Mutex::new(OpenFile {
            node,
            flags: flags & STATUS_MASK,
            pos: 0,
            path,
        }))
    }

    /// Whether `fd` is open.
    pub fn is_open(&self, fd: i32) -> bool {
        self.file(fd).is_ok()
    }

    /// Number of open descriptors.
    pub fn open_count(&self) -> usize {
        self.fds.iter().filter(|s| s.is_some()).count()
    }

    /// open/openat. `mode` is used when a file is created.
    pub fn open(&mut self, dirfd: i32, path: &str, flags: u32, mode: u32) -> Result<i32> {
        if flags & O_TMPFILE == O_TMPFILE {
            return Err(Errno::NOTSUP);
        }
        if flags & O_ACCMODE == 3 && flags & O_PATH == 0 {
            return Err(Errno::INVAL);
        }
        let t = self.target(dirfd, path, false)?;
        let node = self.open_node(&t, flags, mode)?;
        let file = Vfs::new_file(node, flags, t.abs);
        self.install(file, 0, flags & O_CLOEXEC != 0)
    }

    fn open_node(&self, t: &Target, flags: u32, mode: u32) -> Result<Node> {
        let creat = flags & O_CREAT != 0;
        let (m, rel) = match &t.loc {
            Loc::Absent { in_virtual } => {
                return Err(if creat && *in_virtual {
                    Errno::ACCES
                } else {
                    Errno::NOENT
                });
            }
            Loc::Virtual => return self.open_virtual(flags),
            Loc::Real { m, rel } => (*m, rel),
        };
        let at = self.at(m, rel, flags & O_NOFOLLOW == 0)?;
        let node = self.open_at(t, &at, flags, mode)?;
        self.check_opened(&node)?;
        // Truncation waits until the file is known not to be hidden.
        if flags & O_TRUNC != 0
            && flags & O_ACCMODE != O_RDONLY
            && let Node::File(f) = &node
            && f.metadata()?.is_file()
        {
            f.set_len(0)?;
        }
        Ok(node)
    }

    fn open_at(&self, t: &Target, at: &At<'_>, flags: u32, mode: u32) -> Result<Node> {
        let acc = flags & O_ACCMODE;
        let creat = flags & O_CREAT != 0;
        let excl = creat && flags & O_EXCL != 0;
        let dir_wanted = flags & O_DIRECTORY != 0 || t.dir_only;
        let (dir, rel) = (&at.dir, &at.name);
        let follow = flags & O_NOFOLLOW == 0;
        let md = if rel.as_os_str() == "." {
            dir.dir_metadata()
        } else if follow {
            dir.metadata(rel)
        } else {
            dir.symlink_metadata(rel)
        };
        match md {
            Ok(md) => {
                if excl {
                    return Err(Errno::EXIST);
                }
                if md.is_symlink() {
                    return Err(Errno::LOOP);
                }
                if md.is_dir() {
                    if (acc != O_RDONLY && flags & O_PATH == 0) || flags & (O_TRUNC | O_CREAT) != 0
                    {
                        return Err(Errno::ISDIR);
                    }
                    let d = if rel.as_os_str() == "." {
                        dir.try_clone()?
                    } else {
                        dir.open_dir(rel)?
                    };
                    return Ok(Node::Dir {
                        dir: Some(d),
                        listing: None,
                    });
                }
                if dir_wanted {
                    return Err(Errno::NOTDIR);
                }
                let mut o = OpenOptions::new();
                o.read(acc != O_WRONLY || flags & O_PATH != 0)
                    .write(acc != O_RDONLY && flags & O_PATH == 0);
                if md.file_type().is_fifo() {
                    return self.open_fifo(dir, rel, &mut o, flags);
                }
                Ok(Node::File(dir.open_with(rel, &o)?))
            }
            Err(e) => {
                let e = Errno::from(e);
                if e == Errno::NOENT && self.is_mount_ancestor(&t.abs) {
                    return self.open_virtual(flags);
                }
                if e != Errno::NOENT || !creat {
                    return Err(e);
                }
                if dir_wanted {
                    return Err(Errno::ISDIR);
                }
                // The access mode is enforced by this layer, so a file
                // created O_RDONLY can be opened for writing here, as the
                // kernel does for a new file whatever its mode.
                let mut o = OpenOptions::new();
                o.read(true)
                    .write(true)
                    .create_new(true)
                    .mode(mode & 0o7777);
                Ok(Node::File(dir.open_with(rel, &o)?))
            }
        }
    }

    /// Opens a FIFO as POSIX says, waiting no longer than the deadline:
    /// with O_NONBLOCK at once (ENXIO for writing with no reader); else
    /// for writing once a reader is there, for reading once a writer is.
    /// The descriptor dlrun keeps is non-blocking, so that every later
    /// wait is the VFS's own.
    fn open_fifo(&self, dir: &Dir, rel: &Path, o: &mut OpenOptions, flags: u32) -> Result<Node> {
        if flags & (O_NONBLOCK | O_PATH) == 0 && flags & O_ACCMODE == O_RDONLY {
            return self.open_fifo_reader(dir, rel, o);
        }
        o.custom_flags(libc::O_NONBLOCK);
        loop {
            match dir.open_with(rel, o) {
                Ok(f) => return Ok(Node::Fifo(f)),
                Err(e) if e.raw_os_error() == Some(libc::ENXIO) && flags & O_NONBLOCK == 0 => {
                    self.pause(Duration::from_millis(10))?
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// A blocking open of a FIFO for reading: nothing can be polled for a
    /// writer's arrival, so the open waits on a thread of its own; when
    /// the deadline comes first, dlrun opens the FIFO for writing itself
    /// to release that thread.
    fn open_fifo_reader(&self, dir: &Dir, rel: &Path, o: &OpenOptions) -> Result<Node> {
        let (d, r, opts) = (dir.try_clone()?, rel.to_path_buf(), o.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(d.open_with(&r, &opts));
        });
        let opened = match self.deadline {
            None => rx.recv().map_err(|_| Errno::INTR)?,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                match rx.recv_timeout(left) {
                    Ok(opened) => opened,
                    Err(_) => {
                        let mut w = OpenOptions::new();
                        w.write(true).custom_flags(libc::O_NONBLOCK);
                        drop(dir.open_with(rel, &w));
                        return Err(Errno::DEADLINE);
                    }
                }
            }
        };
        let f = opened?;
        let fd = f.as_raw_fd();
        // SAFETY: plain fcntl calls on a descriptor this function owns.
        unsafe {
            let fl = libc::fcntl(fd, libc::F_GETFL);
            if fl < 0 || libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0 {
                return Err(io::Error::last_os_error().into());
            }
        }
        Ok(Node::Fifo(f))
    }

    fn open_virtual(&self, flags: u32) -> Result<Node> {
        if flags & O_CREAT != 0 && flags & O_EXCL != 0 {
            return Err(Errno::EXIST);
        }
        if flags & O_ACCMODE != O_RDONLY || flags & (O_TRUNC | O_CREAT) != 0 {
            return Err(Errno::ISDIR);
        }
        Ok(Node::Dir {
            dir: None,
            listing: None,
        })
    }

    /// close.
    pub fn close(&mut self, fd: i32) -> Result<()> {
        let i = usize::try_from(fd).map_err(|_| Errno::BADF)?;
        match self.fds.get_mut(i) {
            Some(s @ Some(_)) => {
                *s = None;
                Ok(())
            }
            _ => Err(Errno::BADF),
        }
    }

    /// dup: the lowest free descriptor, sharing the open file.
    pub fn dup(&mut self, fd: i32) -> Result<i32> {
        self.dup_min(fd, 0, false)
    }

    /// F_DUPFD / F_DUPFD_CLOEXEC: the lowest free descriptor `>= min`.
    pub fn dup_min(&mut self, fd: i32, min: i32, cloexec: bool) -> Result<i32> {
        let file = self.file(fd)?;
        let min = usize::try_from(min).map_err(|_| Errno::INVAL)?;
        if min >= MAX_FDS {
            return Err(Errno::INVAL);
        }
        self.install(file, min, cloexec)
    }

    /// dup2/dup3: `new` becomes a copy of `old`, closing what it was.
    /// `flags` may only hold O_CLOEXEC; `old == new` is EINVAL (dup3).
    pub fn dup3(&mut self, old: i32, new: i32, flags: u32) -> Result<i32> {
        let file = self.file(old)?;
        if flags & !O_CLOEXEC != 0 || old == new {
            return Err(Errno::INVAL);
        }
        let n = usize::try_from(new).map_err(|_| Errno::BADF)?;
        if n >= MAX_FDS {
            return Err(Errno::BADF);
        }
        if self.fds.len() <= n {
            self.fds.resize_with(n + 1, || None);
        }
        self.fds[n] = Some(Slot {
            file,
            cloexec: flags & O_CLOEXEC != 0,
            preopen: None,
        });
        Ok(new)
    }

    /// WASI's fd_renumber: `to` becomes what `from` was (its open file,
    /// flags and preopen tag) and `from` is closed. Both must be open.
    pub fn renumber(&mut self, from: i32, to: i32) -> Result<()> {
        self.file(from)?;
        self.file(to)?;
        if from != to {
            let slot = self.fds[from as usize].take();
            self.fds[to as usize] = slot;
        }
        Ok(())
    }

    /// Opens the root of every mount as a descriptor, in `--dir` order at
    /// the lowest free numbers (3, 4, ... in a fresh table), tagged with
    /// its guest path: the WASI preopens, which wasi-libc resolves its
    /// paths against. When no mount is `/`, one more grants the virtual
    /// `/`, so that a WASI program sees the tree an Emscripten one does
    /// (`/` and the parents of mount points exist, list the mount points,
    /// and paths outside the mounts are ENOENT rather than unknown to
    /// libc). Only WASI programs get these: an Emscripten program's first
    /// descriptor stays 3.
    pub fn open_preopens(&mut self) -> Result<()> {
        let mut grants: Vec<(String, Option<Dir>)> = Vec::new();
        for m in &self.mounts {
            grants.push((m.guest.clone(), Some(m.dir.try_clone()?)));
        }
        if !self.mounts.iter().any(|m| m.guest == "/") {
            grants.push(("/".to_string(), None));
        }
        for (guest, dir) in grants {
            let node = Node::Dir { dir, listing: None };
            let fd = self.install(Vfs::new_file(node, O_RDONLY, guest.clone()), 0, false)?;
            self.slot_mut(fd)?.preopen = Some(guest);
        }
        Ok(())
    }

    /// The guest path preopen `fd` grants; EBADF when `fd` is not open or
    /// not a preopen (which is how WASI programs find the last one).
    pub fn preopen(&self, fd: i32) -> Result<&str> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get(i))
            .and_then(|s| s.as_ref())
            .and_then(|s| s.preopen.as_deref())
            .ok_or(Errno::BADF)
    }

    /// F_GETFD: FD_CLOEXEC (1) or 0.
    pub fn fd_flags(&self, fd: i32) -> Result<u32> {
        let i = usize::try_from(fd).map_err(|_| Errno::BADF)?;
        match self.fds.get(i) {
            Some(Some(s)) => Ok(u32::from(s.cloexec)),
            _ => Err(Errno::BADF),
        }
    }

    /// F_SETFD.
    pub fn set_fd_flags(&mut self, fd: i32, flags: u32) -> Result<()> {
        self.slot_mut(fd)?.cloexec = flags & 1 != 0;
        Ok(())
    }

    /// F_GETFL: access mode and status flags.
    pub fn status_flags(&self, fd: i32) -> Result<u32> {
        Ok(lock(&*self.file(fd)?).flags)
    }

    /// F_SETFL: changes O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME.
    pub fn set_status_flags(&self, fd: i32, flags: u32) -> Result<()> {
        let f = self.file(fd)?;
        let mut of = lock(&f);
        of.flags = (of.flags & !SETFL_MASK) | (flags & SETFL_MASK);
        Ok(())
    }

    /// Whether `fd` is one of the program's terminals (the stdio it started
    /// with, wherever it has been dup'ed to); ENOTTY otherwise.
    pub fn isatty(&self, fd: i32) -> Result<()> {
        match lock(&*self.file(fd)?).node {
            Node::Stdio(_) => Ok(()),
            _ => Err(Errno::NOTTY),
        }
    }

    /// The kind of file `fd` is.
    pub fn kind(&self, fd: i32) -> Result<FileKind> {
        let f = self.file(fd)?;
        let of = lock(&f);
        Ok(match &of.node {
            Node::Stdio(_) => FileKind::CharDevice,
            Node::Dir { .. } => FileKind::Directory,
            Node::Pipe(_) | Node::Fifo(_) => FileKind::Fifo,
            Node::File(file) => FileKind::of(file.metadata()?.file_type()),
        })
    }

    /// Whether `fd` is a directory.
    pub fn is_dir(&self, fd: i32) -> Result<bool> {
        Ok(matches!(lock(&*self.file(fd)?).node, Node::Dir { .. }))
    }

    /// FIONREAD: bytes that can be read without blocking.
    pub fn readable_bytes(&self, fd: i32) -> Result<u64> {
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::Stdio(_) => Ok(0),
            Node::File(file) => Ok(file.metadata()?.len().saturating_sub(of.pos)),
            Node::Pipe(p) if !p.write => Ok(lock(&p.pipe).buf.len() as u64),
            Node::Fifo(f) => {
                let mut n: libc::c_int = 0;
                // SAFETY: FIONREAD writes one int through the pointer.
                if unsafe { libc::ioctl(f.as_raw_fd(), libc::FIONREAD, &mut n) } < 0 {
                    return Err(io::Error::last_os_error().into());
                }
                Ok(n.max(0) as u64)
            }
            _ => Err(Errno::NOTTY),
        }
    }

    /// pipe: (read end, write end).
    pub fn pipe(&mut self) -> Result<(i32, i32)> {
        let pipe = Arc::new(Mutex::new(Pipe {
            ino: self.next_pipe,
            ..Pipe::default()
        }));
        self.next_pipe += 1;
        let r = Vfs::new_file(
            Node::Pipe(PipeEnd::new(&pipe, false)),
            O_RDONLY,
            "pipe:".into(),
        );
        let w = Vfs::new_file(
            Node::Pipe(PipeEnd::new(&pipe, true)),
            O_WRONLY,
            "pipe:".into(),
        );
        let rfd = self.install(r, 0, false)?;
        match self.install(w, 0, false) {
            Ok(wfd) => Ok((rfd, wfd)),
            Err(e) => {
                let _ = self.close(rfd);
                Err(e)
            }
        }
    }

    /// Readiness of `fd` for poll/select: regular files, directories and
    /// the terminal are always ready; pipes by their contents. None for a
    /// descriptor that is not open.
    pub fn poll(&self, fd: i32) -> Option<Ready> {
        let f = self.file(fd).ok()?;
        let of = lock(&f);
        Some(match &of.node {
            Node::Pipe(end) => {
                let p = lock(&end.pipe);
                if end.write {
                    Ready {
                        write: p.readers > 0,
                        hangup: p.readers == 0,
                        ..Ready::default()
                    }
                } else {
                    Ready {
                        read: !p.buf.is_empty() || p.writers == 0,
                        hangup: p.writers == 0,
                        ..Ready::default()
                    }
                }
            }
            Node::Fifo(f) => {
                let mut pfd = libc::pollfd {
                    fd: f.as_raw_fd(),
                    events: libc::POLLIN | libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one valid pollfd; a zero timeout does not wait.
                unsafe { libc::poll(&mut pfd, 1, 0) };
                Ready {
                    read: pfd.revents & (libc::POLLIN | libc::POLLHUP) != 0,
                    write: pfd.revents & libc::POLLOUT != 0,
                    hangup: pfd.revents & libc::POLLHUP != 0,
                }
            }
            _ => Ready {
                read: true,
                write: true,
                hangup: false,
            },
        })
    }

    // ---- data ------------------------------------------------------------

    /// read: from the file offset, advancing it.
    pub fn read(&self, fd: i32, buf: &mut [u8]) -> Result<usize> {
        let f = self.file(fd)?;
        let mut of = lock(&f);
        if !of.readable() {
            return Err(Errno::BADF);
        }
        let pos = of.pos;
        let n = match &of.node {
            Node::Stdio(Stdio::In) => {
                self.wait_for_stdin()?;
                std::io::stdin().lock().read(buf)?
            }
            Node::Stdio(_) => return Err(Errno::BADF),
            Node::Dir { .. } => return Err(Errno::ISDIR),
            Node::File(file) => {
                let n = file.read_at(buf, pos)?;
                of.pos = pos + n as u64;
                n
            }
            Node::Fifo(file) => {
                let blocking = of.flags & O_NONBLOCK == 0;
                loop {
                    // With no writer a non-blocking read says end of file at
                    // once; a blocking one waits for data or a writer's end.
                    if blocking && !buf.is_empty() {
                        self.wait_ready(file.as_raw_fd(), libc::POLLIN)?;
                    }
                    match (&*file).read(buf) {
                        Err(e) if blocking && e.kind() == io::ErrorKind::WouldBlock => {}
                        r => break r?,
                    }
                }
            }
            Node::Pipe(end) => {
                let mut p = lock(&end.pipe);
                if buf.is_empty() {
                    return Ok(0);
                }
                if p.buf.is_empty() {
                    // Nothing could ever arrive while this single thread
                    // waits: report EAGAIN rather than hang, as Emscripten.
                    return if p.writers == 0 {
                        Ok(0)
                    } else {
                        Err(Errno::AGAIN)
                    };
                }
                let n = buf.len().min(p.buf.len());
                for (d, s) in buf.iter_mut().zip(p.buf.drain(..n)) {
                    *d = s;
                }
                n
            }
        };
        Ok(n)
    }

    /// pread: at `offset`, leaving the file offset alone.
    pub fn pread(&self, fd: i32, buf: &mut [u8], offset: u64) -> Result<usize> {
        let f = self.file(fd)?;
        let of = lock(&f);
        if !of.readable() {
            return Err(Errno::BADF);
        }
        match &of.node {
            Node::File(file) => Ok(file.read_at(buf, offset)?),
            Node::Dir { .. } => Err(Errno::ISDIR),
            _ => Err(Errno::SPIPE),
        }
    }

    /// write: at the file offset (the end with O_APPEND), advancing it.
    pub fn write(&self, fd: i32, buf: &[u8]) -> Result<usize> {
        let f = self.file(fd)?;
        let mut of = lock(&f);
        if !of.writable() {
            return Err(Errno::BADF);
        }
        let append = of.flags & O_APPEND != 0;
        match &of.node {
            Node::Stdio(Stdio::Out) => {
                self.write_stdio(1, buf, &mut std::io::stdout().lock())?;
                Ok(buf.len())
            }
            Node::Stdio(Stdio::Err) => {
                self.write_stdio(2, buf, &mut std::io::stderr().lock())?;
                Ok(buf.len())
            }
            Node::Stdio(Stdio::In) => Err(Errno::BADF),
            Node::Dir { .. } => Err(Errno::ISDIR),
            Node::File(file) => {
                let pos = if append {
                    file.metadata()?.len()
                } else {
                    of.pos
                };
                let end = pos.checked_add(buf.len() as u64).ok_or(Errno::FBIG)?;
                file.write_all_at(buf, pos)?;
                of.pos = end;
                Ok(buf.len())
            }
            Node::Fifo(file) => {
                let blocking = of.flags & O_NONBLOCK == 0;
                let mut done = 0;
                while done < buf.len() {
                    match (&*file).write(&buf[done..]) {
                        Ok(n) => done += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock && blocking => {
                            self.wait_ready(file.as_raw_fd(), libc::POLLOUT)?
                        }
                        Err(e) if done > 0 && e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(done)
            }
            Node::Pipe(end) => {
                let mut p = lock(&end.pipe);
                if p.readers == 0 {
                    return Err(Errno::PIPE);
                }
                // A full pipe would block forever in a single thread: write
                // what fits, EAGAIN when nothing does.
                let room = PIPE_CAPACITY.saturating_sub(p.buf.len());
                if room == 0 && !buf.is_empty() {
                    return Err(Errno::AGAIN);
                }
                let n = buf.len().min(room);
                p.buf.extend(&buf[..n]);
                Ok(n)
            }
        }
    }

    /// Writes to host descriptor `fd` (stdout or stderr) through `out`.
    /// With a deadline, a pipe nobody reads must not hold the program
    /// past it: each piece is at most PIPE_BUF bytes, which a pipe that
    /// polls writable takes without blocking.
    fn write_stdio(&self, fd: i32, buf: &[u8], out: &mut impl Write) -> Result<()> {
        const PIPE_BUF: usize = 4096;
        if self.deadline.is_none() {
            return Ok(out.write_all(buf).and_then(|_| out.flush())?);
        }
        for piece in buf.chunks(PIPE_BUF) {
            self.wait_ready(fd, libc::POLLOUT)?;
            out.write_all(piece).and_then(|_| out.flush())?;
        }
        Ok(())
    }

    /// pwrite: at `offset`, leaving the file offset alone.
    pub fn pwrite(&self, fd: i32, buf: &[u8], offset: u64) -> Result<usize> {
        let f = self.file(fd)?;
        let of = lock(&f);
        if !of.writable() {
            return Err(Errno::BADF);
        }
        match &of.node {
            Node::File(file) => {
                offset.checked_add(buf.len() as u64).ok_or(Errno::FBIG)?;
                file.write_all_at(buf, offset)?;
                Ok(buf.len())
            }
            Node::Dir { .. } => Err(Errno::ISDIR),
            _ => Err(Errno::SPIPE),
        }
    }

    /// lseek. For a directory the position is an entry index (SEEK_SET and
    /// SEEK_CUR only); seeking it to 0 rereads the directory.
    pub fn seek(&self, fd: i32, offset: i64, whence: u32) -> Result<u64> {
        let f = self.file(fd)?;
        let mut of = lock(&f);
        let base: i64 = match (&of.node, whence) {
            (Node::Stdio(_) | Node::Pipe(_) | Node::Fifo(_), _) => return Err(Errno::SPIPE),
            (_, SEEK_SET) => 0,
            (_, SEEK_CUR) => of.pos as i64,
            (Node::File(file), SEEK_END) => file.metadata()?.len() as i64,
            _ => return Err(Errno::INVAL),
        };
        let pos = base.checked_add(offset).ok_or(Errno::OVERFLOW)?;
        if pos < 0 {
            return Err(Errno::INVAL);
        }
        of.pos = pos as u64;
        if let Node::Dir { listing, .. } = &mut of.node
            && pos == 0
        {
            *listing = None;
        }
        Ok(pos as u64)
    }

    /// fstat.
    pub fn fstat(&self, fd: i32) -> Result<Stat> {
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::Stdio(s) => Ok(Stat::tty(*s)),
            Node::File(file) | Node::Fifo(file) => Ok(Stat::of(&file.metadata()?)),
            Node::Dir { dir: Some(d), .. } => Ok(Stat::of(&d.dir_metadata()?)),
            Node::Dir { dir: None, .. } => Ok(Stat::virtual_dir(&of.path)),
            Node::Pipe(end) => Ok(Stat {
                ino: lock(&end.pipe).ino,
                mode: S_IFIFO | 0o600,
                nlink: 1,
                blksize: 4096,
                ..Stat::default()
            }),
        }
    }

    /// ftruncate: the descriptor must be open for writing.
    pub fn ftruncate(&self, fd: i32, len: i64) -> Result<()> {
        let len = u64::try_from(len).map_err(|_| Errno::INVAL)?;
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::File(file) if of.writable() => Ok(file.set_len(len)?),
            Node::Dir { .. } => Err(Errno::ISDIR),
            _ => Err(Errno::INVAL),
        }
    }

    /// truncate.
    pub fn truncate(&self, dirfd: i32, path: &str, len: i64) -> Result<()> {
        let len = u64::try_from(len).map_err(|_| Errno::INVAL)?;
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Real { m, rel } if rel.as_os_str() != "." => {
                let at = self.at(*m, rel, true)?;
                if at.dir.metadata(&at.name)?.is_dir() {
                    return Err(Errno::ISDIR);
                }
                let file = at.dir.open_with(&at.name, OpenOptions::new().write(true))?;
                self.check_opened(&Node::File(file.try_clone()?))?;
                Ok(file.set_len(len)?)
            }
            Loc::Absent { .. } => Err(Errno::NOENT),
            _ => Err(Errno::ISDIR),
        }
    }

    /// posix_fallocate: grows the file to cover `offset + len`.
    pub fn fallocate(&self, fd: i32, offset: i64, len: i64) -> Result<()> {
        let f = self.file(fd)?;
        let of = lock(&f);
        if offset < 0 || len <= 0 {
            return Err(Errno::INVAL);
        }
        let end = offset.checked_add(len).ok_or(Errno::FBIG)? as u64;
        match &of.node {
            Node::File(file) if of.writable() => {
                if file.metadata()?.len() < end {
                    file.set_len(end)?;
                }
                Ok(())
            }
            Node::File(_) => Err(Errno::BADF),
            Node::Pipe(_) | Node::Fifo(_) => Err(Errno::SPIPE),
            _ => Err(Errno::NODEV),
        }
    }

    /// fsync / fdatasync.
    pub fn fsync(&self, fd: i32, data_only: bool) -> Result<()> {
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::File(file) if data_only => Ok(file.sync_data()?),
            Node::File(file) => Ok(file.sync_all()?),
            Node::Pipe(_) | Node::Fifo(_) => Err(Errno::INVAL),
            _ => Ok(()),
        }
    }

    // ---- directories -----------------------------------------------------

    /// Up to `max` entries of directory `fd` from its position, which
    /// advances past them. The listing is taken on the first call (or after
    /// seeking to 0): `.` and `..`, then the entries sorted by name, with
    /// the mount points inside the directory.
    pub fn getdents(&self, fd: i32, max: usize) -> Result<Vec<DirEntry>> {
        let f = self.file(fd)?;
        let mut of = lock(&f);
        let path = of.path.clone();
        let pos = of.pos;
        let Node::Dir { dir, listing } = &mut of.node else {
            return Err(Errno::NOTDIR);
        };
        if listing.is_none() {
            *listing = Some(self.list(&path, dir.as_ref())?);
        }
        let all = listing.as_ref().map(|l| l.as_slice()).unwrap_or(&[]);
        let start = (pos as usize).min(all.len());
        let out: Vec<DirEntry> = all[start..].iter().take(max).cloned().collect();
        of.pos = (start + out.len()) as u64;
        Ok(out)
    }

    fn list(&self, path: &str, dir: Option<&Dir>) -> Result<Vec<DirEntry>> {
        let mut items: Vec<(String, u64, FileKind)> = Vec::new();
        if let Some(d) = dir {
            for e in d.entries()? {
                let e = e?;
                let kind = e.file_type().map(FileKind::of).unwrap_or(FileKind::Unknown);
                items.push((e.file_name().to_string_lossy().into_owned(), e.ino(), kind));
            }
        }
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        for m in &self.mounts {
            if let Some(rest) = m.guest.strip_prefix(&prefix) {
                if rest.is_empty() {
                    continue;
                }
                let name = rest.split('/').next().unwrap_or(rest).to_string();
                if items.iter().any(|(n, _, _)| *n == name) {
                    continue;
                }
                let child = format!("{prefix}{name}");
                let ino = self
                    .stat_abs(&child, &self.locate(&child), true)
                    .map(|s| s.ino)
                    .unwrap_or(0);
                items.push((name, ino, FileKind::Directory));
            }
        }
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let me = match dir {
            Some(d) => d.dir_metadata().map(|m| m.ino()).unwrap_or(0),
            None => path_ino(path),
        };
        let up = parent(path);
        let up_ino = self
            .stat_abs(up, &self.locate(up), true)
            .map(|s| s.ino)
            .unwrap_or(0);
        let mut out = vec![
            (".".to_string(), me, FileKind::Directory),
            ("..".to_string(), up_ino, FileKind::Directory),
        ];
        out.extend(items);
        Ok(out
            .into_iter()
            .enumerate()
            .map(|(i, (name, ino, kind))| DirEntry {
                name,
                ino,
                kind,
                next: i as u64 + 1,
            })
            .collect())
    }

    /// mkdir/mkdirat.
    pub fn mkdir(&self, dirfd: i32, path: &str, mode: u32) -> Result<()> {
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Virtual => Err(Errno::EXIST),
            Loc::Absent { in_virtual: true } => Err(Errno::ACCES),
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => Err(Errno::EXIST),
            Loc::Real { m, rel } => {
                let mut b = DirBuilder::new();
                b.mode(mode & 0o7777);
                let at = self.at(*m, rel, false)?;
                Ok(at.dir.create_dir_with(&at.name, &b)?)
            }
        }
    }

    /// unlink, or rmdir with AT_REMOVEDIR.
    pub fn unlink(&self, dirfd: i32, path: &str, flags: u32) -> Result<()> {
        if flags & !AT_REMOVEDIR != 0 {
            return Err(Errno::INVAL);
        }
        let rmdir = flags & AT_REMOVEDIR != 0;
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Virtual if rmdir => Err(Errno::BUSY),
            Loc::Virtual => Err(Errno::ISDIR),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => {
                Err(if rmdir { Errno::BUSY } else { Errno::ISDIR })
            }
            Loc::Real { m, rel } => {
                let at = self.at(*m, rel, false)?;
                self.check_removal(&at)?;
                let (dir, rel) = (&at.dir, &at.name);
                if rmdir {
                    Ok(dir.remove_dir(rel)?)
                } else {
                    if t.dir_only {
                        let md = dir.symlink_metadata(rel)?;
                        return Err(if md.is_dir() {
                            Errno::ISDIR
                        } else {
                            Errno::NOTDIR
                        });
                    }
                    Ok(dir.remove_file(rel)?)
                }
            }
        }
    }

    /// Both ends of a rename or link: same mount, real, not a mount root.
    fn two_paths(
        &self,
        olddirfd: i32,
        old: &str,
        newdirfd: i32,
        new: &str,
    ) -> Result<(usize, PathBuf, PathBuf)> {
        let a = self.target(olddirfd, old, false)?;
        let b = self.target(newdirfd, new, false)?;
        let (ma, ra) = match a.loc {
            Loc::Absent { .. } => return Err(Errno::NOENT),
            Loc::Virtual => return Err(Errno::BUSY),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => return Err(Errno::BUSY),
            Loc::Real { m, rel } => (m, rel),
        };
        let (mb, rb) = match b.loc {
            Loc::Absent { in_virtual: true } => return Err(Errno::ACCES),
            Loc::Absent { .. } => return Err(Errno::NOENT),
            Loc::Virtual => return Err(Errno::BUSY),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => return Err(Errno::BUSY),
            Loc::Real { m, rel } => (m, rel),
        };
        if ma != mb {
            return Err(Errno::XDEV);
        }
        Ok((ma, ra, rb))
    }

    /// rename/renameat: EXDEV between mounts.
    pub fn rename(&self, olddirfd: i32, old: &str, newdirfd: i32, new: &str) -> Result<()> {
        let (m, a, b) = self.two_paths(olddirfd, old, newdirfd, new)?;
        let (a, b) = (self.at(m, &a, false)?, self.at(m, &b, false)?);
        self.check_removal(&a)?;
        self.check_removal(&b)?;
        Ok(a.dir.rename(&a.name, &b.dir, &b.name)?)
    }

    /// link/linkat (hard links): EXDEV between mounts.
    pub fn link(&self, olddirfd: i32, old: &str, newdirfd: i32, new: &str) -> Result<()> {
        let (m, a, b) = self.two_paths(olddirfd, old, newdirfd, new)?;
        let (a, b) = (self.at(m, &a, false)?, self.at(m, &b, false)?);
        self.check_target(&a)?;
        Ok(a.dir.hard_link(&a.name, &b.dir, &b.name)?)
    }

    /// symlink/symlinkat. The target must be relative and, resolved from
    /// the link's directory as the kernel would resolve it today, stay
    /// inside the mount (EPERM otherwise).
    pub fn symlink(&self, target: &str, dirfd: i32, linkpath: &str) -> Result<()> {
        if target.is_empty() {
            return Err(Errno::NOENT);
        }
        if target.len() >= PATH_MAX {
            return Err(Errno::NAMETOOLONG);
        }
        let t = self.target(dirfd, linkpath, false)?;
        let (m, rel) = match &t.loc {
            Loc::Virtual => return Err(Errno::EXIST),
            Loc::Absent { in_virtual: true } => return Err(Errno::ACCES),
            Loc::Absent { .. } => return Err(Errno::NOENT),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => return Err(Errno::EXIST),
            Loc::Real { m, rel } => (*m, rel),
        };
        if target.starts_with('/') {
            return Err(Errno::PERM);
        }
        let dir = &self.mounts[m].dir;
        let from = rel.parent().map(Path::to_path_buf).unwrap_or_default();
        if leaves(dir, &from, target)? {
            return Err(Errno::PERM);
        }
        let at = self.at(m, rel, false)?;
        Ok(at.dir.symlink(target, &at.name)?)
    }

    /// readlink/readlinkat: the link's contents.
    pub fn readlink(&self, dirfd: i32, path: &str) -> Result<String> {
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Virtual => Err(Errno::INVAL),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => Err(Errno::INVAL),
            Loc::Real { m, rel } => {
                let at = self.at(*m, rel, false)?;
                Ok(at.dir.read_link(&at.name)?.to_string_lossy().into_owned())
            }
        }
    }

    /// access/faccessat: F_OK, or R_OK/W_OK/X_OK checked against the mode
    /// bits for the host user dlrun runs as (root passes R and W).
    pub fn access(&self, dirfd: i32, path: &str, amode: u32, flags: u32) -> Result<()> {
        if amode & !(R_OK | W_OK | X_OK) != 0 {
            return Err(Errno::INVAL);
        }
        if flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW) != 0 {
            return Err(Errno::INVAL);
        }
        let t = self.target(dirfd, path, false)?;
        let st = self.stat_abs(&t.abs, &t.loc, flags & AT_SYMLINK_NOFOLLOW == 0)?;
        if t.dir_only && st.kind() != FileKind::Directory {
            return Err(Errno::NOTDIR);
        }
        if amode == F_OK {
            return Ok(());
        }
        if matches!(t.loc, Loc::Virtual) || st.dev == 0 && st.ino == path_ino(&t.abs) {
            return if amode & W_OK != 0 {
                Err(Errno::ACCES)
            } else {
                Ok(())
            };
        }
        if permitted(&st, amode) {
            Ok(())
        } else {
            Err(Errno::ACCES)
        }
    }

    /// chmod/fchmodat (AT_SYMLINK_NOFOLLOW is ENOTSUP, as on Linux).
    pub fn chmod(&self, dirfd: i32, path: &str, mode: u32, flags: u32) -> Result<()> {
        if flags & AT_SYMLINK_NOFOLLOW != 0 {
            return Err(Errno::NOTSUP);
        }
        if flags != 0 {
            return Err(Errno::INVAL);
        }
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Virtual => Err(Errno::PERM),
            Loc::Real { m, rel } => {
                let at = self.at(*m, rel, true)?;
                self.check_target(&at)?;
                let perm = Permissions::from_mode(mode & 0o7777);
                Ok(at.dir.set_permissions(&at.name, perm)?)
            }
        }
    }

    /// fchmod.
    pub fn fchmod(&self, fd: i32, mode: u32) -> Result<()> {
        use std::os::unix::fs::PermissionsExt as _;
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::File(file) | Node::Fifo(file) => {
                Ok(file.set_permissions(Permissions::from_mode(mode & 0o7777))?)
            }
            Node::Dir { dir: Some(d), .. } => Ok(d
                .try_clone()?
                .into_std_file()
                .set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))?),
            Node::Dir { dir: None, .. } => Err(Errno::PERM),
            _ => Ok(()),
        }
    }

    /// chown and friends only check that the path exists: the program runs
    /// as one user, and ownership is left as the host has it.
    pub fn chown(&self, dirfd: i32, path: &str, flags: u32) -> Result<()> {
        self.stat(dirfd, path, flags).map(|_| ())
    }

    /// utimensat; `path` None sets the times of `dirfd` itself (futimens).
    pub fn utimens(
        &self,
        dirfd: i32,
        path: Option<&str>,
        atime: TimeSet,
        mtime: TimeSet,
        flags: u32,
    ) -> Result<()> {
        if flags & !AT_SYMLINK_NOFOLLOW != 0 {
            return Err(Errno::INVAL);
        }
        let Some(path) = path else {
            let f = self.file(dirfd)?;
            let of = lock(&f);
            let std_file = match &of.node {
                Node::File(file) | Node::Fifo(file) => file.try_clone()?.into_std(),
                Node::Dir { dir: Some(d), .. } => d.try_clone()?.into_std_file(),
                Node::Dir { dir: None, .. } => return Err(Errno::PERM),
                _ => return Ok(()),
            };
            let mut times = std::fs::FileTimes::new();
            if let Some(a) = atime.system_time()? {
                times = times.set_accessed(a);
            }
            if let Some(m) = mtime.system_time()? {
                times = times.set_modified(m);
            }
            return Ok(std_file.set_times(times)?);
        };
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Virtual => Err(Errno::PERM),
            Loc::Real { m, rel } => {
                let at = self.at(*m, rel, flags & AT_SYMLINK_NOFOLLOW == 0)?;
                let opened;
                let start = match &at.dir {
                    DirRef::Mount(_) => &self.mounts[*m].std,
                    DirRef::Opened(d) => {
                        opened = d.try_clone()?.into_std_file();
                        &opened
                    }
                };
                let (a, mt) = (atime.spec()?, mtime.spec()?);
                if flags & AT_SYMLINK_NOFOLLOW != 0 {
                    cap_primitives::fs::set_times_nofollow(start, &at.name, a, mt)?;
                } else {
                    cap_primitives::fs::set_times(start, &at.name, a, mt)?;
                }
                Ok(())
            }
        }
    }

    // ---- memory mappings -------------------------------------------------

    /// Reads what `mmap(len, fd, offset)` maps: the file's bytes (short at
    /// its end) and a [`Mapping`] to write them back through. As in
    /// Emscripten: only regular files (ENODEV), not write-only descriptors
    /// (EACCES), and MAP_SHARED + PROT_WRITE needs O_RDWR (EACCES).
    pub fn map(
        &self,
        fd: i32,
        offset: u64,
        len: u64,
        prot_write: bool,
        shared: bool,
    ) -> Result<(Mapping, Vec<u8>)> {
        let f = self.file(fd)?;
        let of = lock(&f);
        let Node::File(file) = &of.node else {
            return Err(Errno::NODEV);
        };
        if of.flags & O_ACCMODE == O_WRONLY || of.flags & O_PATH != 0 {
            return Err(Errno::ACCES);
        }
        if prot_write && shared && of.flags & O_ACCMODE != O_RDWR {
            return Err(Errno::ACCES);
        }
        if len == 0 || len > u64::from(u32::MAX) {
            return Err(Errno::INVAL);
        }
        let size = file.metadata()?.len();
        let avail = size.saturating_sub(offset).min(len) as usize;
        let mut bytes = vec![0u8; avail];
        let mut got = 0;
        while got < avail {
            let n = file.read_at(&mut bytes[got..], offset + got as u64)?;
            if n == 0 {
                break;
            }
            got += n;
        }
        bytes.truncate(got);
        let mapping = Mapping {
            file: file.try_clone()?,
            offset,
            len,
            shared_write: shared && prot_write,
        };
        Ok((mapping, bytes))
    }

    /// Remembers a mapping placed at guest address `addr`.
    pub fn add_mapping(&mut self, addr: u64, m: Mapping) {
        self.maps.insert(addr, m);
    }

    /// The mapping at `addr`.
    pub fn mapping(&self, addr: u64) -> Option<&Mapping> {
        self.maps.get(&addr)
    }

    /// Forgets the mapping at `addr`.
    pub fn remove_mapping(&mut self, addr: u64) -> Option<Mapping> {
        self.maps.remove(&addr)
    }

    /// Addresses of the mappings whose changes reach their files.
    pub fn shared_mappings(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .maps
            .iter()
            .filter(|(_, m)| m.shared_write)
            .map(|(a, _)| *a)
            .collect();
        v.sort_unstable();
        v
    }
}

/// Most symlinks followed while resolving one path (Linux's MAXSYMLINKS).
const MAX_SYMLINKS: usize = 40;

/// Whether `target`, read from directory `from` of `dir`, leads out of
/// `dir` when resolved: symlinks met on the way are followed (relative ones
/// from where they sit), components that do not exist are taken as
/// written. A lexical check is not enough: with `dot -> .`, the target
/// `dot/..` names the mount's parent.
fn leaves(dir: &Dir, from: &Path, target: &str) -> Result<bool> {
    let mut todo: VecDeque<String> = from
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .chain(target.split('/').map(str::to_string))
        .collect();
    let mut at: Vec<String> = Vec::new();
    let mut hops = 0;
    while let Some(c) = todo.pop_front() {
        match c.as_str() {
            "" | "." => {}
            ".." => {
                if at.pop().is_none() {
                    return Ok(true);
                }
            }
            _ => {
                at.push(c);
                let here: PathBuf = at.iter().collect();
                let Ok(md) = dir.symlink_metadata(&here) else {
                    continue;
                };
                if !md.is_symlink() {
                    continue;
                }
                hops += 1;
                if hops > MAX_SYMLINKS {
                    return Err(Errno::LOOP);
                }
                let Ok(link) = dir.read_link(&here) else {
                    return Ok(true);
                };
                let link = link.to_string_lossy().into_owned();
                if link.starts_with('/') {
                    return Ok(true);
                }
                at.pop();
                for part in link.split('/').rev() {
                    todo.push_front(part.to_string());
                }
            }
        }
    }
    Ok(false)
}

/// Whether the host user may access a file with `st` for `amode`.
fn permitted(st: &Stat, amode: u32) -> bool {
    // SAFETY: these calls only read the process's credentials.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if uid == 0 {
        // Root may read and write anything, and execute what anyone may.
        return amode & X_OK == 0 || st.mode & 0o111 != 0 || st.kind() == FileKind::Directory;
    }
    let bits = if st.uid == uid {
        (st.mode >> 6) & 7
    } else if st.gid == gid || in_groups(st.gid) {
        (st.mode >> 3) & 7
    } else {
        st.mode & 7
    };
    amode & !bits == 0
}

fn in_groups(gid: u32) -> bool {
    let mut groups = [0 as libc::gid_t; 256];
    // SAFETY: `groups` has room for the 256 entries we say it has.
    let n = unsafe { libc::getgroups(groups.len() as i32, groups.as_mut_ptr()) };
    n > 0 && groups[..n as usize].contains(&gid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh host directory, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "dlrun-vfs-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }

        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn grant(host: &Path, guest: &str) -> Preopen {
        Preopen {
            host: host.to_path_buf(),
            guest: guest.to_string(),
        }
    }

    fn names(v: &Vfs, fd: i32) -> Vec<String> {
        v.getdents(fd, 1000)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect()
    }

    /// The compiled-module cache inside a grant: whatever the program
    /// tries, the key keeps its bytes and nothing is added.
    #[test]
    fn a_hidden_directory_is_out_of_reach_through_every_name() {
        let t = TempDir::new();
        let cache = t.path().join("cache");
        std::fs::create_dir(&cache).unwrap();
        std::fs::write(cache.join("key"), b"secret").unwrap();
        let mut v = Vfs::new(&[grant(t.path(), "/g")]).unwrap();
        v.hide(&cache, &["key"]);
        let wr = O_WRONLY | O_CREAT | O_TRUNC;
        assert_eq!(v.open(AT_FDCWD, "/g/cache/key", O_RDONLY, 0), Err(Errno::ACCES));
        assert_eq!(v.open(AT_FDCWD, "/g/cache/new", wr, 0o644), Err(Errno::ACCES));
        assert_eq!(v.open(AT_FDCWD, "/g/cache", O_RDONLY | O_DIRECTORY, 0), Err(Errno::ACCES));
        v.symlink("cache/key", AT_FDCWD, "/g/k").unwrap();
        v.symlink("cache", AT_FDCWD, "/g/c").unwrap();
        assert_eq!(v.open(AT_FDCWD, "/g/k", wr, 0o644), Err(Errno::ACCES));
        assert_eq!(v.open(AT_FDCWD, "/g/c/key", O_RDONLY, 0), Err(Errno::ACCES));
        assert_eq!(v.truncate(AT_FDCWD, "/g/k", 0), Err(Errno::ACCES));
        assert_eq!(v.chmod(AT_FDCWD, "/g/k", 0o644, 0), Err(Errno::ACCES));
        assert_eq!(v.link(AT_FDCWD, "/g/c/key", AT_FDCWD, "/g/k2"), Err(Errno::ACCES));
        assert_eq!(v.rename(AT_FDCWD, "/g/cache", AT_FDCWD, "/g/x"), Err(Errno::BUSY));
        assert_eq!(v.rename(AT_FDCWD, "/g/k", AT_FDCWD, "/g/cache/k"), Err(Errno::ACCES));
        assert_eq!(v.unlink(AT_FDCWD, "/g/cache", AT_REMOVEDIR), Err(Errno::BUSY));
        assert_eq!(std::fs::read(cache.join("key")).unwrap(), b"secret");
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
        // Everything else in the grant works as before.
        let fd = v.open(AT_FDCWD, "/g/k", O_RDONLY | O_NOFOLLOW | O_PATH, 0);
        assert!(fd.is_err() || v.close(fd.unwrap()).is_ok());
        v.unlink(AT_FDCWD, "/g/k", 0).unwrap();
        let fd = v.open(AT_FDCWD, "/g/f", wr, 0o644).unwrap();
        v.close(fd).unwrap();
        v.rename(AT_FDCWD, "/g/f", AT_FDCWD, "/g/f2").unwrap();
        v.mkdir(AT_FDCWD, "/g/sub", 0o755).unwrap();
        v.symlink("../f2", AT_FDCWD, "/g/sub/up").unwrap();
        let fd = v.open(AT_FDCWD, "/g/sub/up", O_RDONLY, 0).unwrap();
        v.close(fd).unwrap();
    }

    /// A cache directory not made yet: the program cannot make it first.
    #[test]
    fn a_missing_hidden_directory_cannot_be_made_by_the_program() {
        let t = TempDir::new();
        let mut v = Vfs::new(&[grant(t.path(), "/g")]).unwrap();
        v.hide(&t.path().join("cache"), &["key"]);
        assert_eq!(v.mkdir(AT_FDCWD, "/g/cache", 0o755), Err(Errno::ACCES));
        v.mkdir(AT_FDCWD, "/g/other", 0o755).unwrap();
        assert_eq!(v.rename(AT_FDCWD, "/g/other", AT_FDCWD, "/g/cache"), Err(Errno::ACCES));
        assert_eq!(v.symlink("other", AT_FDCWD, "/g/cache"), Err(Errno::ACCES));
    }

    #[test]
    fn symlink_targets_are_checked_by_resolution() {
        let t = TempDir::new();
        std::fs::create_dir(t.path().join("d")).unwrap();
        let v = Vfs::new(&[grant(t.path(), "/g")]).unwrap();
        v.symlink(".", AT_FDCWD, "/g/dot").unwrap();
        assert_eq!(v.symlink("dot/..", AT_FDCWD, "/g/esc"), Err(Errno::PERM));
        assert_eq!(v.symlink("dot/dot/../x", AT_FDCWD, "/g/esc"), Err(Errno::PERM));
        v.symlink("..", AT_FDCWD, "/g/d/up").unwrap();
        assert_eq!(v.symlink("up/..", AT_FDCWD, "/g/d/esc"), Err(Errno::PERM));
        v.symlink("loop2", AT_FDCWD, "/g/loop1").unwrap();
        v.symlink("loop1", AT_FDCWD, "/g/loop2").unwrap();
        assert_eq!(v.symlink("loop1/x", AT_FDCWD, "/g/l"), Err(Errno::LOOP));
        v.symlink("dot/d/../d", AT_FDCWD, "/g/fine").unwrap();
        v.symlink("missing/../d", AT_FDCWD, "/g/fine2").unwrap();
        assert!(std::fs::symlink_metadata(t.path().join("esc")).is_err());
        assert!(std::fs::symlink_metadata(t.path().join("d/esc")).is_err());
    }

    #[test]
    fn chmod_of_a_grant_root() {
        use std::os::unix::fs::PermissionsExt as _;
        let t = TempDir::new();
        let v = Vfs::new(&[grant(t.path(), "/g")]).unwrap();
        v.chmod(AT_FDCWD, "/g", 0o750, 0).unwrap();
        let mode = std::fs::metadata(t.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o750);
    }

    #[test]
    fn normalization() {
        assert_eq!(normalize("/", ""), "/");
        assert_eq!(normalize("/", "."), "/");
        assert_eq!(normalize("/", ".."), "/");
        assert_eq!(normalize("/", "../../x"), "/x");
        assert_eq!(normalize("/a/b", "c"), "/a/b/c");
        assert_eq!(normalize("/a/b", "../c"), "/a/c");
        assert_eq!(normalize("/a/b", "/c/./d//e/"), "/c/d/e");
        assert_eq!(normalize("/a", "b/../../../.."), "/");
        assert_eq!(normalize("/a", "x/.."), "/a");
    }

    #[test]
    fn preopen_guest_paths() {
        let p = |s| Preopen::parse(s).unwrap();
        assert_eq!(p(".").guest, "/");
        assert_eq!(p("./").guest, "/");
        assert_eq!(p("data").guest, "/data");
        assert_eq!(p("a/../b/").guest, "/b");
        assert_eq!(p("../up").guest, "/up");
        assert_eq!(p("/srv/x").guest, "/srv/x");
        assert_eq!(p("/srv/x::/data").guest, "/data");
        assert_eq!(p("/srv/x::data").guest, "/data");
        assert_eq!(p("/srv/x::/data").host, PathBuf::from("/srv/x"));
        assert!(Preopen::parse("::/x").is_err());
        assert!(Preopen::parse("x::").is_err());
    }

    #[test]
    fn missing_host_dir_is_an_error() {
        let t = TempDir::new();
        let err = Vfs::new(&[grant(&t.path().join("nope"), "/x")])
            .err()
            .unwrap();
        assert!(err.contains("nope"), "{err}");
        let dup = Vfs::new(&[grant(t.path(), "/x"), grant(t.path(), "/x")]);
        assert!(dup.is_err());
    }

    #[test]
    fn longest_prefix_mount_wins() {
        let outer = TempDir::new();
        let inner = TempDir::new();
        std::fs::write(outer.path().join("f"), "outer").unwrap();
        std::fs::write(inner.path().join("f"), "inner").unwrap();
        std::fs::create_dir(outer.path().join("sub")).unwrap();
        std::fs::write(outer.path().join("sub/g"), "g").unwrap();
        let mut v = Vfs::new(&[grant(outer.path(), "/"), grant(inner.path(), "/sub/in")]).unwrap();
        let read = |v: &mut Vfs, p: &str| {
            let fd = v.open(AT_FDCWD, p, O_RDONLY, 0).unwrap();
            let mut b = [0u8; 16];
            let n = v.read(fd, &mut b).unwrap();
            v.close(fd).unwrap();
            String::from_utf8_lossy(&b[..n]).into_owned()
        };
        assert_eq!(read(&mut v, "/f"), "outer");
        assert_eq!(read(&mut v, "/sub/in/f"), "inner");
        assert_eq!(read(&mut v, "/sub/in/../g"), "g");
        // /sub lists its real file and the mount point.
        let fd = v.open(AT_FDCWD, "/sub", O_RDONLY | O_DIRECTORY, 0).unwrap();
        assert_eq!(names(&v, fd), [".", "..", "g", "in"]);
        // `/subx` is not under `/sub`.
        assert_eq!(v.stat(AT_FDCWD, "/subx", 0), Err(Errno::NOENT));
    }

    #[test]
    fn virtual_parents_and_unmounted_paths() {
        let t = TempDir::new();
        std::fs::write(t.path().join("f"), "x").unwrap();
        let mut v = Vfs::new(&[grant(t.path(), "/a/b")]).unwrap();
        for p in ["/", "/a", "/a/", "/a/b"] {
            let st = v.stat(AT_FDCWD, p, 0).unwrap();
            assert_eq!(st.kind(), FileKind::Directory, "{p}");
        }
        assert_eq!(v.stat(AT_FDCWD, "/a/c", 0), Err(Errno::NOENT));
        assert_eq!(v.stat(AT_FDCWD, "/etc/passwd", 0), Err(Errno::NOENT));
        let fd = v.open(AT_FDCWD, "/", O_RDONLY | O_DIRECTORY, 0).unwrap();
        assert_eq!(names(&v, fd), [".", "..", "a"]);
        v.chdir("/a").unwrap();
        assert_eq!(v.cwd(), "/a");
        assert_eq!(v.stat(AT_FDCWD, "b/f", 0).unwrap().size, 1);
        // Creating inside a virtual directory is refused; outside, ENOENT.
        assert_eq!(
            v.open(AT_FDCWD, "/a/new", O_CREAT | O_WRONLY, 0o644),
            Err(Errno::ACCES)
        );
        assert_eq!(
            v.open(AT_FDCWD, "/x/new", O_CREAT | O_WRONLY, 0o644),
            Err(Errno::NOENT)
        );
        assert_eq!(v.mkdir(AT_FDCWD, "/a", 0o755), Err(Errno::EXIST));
        assert_eq!(v.mkdir(AT_FDCWD, "/a/d", 0o755), Err(Errno::ACCES));
        assert_eq!(v.unlink(AT_FDCWD, "/a", AT_REMOVEDIR), Err(Errno::BUSY));
        assert_eq!(v.unlink(AT_FDCWD, "/a/b", AT_REMOVEDIR), Err(Errno::BUSY));
        assert_eq!(v.open(AT_FDCWD, "/a", O_WRONLY, 0), Err(Errno::ISDIR));
        assert_eq!(v.access(AT_FDCWD, "/a", W_OK, 0), Err(Errno::ACCES));
        assert_eq!(v.access(AT_FDCWD, "/a", R_OK | X_OK, 0), Ok(()));
        // Without any mount, everything but `/` is missing.
        let mut bare = Vfs::default();
        assert_eq!(bare.stat(AT_FDCWD, "/", 0).unwrap().mode, S_IFDIR | 0o555);
        assert_eq!(bare.open(AT_FDCWD, "x", O_RDONLY, 0), Err(Errno::NOENT));
    }

    #[test]
    fn escapes_are_refused() {
        let t = TempDir::new();
        let root = t.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(t.path().join("secret"), "s").unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::os::unix::fs::symlink("../secret", root.join("up")).unwrap();
        std::os::unix::fs::symlink(t.path().join("secret"), root.join("abs")).unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/parent")).unwrap();
        std::os::unix::fs::symlink("../..", root.join("sub/grandparent")).unwrap();
        let mut v = Vfs::new(&[grant(&root, "/")]).unwrap();
        // `..` is lexical and stops at `/`: this is /secret inside the mount.
        assert_eq!(
            v.open(AT_FDCWD, "../secret", O_RDONLY, 0),
            Err(Errno::NOENT)
        );
        assert_eq!(
            v.open(AT_FDCWD, "/sub/../../secret", O_RDONLY, 0),
            Err(Errno::NOENT)
        );
        // Symlinks out of the mount, relative or absolute, are EPERM.
        assert_eq!(v.open(AT_FDCWD, "up", O_RDONLY, 0), Err(Errno::PERM));
        assert_eq!(v.open(AT_FDCWD, "abs", O_RDONLY, 0), Err(Errno::PERM));
        assert_eq!(v.stat(AT_FDCWD, "up", 0), Err(Errno::PERM));
        assert_eq!(
            v.open(AT_FDCWD, "sub/grandparent/secret", O_RDONLY, 0),
            Err(Errno::PERM)
        );
        assert_eq!(
            v.open(AT_FDCWD, "up", O_WRONLY | O_CREAT | O_TRUNC, 0o644),
            Err(Errno::PERM)
        );
        // ...but lstat and readlink of a relative one work, and a symlink
        // that stays inside resolves.
        assert_eq!(
            v.stat(AT_FDCWD, "up", AT_SYMLINK_NOFOLLOW).unwrap().kind(),
            FileKind::Symlink
        );
        assert_eq!(v.readlink(AT_FDCWD, "up").unwrap(), "../secret");
        assert_eq!(v.readlink(AT_FDCWD, "abs"), Err(Errno::PERM));
        assert_eq!(
            v.stat(AT_FDCWD, "sub/parent/sub", 0).unwrap().kind(),
            FileKind::Directory
        );
        // New symlinks must stay inside.
        assert_eq!(v.symlink("/etc/passwd", AT_FDCWD, "l1"), Err(Errno::PERM));
        assert_eq!(v.symlink("../x", AT_FDCWD, "l2"), Err(Errno::PERM));
        assert_eq!(v.symlink("../../x", AT_FDCWD, "sub/l3"), Err(Errno::PERM));
        assert_eq!(v.symlink("../x", AT_FDCWD, "sub/l4"), Ok(()));
        assert_eq!(v.readlink(AT_FDCWD, "/sub/l4").unwrap(), "../x");
        // O_NOFOLLOW on a symlink.
        assert_eq!(
            v.open(AT_FDCWD, "sub/l4", O_RDONLY | O_NOFOLLOW, 0),
            Err(Errno::LOOP)
        );
        // The secret was never touched.
        assert_eq!(std::fs::read(t.path().join("secret")).unwrap(), b"s");
    }

    #[test]
    fn fd_allocation_and_dup() {
        let t = TempDir::new();
        std::fs::write(t.path().join("f"), "hello").unwrap();
        let mut v = Vfs::new(&[grant(t.path(), "/")]).unwrap();
        assert_eq!(v.open_count(), 3);
        let a = v.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap();
        let b = v.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap();
        assert_eq!((a, b), (3, 4));
        v.close(a).unwrap();
        assert_eq!(v.close(a), Err(Errno::BADF));
        assert_eq!(v.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap(), 3);
        // dup shares the offset.
        let d = v.dup(b).unwrap();
        assert_eq!(d, 5);
        let mut buf = [0u8; 2];
        v.read(b, &mut buf).unwrap();
        assert_eq!(v.seek(d, 0, SEEK_CUR).unwrap(), 2);
        // dup3 over an open fd, then onto a high one.
        assert_eq!(v.dup3(b, 3, O_CLOEXEC).unwrap(), 3);
        assert_eq!(v.fd_flags(3).unwrap(), 1);
        assert_eq!(v.dup3(b, b, 0), Err(Errno::INVAL));
        assert_eq!(v.dup3(b, MAX_FDS as i32, 0), Err(Errno::BADF));
        assert_eq!(v.dup3(b, 700, 0).unwrap(), 700);
        assert_eq!(v.dup_min(b, 600, false).unwrap(), 600);
        assert_eq!(v.dup_min(b, 600, false).unwrap(), 601);
        assert_eq!(v.dup(99), Err(Errno::BADF));
        assert_eq!(v.close(-1), Err(Errno::BADF));
        // Closing stdout frees 1 for the next open.
        v.close(1).unwrap();
        assert_eq!(v.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap(), 1);
        // The table is limited.
        let mut last = Ok(0);
        for _ in 0..MAX_FDS {
            last = v.open(AT_FDCWD, "f", O_RDONLY, 0);
            if last.is_err() {
                break;
            }
        }
        assert_eq!(last, Err(Errno::MFILE));
    }

    #[test]
    fn read_write_seek_append() {
        let t = TempDir::new();
        let mut v = Vfs::new(&[grant(t.path(), "/d")]).unwrap();
        v.chdir("/d").unwrap();
        let fd = v
            .open(AT_FDCWD, "f", O_CREAT | O_WRONLY | O_TRUNC, 0o644)
            .unwrap();
        assert_eq!(v.write(fd, b"hello").unwrap(), 5);
        let mut b = [0u8; 4];
        assert_eq!(v.read(fd, &mut b), Err(Errno::BADF));
        assert_eq!(v.seek(fd, 1, SEEK_SET).unwrap(), 1);
        v.write(fd, b"E").unwrap();
        assert_eq!(v.seek(fd, -1, SEEK_END).unwrap(), 4);
        assert_eq!(v.seek(fd, -10, SEEK_CUR), Err(Errno::INVAL));
        assert_eq!(v.seek(fd, 0, 7), Err(Errno::INVAL));
        v.pwrite(fd, b"!", 5).unwrap();
        v.close(fd).unwrap();
        assert_eq!(std::fs::read(t.path().join("f")).unwrap(), b"hEllo!");
        let fd = v.open(AT_FDCWD, "f", O_WRONLY | O_APPEND, 0).unwrap();
        v.seek(fd, 0, SEEK_SET).unwrap();
        v.write(fd, b"+").unwrap();
        assert_eq!(v.status_flags(fd).unwrap(), O_WRONLY | O_APPEND);
        v.set_status_flags(fd, 0).unwrap();
        assert_eq!(v.status_flags(fd).unwrap(), O_WRONLY);
        v.close(fd).unwrap();
        let fd = v.open(AT_FDCWD, "/d/f", O_RDONLY, 0).unwrap();
        let mut all = [0u8; 16];
        let n = v.read(fd, &mut all).unwrap();
        assert_eq!(&all[..n], b"hEllo!+");
        assert_eq!(v.read(fd, &mut all).unwrap(), 0);
        assert_eq!(v.pread(fd, &mut all[..2], 1).unwrap(), 2);
        assert_eq!(&all[..2], b"El");
        assert_eq!(v.write(fd, b"x"), Err(Errno::BADF));
        assert_eq!(v.fstat(fd).unwrap().size, 7);
        assert_eq!(v.ftruncate(fd, 1), Err(Errno::INVAL));
        v.truncate(AT_FDCWD, "f", 3).unwrap();
        assert_eq!(v.fstat(fd).unwrap().size, 3);
        assert_eq!(
            v.open(AT_FDCWD, "f", O_CREAT | O_EXCL | O_WRONLY, 0o644),
            Err(Errno::EXIST)
        );
        assert_eq!(v.open(AT_FDCWD, "f/", O_RDONLY, 0), Err(Errno::NOTDIR));
        assert_eq!(v.stat(AT_FDCWD, "f/", 0), Err(Errno::NOTDIR));
        assert_eq!(v.open(AT_FDCWD, "nope", O_RDONLY, 0), Err(Errno::NOENT));
        assert_eq!(v.open(AT_FDCWD, "", O_RDONLY, 0), Err(Errno::NOENT));
        assert_eq!(
            v.open(AT_FDCWD, &"x".repeat(300), O_RDONLY, 0),
            Err(Errno::NAMETOOLONG)
        );
        // A file created O_RDONLY exists and reads as empty.
        let fd = v.open(AT_FDCWD, "ro", O_CREAT | O_RDONLY, 0o444).unwrap();
        assert_eq!(v.read(fd, &mut all).unwrap(), 0);
        assert_eq!(v.write(fd, b"x"), Err(Errno::BADF));
    }

    #[test]
    fn directories_and_getdents() {
        let t = TempDir::new();
        let mut v = Vfs::new(&[grant(t.path(), "/")]).unwrap();
        v.mkdir(AT_FDCWD, "d", 0o755).unwrap();
        assert_eq!(v.mkdir(AT_FDCWD, "d", 0o755), Err(Errno::EXIST));
        for n in ["c", "a", "b"] {
            let fd = v
                .open(AT_FDCWD, &format!("d/{n}"), O_CREAT | O_WRONLY, 0o644)
                .unwrap();
            v.close(fd).unwrap();
        }
        v.mkdir(AT_FDCWD, "d/sub", 0o755).unwrap();
        let dfd = v.open(AT_FDCWD, "d", O_RDONLY | O_DIRECTORY, 0).unwrap();
        let first = v.getdents(dfd, 2).unwrap();
        assert_eq!(first[0].name, ".");
        assert_eq!(first[1].name, "..");
        assert_eq!(first[1].next, 2);
        let rest = v.getdents(dfd, 100).unwrap();
        let kinds: Vec<(String, FileKind)> =
            rest.iter().map(|e| (e.name.clone(), e.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("a".to_string(), FileKind::Regular),
                ("b".to_string(), FileKind::Regular),
                ("c".to_string(), FileKind::Regular),
                ("sub".to_string(), FileKind::Directory)
            ]
        );
        assert!(v.getdents(dfd, 100).unwrap().is_empty());
        // Seeking back to an entry index replays from there; 0 rereads.
        v.seek(dfd, 3, SEEK_SET).unwrap();
        assert_eq!(v.getdents(dfd, 1).unwrap()[0].name, "b");
        v.unlink(AT_FDCWD, "d/c", 0).unwrap();
        v.seek(dfd, 0, SEEK_SET).unwrap();
        assert_eq!(names(&v, dfd), [".", "..", "a", "b", "sub"]);
        assert_eq!(v.read(dfd, &mut [0u8; 4]), Err(Errno::ISDIR));
        assert_eq!(v.open(AT_FDCWD, "d", O_WRONLY, 0), Err(Errno::ISDIR));
        assert_eq!(
            v.open(AT_FDCWD, "d", O_RDONLY | O_CREAT, 0),
            Err(Errno::ISDIR)
        );
        // openat relative to the directory descriptor.
        let f = v.open(dfd, "a", O_RDONLY, 0).unwrap();
        assert_eq!(v.getdents(f, 10), Err(Errno::NOTDIR));
        assert_eq!(v.open(f, "x", O_RDONLY, 0), Err(Errno::NOTDIR));
        assert_eq!(v.stat(f, "", AT_EMPTY_PATH).unwrap().size, 0);
        // rmdir/unlink errors.
        assert_eq!(v.unlink(AT_FDCWD, "d", AT_REMOVEDIR), Err(Errno::NOTEMPTY));
        assert_eq!(v.unlink(AT_FDCWD, "d/sub", 0), Err(Errno::ISDIR));
        assert_eq!(v.unlink(AT_FDCWD, "d/a", AT_REMOVEDIR), Err(Errno::NOTDIR));
        assert_eq!(v.unlink(AT_FDCWD, "d/a", 0x4), Err(Errno::INVAL));
        v.unlink(AT_FDCWD, "d/sub", AT_REMOVEDIR).unwrap();
        // chdir / fchdir.
        v.chdir("d").unwrap();
        assert_eq!(v.cwd(), "/d");
        assert_eq!(v.chdir("a"), Err(Errno::NOTDIR));
        v.chdir("..").unwrap();
        assert_eq!(v.cwd(), "/");
        v.fchdir(dfd).unwrap();
        assert_eq!(v.cwd(), "/d");
        assert_eq!(v.fchdir(f), Err(Errno::NOTDIR));
        assert_eq!(v.stat(AT_FDCWD, "a", 0).unwrap().kind(), FileKind::Regular);
        // access.
        assert_eq!(v.access(AT_FDCWD, "a", F_OK, 0), Ok(()));
        assert_eq!(v.access(AT_FDCWD, "a", R_OK, 0), Ok(()));
        assert_eq!(v.access(AT_FDCWD, "zz", F_OK, 0), Err(Errno::NOENT));
        assert_eq!(v.access(AT_FDCWD, "a", 8, 0), Err(Errno::INVAL));
    }

    #[test]
    fn rename_within_and_across_mounts() {
        let a = TempDir::new();
        let b = TempDir::new();
        std::fs::write(a.path().join("f"), "1").unwrap();
        let v = Vfs::new(&[grant(a.path(), "/a"), grant(b.path(), "/b")]).unwrap();
        v.rename(AT_FDCWD, "/a/f", AT_FDCWD, "/a/g").unwrap();
        assert!(a.path().join("g").exists());
        assert_eq!(
            v.rename(AT_FDCWD, "/a/g", AT_FDCWD, "/b/g"),
            Err(Errno::XDEV)
        );
        assert_eq!(v.link(AT_FDCWD, "/a/g", AT_FDCWD, "/b/g"), Err(Errno::XDEV));
        assert_eq!(
            v.rename(AT_FDCWD, "/a/nope", AT_FDCWD, "/a/x"),
            Err(Errno::NOENT)
        );
        assert_eq!(v.rename(AT_FDCWD, "/a", AT_FDCWD, "/b/x"), Err(Errno::BUSY));
        assert_eq!(v.rename(AT_FDCWD, "/a/g", AT_FDCWD, "/b"), Err(Errno::BUSY));
        assert_eq!(
            v.rename(AT_FDCWD, "/a/g", AT_FDCWD, "/c"),
            Err(Errno::ACCES)
        );
        v.link(AT_FDCWD, "/a/g", AT_FDCWD, "/a/h").unwrap();
        assert_eq!(v.stat(AT_FDCWD, "/a/h", 0).unwrap().nlink, 2);
    }

    #[test]
    fn pipes() {
        let mut v = Vfs::default();
        let (r, w) = v.pipe().unwrap();
        assert_eq!((r, w), (3, 4));
        let mut b = [0u8; 8];
        assert_eq!(v.read(r, &mut b), Err(Errno::AGAIN));
        assert!(!v.poll(r).unwrap().read);
        v.write(w, b"abc").unwrap();
        assert!(v.poll(r).unwrap().read);
        assert_eq!(v.readable_bytes(r).unwrap(), 3);
        assert_eq!(v.read(r, &mut b[..2]).unwrap(), 2);
        assert_eq!(v.seek(r, 0, SEEK_CUR), Err(Errno::SPIPE));
        assert_eq!(v.fstat(r).unwrap().kind(), FileKind::Fifo);
        let w2 = v.dup(w).unwrap();
        v.close(w).unwrap();
        assert_eq!(v.read(r, &mut b).unwrap(), 1);
        assert_eq!(v.read(r, &mut b), Err(Errno::AGAIN));
        v.close(w2).unwrap();
        assert_eq!(v.read(r, &mut b).unwrap(), 0);
        assert!(v.poll(r).unwrap().hangup);
        // A full pipe takes what fits, then EAGAIN.
        let (r4, w4) = v.pipe().unwrap();
        let big = vec![7u8; PIPE_CAPACITY + 10];
        assert_eq!(v.write(w4, &big).unwrap(), PIPE_CAPACITY);
        assert_eq!(v.write(w4, b"x"), Err(Errno::AGAIN));
        assert_eq!(v.read(r4, &mut b).unwrap(), 8);
        assert_eq!(v.write(w4, &big).unwrap(), 8);
        let (r2, w3) = v.pipe().unwrap();
        v.close(r2).unwrap();
        assert_eq!(v.write(w3, b"x"), Err(Errno::PIPE));
        assert_eq!(v.poll(99), None);
    }

    #[test]
    fn preopens_and_renumber() {
        let a = TempDir::new();
        let b = TempDir::new();
        std::fs::write(a.path().join("f"), "a").unwrap();
        let mut v = Vfs::new(&[grant(a.path(), "/a"), grant(b.path(), "/x/b")]).unwrap();
        v.open_preopens().unwrap();
        // The mounts in order, then the virtual root nobody mounted.
        assert_eq!(v.preopen(3), Ok("/a"));
        assert_eq!(v.preopen(4), Ok("/x/b"));
        assert_eq!(v.preopen(5), Ok("/"));
        assert_eq!(v.preopen(6), Err(Errno::BADF));
        assert_eq!(v.preopen(1), Err(Errno::BADF));
        assert_eq!(v.preopen(-1), Err(Errno::BADF));
        assert!(v.is_dir(3).unwrap());
        // Paths resolve against a preopen as against its guest path: `..`
        // is lexical, so from /a it reaches the virtual root and /x.
        assert_eq!(v.stat(3, "f", 0).unwrap().size, 1);
        assert_eq!(v.stat(3, "../x/b", 0).unwrap().kind(), FileKind::Directory);
        assert_eq!(names(&v, 5), [".", "..", "a", "x"]);
        assert_eq!(
            v.open(5, "new", O_CREAT | O_WRONLY, 0o644),
            Err(Errno::ACCES)
        );
        // dup does not copy the tag; renumber moves it and closes `from`.
        let d = v.dup(3).unwrap();
        assert_eq!(d, 6);
        assert_eq!(v.preopen(d), Err(Errno::BADF));
        let f = v.open(3, "f", O_RDONLY, 0).unwrap();
        v.renumber(3, f).unwrap();
        assert_eq!(v.preopen(f), Ok("/a"));
        assert!(!v.is_open(3));
        assert_eq!(v.renumber(3, f), Err(Errno::BADF));
        assert_eq!(v.renumber(f, 3), Err(Errno::BADF));
        assert_eq!(v.renumber(f, f), Ok(()));
        // A root mount needs no virtual root.
        let mut r = Vfs::new(&[grant(a.path(), "/")]).unwrap();
        r.open_preopens().unwrap();
        assert_eq!(r.preopen(3), Ok("/"));
        assert_eq!(r.preopen(4), Err(Errno::BADF));
        // Without a grant, only the empty virtual root.
        let mut bare = Vfs::default();
        bare.open_preopens().unwrap();
        assert_eq!(bare.preopen(3), Ok("/"));
        assert_eq!(bare.stat(3, "etc/passwd", 0), Err(Errno::NOENT));
    }

    #[test]
    fn stdio_is_a_terminal() {
        let mut v = Vfs::default();
        assert_eq!(v.isatty(0), Ok(()));
        assert_eq!(v.isatty(2), Ok(()));
        assert_eq!(v.kind(1).unwrap(), FileKind::CharDevice);
        assert_eq!(v.status_flags(0).unwrap(), O_RDONLY);
        assert_eq!(v.status_flags(1).unwrap(), O_WRONLY);
        assert_eq!(v.seek(1, 0, SEEK_CUR), Err(Errno::SPIPE));
        let d = v.dup(1).unwrap();
        assert_eq!(v.isatty(d), Ok(()));
        assert_eq!(v.fstat(0).unwrap().mode, S_IFCHR | 0o666);
        let (r, _) = v.pipe().unwrap();
        assert_eq!(v.isatty(r), Err(Errno::NOTTY));
        assert_eq!(v.isatty(50), Err(Errno::BADF));
    }

    #[test]
    fn mappings_write_back() {
        let t = TempDir::new();
        std::fs::write(t.path().join("m"), "abcdef").unwrap();
        let mut v = Vfs::new(&[grant(t.path(), "/")]).unwrap();
        let ro = v.open(AT_FDCWD, "m", O_RDONLY, 0).unwrap();
        assert!(matches!(v.map(ro, 0, 4096, true, true), Err(Errno::ACCES)));
        let (m, bytes) = v.map(ro, 2, 4096, true, false).unwrap();
        assert_eq!(bytes, b"cdef");
        assert!(!m.shared_write());
        let rw = v.open(AT_FDCWD, "m", O_RDWR, 0).unwrap();
        let (m, _) = v.map(rw, 0, 4096, true, true).unwrap();
        v.close(rw).unwrap();
        let mut mem = b"ABCDEF".to_vec();
        mem.resize(4096, 0);
        // Only up to the end of the file is written back.
        m.write_back(&mem).unwrap();
        assert_eq!(std::fs::read(t.path().join("m")).unwrap(), b"ABCDEF");
        v.add_mapping(0x10000, m);
        assert_eq!(v.shared_mappings(), [0x10000]);
        assert!(v.remove_mapping(0x10000).is_some());
        let dfd = v.open(AT_FDCWD, "/", O_RDONLY, 0).unwrap();
        assert!(matches!(v.map(dfd, 0, 1, false, false), Err(Errno::NODEV)));
    }

    #[test]
    fn times_and_modes() {
        let t = TempDir::new();
        std::fs::write(t.path().join("f"), "x").unwrap();
        let v = Vfs::new(&[grant(t.path(), "/")]).unwrap();
        v.utimens(
            AT_FDCWD,
            Some("f"),
            TimeSet::At(1_000_000_000, 5),
            TimeSet::At(1_500_000_000, 0),
            0,
        )
        .unwrap();
        let st = v.stat(AT_FDCWD, "f", 0).unwrap();
        assert_eq!(st.atime, (1_000_000_000, 5));
        assert_eq!(st.mtime.0, 1_500_000_000);
        v.utimens(AT_FDCWD, Some("f"), TimeSet::Omit, TimeSet::Now, 0)
            .unwrap();
        assert_eq!(v.stat(AT_FDCWD, "f", 0).unwrap().atime.0, 1_000_000_000);
        v.chmod(AT_FDCWD, "f", 0o600, 0).unwrap();
        assert_eq!(v.stat(AT_FDCWD, "f", 0).unwrap().mode & 0o777, 0o600);
        assert_eq!(
            v.utimens(
                AT_FDCWD,
                Some("f"),
                TimeSet::At(1, 1_000_000_000),
                TimeSet::Omit,
                0
            ),
            Err(Errno::INVAL)
        );
        // Far future: the host's to take or refuse, never a panic.
        let _ = v.utimens(
            AT_FDCWD,
            Some("f"),
            TimeSet::At(i64::MAX, 0),
            TimeSet::Omit,
            0,
        );
        // Before the epoch: refused by path (cap-primitives would panic),
        // set through a descriptor.
        assert_eq!(
            v.utimens(
                AT_FDCWD,
                Some("f"),
                TimeSet::At(i64::MIN, 0),
                TimeSet::Omit,
                0
            ),
            Err(Errno::INVAL)
        );
        assert_eq!(
            v.utimens(AT_FDCWD, Some("f"), TimeSet::Omit, TimeSet::At(-5, 0), 0),
            Err(Errno::INVAL)
        );
        let mut vm = Vfs::new(&[grant(t.path(), "/")]).unwrap();
        let fd = vm.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap();
        vm.utimens(fd, None, TimeSet::Omit, TimeSet::At(-5, 0), 0)
            .unwrap();
        assert_eq!(vm.fstat(fd).unwrap().mtime, (-5, 0));
        assert_eq!(
            v.chmod(AT_FDCWD, "f", 0o600, AT_SYMLINK_NOFOLLOW),
            Err(Errno::NOTSUP)
        );
    }

    #[test]
    fn host_errnos_translate() {
        assert_eq!(Errno::from_host(libc::ENOENT), Errno::NOENT);
        assert_eq!(Errno::from_host(libc::EACCES), Errno::ACCES);
        assert_eq!(Errno::from_host(libc::EXDEV), Errno::XDEV);
        assert_eq!(Errno::from_host(libc::ENOTEMPTY), Errno::NOTEMPTY);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "outside");
        assert_eq!(Errno::from(escape), Errno::PERM);
    }
}
