//! WASI preview 1's constants and the byte layouts of its structs
//! (fdstat, filestat, dirent, subscription, event), and their translation
//! to and from the VFS's flags and records.

use super::*;

/// `filetype` values.
pub mod filetype {
    #![allow(missing_docs)]
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `rights` bits.
pub mod rights {
    #![allow(missing_docs)]
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const ALL: u64 = (1 << 30) - 1;

    /// Rights that reading needs, and those that writing needs.
    pub const READING: u64 = FD_READ | FD_READDIR;
    pub const WRITING: u64 = FD_WRITE | FD_DATASYNC | FD_ALLOCATE | FD_FILESTAT_SET_SIZE;

    /// What a regular file's descriptor may do.
    pub const FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;
    /// What a directory's descriptor may do.
    pub const DIRECTORY: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_ADVISE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE
        | POLL_FD_READWRITE;
    /// What a terminal or pipe may do: no seeking, which is how wasi-libc's
    /// `isatty` tells a terminal from a character device file.
    pub const STREAM: u64 =
        FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_FILESTAT_GET | POLL_FD_READWRITE;
}

// fdflags.
pub(super) const FDFLAGS_APPEND: u16 = 1;
pub(super) const FDFLAGS_DSYNC: u16 = 2;
pub(super) const FDFLAGS_NONBLOCK: u16 = 4;
pub(super) const FDFLAGS_RSYNC: u16 = 8;
pub(super) const FDFLAGS_SYNC: u16 = 16;

// oflags.
pub(super) const OFLAGS_CREAT: u16 = 1;
pub(super) const OFLAGS_DIRECTORY: u16 = 2;
pub(super) const OFLAGS_EXCL: u16 = 4;
pub(super) const OFLAGS_TRUNC: u16 = 8;

pub(super) const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

// fstflags.
pub(super) const FST_ATIM: u16 = 1;
pub(super) const FST_ATIM_NOW: u16 = 2;
pub(super) const FST_MTIM: u16 = 4;
pub(super) const FST_MTIM_NOW: u16 = 8;

// Subscriptions and events.
pub(super) const EVENTTYPE_CLOCK: u8 = 0;
pub(super) const EVENTTYPE_FD_READ: u8 = 1;
pub(super) const EVENTTYPE_FD_WRITE: u8 = 2;
pub(super) const SUBCLOCKFLAGS_ABSTIME: u16 = 1;
pub(super) const EVENTRWFLAGS_HANGUP: u16 = 1;
pub(super) const SUBSCRIPTION_SIZE: usize = 48;
pub(super) const EVENT_SIZE: usize = 32;

/// Size of `filestat`.
pub(super) const FILESTAT_SIZE: usize = 64;
/// Size of a `dirent` header; the name follows it.
pub(super) const DIRENT_SIZE: usize = 24;
/// The largest `advice` (NOREUSE).
pub(super) const ADVICE_MAX: i32 = 5;
/// Files `path_open` creates get this mode, less the host's umask.
pub(super) const CREATE_MODE: u32 = 0o666;

// ---- layouts ----------------------------------------------------------------

/// The WASI `filetype` of a kind of file (WASI has no FIFO: unknown).
pub fn filetype_of(kind: FileKind) -> u8 {
    match kind {
        FileKind::BlockDevice => filetype::BLOCK_DEVICE,
        FileKind::CharDevice => filetype::CHARACTER_DEVICE,
        FileKind::Directory => filetype::DIRECTORY,
        FileKind::Regular => filetype::REGULAR_FILE,
        FileKind::Symlink => filetype::SYMBOLIC_LINK,
        FileKind::Socket => filetype::SOCKET_STREAM,
        FileKind::Fifo | FileKind::Unknown => filetype::UNKNOWN,
    }
}

/// The rights (base, inheriting) a descriptor of `filetype` opened with
/// `flags` (access mode and O_PATH as the VFS keeps them) has.
pub fn rights_of(filetype: u8, flags: u32) -> (u64, u64) {
    let path_only = flags & O_PATH != 0;
    let readable = !path_only && flags & O_ACCMODE != O_WRONLY;
    let writable = !path_only && flags & O_ACCMODE != O_RDONLY;
    let mut base = match filetype {
        filetype::DIRECTORY => return (rights::DIRECTORY, rights::ALL),
        filetype::REGULAR_FILE | filetype::BLOCK_DEVICE => rights::FILE,
        _ => rights::STREAM,
    };
    if !readable {
        base &= !rights::READING;
    }
    if !writable {
        base &= !rights::WRITING;
    }
    (base, 0)
}

/// `fdstat`: filetype u8 at 0, fdflags u16 at 2, rights base and
/// inheriting u64 at 8 and 16.
pub fn fdstat_bytes(filetype: u8, fdflags: u16, base: u64, inheriting: u64) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0] = filetype;
    b[2..4].copy_from_slice(&fdflags.to_le_bytes());
    b[8..16].copy_from_slice(&base.to_le_bytes());
    b[16..24].copy_from_slice(&inheriting.to_le_bytes());
    b
}

