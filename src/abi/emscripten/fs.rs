//! Emscripten 3.1's file-system imports over [`crate::vfs::Vfs`], the one
//! owner of descriptors: the `__syscall_*` functions of library_syscall.js,
//! the WASI `fd_*` functions of library_wasi.js, and `_mmap_js`,
//! `_munmap_js`, `_msync_js`.
//!
//! Arguments and struct layouts are the ones library_syscall.js reads and
//! writes (`struct stat` of 88 bytes, `struct dirent` of 280, a pointer to
//! the variadic arguments as the last parameter of open/openat/ioctl/fcntl).
//! `__syscall_*` return `-errno`, WASI functions `errno`. A guest pointer
//! out of bounds is EFAULT, never a trap; only a trap inside the program's
//! own allocator (called by `_mmap_js`) ends the run.

use wasmtime::{AsContextMut, Caller, Func, StoreContextMut, Val};

use crate::mem;
use crate::modinfo::Sig;
use crate::process::Process;
use crate::vfs::{Errno, FileKind, MAX_FDS, Stat, TimeSet, Vfs, consts::*};

mod funcs;

pub use funcs::{build, names};

/// Size of musl's `struct stat` on wasm32.
const STAT_SIZE: usize = 88;
/// Size of musl's `struct dirent`: each getdents64 record.
const DIRENT_SIZE: usize = 280;
/// Size of musl's `struct statfs` on wasm32.
const STATFS_SIZE: usize = 64;
const WASM_PAGE: u64 = 65536;

// ioctl requests (Linux generic values).
const TCGETS: u32 = 0x5401;
const TCSETS: u32 = 0x5402;
const TCSETSW: u32 = 0x5403;
const TCSETSF: u32 = 0x5404;
const TCGETA: u32 = 0x5405;
const TCSETA: u32 = 0x5406;
const TCSETAW: u32 = 0x5407;
const TCSETAF: u32 = 0x5408;
const TIOCGPGRP: u32 = 0x540f;
const TIOCSPGRP: u32 = 0x5410;
const TIOCGWINSZ: u32 = 0x5413;
const TIOCSWINSZ: u32 = 0x5414;
const FIONREAD: u32 = 0x541b;
const FIONBIO: u32 = 0x5421;

// fcntl commands.
const F_DUPFD: i32 = 0;
const F_GETFD: i32 = 1;
const F_SETFD: i32 = 2;
const F_GETFL: i32 = 3;
const F_SETFL: i32 = 4;
const F_GETLK: i32 = 5;
const F_SETLK: i32 = 6;
const F_SETLKW: i32 = 7;
const F_SETOWN: i32 = 8;
const F_GETOWN: i32 = 9;
const F_GETOWN_EX: i32 = 16;
const F_DUPFD_CLOEXEC: i32 = 1030;
const F_UNLCK: u16 = 2;

// poll events.
const POLLIN: u16 = 0x1;
const POLLOUT: u16 = 0x4;
const POLLERR: u16 = 0x8;
const POLLHUP: u16 = 0x10;
const POLLNVAL: u16 = 0x20;
const POLLRDNORM: u16 = 0x40;
const POLLWRNORM: u16 = 0x100;

// mmap.
const PROT_WRITE: i32 = 2;
const MAP_SHARED: i32 = 1;
const MAP_FIXED: i32 = 0x10;

const UTIME_NOW: i32 = 0x3fffffff;
const UTIME_OMIT: i32 = 0x3ffffffe;

/// Why a call failed: an errno for the program, or a trap that ends it.
pub(in crate::abi) enum Fail {
    Errno(Errno),
    Trap(wasmtime::Error),
}

impl From<Errno> for Fail {
    /// The program's time running out while the host waited ends it: it
    /// must not run on with an error it could ignore.
    fn from(e: Errno) -> Fail {
        if e == Errno::DEADLINE {
            return Fail::Trap(wasmtime::Trap::Interrupt.into());
        }
        Fail::Errno(e)
    }
}

pub(in crate::abi) type Sys<T> = Result<T, Fail>;

