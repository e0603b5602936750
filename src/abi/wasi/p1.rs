//! WASI preview 1 (`wasi_snapshot_preview1`), the system interface of
//! clang/wasi-libc programs, served from the program's [`Vfs`](crate::vfs::Vfs) like
//! Emscripten's file syscalls: the same `--dir` mounts, errno values (WASI's
//! numbering is the VFS's), and refusals of paths that leave the sandbox.
//!
//! Every import from `wasi_snapshot_preview1` comes through [`func`], for
//! both flavours. The functions Emscripten's libc imports as well (`fd_read`,
//! `fd_write`, `fd_pread`, `fd_pwrite`, `fd_seek`, `fd_close`,
//! `fd_fdstat_get`, `fd_sync`, `args_*`, `environ_*`, `clock_*`,
//! `proc_exit`) are the ones `abi::emscripten` builds; this module builds
//! the rest.
//!
//! # Preopens
//!
//! Each mount is a preopened directory, fds 3, 4, ... in `--dir` order
//! (plus the virtual `/` when nothing is mounted there; see
//! [`Vfs::open_preopens`](crate::vfs::Vfs::open_preopens)), its guest path the prestat name. wasi-libc
//! turns every path into (preopen fd, relative path); the VFS resolves that
//! relative path against the descriptor's guest path exactly as it resolves
//! an Emscripten program's paths: `..` is lexical and stops at `/`, symlinks
//! that leave their mount are EPERM. An absolute path given to a `path_*`
//! function is EPERM too: WASI paths are relative to their descriptor.
//!
//! # Rights
//!
//! Rights are accepted and not enforced, with one use: `path_open` has no
//! access mode but the rights wasi-libc derives from `O_RDONLY`/`O_WRONLY`/
//! `O_RDWR`, so FD_READ/FD_READDIR ask for reading and FD_WRITE and its
//! kin for writing (neither: reading). `fd_fdstat_get` reports rights from
//! the access mode, which is what wasi-libc's `fcntl(F_GETFL)` and
//! `isatty` read back.
//!
//! Guest pointers out of bounds are EFAULT, never a trap.

use std::time::Duration;

use wasmtime::{Caller, Func, StoreContextMut};

use crate::abi::emscripten::env::fill_random;
use crate::abi::emscripten::fs::{Fail, Sys, fs, memory, put_u32, read, seek, wasi, write};
use crate::abi::emscripten::time::clock_ns;
use crate::modinfo::Sig;
use crate::process::Process;
use crate::vfs::{DirEntry, Errno, FileKind, PATH_MAX, Stat, TimeSet, consts::*};

/// The import module.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Every function of WASI preview 1.
pub const NAMES: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

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
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub const SOCK_ACCEPT: u64 = 1 << 29;
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
const FDFLAGS_APPEND: u16 = 1;
const FDFLAGS_DSYNC: u16 = 2;
const FDFLAGS_NONBLOCK: u16 = 4;
const FDFLAGS_RSYNC: u16 = 8;
const FDFLAGS_SYNC: u16 = 16;

// oflags.
const OFLAGS_CREAT: u16 = 1;
const OFLAGS_DIRECTORY: u16 = 2;
const OFLAGS_EXCL: u16 = 4;
const OFLAGS_TRUNC: u16 = 8;

const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

// fstflags.
const FST_ATIM: u16 = 1;
const FST_ATIM_NOW: u16 = 2;
const FST_MTIM: u16 = 4;
const FST_MTIM_NOW: u16 = 8;

// Subscriptions and events.
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
const SUBCLOCKFLAGS_ABSTIME: u16 = 1;
const EVENTRWFLAGS_HANGUP: u16 = 1;
const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;

