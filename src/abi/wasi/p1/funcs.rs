//! The table of WASI preview 1: each function once, with where it is
//! built.

use super::*;
use crate::abi::table::{FixedFn, FuncTable};

/// Where a WASI function is built.
#[derive(Clone, Copy)]
pub(super) enum Def {
    /// By this module.
    Own(FixedFn),
    /// By `abi::emscripten`, as Emscripten's libc imports it too: built
    /// there, once, for both flavours.
    Shared,
}

use Def::{Own, Shared};

/// Every function of WASI preview 1.
pub(super) static FUNCS: FuncTable<Def> = FuncTable::new(&[
    ("args_get", Shared),
    ("args_sizes_get", Shared),
    ("environ_get", Shared),
    ("environ_sizes_get", Shared),
    ("clock_res_get", Shared),
    ("clock_time_get", Shared),
    ("fd_close", Shared),
    ("fd_fdstat_get", Shared),
    ("fd_pread", Shared),
    ("fd_pwrite", Shared),
    ("fd_read", Shared),
    ("fd_seek", Shared),
    ("fd_sync", Shared),
    ("fd_write", Shared),
    ("proc_exit", Shared),
    // ---- preopens ----------------------------------------------------
    (
        "fd_prestat_get",
        Own(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, fd: i32, buf: i32| {
                wasi(prestat_get(&mut c, fd, buf))
            })
        }),
    ),
    (
        "fd_prestat_dir_name",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fd: i32, buf: i32, len: i32| {
                    wasi(prestat_dir_name(&mut c, fd, buf, len))
                },
            )
        }),
    ),
    // ---- paths -------------------------------------------------------
    (
        "path_open",
        Own(|cx| {
            Func::wrap(
                cx,
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
            )
        }),
    ),
    (
        "path_filestat_get",
        Own(|cx| {
            Func::wrap(
                cx,
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
            )
        }),
    ),
    (
        "path_filestat_set_times",
        Own(|cx| {
            Func::wrap(
                cx,
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
            )
        }),
    ),
    (
        "path_create_directory",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fd: i32, p: i32, plen: i32| {
                    wasi(wrap_path(&mut c, fd, p, plen, |fs, fd, p| {
                        fs.mkdir(fd, p, 0o777)
                    }))
                },
            )
        }),
    ),
    (
        "path_remove_directory",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fd: i32, p: i32, plen: i32| {
                    wasi(wrap_path(&mut c, fd, p, plen, |fs, fd, p| {
                        fs.unlink(fd, p, AT_REMOVEDIR)
                    }))
                },
            )
        }),
    ),
    (
        "path_unlink_file",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fd: i32, p: i32, plen: i32| {
                    wasi(wrap_path(&mut c, fd, p, plen, |fs, fd, p| {
                        fs.unlink(fd, p, 0)
                    }))
                },
            )
        }),
    ),
    (
        "path_rename",
        Own(|cx| {
            Func::wrap(
                cx,
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
            )
        }),
    ),
    (
        "path_link",
        Own(|cx| {
            Func::wrap(
                cx,
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
            )
        }),
    ),
    (
        "path_readlink",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 fd: i32,
                 p: i32,
                 plen: i32,
                 buf: i32,
                 len: i32,
                 out: i32| { wasi(readlink(&mut c, fd, p, plen, buf, len, out)) },
            )
        }),
    ),
    (
        "path_symlink",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, t: i32, tlen: i32, fd: i32, p: i32, plen: i32| {
                    wasi((|| {
                        let target = path(&c, t, tlen)?;
                        wrap_path(&mut c, fd, p, plen, |fs, fd, p| fs.symlink(&target, fd, p))
                    })())
                },
            )
        }),
    ),
    // ---- descriptors -------------------------------------------------
    (
        "fd_readdir",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fd: i32, buf: i32, len: i32, cookie: i64, out: i32| {
                    wasi(readdir(&mut c, fd, buf, len, cookie, out))
                },
            )
        }),
    ),
    (
        "fd_filestat_get",
        Own(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, fd: i32, buf: i32| {
                wasi((|| {
                    writable(&c, buf, FILESTAT_SIZE)?;
                    let st = fs(&mut c).fstat(fd)?;
                    put_filestat(&mut c, buf, st)
                })())
            })
        }),
    ),
    (
        "fd_filestat_set_size",
        Own(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, fd: i32, size: i64| {
                wasi(fs(&mut c).ftruncate(fd, size).map_err(Fail::from))
            })
        }),
    ),
    (
        "fd_filestat_set_times",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fd: i32, atim: i64, mtim: i64, fst: i32| {
                    wasi((|| {
                        let (a, m) = time_sets(atim, mtim, fst)?;
                        fs(&mut c).utimens(fd, None, a, m, 0)?;
                        Ok(())
                    })())
                },
            )
        }),
    ),
    (
        "fd_tell",
        Own(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, fd: i32, out: i32| {
                wasi((|| {
                    writable(&c, out, 8)?;
                    let pos = seek(&fs(&mut c), fd, 0, SEEK_CUR)?;
                    write(&mut c, out as u32, &pos.to_le_bytes())?;
                    Ok(())
                })())
            })
        }),
    ),
    (
        "fd_advise",
        Own(|cx| {
            Func::wrap(
                cx,
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
            )
        }),
    ),
    (
        "fd_allocate",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fd: i32, offset: i64, len: i64| {
                    wasi(fs(&mut c).fallocate(fd, offset, len).map_err(Fail::from))
                },
            )
        }),
    ),
    (
        "fd_datasync",
        Own(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, fd: i32| {
                wasi(fs(&mut c).fsync(fd, true).map_err(Fail::from))
            })
        }),
    ),
    (
        "fd_fdstat_set_flags",
        Own(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, fd: i32, flags: i32| {
                wasi((|| {
                    let flags = u16::try_from(flags).map_err(|_| Errno::INVAL)?;
                    let flags = status_flags_of(flags)?;
                    fs(&mut c).set_status_flags(fd, flags)?;
                    Ok(())
                })())
            })
        }),
    ),
    (
        "fd_fdstat_set_rights",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fd: i32, _base: i64, _inheriting: i64| {
                    // Rights are not enforced: dropping some changes nothing.
                    wasi(fs(&mut c).status_flags(fd).map(|_| ()).map_err(Fail::from))
                },
            )
        }),
    ),
    (
        "fd_renumber",
        Own(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, from: i32, to: i32| {
                wasi(fs(&mut c).renumber(from, to).map_err(Fail::from))
            })
        }),
    ),
    // ---- the rest ----------------------------------------------------
    (
        "poll_oneoff",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, input: i32, output: i32, n: i32, nevents: i32| {
                    wasi(poll(&mut c, input, output, n, nevents))
                },
            )
        }),
    ),
    ("sched_yield", Own(|cx| Func::wrap(cx, || 0i32))),
    (
        "proc_raise",
        Own(|cx| Func::wrap(cx, |_sig: i32| Errno::NOSYS.0)),
    ),
    (
        "random_get",
        Own(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, buf: i32, len: i32| {
                wasi((|| {
                    let len = len as u32 as usize;
                    writable(&c, buf, len)?;
                    let mut bytes = vec![0u8; len];
                    fill_random(&mut bytes);
                    write(&mut c, buf as u32, &bytes)?;
                    Ok(())
                })())
            })
        }),
    ),
    (
        "sock_accept",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fd: i32, _flags: i32, _out: i32| {
                    wasi(not_a_socket(&mut c, fd))
                },
            )
        }),
    ),
    (
        "sock_recv",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 fd: i32,
                 _iovs: i32,
                 _n: i32,
                 _flags: i32,
                 _len_out: i32,
                 _flags_out: i32| { wasi(not_a_socket(&mut c, fd)) },
            )
        }),
    ),
    (
        "sock_send",
        Own(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 fd: i32,
                 _iovs: i32,
                 _n: i32,
                 _flags: i32,
                 _out: i32| { wasi(not_a_socket(&mut c, fd)) },
            )
        }),
    ),
    (
        "sock_shutdown",
        Own(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, fd: i32, _how: i32| {
                wasi(not_a_socket(&mut c, fd))
            })
        }),
    ),
]);