/// The `__syscall_*` convention: a result, or `-errno`.
fn neg(r: Sys<i32>) -> wasmtime::Result<i32> {
    match r {
        Ok(v) => Ok(v),
        Err(Fail::Errno(Errno::DEADLINE)) => Err(wasmtime::Trap::Interrupt.into()),
        Err(Fail::Errno(e)) => Ok(-e.0),
        Err(Fail::Trap(t)) => Err(t),
    }
}

/// The WASI convention: 0, or `errno`.
pub(in crate::abi) fn wasi(r: Sys<()>) -> wasmtime::Result<i32> {
    match r {
        Ok(()) => Ok(0),
        Err(Fail::Errno(Errno::DEADLINE)) => Err(wasmtime::Trap::Interrupt.into()),
        Err(Fail::Errno(e)) => Ok(e.0),
        Err(Fail::Trap(t)) => Err(t),
    }
}

type C<'a, 'b> = &'a mut Caller<'b, Process>;

pub(in crate::abi) fn fs<'a>(c: &'a mut Caller<'_, Process>) -> std::sync::MutexGuard<'a, Vfs> {
    c.data().vfs()
}

// ---- guest memory, EFAULT on bad pointers ---------------------------------

/// The program's memory (EFAULT before there is one).
pub(in crate::abi) fn memory(c: &Caller<'_, Process>) -> Result<crate::mem::Mem, Errno> {
    c.data().memory.ok_or(Errno::FAULT)
}

pub(in crate::abi) fn read(c: &Caller<'_, Process>, ptr: u32, len: u32) -> Result<Vec<u8>, Errno> {
    let m = memory(c)?;
    mem::read(c, m, ptr, len, "").map_err(|_| Errno::FAULT)
}

pub(in crate::abi) fn write(c: C, ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
    let m = memory(c)?;
    mem::write(&mut *c, m, ptr, bytes, "").map_err(|_| Errno::FAULT)
}