/// The fdflags for VFS status flags.
pub fn fdflags_of(flags: u32) -> u16 {
    let mut f = 0;
    if flags & O_APPEND != 0 {
        f |= FDFLAGS_APPEND;
    }
    if flags & O_DSYNC != 0 {
        f |= FDFLAGS_DSYNC;
    }
    if flags & O_NONBLOCK != 0 {
        f |= FDFLAGS_NONBLOCK;
    }
    if flags & O_SYNC == O_SYNC {
        f |= FDFLAGS_RSYNC | FDFLAGS_SYNC;
    }
    f
}

/// VFS status flags for fdflags; EINVAL for unknown bits.
pub(super) fn status_flags_of(fdflags: u16) -> Result<u32, Errno> {
    if fdflags & !(FDFLAGS_APPEND | FDFLAGS_DSYNC | FDFLAGS_NONBLOCK | FDFLAGS_RSYNC | FDFLAGS_SYNC)
        != 0
    {
        return Err(Errno::INVAL);
    }
    let mut f = 0;
    if fdflags & FDFLAGS_APPEND != 0 {
        f |= O_APPEND;
    }
    if fdflags & FDFLAGS_DSYNC != 0 {
        f |= O_DSYNC;
    }
    if fdflags & FDFLAGS_NONBLOCK != 0 {
        f |= O_NONBLOCK;
    }
    if fdflags & (FDFLAGS_SYNC | FDFLAGS_RSYNC) != 0 {
        f |= O_SYNC;
    }
    Ok(f)
}

/// The open(2) flags `path_open` means: access mode from the rights,
/// O_CREAT and friends from oflags, O_APPEND and friends from fdflags,
/// O_NOFOLLOW unless the lookup follows symlinks.
pub fn open_flags(dirflags: u32, oflags: u16, base: u64, fdflags: u16) -> Result<u32, Errno> {
    if dirflags & !LOOKUP_SYMLINK_FOLLOW != 0
        || oflags & !(OFLAGS_CREAT | OFLAGS_DIRECTORY | OFLAGS_EXCL | OFLAGS_TRUNC) != 0
    {
        return Err(Errno::INVAL);
    }
    let read = base & rights::READING != 0;
    let write = base & rights::WRITING != 0;
    let mut flags = match (read, write) {
        (true, true) => O_RDWR,
        (false, true) => O_WRONLY,
        _ => O_RDONLY,
    };
    flags |= status_flags_of(fdflags)?;
    for (bit, f) in [
        (OFLAGS_CREAT, O_CREAT),
        (OFLAGS_DIRECTORY, O_DIRECTORY),
        (OFLAGS_EXCL, O_EXCL),
        (OFLAGS_TRUNC, O_TRUNC),
    ] {
        if oflags & bit != 0 {
            flags |= f;
        }
    }
    if dirflags & LOOKUP_SYMLINK_FOLLOW == 0 {
        flags |= O_NOFOLLOW;
    }
    Ok(flags)
}

/// Nanoseconds since the epoch; times before it (which a `timestamp`
/// cannot hold) are 0.
pub(super) fn timestamp((sec, nsec): (i64, u32)) -> u64 {
    u64::try_from(sec)
        .map(|s| s.saturating_mul(1_000_000_000).saturating_add(nsec.into()))
        .unwrap_or(0)
}

