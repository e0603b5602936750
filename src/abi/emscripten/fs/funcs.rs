//! The table of Emscripten's file-system imports: each name once, with
//! the builder of its host function (one builder may serve several names,
//! and picks the i64-legalized or `-sWASM_BIGINT` shape from the import's
//! signature).

use super::*;

/// Builds a host function: the store, the name it is built for, the
/// signature the module imports it with.
type Build = fn(&mut StoreContextMut<'_, Process>, &str, Option<&Sig>) -> Func;

/// Every function this module defines.
static FUNCS: &[(&[&str], Build)] = &[
    // ---- WASI --------------------------------------------------------
    (&["fd_write"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, iovs: i32, n: i32, out: i32| {
                wasi((|| {
                    let total = writev(&mut c, fd, iovs, n, None)?;
                    put_u32(&mut c, out as u32, total)?;
                    Ok(())
                })())
            },
        )
    }),
    (&["fd_read"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, iovs: i32, n: i32, out: i32| {
                wasi((|| {
                    let total = readv(&mut c, fd, iovs, n, None)?;
                    put_u32(&mut c, out as u32, total)?;
                    Ok(())
                })())
            },
        )
    }),
    (&["fd_pwrite", "fd_pread"], |cx, name, sig| {
        if has_i64(sig) {
            let is_write = name == "fd_pwrite";
            Func::wrap(
                &mut *cx,
                move |mut c: Caller<'_, Process>,
                      fd: i32,
                      iovs: i32,
                      n: i32,
                      off: i64,
                      out: i32| {
                    wasi(prw(&mut c, is_write, fd, iovs, n, off, out))
                },
            )
        } else {
            let is_write = name == "fd_pwrite";
            Func::wrap(
                &mut *cx,
                move |mut c: Caller<'_, Process>,
                      fd: i32,
                      iovs: i32,
                      n: i32,
                      low: i32,
                      high: i32,
                      out: i32| {
                    wasi(prw(&mut c, is_write, fd, iovs, n, i64_of(low, high), out))
                },
            )
        }
    }),
    (&["fd_close"], |cx, _, _| {
        Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32| {
            wasi(fs(&mut c).close(fd).map_err(Fail::from))
        })
    }),
    (&["fd_sync"], |cx, _, _| {
        Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32| {
            wasi(fs(&mut c).fsync(fd, false).map_err(Fail::from))
        })
    }),
    (&["fd_seek"], |cx, _, sig| {
        if has_i64(sig) {
            Func::wrap(
                &mut *cx,
                |mut c: Caller<'_, Process>, fd: i32, off: i64, whence: i32, out: i32| {
                    wasi(fd_seek(&mut c, fd, off, whence, out))
                },
            )
        } else {
            Func::wrap(
                &mut *cx,
                |mut c: Caller<'_, Process>,
                 fd: i32,
                 low: i32,
                 high: i32,
                 whence: i32,
                 out: i32| {
                    wasi(fd_seek(&mut c, fd, i64_of(low, high), whence, out))
                },
            )
        }
    }),
    (&["fd_fdstat_get"], |cx, _, _| {
        Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32, buf: i32| {
            wasi(fdstat(&mut c, fd, buf))
        })
    }),
    // ---- opening and naming ------------------------------------------
    (&["__syscall_open"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, p: i32, flags: i32, varargs: i32| {
                neg(openat(&mut c, AT_FDCWD, p, flags, varargs))
            },
        )
    }),
    (&["__syscall_openat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, flags: i32, varargs: i32| {
                neg(openat(&mut c, dirfd, p, flags, varargs))
            },
        )
    }),
    (&["__syscall_unlink", "__syscall_rmdir"], |cx, name, _| {
        let flags = if name == "__syscall_rmdir" {
            AT_REMOVEDIR
        } else {
            0
        };
        Func::wrap(&mut *cx, move |mut c: Caller<'_, Process>, p: i32| {
            neg((|| {
                let p = path(&c, p)?;
                fs(&mut c).unlink(AT_FDCWD, &p, flags)?;
                Ok(0)
            })())
        })
    }),
    (&["__syscall_unlinkat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, flags: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    fs(&mut c).unlink(dirfd, &p, flags as u32)?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_mkdir"], |cx, _, _| {
        {
            Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, p: i32, mode: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    fs(&mut c).mkdir(AT_FDCWD, &p, mode as u32)?;
                    Ok(0)
                })())
            })
        }
    }),
    (&["__syscall_mkdirat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, mode: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    fs(&mut c).mkdir(dirfd, &p, mode as u32)?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_mknod"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, p: i32, mode: i32, _dev: i32| {
                neg(mknodat(&mut c, AT_FDCWD, p, mode))
            },
        )
    }),
    (&["__syscall_mknodat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, mode: i32, _dev: i32| {
                neg(mknodat(&mut c, dirfd, p, mode))
            },
        )
    }),
    (&["__syscall_chdir"], |cx, _, _| {
        Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, p: i32| {
            neg((|| {
                let p = path(&c, p)?;
                fs(&mut c).chdir(&p)?;
                Ok(0)
            })())
        })
    }),
    (&["__syscall_fchdir"], |cx, _, _| {
        Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32| {
            neg(fs(&mut c).fchdir(fd).map(|_| 0).map_err(Fail::from))
        })
    }),
    (&["__syscall_getcwd"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, buf: i32, size: i32| neg(getcwd(&mut c, buf, size)),
        )
    }),
    (&["__syscall_rename"], |cx, _, _| {
        Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, a: i32, b: i32| {
            neg((|| {
                let (a, b) = (path(&c, a)?, path(&c, b)?);
                fs(&mut c).rename(AT_FDCWD, &a, AT_FDCWD, &b)?;
                Ok(0)
            })())
        })
    }),
    (&["__syscall_renameat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, da: i32, a: i32, db: i32, b: i32| {
                neg((|| {
                    let (a, b) = (path(&c, a)?, path(&c, b)?);
                    fs(&mut c).rename(da, &a, db, &b)?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_linkat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, da: i32, a: i32, db: i32, b: i32, flags: i32| {
                neg((|| {
                    if flags as u32 & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
                        return Err(Errno::INVAL.into());
                    }
                    let (a, b) = (path(&c, a)?, path(&c, b)?);
                    fs(&mut c).link(da, &a, db, &b)?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_symlink"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, target: i32, link: i32| {
                neg((|| {
                    let (t, l) = (path(&c, target)?, path(&c, link)?);
                    fs(&mut c).symlink(&t, AT_FDCWD, &l)?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_symlinkat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, target: i32, dirfd: i32, link: i32| {
                neg((|| {
                    let (t, l) = (path(&c, target)?, path(&c, link)?);
                    fs(&mut c).symlink(&t, dirfd, &l)?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_readlink"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, p: i32, buf: i32, size: i32| {
                neg(readlinkat(&mut c, AT_FDCWD, p, buf, size))
            },
        )
    }),
    (&["__syscall_readlinkat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, buf: i32, size: i32| {
                neg(readlinkat(&mut c, dirfd, p, buf, size))
            },
        )
    }),
    // ---- metadata ----------------------------------------------------
    (&["__syscall_stat64", "__syscall_lstat64"], |cx, name, _| {
        let flags = if name == "__syscall_lstat64" {
            AT_SYMLINK_NOFOLLOW
        } else {
            0
        };
        Func::wrap(
            &mut *cx,
            move |mut c: Caller<'_, Process>, p: i32, buf: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    let st = fs(&mut c).stat(AT_FDCWD, &p, flags)?;
                    put_stat(&mut c, buf, st)
                })())
            },
        )
    }),
    (&["__syscall_fstat64"], |cx, _, _| {
        {
            Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32, buf: i32| {
                neg((|| {
                    let st = fs(&mut c).fstat(fd)?;
                    put_stat(&mut c, buf, st)
                })())
            })
        }
    }),
    (&["__syscall_fstatat64"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, buf: i32, flags: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    let st = fs(&mut c).stat(dirfd, &p, flags as u32)?;
                    put_stat(&mut c, buf, st)
                })())
            },
        )
    }),
    (&["__syscall_statfs64"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, p: i32, size: i32, buf: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    fs(&mut c).stat(AT_FDCWD, &p, 0)?;
                    statfs(&mut c, size, buf)
                })())
            },
        )
    }),
    (&["__syscall_fstatfs64"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, size: i32, buf: i32| {
                neg((|| {
                    fs(&mut c).fstat(fd)?;
                    statfs(&mut c, size, buf)
                })())
            },
        )
    }),
    (&["__syscall_getdents64"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, dirp: i32, count: i32| {
                neg(getdents(&mut c, fd, dirp, count))
            },
        )
    }),
    (&["__syscall_faccessat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, amode: i32, flags: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    fs(&mut c).access(dirfd, &p, amode as u32, flags as u32)?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_chmod"], |cx, _, _| {
        {
            Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, p: i32, mode: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    fs(&mut c).chmod(AT_FDCWD, &p, mode as u32, 0)?;
                    Ok(0)
                })())
            })
        }
    }),
    (&["__syscall_fchmod"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, mode: i32| {
                neg(fs(&mut c)
                    .fchmod(fd, mode as u32)
                    .map(|_| 0)
                    .map_err(Fail::from))
            },
        )
    }),
    (&["__syscall_fchmodat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, mode: i32, _varargs: i32| {
                // musl passes flags only when they are 0 (it emulates
                // AT_SYMLINK_NOFOLLOW itself).
                neg((|| {
                    let p = path(&c, p)?;
                    fs(&mut c).chmod(dirfd, &p, mode as u32, 0)?;
                    Ok(0)
                })())
            },
        )
    }),
    (
        &["__syscall_chown32", "__syscall_lchown32"],
        |cx, name, _| {
            let flags = if name == "__syscall_lchown32" {
                AT_SYMLINK_NOFOLLOW
            } else {
                0
            };
            Func::wrap(
                &mut *cx,
                move |mut c: Caller<'_, Process>, p: i32, _uid: i32, _gid: i32| {
                    neg((|| {
                        let p = path(&c, p)?;
                        fs(&mut c).chown(AT_FDCWD, &p, flags)?;
                        Ok(0)
                    })())
                },
            )
        },
    ),
    (&["__syscall_fchown32"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, _uid: i32, _gid: i32| {
                neg(fs(&mut c).fstat(fd).map(|_| 0).map_err(Fail::from))
            },
        )
    }),
    (&["__syscall_fchownat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, _uid: i32, _gid: i32, flags: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    fs(&mut c).chown(dirfd, &p, flags as u32)?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_utimensat"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, dirfd: i32, p: i32, times: i32, flags: i32| {
                neg(utimensat(&mut c, dirfd, p, times, flags))
            },
        )
    }),
    // ---- sizes and syncing -------------------------------------------
    (&["__syscall_truncate64"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, p: i32, low: i32, high: i32| {
                neg((|| {
                    let p = path(&c, p)?;
                    fs(&mut c).truncate(AT_FDCWD, &p, i64_of(low, high))?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_ftruncate64"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, low: i32, high: i32| {
                neg(fs(&mut c)
                    .ftruncate(fd, i64_of(low, high))
                    .map(|_| 0)
                    .map_err(Fail::from))
            },
        )
    }),
    (&["__syscall_fallocate"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             fd: i32,
             mode: i32,
             off_low: i32,
             off_high: i32,
             len_low: i32,
             len_high: i32| {
                neg((|| {
                    if mode != 0 {
                        fs(&mut c).status_flags(fd)?;
                        return Err(Errno::NOTSUP.into());
                    }
                    fs(&mut c).fallocate(
                        fd,
                        i64_of(off_low, off_high),
                        i64_of(len_low, len_high),
                    )?;
                    Ok(0)
                })())
            },
        )
    }),
    (&["__syscall_fadvise64_64"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             fd: i32,
             _o1: i32,
             _o2: i32,
             _l1: i32,
             _l2: i32,
             _adv: i32| {
                // Advice is welcome and ignored.
                neg(fs(&mut c).status_flags(fd).map(|_| 0).map_err(Fail::from))
            },
        )
    }),
    (&["__syscall_fdatasync"], |cx, _, _| {
        Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32| {
            neg(fs(&mut c).fsync(fd, true).map(|_| 0).map_err(Fail::from))
        })
    }),
    // ---- descriptors -------------------------------------------------
    (&["__syscall_dup"], |cx, _, _| {
        Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fd: i32| {
            neg(fs(&mut c).dup(fd).map_err(Fail::from))
        })
    }),
    (&["__syscall_dup3"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, new: i32, flags: i32| {
                neg(fs(&mut c).dup3(fd, new, flags as u32).map_err(Fail::from))
            },
        )
    }),
    (&["__syscall_pipe"], |cx, _, _| {
        Func::wrap(&mut *cx, |mut c: Caller<'_, Process>, fdp: i32| {
            neg(pipe(&mut c, fdp))
        })
    }),
    (&["__syscall_ioctl"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, op: i32, varargs: i32| {
                neg(ioctl(&mut c, fd, op, varargs))
            },
        )
    }),
    (&["__syscall_fcntl64"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fd: i32, cmd: i32, varargs: i32| {
                neg(fcntl(&mut c, fd, cmd, varargs))
            },
        )
    }),
    (&["__syscall_poll"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, fds: i32, nfds: i32, _timeout: i32| {
                neg(poll(&mut c, fds, nfds))
            },
        )
    }),
    (&["__syscall__newselect"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, nfds: i32, r: i32, w: i32, e: i32, _timeout: i32| {
                neg(select(&mut c, nfds, [r, w, e]))
            },
        )
    }),
    // ---- memory mappings ---------------------------------------------
    (&["_mmap_js"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             _addr: i32,
             len: i32,
             prot: i32,
             flags: i32,
             fd: i32,
             off: i32,
             allocated: i32| {
                neg(mmap(&mut c, len, prot, flags, fd, off, allocated))
            },
        )
    }),
    (&["_munmap_js"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>,
             addr: i32,
             len: i32,
             _prot: i32,
             _flags: i32,
             _fd: i32,
             _off: i32| {
                neg((|| {
                    sync_mapping(&mut c, addr as u32, len as u32)?;
                    fs(&mut c).remove_mapping(u64::from(addr as u32));
                    Ok(0)
                })())
            },
        )
    }),
    (&["_msync_js"], |cx, _, _| {
        Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, addr: i32, len: i32, _flags: i32, _fd: i32| {
                neg(sync_mapping(&mut c, addr as u32, len as u32).map(|_| 0))
            },
        )
    }),
];

/// Every name this module defines.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCS.iter().flat_map(|(names, _)| names.iter().copied())
}

/// Builds host function `name`; `sig` picks the i64-legalized or
/// `-sWASM_BIGINT` shape of the WASI functions taking a 64-bit offset.
pub fn build(cx: &mut StoreContextMut<'_, Process>, name: &str, sig: Option<&Sig>) -> Option<Func> {
    // Asked for every env import of a program: one hash lookup, not a
    // scan of every name of the table.
    static INDEX: std::sync::LazyLock<std::collections::HashMap<&'static str, usize>> =
        std::sync::LazyLock::new(|| {
            FUNCS
                .iter()
                .enumerate()
                .flat_map(|(k, (names, _))| names.iter().map(move |n| (*n, k)))
                .collect()
        });
    let (_, make) = FUNCS.get(*INDEX.get(name)?)?;
    Some(make(cx, name, sig))
}