fn get_i32(c: &Caller<'_, Process>, ptr: u32) -> Result<i32, Errno> {
    let b = read(c, ptr, 4)?;
    Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub(in crate::abi) fn put_u32(c: C, ptr: u32, v: u32) -> Result<(), Errno> {
    write(c, ptr, &v.to_le_bytes())
}

/// The next variadic argument, as library_syscall.js `SYSCALLS.get()`.
fn vararg(c: &Caller<'_, Process>, varargs: i32) -> Result<i32, Errno> {
    get_i32(c, varargs as u32)
}

/// A path argument: a C string (lossy UTF-8).
fn path(c: &Caller<'_, Process>, ptr: i32) -> Result<String, Errno> {
    let m = memory(c)?;
    if ptr == 0 || ptr as u32 as usize >= m.data_size(c) {
        return Err(Errno::FAULT);
    }
    mem::read_cstr(c, m, ptr as u32, "path").map_err(|_| Errno::NAMETOOLONG)
}

/// A 64-bit value passed as two i32 halves.
fn i64_of(low: i32, high: i32) -> i64 {
    (i64::from(high) << 32) | i64::from(low as u32)
}

/// A `struct iovec` array, every buffer checked to be in bounds.
fn iovecs(c: &Caller<'_, Process>, iovs: i32, n: i32) -> Result<Vec<(usize, usize)>, Errno> {
    if !(0..=1024).contains(&n) {
        return Err(Errno::INVAL);
    }
    let raw = read(c, iovs as u32, n as u32 * 8)?;
    let size = memory(c)?.data_size(c);
    let mut total: usize = 0;
    let mut out = Vec::with_capacity(n as usize);
    for v in raw.chunks_exact(8) {
        let p = u32::from_le_bytes([v[0], v[1], v[2], v[3]]) as usize;
        let l = u32::from_le_bytes([v[4], v[5], v[6], v[7]]) as usize;
        if p + l > size {
            return Err(Errno::FAULT);
        }
        total += l;
        if total > i32::MAX as usize {
            return Err(Errno::INVAL);
        }
        out.push((p, l));
    }
    Ok(out)
}

/// readv/preadv: stops at the first short read, as the kernel and
/// library_syscall.js doReadv do.
fn readv(c: C, fd: i32, iovs: i32, n: i32, at: Option<u64>) -> Result<u32, Errno> {
    transfer(c, fd, iovs, n, at, false)
}

/// writev/pwritev.
fn writev(c: C, fd: i32, iovs: i32, n: i32, at: Option<u64>) -> Result<u32, Errno> {
    transfer(c, fd, iovs, n, at, true)
}

/// Moves data between the guest's iovecs and `fd` (at offset `at`, or the
/// file position), stopping at the first short transfer; an error after
/// some bytes moved ends the call with what moved.
fn transfer(c: C, fd: i32, iovs: i32, n: i32, at: Option<u64>, write: bool) -> Result<u32, Errno> {
    let bufs = iovecs(c, iovs, n)?;
    let m = memory(c)?;
    let mut total = 0usize;
    for (p, l) in bufs {
        let (data, proc) = m.data_and_store_mut(&mut *c);
        let buf = data.get_mut(p..p + l).ok_or(Errno::FAULT)?;
        let offset = at.map(|o| o + total as u64);
        let io = proc.vfs().io(fd)?;
        let r = match (write, offset) {
            (false, None) => io.read(buf),
            (false, Some(o)) => io.pread(buf, o),
            (true, None) => io.write(buf),
            (true, Some(o)) => io.pwrite(buf, o),
        };
        match r {
            Ok(k) => {
                total += k;
                if k < l {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total as u32)
}

/// `struct stat` as library_syscall.js doStat writes it.
fn stat_bytes(st: &Stat) -> [u8; STAT_SIZE] {
    let mut b = [0u8; STAT_SIZE];
    let mut put = |at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put(0, st.dev as u32);
    put(8, st.ino as u32);
    put(12, st.mode);
    put(16, st.nlink as u32);
    put(20, st.uid);
    put(24, st.gid);
    put(28, st.rdev as u32);
    put(48, st.blksize as u32);
    put(52, st.blocks as u32);
    put(56, st.atime.0 as u32);
    put(60, st.atime.1);
    put(64, st.mtime.0 as u32);
    put(68, st.mtime.1);
    put(72, st.ctime.0 as u32);
    put(76, st.ctime.1);
    b[40..48].copy_from_slice(&st.size.to_le_bytes());
    b[80..88].copy_from_slice(&st.ino.to_le_bytes());
    b
}

fn put_stat(c: C, buf: i32, st: Stat) -> Sys<i32> {
    write(c, buf as u32, &stat_bytes(&st))?;
    Ok(0)
}

/// lseek for Emscripten: directory positions are byte offsets of 280-byte
/// dirent records, as library_syscall.js getdents64 keeps them.
pub(in crate::abi) fn seek(fs: &Vfs, fd: i32, offset: i64, whence: u32) -> Result<u64, Errno> {
    if fs.is_dir(fd)? {
        let unit = DIRENT_SIZE as i64;
        return Ok(fs.seek(fd, offset / unit, whence)? * unit as u64);
    }
    fs.seek(fd, offset, whence)
}

fn fd_seek(c: C, fd: i32, offset: i64, whence: i32, out: i32) -> Sys<()> {
    if whence < 0 {
        return Err(Errno::INVAL.into());
    }
    let pos = seek(&fs(c), fd, offset, whence as u32)?;
    write(c, out as u32, &pos.to_le_bytes())?;
    Ok(())
}

/// WASI `fdstat`: the file type (character device only for the program's
/// terminal, which is what musl's isatty asks), the fd flags, and rights
/// that follow the access mode (wasi-libc's `fcntl(F_GETFL)` reads the
/// access mode back from them).
fn fdstat(c: C, fd: i32, buf: i32) -> Sys<()> {
    use crate::abi::wasi::p1;
    let fs = fs(c);
    let kind = fs.kind(fd)?;
    let filetype = if fs.isatty(fd).is_ok() {
        p1::filetype::CHARACTER_DEVICE
    } else {
        match kind {
            FileKind::CharDevice => p1::filetype::UNKNOWN,
            k => p1::filetype_of(k),
        }
    };
    let flags = fs.status_flags(fd)?;
    let (base, inheriting) = p1::rights_of(filetype, flags);
    let b = p1::fdstat_bytes(filetype, p1::fdflags_of(flags), base, inheriting);
    drop(fs);
    write(c, buf as u32, &b)?;
    Ok(())
}

fn openat(c: C, dirfd: i32, p: i32, flags: i32, varargs: i32) -> Sys<i32> {
    let p = path(c, p)?;
    let flags = flags as u32;
    let mode = if flags & O_CREAT != 0 && varargs != 0 {
        vararg(c, varargs)? as u32
    } else {
        0
    };
    Ok(fs(c).open(dirfd, &p, flags, mode)?)
}

fn mknodat(c: C, dirfd: i32, p: i32, mode: i32) -> Sys<i32> {
    let p = path(c, p)?;
    let mode = mode as u32;
    match mode & S_IFMT {
        0 | S_IFREG => {
            let mut fs = fs(c);
            let fd = fs.open(dirfd, &p, O_CREAT | O_EXCL | O_WRONLY, mode & 0o7777)?;
            fs.close(fd)?;
            Ok(0)
        }
        S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => Err(Errno::PERM.into()),
        _ => Err(Errno::INVAL.into()),
    }
}

fn readlinkat(c: C, dirfd: i32, p: i32, buf: i32, size: i32) -> Sys<i32> {
    let p = path(c, p)?;
    if size <= 0 {
        return Err(Errno::INVAL.into());
    }
    let target = fs(c).readlink(dirfd, &p)?;
    let bytes = target.as_bytes();
    let n = bytes.len().min(size as usize);
    write(c, buf as u32, &bytes[..n])?;
    Ok(n as i32)
}

fn getcwd(c: C, buf: i32, size: i32) -> Sys<i32> {
    if size == 0 {
        return Err(Errno::INVAL.into());
    }
    let mut cwd = fs(c).cwd().as_bytes().to_vec();
    cwd.push(0);
    if (size as u32 as usize) < cwd.len() {
        return Err(Errno::RANGE.into());
    }
    write(c, buf as u32, &cwd)?;
    Ok(cwd.len() as i32)
}

fn getdents(c: C, fd: i32, dirp: i32, count: i32) -> Sys<i32> {
    if !fs(c).is_dir(fd)? {
        return Err(Errno::NOTDIR.into());
    }
    let max = count as u32 as usize / DIRENT_SIZE;
    if max == 0 {
        return Err(Errno::INVAL.into());
    }
    let size = memory(c)?.data_size(&*c);
    let max = max.min(size / DIRENT_SIZE);
    if dirp as u32 as usize + max * DIRENT_SIZE > size {
        return Err(Errno::FAULT.into());
    }
    let entries = fs(c).getdents(fd, max)?;
    let mut out = vec![0u8; entries.len() * DIRENT_SIZE];
    for (rec, e) in out.chunks_exact_mut(DIRENT_SIZE).zip(&entries) {
        rec[0..8].copy_from_slice(&e.ino.to_le_bytes());
        rec[8..16].copy_from_slice(&(e.next * DIRENT_SIZE as u64).to_le_bytes());
        rec[16..18].copy_from_slice(&(DIRENT_SIZE as u16).to_le_bytes());
        rec[18] = e.kind.dirent_type();
        let name = e.name.as_bytes();
        let n = name.len().min(255);
        rec[19..19 + n].copy_from_slice(&name[..n]);
    }
    write(c, dirp as u32, &out)?;
    Ok(out.len() as i32)
}

/// statfs: made-up but sane numbers, as library_syscall.js gives.
fn statfs(c: C, size: i32, buf: i32) -> Sys<i32> {
    let mut b = [0u8; STATFS_SIZE];
    let mut put = |at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put(4, 4096); // f_bsize
    put(8, 1_000_000); // f_blocks
    put(12, 500_000); // f_bfree
    put(16, 500_000); // f_bavail
    put(20, 1_000_000); // f_files
    put(24, 1_000_000); // f_ffree
    put(28, 42); // f_fsid
    put(36, 255); // f_namelen
    put(40, 4096); // f_frsize
    put(44, 2); // f_flags: ST_NOSUID
    let n = (size.max(0) as usize).min(STATFS_SIZE);
    write(c, buf as u32, &b[..n])?;
    Ok(0)
}

fn utimensat(c: C, dirfd: i32, p: i32, times: i32, flags: i32) -> Sys<i32> {
    let p = if p == 0 { None } else { Some(path(c, p)?) };
    let (a, m) = if times == 0 {
        (TimeSet::Now, TimeSet::Now)
    } else {
        let raw = read(c, times as u32, 16)?;
        let word = |i: usize| i32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
        (time_set(word(0), word(4))?, time_set(word(8), word(12))?)
    };
    fs(c).utimens(dirfd, p.as_deref(), a, m, flags as u32)?;
    Ok(0)
}

fn time_set(sec: i32, nsec: i32) -> Result<TimeSet, Errno> {
    match nsec {
        UTIME_NOW => Ok(TimeSet::Now),
        UTIME_OMIT => Ok(TimeSet::Omit),
        0..=999_999_999 => Ok(TimeSet::At(i64::from(sec), nsec as u32)),
        _ => Err(Errno::INVAL),
    }
}

/// ioctl: the program's stdio streams are terminals, as under node.
fn ioctl(c: C, fd: i32, op: i32, varargs: i32) -> Sys<i32> {
    let tty = fs(c).isatty(fd);
    if tty == Err(Errno::BADF) {
        return Err(Errno::BADF.into());
    }
    match op as u32 {
        TCGETS | TCGETA | TCSETS | TCSETSW | TCSETSF | TCSETA | TCSETAW | TCSETAF | TIOCSWINSZ => {
            tty?;
            Ok(0)
        }
        TIOCGWINSZ => {
            tty?;
            if varargs != 0 {
                let argp = vararg(c, varargs)?;
                // struct winsize: 24 rows, 80 columns.
                write(c, argp as u32, &[24, 0, 80, 0, 0, 0, 0, 0])?;
            }
            Ok(0)
        }
        TIOCGPGRP => {
            tty?;
            let argp = vararg(c, varargs)?;
            put_u32(c, argp as u32, 0)?;
            Ok(0)
        }
        TIOCSPGRP => {
            tty?;
            Err(Errno::INVAL.into())
        }
        FIONREAD => {
            let n = fs(c).readable_bytes(fd)?;
            let argp = vararg(c, varargs)?;
            put_u32(c, argp as u32, n.min(i32::MAX as u64) as u32)?;
            Ok(0)
        }
        FIONBIO => {
            let argp = vararg(c, varargs)?;
            let on = get_i32(c, argp as u32)? != 0;
            let fs = fs(c);
            let flags = fs.status_flags(fd)?;
            let flags = if on {
                flags | O_NONBLOCK
            } else {
                flags & !O_NONBLOCK
            };
            fs.set_status_flags(fd, flags)?;
            Ok(0)
        }
        _ if tty.is_ok() => Err(Errno::INVAL.into()),
        _ => Err(Errno::NOTTY.into()),
    }
}

fn fcntl(c: C, fd: i32, cmd: i32, varargs: i32) -> Sys<i32> {
    fs(c).status_flags(fd)?;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let min = vararg(c, varargs)?;
            Ok(fs(c).dup_min(fd, min, cmd == F_DUPFD_CLOEXEC)?)
        }
        F_GETFD => Ok(fs(c).fd_flags(fd)? as i32),
        F_SETFD => {
            let arg = vararg(c, varargs)?;
            fs(c).set_fd_flags(fd, arg as u32)?;
            Ok(0)
        }
        F_GETFL => Ok(fs(c).status_flags(fd)? as i32),
        F_SETFL => {
            let arg = vararg(c, varargs)?;
            fs(c).set_status_flags(fd, arg as u32)?;
            Ok(0)
        }
        F_GETLK => {
            // Nothing is ever locked: l_type = F_UNLCK.
            let arg = vararg(c, varargs)?;
            write(c, arg as u32, &F_UNLCK.to_le_bytes())?;
            Ok(0)
        }
        F_SETLK | F_SETLKW => Ok(0),
        F_GETOWN => Ok(0),
        F_SETOWN | F_GETOWN_EX => Err(Errno::INVAL.into()),
        _ => Err(Errno::INVAL.into()),
    }
}

fn poll_mask(fs: &Vfs, fd: i32) -> u16 {
    match fs.poll(fd) {
        None => POLLNVAL,
        Some(r) => {
            let mut m = 0;
            if r.read {
                m |= POLLIN | POLLRDNORM;
            }
            if r.write {
                m |= POLLOUT | POLLWRNORM;
            }
            if r.hangup {
                m |= POLLHUP;
            }
            m
        }
    }
}

/// poll: never waits; what is ready is reported at once.
fn poll(c: C, fds: i32, nfds: i32) -> Sys<i32> {
    if !(0..=MAX_FDS as i32).contains(&nfds) {
        return Err(Errno::INVAL.into());
    }
    let mut raw = read(c, fds as u32, nfds as u32 * 8)?;
    let mut ready = 0;
    for rec in raw.chunks_exact_mut(8) {
        let fd = i32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]);
        let events = u16::from_le_bytes([rec[4], rec[5]]);
        let revents = if fd < 0 {
            0
        } else {
            poll_mask(&fs(c), fd) & (events | POLLERR | POLLHUP | POLLNVAL)
        };
        if revents != 0 {
            ready += 1;
        }
        rec[6..8].copy_from_slice(&revents.to_le_bytes());
    }
    write(c, fds as u32, &raw)?;
    Ok(ready)
}

