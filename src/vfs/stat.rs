//! What a file is: kinds, `stat` records, directory entries, times to
//! set, and the permission check.

use super::*;

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
    pub(super) fn of(t: FileType) -> FileKind {
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
    pub(super) fn of(md: &Metadata) -> Stat {
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
    pub(super) fn virtual_dir(path: &str) -> Stat {
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
    pub(super) fn tty(which: Stdio) -> Stat {
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
pub(super) fn path_ino(path: &str) -> u64 {
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
    pub(super) fn system_time(self) -> Result<Option<SystemTime>> {
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
    pub(super) fn spec(self) -> Result<Option<cap_primitives::fs::SystemTimeSpec>> {
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

/// Whether the host user may access a file with `st` for `amode`.
pub(super) fn permitted(st: &Stat, amode: u32) -> bool {
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
