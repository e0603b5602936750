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

mod funcs;
mod layout;

use funcs::{Def, FUNCS};
use layout::*;
pub use layout::{
    dirent_bytes, fdflags_of, fdstat_bytes, filestat_bytes, filetype, filetype_of, open_flags,
    rights_of,
};

/// The import module.
pub const MODULE: &str = "wasi_snapshot_preview1";

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
    drop(fs);
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
    drop(fs);
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
    op(&mut fs(c), fd, &p)?;
    Ok(())
}

/// Whether WASI preview 1 has function `name`.
pub fn provides(name: &str) -> bool {
    FUNCS.get(name).is_some()
}

/// The host function for `wasi_snapshot_preview1.name`, for either
/// flavour; `None` for a name WASI preview 1 does not have.
pub fn func(
    cx: &mut StoreContextMut<'_, Process>,
    name: &str,
    sig: Option<&Sig>,
) -> wasmtime::Result<Option<Func>> {
    let Some(def) = FUNCS.get(name) else {
        return Ok(None);
    };
    let key = (MODULE, name.to_string(), sig.cloned());
    if let Some(f) = cx.data().host_funcs.get(&key) {
        return Ok(Some(*f));
    }
    match def {
        Def::Own(make) => {
            let f = make(cx);
            crate::abi::remember(cx, key, name, f, sig).map(Some)
        }
        Def::Shared => crate::abi::emscripten::func(cx, name, sig),
    }
}

#[cfg(test)]
mod tests;