/// select: never waits, like poll.
fn select(c: C, nfds: i32, sets: [i32; 3]) -> Sys<i32> {
    if !(0..=MAX_FDS as i32).contains(&nfds) {
        return Err(Errno::INVAL.into());
    }
    let words = (nfds as u32).div_ceil(32);
    let mut input: [Vec<u32>; 3] = Default::default();
    for (i, &p) in sets.iter().enumerate() {
        input[i] = if p == 0 {
            vec![0; words as usize]
        } else {
            read(c, p as u32, words * 4)?
                .chunks_exact(4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                .collect()
        };
    }
    let mut output: [Vec<u32>; 3] = Default::default();
    for o in &mut output {
        *o = vec![0; words as usize];
    }
    let mut total = 0;
    for fd in 0..nfds as usize {
        let (w, bit) = (fd / 32, 1u32 << (fd % 32));
        if input.iter().all(|s| s[w] & bit == 0) {
            continue;
        }
        let r = fs(c).poll(fd as i32).ok_or(Errno::BADF)?;
        for (i, yes) in [r.read || r.hangup, r.write, false].into_iter().enumerate() {
            if yes && input[i][w] & bit != 0 {
                output[i][w] |= bit;
                total += 1;
            }
        }
    }
    for (i, &p) in sets.iter().enumerate() {
        if p != 0 {
            let bytes: Vec<u8> = output[i].iter().flat_map(|w| w.to_le_bytes()).collect();
            write(c, p as u32, &bytes)?;
        }
    }
    Ok(total)
}

fn pipe(c: C, fdp: i32) -> Sys<i32> {
    if fdp == 0 {
        return Err(Errno::FAULT.into());
    }
    read(c, fdp as u32, 8)?;
    let (r, w) = fs(c).pipe()?;
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&r.to_le_bytes());
    b[4..].copy_from_slice(&w.to_le_bytes());
    write(c, fdp as u32, &b)?;
    Ok(0)
}