/// Size of `filestat`.
const FILESTAT_SIZE: usize = 64;
/// Size of a `dirent` header; the name follows it.
const DIRENT_SIZE: usize = 24;
/// The largest `advice` (NOREUSE).
const ADVICE_MAX: i32 = 5;
/// Files `path_open` creates get this mode, less the host's umask.
const CREATE_MODE: u32 = 0o666;

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
fn status_flags_of(fdflags: u16) -> Result<u32, Errno> {
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
fn timestamp((sec, nsec): (i64, u32)) -> u64 {
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
fn time_sets(atim: i64, mtim: i64, fst: i32) -> Result<(TimeSet, TimeSet), Errno> {
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
enum Subscription {
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
fn subscription(b: &[u8]) -> Result<Subscription, Errno> {
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
fn event_bytes(userdata: u64, error: Errno, kind: u8, nbytes: u64, hangup: bool) -> [u8; 32] {
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

// ---- guest arguments --------------------------------------------------------

type C<'a, 'b> = &'a mut Caller<'b, Process>;

/// A directory descriptor argument: WASI fds are unsigned, so none can
/// stand for the working directory (the VFS's AT_FDCWD is negative).
fn dirfd(fd: i32) -> Result<i32, Errno> {
    if fd < 0 { Err(Errno::BADF) } else { Ok(fd) }
}

/// A path argument: `len` bytes of UTF-8 (EILSEQ otherwise, as WASI strings
/// must be), relative to its descriptor (an absolute one would leave it:
/// EPERM, as every other escape from the sandbox).
fn path(c: &Caller<'_, Process>, ptr: i32, len: i32) -> Result<String, Errno> {
    let len = len as u32;
    if len as usize >= PATH_MAX {
        return Err(Errno::NAMETOOLONG);
    }
    let bytes = read(c, ptr as u32, len)?;
    if bytes.contains(&0) {
        return Err(Errno::INVAL);
    }
    let p = String::from_utf8(bytes).map_err(|_| Errno::ILSEQ)?;
    if p.starts_with('/') {
        return Err(Errno::PERM);
    }
    Ok(p)
}

/// Fails with EFAULT unless `len` bytes at `ptr` are the program's memory
/// (checked before acting, so that a bad result pointer changes nothing).
fn writable(c: &Caller<'_, Process>, ptr: i32, len: usize) -> Result<(), Errno> {
    let size = memory(c)?.data_size(c);
    match (ptr as u32 as usize).checked_add(len) {
        Some(end) if end <= size => Ok(()),
        _ => Err(Errno::FAULT),
    }
}

// ---- the functions ----------------------------------------------------------

fn prestat_get(c: C, fd: i32, buf: i32) -> Sys<()> {
    let len = fs(c).preopen(fd)?.len() as u32;
    let mut b = [0u8; 8];
    // tag 0: a directory.
    b[4..8].copy_from_slice(&len.to_le_bytes());
    write(c, buf as u32, &b)?;
    Ok(())
}

fn prestat_dir_name(c: C, fd: i32, buf: i32, len: i32) -> Sys<()> {
    let name = fs(c).preopen(fd)?.to_string();
    if (len as u32 as usize) < name.len() {
        return Err(Errno::NAMETOOLONG.into());
    }
    write(c, buf as u32, name.as_bytes())?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn path_open(
    c: C,
    fd: i32,
    dirflags: i32,
    p: i32,
    plen: i32,
    oflags: i32,
    base: i64,
    fdflags: i32,
    out: i32,
) -> Sys<()> {
    let fd = dirfd(fd)?;
    let p = path(c, p, plen)?;
    let oflags = u16::try_from(oflags).map_err(|_| Errno::INVAL)?;
    let fdflags = u16::try_from(fdflags).map_err(|_| Errno::INVAL)?;
    let flags = open_flags(dirflags as u32, oflags, base as u64, fdflags)?;
    writable(c, out, 4)?;
    let new = fs(c).open(fd, &p, flags, CREATE_MODE)?;
    put_u32(c, out as u32, new as u32)?;
    Ok(())
}

/// Fills the buffer with entries from `cookie` on; the last one may be cut
/// short, which tells the program to come back with a bigger buffer.
fn readdir(c: C, fd: i32, buf: i32, len: i32, cookie: i64, out: i32) -> Sys<()> {
    let len = len as u32 as usize;
    writable(c, buf, len)?;
    writable(c, out, 4)?;
    let fs = fs(c);
    if !fs.is_dir(fd)? {
        return Err(Errno::NOTDIR.into());
    }
    fs.seek(fd, cookie, SEEK_SET)?;
    let mut bytes = Vec::new();
    'fill: while bytes.len() < len {
        let batch = fs.getdents(fd, 64)?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            bytes.extend_from_slice(&dirent_bytes(e));
            if bytes.len() >= len {
                break 'fill;
            }
        }
    }
    bytes.truncate(len);
    write(c, buf as u32, &bytes)?;
    put_u32(c, out as u32, bytes.len() as u32)?;
    Ok(())
}

fn put_filestat(c: C, buf: i32, st: Stat) -> Sys<()> {
    write(c, buf as u32, &filestat_bytes(&st))?;
    Ok(())
}

fn lookup_flags(flags: i32) -> Result<u32, Errno> {
    match flags as u32 {
        LOOKUP_SYMLINK_FOLLOW => Ok(0),
        0 => Ok(AT_SYMLINK_NOFOLLOW),
        _ => Err(Errno::INVAL),
    }
}

fn readlink(c: C, fd: i32, p: i32, plen: i32, buf: i32, len: i32, out: i32) -> Sys<()> {
    let fd = dirfd(fd)?;
    let p = path(c, p, plen)?;
    writable(c, out, 4)?;
    let target = fs(c).readlink(fd, &p)?;
    let bytes = target.as_bytes();
    let n = bytes.len().min(len as u32 as usize);
    write(c, buf as u32, &bytes[..n])?;
    put_u32(c, out as u32, n as u32)?;
    Ok(())
}

/// Events for the fd subscriptions that are ready; when none is, waits for
/// the earliest clock; when there is no clock either, the fds are reported
/// ready (nothing could change while a single-threaded program waits).
fn poll(c: C, input: i32, output: i32, n: i32, nevents: i32) -> Sys<()> {
    let n = n as u32 as usize;
    if n == 0 {
        return Err(Errno::INVAL.into());
    }
    let in_len = n.checked_mul(SUBSCRIPTION_SIZE).ok_or(Errno::FAULT)?;
    let out_len = n.checked_mul(EVENT_SIZE).ok_or(Errno::FAULT)?;
    writable(c, input, in_len)?;
    writable(c, output, out_len)?;
    writable(c, nevents, 4)?;
    let raw = read(c, input as u32, in_len as u32)?;
    let subs = raw
        .chunks_exact(SUBSCRIPTION_SIZE)
        .map(subscription)
        .collect::<Result<Vec<_>, _>>()?;
    let fs = fs(c);
    let mut events: Vec<[u8; EVENT_SIZE]> = Vec::new();
    let mut fd_events = Vec::new();
    for s in &subs {
        let &Subscription::Fd {
            userdata,
            fd,
            write,
        } = s
        else {
            continue;
        };
        let kind = if write {
            EVENTTYPE_FD_WRITE
        } else {
            EVENTTYPE_FD_READ
        };
        let Some(r) = fs.poll(fd) else {
            events.push(event_bytes(userdata, Errno::BADF, kind, 0, false));
            continue;
        };
        let nbytes = if write {
            0
        } else {
            fs.readable_bytes(fd).unwrap_or(0)
        };
        let ev = event_bytes(userdata, Errno(0), kind, nbytes, r.hangup);
        if r.hangup || if write { r.write } else { r.read } {
            events.push(ev);
        } else {
            fd_events.push(ev);
        }
    }
    if events.is_empty() {
        let mut clocks = Vec::new();
        for s in &subs {
            let &Subscription::Clock {
                userdata,
                id,
                timeout,
                abstime,
            } = s
            else {
                continue;
            };
            match clock_ns(id) {
                None => events.push(event_bytes(
                    userdata,
                    Errno::INVAL,
                    EVENTTYPE_CLOCK,
                    0,
                    false,
                )),
                Some(now) => {
                    let wait = if abstime {
                        timeout.saturating_sub(now)
                    } else {
                        timeout
                    };
                    clocks.push((userdata, wait));
                }
            }
        }
        if events.is_empty() {
            if let Some(first) = clocks.iter().map(|&(_, w)| w).min() {
                let wait = Duration::from_nanos(first);
                if let Some(expires) = c.data().deadline.as_ref().map(|t| t.expires()) {
                    let left = expires.saturating_duration_since(std::time::Instant::now());
                    if wait >= left {
                        std::thread::sleep(left);
                        return Err(Fail::Trap(wasmtime::Trap::Interrupt.into()));
                    }
                }
                std::thread::sleep(wait);
                for (userdata, wait) in clocks {
                    if wait <= first {
                        events.push(event_bytes(userdata, Errno(0), EVENTTYPE_CLOCK, 0, false));
                    }
                }
            } else {
                events = fd_events;
            }
        }
    }
    let bytes: Vec<u8> = events.iter().flatten().copied().collect();
    write(c, output as u32, &bytes)?;
    put_u32(c, nevents as u32, events.len() as u32)?;
    Ok(())
}

/// Socket calls: no descriptor is ever a socket here.
fn not_a_socket(c: C, fd: i32) -> Sys<()> {
    fs(c).status_flags(fd)?;
    Err(Errno::NOTSOCK.into())
}

fn wrap_path<F>(c: C, fd: i32, p: i32, plen: i32, op: F) -> Sys<()>
where
    F: FnOnce(&mut crate::vfs::Vfs, i32, &str) -> Result<(), Errno>,
{
    let fd = dirfd(fd)?;
    let p = path(c, p, plen)?;
    op(fs(c), fd, &p)?;
    Ok(())
}

/// The host function for `wasi_snapshot_preview1.name`, for either
/// flavour; `None` for a name WASI preview 1 does not have.
pub fn func(
    cx: &mut StoreContextMut<'_, Process>,
    name: &str,
    sig: Option<&Sig>,
) -> wasmtime::Result<Option<Func>> {
    if !NAMES.contains(&name) {
        return Ok(None);
    }
    let key = format!("{MODULE}.{name}:{sig:?}");
    if let Some(f) = cx.data().host_funcs.get(&key) {
        return Ok(Some(*f));
    }
    match build(cx, name) {
        Some(f) => crate::abi::remember(cx, key, name, f, sig).map(Some),
        // What Emscripten's libc imports as well: built there, once.
        None => crate::abi::emscripten::func(cx, name, sig),
    }
}

/// Builds the functions of this module.
fn build(cx: &mut StoreContextMut<'_, Process>, name: &str) -> Option<Func> {
    let f = match name {
        // ---- preopens ----------------------------------------------------
        "fd_prestat_get" => {
            Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32, buf: i32| {
                wasi(prestat_get(&mut c, fd, buf))
            })
        }
        "fd_prestat_dir_name" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, buf: i32, len: i32| {
                wasi(prestat_dir_name(&mut c, fd, buf, len))
            },
        ),

        // ---- paths -------------------------------------------------------
        "path_open" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             fd: i32,
             dirflags: i32,
             p: i32,
             plen: i32,
             oflags: i32,
             base: i64,
             _inheriting: i64,
             fdflags: i32,
             out: i32| {
                wasi(path_open(
                    &mut c, fd, dirflags, p, plen, oflags, base, fdflags, out,
                ))
            },
        ),
        "path_filestat_get" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, flags: i32, p: i32, plen: i32, buf: i32| {
                wasi((|| {
                    let flags = lookup_flags(flags)?;
                    let fd = dirfd(fd)?;
                    let p = path(&c, p, plen)?;
                    writable(&c, buf, FILESTAT_SIZE)?;
                    let st = fs(&mut c).stat(fd, &p, flags)?;
                    put_filestat(&mut c, buf, st)
                })())
            },
        ),
        "path_filestat_set_times" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             fd: i32,
             flags: i32,
             p: i32,
             plen: i32,
             atim: i64,
             mtim: i64,
             fst: i32| {
                wasi((|| {
                    let flags = lookup_flags(flags)?;
                    let (a, m) = time_sets(atim, mtim, fst)?;
                    wrap_path(&mut c, fd, p, plen, |fs, fd, p| {
                        fs.utimens(fd, Some(p), a, m, flags)
                    })
                })())
            },
        ),
        "path_create_directory" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, p: i32, plen: i32| {
                wasi(wrap_path(&mut c, fd, p, plen, |fs, fd, p| {
                    fs.mkdir(fd, p, 0o777)
                }))
            },
        ),
        "path_remove_directory" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, p: i32, plen: i32| {
                wasi(wrap_path(&mut c, fd, p, plen, |fs, fd, p| {
                    fs.unlink(fd, p, AT_REMOVEDIR)
                }))
            },
        ),
        "path_unlink_file" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, p: i32, plen: i32| {
                wasi(wrap_path(&mut c, fd, p, plen, |fs, fd, p| {
                    fs.unlink(fd, p, 0)
                }))
            },
        ),
        "path_rename" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             fd: i32,
             p: i32,
             plen: i32,
             nfd: i32,
             np: i32,
             nplen: i32| {
                wasi((|| {
                    let (fd, nfd) = (dirfd(fd)?, dirfd(nfd)?);
                    let (p, np) = (path(&c, p, plen)?, path(&c, np, nplen)?);
                    fs(&mut c).rename(fd, &p, nfd, &np)?;
                    Ok(())
                })())
            },
        ),
        "path_link" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             fd: i32,
             flags: i32,
             p: i32,
             plen: i32,
             nfd: i32,
             np: i32,
             nplen: i32| {
                wasi((|| {
                    lookup_flags(flags)?;
                    let (fd, nfd) = (dirfd(fd)?, dirfd(nfd)?);
                    let (p, np) = (path(&c, p, plen)?, path(&c, np, nplen)?);
                    fs(&mut c).link(fd, &p, nfd, &np)?;
                    Ok(())
                })())
            },
        ),
        "path_readlink" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             fd: i32,
             p: i32,
             plen: i32,
             buf: i32,
             len: i32,
             out: i32| { wasi(readlink(&mut c, fd, p, plen, buf, len, out)) },
        ),
        "path_symlink" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, t: i32, tlen: i32, fd: i32, p: i32, plen: i32| {
                wasi((|| {
                    let target = path(&c, t, tlen)?;
                    wrap_path(&mut c, fd, p, plen, |fs, fd, p| fs.symlink(&target, fd, p))
                })())
            },
        ),

        // ---- descriptors -------------------------------------------------
        "fd_readdir" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, buf: i32, len: i32, cookie: i64, out: i32| {
                wasi(readdir(&mut c, fd, buf, len, cookie, out))
            },
        ),
        "fd_filestat_get" => {
            Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32, buf: i32| {
                wasi((|| {
                    writable(&c, buf, FILESTAT_SIZE)?;
                    let st = fs(&mut c).fstat(fd)?;
                    put_filestat(&mut c, buf, st)
                })())
            })
        }
        "fd_filestat_set_size" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, size: i64| {
                wasi(fs(&mut c).ftruncate(fd, size).map_err(Fail::from))
            },
        ),
        "fd_filestat_set_times" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, atim: i64, mtim: i64, fst: i32| {
                wasi((|| {
                    let (a, m) = time_sets(atim, mtim, fst)?;
                    fs(&mut c).utimens(fd, None, a, m, 0)?;
                    Ok(())
                })())
            },
        ),
        "fd_tell" => Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32, out: i32| {
            wasi((|| {
                writable(&c, out, 8)?;
                let pos = seek(fs(&mut c), fd, 0, SEEK_CUR)?;
                write(&mut c, out as u32, &pos.to_le_bytes())?;
                Ok(())
            })())
        }),
        "fd_advise" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, _offset: i64, _len: i64, advice: i32| {
                // Advice is welcome and ignored.
                wasi((|| {
                    fs(&mut c).status_flags(fd)?;
                    if !(0..=ADVICE_MAX).contains(&advice) {
                        return Err(Errno::INVAL.into());
                    }
                    Ok(())
                })())
            },
        ),
        "fd_allocate" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, offset: i64, len: i64| {
                wasi(fs(&mut c).fallocate(fd, offset, len).map_err(Fail::from))
            },
        ),
        "fd_datasync" => Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32| {
            wasi(fs(&mut c).fsync(fd, true).map_err(Fail::from))
        }),
        "fd_fdstat_set_flags" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, flags: i32| {
                wasi((|| {
                    let flags = u16::try_from(flags).map_err(|_| Errno::INVAL)?;
                    let flags = status_flags_of(flags)?;
                    fs(&mut c).set_status_flags(fd, flags)?;
                    Ok(())
                })())
            },
        ),
        "fd_fdstat_set_rights" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, _base: i64, _inheriting: i64| {
                // Rights are not enforced: dropping some changes nothing.
                wasi(fs(&mut c).status_flags(fd).map(|_| ()).map_err(Fail::from))
            },
        ),
        "fd_renumber" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, from: i32, to: i32| {
                wasi(fs(&mut c).renumber(from, to).map_err(Fail::from))
            },
        ),

        // ---- the rest ----------------------------------------------------
        "poll_oneoff" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, input: i32, output: i32, n: i32, nevents: i32| {
                wasi(poll(&mut c, input, output, n, nevents))
            },
        ),
        "sched_yield" => Func::wrap(&mut *cx, || 0i32),
        "proc_raise" => Func::wrap(&mut *cx, |_sig: i32| Errno::NOSYS.0),
        "random_get" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, buf: i32, len: i32| {
                wasi((|| {
                    let len = len as u32 as usize;
                    writable(&c, buf, len)?;
                    let mut bytes = vec![0u8; len];
                    fill_random(&mut bytes);
                    write(&mut c, buf as u32, &bytes)?;
                    Ok(())
                })())
            },
        ),
        "sock_accept" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, _flags: i32, _out: i32| {
                wasi(not_a_socket(&mut c, fd))
            },
        ),
        "sock_recv" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             fd: i32,
             _iovs: i32,
             _n: i32,
             _flags: i32,
             _len_out: i32,
             _flags_out: i32| { wasi(not_a_socket(&mut c, fd)) },
        ),
        "sock_send" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, _iovs: i32, _n: i32, _flags: i32, _out: i32| {
                wasi(not_a_socket(&mut c, fd))
            },
        ),
        "sock_shutdown" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, _how: i32| wasi(not_a_socket(&mut c, fd)),
        ),
        _ => return None,
    };
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::AsContextMut;

    fn u64_at(b: &[u8], i: usize) -> u64 {
        u64::from_le_bytes(b[i..i + 8].try_into().unwrap())
    }

    #[test]
    fn filestat_layout() {
        let st = Stat {
            dev: 0x0102_0304_0506_0708,
            ino: 0x1_0000_0002,
            mode: S_IFREG | 0o644,
            nlink: 3,
            size: 0x7_0000_0008,
            atime: (10, 11),
            mtime: (12, 13),
            ctime: (-1, 5),
            ..Stat::default()
        };
        let b = filestat_bytes(&st);
        assert_eq!(b.len(), 64);
        assert_eq!(u64_at(&b, 0), 0x0102_0304_0506_0708);
        assert_eq!(u64_at(&b, 8), 0x1_0000_0002);
        assert_eq!(b[16], filetype::REGULAR_FILE);
        assert_eq!(&b[17..24], &[0; 7]);
        assert_eq!(u64_at(&b, 24), 3);
        assert_eq!(u64_at(&b, 32), 0x7_0000_0008);
        assert_eq!(u64_at(&b, 40), 10_000_000_011);
        assert_eq!(u64_at(&b, 48), 12_000_000_013);
        // Before the epoch: not representable, 0.
        assert_eq!(u64_at(&b, 56), 0);
        let dir = Stat {
            mode: S_IFDIR | 0o755,
            ..Stat::default()
        };
        assert_eq!(filestat_bytes(&dir)[16], filetype::DIRECTORY);
        let fifo = Stat {
            mode: S_IFIFO,
            ..Stat::default()
        };
        assert_eq!(filestat_bytes(&fifo)[16], filetype::UNKNOWN);
    }

    #[test]
    fn dirent_layout() {
        let e = DirEntry {
            name: "hello".into(),
            ino: 0xabcdef,
            kind: FileKind::Symlink,
            next: 7,
        };
        let b = dirent_bytes(&e);
        assert_eq!(b.len(), 24 + 5);
        assert_eq!(u64_at(&b, 0), 7);
        assert_eq!(u64_at(&b, 8), 0xabcdef);
        assert_eq!(u32::from_le_bytes(b[16..20].try_into().unwrap()), 5);
        assert_eq!(b[20], filetype::SYMBOLIC_LINK);
        assert_eq!(&b[21..24], &[0; 3]);
        assert_eq!(&b[24..], b"hello");
    }

    #[test]
    fn fdstat_layout_and_rights() {
        let b = fdstat_bytes(filetype::REGULAR_FILE, 0x11, 0x1234, 0x5678);
        assert_eq!(b[0], 4);
        assert_eq!(b[1], 0);
        assert_eq!(u16::from_le_bytes([b[2], b[3]]), 0x11);
        assert_eq!(u64_at(&b, 8), 0x1234);
        assert_eq!(u64_at(&b, 16), 0x5678);
        // Files: read and write rights by access mode.
        let (ro, inh) = rights_of(filetype::REGULAR_FILE, O_RDONLY);
        assert_eq!(inh, 0);
        assert!(ro & rights::FD_READ != 0 && ro & rights::FD_WRITE == 0);
        assert!(ro & rights::FD_SEEK != 0);
        let (wo, _) = rights_of(filetype::REGULAR_FILE, O_WRONLY | O_APPEND);
        assert!(wo & rights::FD_READ == 0 && wo & rights::FD_WRITE != 0);
        let (rw, _) = rights_of(filetype::REGULAR_FILE, O_RDWR);
        assert!(rw & rights::FD_READ != 0 && rw & rights::FD_WRITE != 0);
        let (p, _) = rights_of(filetype::REGULAR_FILE, O_RDWR | O_PATH);
        assert_eq!(p & (rights::READING | rights::WRITING), 0);
        // Terminals cannot seek or tell (wasi-libc's isatty test).
        let (tty, _) = rights_of(filetype::CHARACTER_DEVICE, O_WRONLY);
        assert_eq!(tty & (rights::FD_SEEK | rights::FD_TELL), 0);
        assert!(tty & rights::FD_WRITE != 0);
        // Directories hand every right on to what is opened in them.
        let (d, inh) = rights_of(filetype::DIRECTORY, O_RDONLY);
        assert!(d & rights::FD_READDIR != 0 && d & rights::PATH_OPEN != 0);
        assert_eq!(d & rights::FD_WRITE, 0);
        assert_eq!(inh, rights::ALL);
        assert_eq!(fdflags_of(O_WRONLY | O_APPEND | O_NONBLOCK), 1 | 4);
        assert_eq!(fdflags_of(O_SYNC), 2 | 8 | 16);
        assert_eq!(fdflags_of(O_DSYNC), 2);
    }

    #[test]
    fn path_open_flags() {
        use rights::*;
        // wasi-libc's O_RDONLY: every right but the writing ones.
        let ro = ALL & !WRITING;
        assert_eq!(open_flags(1, 0, ro, 0), Ok(O_RDONLY));
        assert_eq!(
            open_flags(1, 0, ALL & !READING, FDFLAGS_APPEND),
            Ok(O_WRONLY | O_APPEND)
        );
        assert_eq!(
            open_flags(1, OFLAGS_CREAT | OFLAGS_TRUNC | OFLAGS_EXCL, ALL, 0),
            Ok(O_RDWR | O_CREAT | O_TRUNC | O_EXCL)
        );
        assert_eq!(
            open_flags(0, OFLAGS_DIRECTORY, FD_READDIR, FDFLAGS_NONBLOCK),
            Ok(O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOFOLLOW)
        );
        // No rights at all: reading, as other runtimes do.
        assert_eq!(open_flags(1, 0, 0, 0), Ok(O_RDONLY));
        assert_eq!(
            open_flags(1, 0, FD_DATASYNC, FDFLAGS_SYNC),
            Ok(O_WRONLY | O_SYNC)
        );
        assert_eq!(open_flags(2, 0, ro, 0), Err(Errno::INVAL));
        assert_eq!(open_flags(1, 16, ro, 0), Err(Errno::INVAL));
        assert_eq!(open_flags(1, 0, ro, 32), Err(Errno::INVAL));
    }

    #[test]
    fn set_times_flags() {
        let now = FST_ATIM_NOW | FST_MTIM;
        assert_eq!(
            time_sets(0, 1_500_000_000_000_000_123, now as i32),
            Ok((TimeSet::Now, TimeSet::At(1_500_000_000, 123)))
        );
        assert_eq!(time_sets(5, 5, 0), Ok((TimeSet::Omit, TimeSet::Omit)));
        assert_eq!(
            time_sets(0, 0, (FST_ATIM | FST_ATIM_NOW) as i32),
            Err(Errno::INVAL)
        );
        assert_eq!(time_sets(0, 0, 16), Err(Errno::INVAL));
        assert_eq!(time_sets(0, 0, -1), Err(Errno::INVAL));
    }

    #[test]
    fn subscriptions_and_events() {
        let mut clock = [0u8; 48];
        clock[0..8].copy_from_slice(&42u64.to_le_bytes());
        clock[8] = EVENTTYPE_CLOCK;
        clock[16..20].copy_from_slice(&1u32.to_le_bytes());
        clock[24..32].copy_from_slice(&1000u64.to_le_bytes());
        clock[40] = 1;
        assert_eq!(
            subscription(&clock),
            Ok(Subscription::Clock {
                userdata: 42,
                id: 1,
                timeout: 1000,
                abstime: true
            })
        );
        let mut fd = [0u8; 48];
        fd[0] = 9;
        fd[8] = EVENTTYPE_FD_WRITE;
        fd[16] = 4;
        assert_eq!(
            subscription(&fd),
            Ok(Subscription::Fd {
                userdata: 9,
                fd: 4,
                write: true
            })
        );
        fd[8] = 3;
        assert_eq!(subscription(&fd), Err(Errno::INVAL));
        let e = event_bytes(7, Errno::BADF, EVENTTYPE_FD_READ, 100, true);
        assert_eq!(u64_at(&e, 0), 7);
        assert_eq!(u16::from_le_bytes([e[8], e[9]]), 8);
        assert_eq!(e[10], EVENTTYPE_FD_READ);
        assert_eq!(u64_at(&e, 16), 100);
        assert_eq!(u16::from_le_bytes([e[24], e[25]]), 1);
        let e = event_bytes(7, Errno(0), EVENTTYPE_CLOCK, 100, true);
        assert_eq!(&e[11..], &[0; 21]);
    }

    /// Every function, with the type wasi-libc imports it with (its
    /// `__wasilibc_real.c`): i = i32, l = i64; all return an errno but
    /// proc_exit.
    const WASI_LIBC_TYPES: &[(&str, &str)] = &[
        ("args_get", "ii"),
        ("args_sizes_get", "ii"),
        ("environ_get", "ii"),
        ("environ_sizes_get", "ii"),
        ("clock_res_get", "ii"),
        ("clock_time_get", "ili"),
        ("fd_advise", "illi"),
        ("fd_allocate", "ill"),
        ("fd_close", "i"),
        ("fd_datasync", "i"),
        ("fd_fdstat_get", "ii"),
        ("fd_fdstat_set_flags", "ii"),
        ("fd_fdstat_set_rights", "ill"),
        ("fd_filestat_get", "ii"),
        ("fd_filestat_set_size", "il"),
        ("fd_filestat_set_times", "illi"),
        ("fd_pread", "iiili"),
        ("fd_prestat_get", "ii"),
        ("fd_prestat_dir_name", "iii"),
        ("fd_pwrite", "iiili"),
        ("fd_read", "iiii"),
        ("fd_readdir", "iiili"),
        ("fd_renumber", "ii"),
        ("fd_seek", "ilii"),
        ("fd_sync", "i"),
        ("fd_tell", "ii"),
        ("fd_write", "iiii"),
        ("path_create_directory", "iii"),
        ("path_filestat_get", "iiiii"),
        ("path_filestat_set_times", "iiiilli"),
        ("path_link", "iiiiiii"),
        ("path_open", "iiiiilli"),
        ("path_readlink", "iiiiii"),
        ("path_remove_directory", "iii"),
        ("path_rename", "iiiiii"),
        ("path_symlink", "iiiii"),
        ("path_unlink_file", "iii"),
        ("poll_oneoff", "iiii"),
        ("proc_exit", "i"),
        ("proc_raise", "i"),
        ("sched_yield", ""),
        ("random_get", "ii"),
        ("sock_accept", "iii"),
        ("sock_recv", "iiiiii"),
        ("sock_send", "iiiii"),
        ("sock_shutdown", "ii"),
    ];

    #[test]
    fn every_function_has_wasi_libcs_type() {
        use wasmparser::ValType;
        let modules = std::sync::Arc::new(crate::compiled::Modules::default());
        let engine = modules.engine().clone();
        let process = Process::new(Default::default(), Default::default(), modules);
        let mut store = wasmtime::Store::new(&engine, process);
        let mut cx = store.as_context_mut();
        let mut names: Vec<&str> = WASI_LIBC_TYPES.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let mut all = NAMES.to_vec();
        all.sort_unstable();
        assert_eq!(names, all);
        for (name, params) in WASI_LIBC_TYPES {
            let mut params: Vec<ValType> = params
                .chars()
                .map(|c| if c == 'l' { ValType::I64 } else { ValType::I32 })
                .collect();
            if *name == "path_open" {
                // fd, dirflags, path, len, oflags, 2 rights, fdflags, out.
                params.push(ValType::I32);
            }
            let results = if *name == "proc_exit" {
                vec![]
            } else {
                vec![ValType::I32]
            };
            let sig = Sig { params, results };
            let f = func(&mut cx, name, Some(&sig));
            assert!(matches!(f, Ok(Some(_))), "{name}: {f:?}");
        }
        assert!(matches!(func(&mut cx, "strftime", None), Ok(None)));
    }
}