/// `filestat`: dev, ino at 0 and 8, filetype u8 at 16, nlink, size, atim,
/// mtim, ctim at 24..64.
pub fn filestat_bytes(st: &Stat) -> [u8; FILESTAT_SIZE] {
    let mut b = [0u8; FILESTAT_SIZE];
    b[0..8].copy_from_slice(&st.dev.to_le_bytes());
    b[8..16].copy_from_slice(&st.ino.to_le_bytes());
    b[16] = filetype_of(st.kind());
    b[24..32].copy_from_slice(&st.nlink.to_le_bytes());
    b[32..40].copy_from_slice(&st.size.to_le_bytes());
    b[40..48].copy_from_slice(&timestamp(st.atime).to_le_bytes());
    b[48..56].copy_from_slice(&timestamp(st.mtime).to_le_bytes());
    b[56..64].copy_from_slice(&timestamp(st.ctime).to_le_bytes());
    b
}

/// A `dirent` and its name: d_next (the cookie of the entry after it) u64,
/// d_ino u64, d_namlen u32, d_type u8.
pub fn dirent_bytes(e: &DirEntry) -> Vec<u8> {
    let name = e.name.as_bytes();
    let mut b = vec![0u8; DIRENT_SIZE + name.len()];
    b[0..8].copy_from_slice(&e.next.to_le_bytes());
    b[8..16].copy_from_slice(&e.ino.to_le_bytes());
    b[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
    b[20] = filetype_of(e.kind);
    b[DIRENT_SIZE..].copy_from_slice(name);
    b
}

/// The times `fd_filestat_set_times` and `path_filestat_set_times` set.
pub(super) fn time_sets(atim: i64, mtim: i64, fst: i32) -> Result<(TimeSet, TimeSet), Errno> {
    let fst = u16::try_from(fst).map_err(|_| Errno::INVAL)?;
    if fst & !(FST_ATIM | FST_ATIM_NOW | FST_MTIM | FST_MTIM_NOW) != 0 {
        return Err(Errno::INVAL);
    }
    let one = |t: i64, at: u16, now: u16| match (fst & at != 0, fst & now != 0) {
        (true, true) => Err(Errno::INVAL),
        (_, true) => Ok(TimeSet::Now),
        (true, _) => {
            let ns = t as u64;
            Ok(TimeSet::At(
                (ns / 1_000_000_000) as i64,
                (ns % 1_000_000_000) as u32,
            ))
        }
        _ => Ok(TimeSet::Omit),
    };
    Ok((
        one(atim, FST_ATIM, FST_ATIM_NOW)?,
        one(mtim, FST_MTIM, FST_MTIM_NOW)?,
    ))
}

/// One `subscription` of `poll_oneoff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subscription {
    Clock {
        userdata: u64,
        id: i32,
        timeout: u64,
        abstime: bool,
    },
    Fd {
        userdata: u64,
        fd: i32,
        write: bool,
    },
}

/// Reads a 48-byte `subscription`: userdata u64, tag u8 at 8, then at 16
/// either a clock (id u32, timeout u64 at 24, precision u64 at 32, flags
/// u16 at 40) or an fd (u32).
pub(super) fn subscription(b: &[u8]) -> Result<Subscription, Errno> {
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or([0; 4]));
    let userdata = u64_at(0);
    match b[8] {
        EVENTTYPE_CLOCK => Ok(Subscription::Clock {
            userdata,
            id: u32_at(16) as i32,
            timeout: u64_at(24),
            abstime: u16::from_le_bytes([b[40], b[41]]) & SUBCLOCKFLAGS_ABSTIME != 0,
        }),
        t @ (EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE) => Ok(Subscription::Fd {
            userdata,
            fd: u32_at(16) as i32,
            write: t == EVENTTYPE_FD_WRITE,
        }),
        _ => Err(Errno::INVAL),
    }
}

/// A 32-byte `event`: userdata u64, error u16 at 8, type u8 at 10, and for
/// fd events nbytes u64 at 16 and flags u16 at 24.
pub(super) fn event_bytes(
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
    hangup: bool,
) -> [u8; 32] {
    let mut b = [0u8; EVENT_SIZE];
    b[0..8].copy_from_slice(&userdata.to_le_bytes());
    b[8..10].copy_from_slice(&(error.0 as u16).to_le_bytes());
    b[10] = kind;
    if kind != EVENTTYPE_CLOCK {
        b[16..24].copy_from_slice(&nbytes.to_le_bytes());
        let flags = if hangup { EVENTRWFLAGS_HANGUP } else { 0 };
        b[24..26].copy_from_slice(&flags.to_le_bytes());
    }
    b
}