/// `_mmap_js`: copies the file into memory from the program's own
/// allocator, as Emscripten's MEMFS does; shared writable mappings are
/// written back by msync, munmap and exit.
#[allow(clippy::too_many_arguments)]
fn mmap(c: C, len: i32, prot: i32, flags: i32, fd: i32, off: i32, allocated: i32) -> Sys<i32> {
    if flags & MAP_FIXED != 0 {
        return Err(Errno::INVAL.into());
    }
    let len = u64::from(len as u32);
    let (mapping, bytes) = fs(c).map(
        fd,
        u64::from(off as u32),
        len,
        prot & PROT_WRITE != 0,
        flags & MAP_SHARED != 0,
    )?;
    let size = len.next_multiple_of(WASM_PAGE);
    if size > u64::from(u32::MAX) {
        return Err(Errno::NOMEM.into());
    }
    let memalign = {
        let mut cx = c.as_context_mut();
        Process::first_global_func(&mut cx, &["emscripten_builtin_memalign", "memalign"])
    }
    .map_err(Fail::Trap)?
    .ok_or(Errno::NOMEM)?;
    let mut out = [Val::I32(0)];
    memalign
        .call(
            &mut *c,
            &[Val::I32(WASM_PAGE as i32), Val::I32(size as u32 as i32)],
            &mut out,
        )
        .map_err(Fail::Trap)?;
    let ptr = crate::abi::as_i32(&out[0], "memalign").map_err(Fail::Trap)? as u32;
    if ptr == 0 {
        return Err(Errno::NOMEM.into());
    }
    let m = memory(c)?;
    let region = m
        .data_mut(&mut *c)
        .get_mut(ptr as usize..ptr as usize + size as usize)
        .ok_or(Errno::FAULT)?;
    region[..bytes.len()].copy_from_slice(&bytes);
    region[bytes.len()..].fill(0);
    put_u32(c, allocated as u32, 1)?;
    fs(c).add_mapping(u64::from(ptr), mapping);
    Ok(ptr as i32)
}

/// Writes back up to `len` bytes of the shared mapping at `addr`.
fn sync_mapping(c: C, addr: u32, len: u32) -> Sys<()> {
    let Some(n) = c
        .data()
        .vfs()
        .mapping(u64::from(addr))
        .filter(|m| m.shared_write())
        .map(|m| m.len().min(u64::from(len)))
    else {
        return Ok(());
    };
    let data = read(c, addr, n as u32)?;
    if let Some(m) = c.data().vfs().mapping(u64::from(addr)) {
        m.write_back(&data)?;
    }
    Ok(())
}

/// At exit, shared writable mappings still in place reach their files, as
/// they would through the page cache.
pub fn at_exit(cx: &mut StoreContextMut<'_, Process>) {
    let m = cx.data().memory;
    let Some(m) = m else { return };
    let shared = cx.data().vfs().shared_mappings();
    for addr in shared {
        let data = cx.data().vfs().mapping(addr).and_then(|map| {
            m.data(&*cx)
                .get(addr as usize..(addr + map.len()) as usize)
                .map(|d| d.to_vec())
        });
        if let (Some(data), Some(map)) = (data, cx.data().vfs().mapping(addr)) {
            let _ = map.write_back(&data);
        }
    }
}

fn has_i64(sig: Option<&Sig>) -> bool {
    sig.is_some_and(|s| s.params.contains(&wasmparser::ValType::I64))
}

/// fd_pread / fd_pwrite.
#[allow(clippy::too_many_arguments)]
fn prw(c: C, is_write: bool, fd: i32, iovs: i32, n: i32, off: i64, out: i32) -> Sys<()> {
    let off = u64::try_from(off).map_err(|_| Errno::INVAL)?;
    let total = if is_write {
        writev(c, fd, iovs, n, Some(off))?
    } else {
        readv(c, fd, iovs, n, Some(off))?
    };
    put_u32(c, out as u32, total)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_layout_matches_library_syscall_js() {
        let st = Stat {
            dev: 1,
            ino: 0x1_0000_0002,
            mode: 0o100644,
            nlink: 3,
            uid: 4,
            gid: 5,
            rdev: 6,
            size: 0x7_0000_0008,
            blksize: 4096,
            blocks: 9,
            atime: (10, 11),
            mtime: (12, 13),
            ctime: (14, 15),
        };
        let b = stat_bytes(&st);
        let w = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        assert_eq!(w(0), 1);
        assert_eq!(w(4), 0);
        assert_eq!(w(8), 2);
        assert_eq!(w(12), 0o100644);
        assert_eq!(w(16), 3);
        assert_eq!((w(20), w(24), w(28)), (4, 5, 6));
        assert_eq!((w(40), w(44)), (8, 7));
        assert_eq!((w(48), w(52)), (4096, 9));
        assert_eq!(
            (w(56), w(60), w(64), w(68), w(72), w(76)),
            (10, 11, 12, 13, 14, 15)
        );
        assert_eq!((w(80), w(84)), (2, 1));
    }

    #[test]
    fn split_i64() {
        assert_eq!(i64_of(-1, -1), -1);
        assert_eq!(i64_of(5, 1), (1 << 32) + 5);
        assert_eq!(i64_of(-2, 0), 0xffff_fffe);
    }

    #[test]
    fn utime_specials() {
        assert_eq!(time_set(3, UTIME_NOW), Ok(TimeSet::Now));
        assert_eq!(time_set(3, UTIME_OMIT), Ok(TimeSet::Omit));
        assert_eq!(time_set(3, 4), Ok(TimeSet::At(3, 4)));
        assert_eq!(time_set(3, -1), Err(Errno::INVAL));
    }
}
