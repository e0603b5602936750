//! Emscripten's `env` and WASI functions for ordinary C: argv and
//! environment, exit, memory growth, i64 high halves (clocks are in
//! `time`, files and stdio in `fs`, the rest of WASI in `abi::wasi::p1`).

use wasmtime::{Caller, Func, StoreContextMut, Val};

use crate::abi::table::Build::{Fixed, Shaped};
use crate::abi::table::FuncTable;
use crate::mem;
use crate::modinfo::Sig;
use crate::process::Process;
use crate::unwind::{Abort, Exit};

/// Emscripten's (WASI's) ENOSYS.
const ENOSYS: i32 = 52;
/// Emscripten's (WASI's) EFAULT.
const EFAULT: i32 = 21;

/// WASI errno values (Emscripten uses the same numbering).
pub mod errno {
    pub const INVAL: i32 = 28;
}

fn memory(c: &Caller<'_, Process>) -> wasmtime::Result<crate::mem::Mem> {
    c.data().memory()
}

/// Every function this module defines.
pub static FUNCS: FuncTable = FuncTable::new(&[
    (
        "environ_sizes_get",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, count: i32, size: i32| -> wasmtime::Result<i32> {
                    let env = &c.data().guest.env;
                    let (n, bytes) = (
                        env.len() as u32,
                        env.iter().map(|e| e.len() as u32 + 1).sum::<u32>(),
                    );
                    let m = memory(&c)?;
                    mem::write_u32(&mut c, m, count as u32, n, "environ_sizes_get")?;
                    mem::write_u32(&mut c, m, size as u32, bytes, "environ_sizes_get")?;
                    Ok(0)
                },
            )
        }),
    ),
    (
        "environ_get",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, ptrs: i32, buf: i32| -> wasmtime::Result<i32> {
                    let env = c.data().guest.env.clone();
                    write_strings(&mut c, &env, ptrs as u32, buf as u32)?;
                    Ok(0)
                },
            )
        }),
    ),
    (
        "args_sizes_get",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, count: i32, size: i32| -> wasmtime::Result<i32> {
                    let args = &c.data().guest.args;
                    let (n, bytes) = (
                        args.len() as u32,
                        args.iter().map(|e| e.len() as u32 + 1).sum::<u32>(),
                    );
                    let m = memory(&c)?;
                    mem::write_u32(&mut c, m, count as u32, n, "args_sizes_get")?;
                    mem::write_u32(&mut c, m, size as u32, bytes, "args_sizes_get")?;
                    Ok(0)
                },
            )
        }),
    ),
    (
        "args_get",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, ptrs: i32, buf: i32| -> wasmtime::Result<i32> {
                    let args = c.data().guest.args.clone();
                    write_strings(&mut c, &args, ptrs as u32, buf as u32)?;
                    Ok(0)
                },
            )
        }),
    ),
    ("__syscall_getuid32", Fixed(root)),
    ("__syscall_geteuid32", Fixed(root)),
    ("__syscall_getgid32", Fixed(root)),
    ("__syscall_getegid32", Fixed(root)),
    ("__syscall_socket", Shaped(no_network)),
    ("__syscall_socketpair", Shaped(no_network)),
    ("__syscall_bind", Shaped(no_network)),
    ("__syscall_connect", Shaped(no_network)),
    ("__syscall_listen", Shaped(no_network)),
    ("__syscall_accept4", Shaped(no_network)),
    ("__syscall_getsockname", Shaped(no_network)),
    ("__syscall_getpeername", Shaped(no_network)),
    ("__syscall_getsockopt", Shaped(no_network)),
    ("__syscall_setsockopt", Shaped(no_network)),
    ("__syscall_sendto", Shaped(no_network)),
    ("__syscall_recvfrom", Shaped(no_network)),
    ("__syscall_sendmsg", Shaped(no_network)),
    ("__syscall_recvmsg", Shaped(no_network)),
    ("__syscall_shutdown", Shaped(no_network)),
    // EAI_FAIL: no name service.
    (
        "getnameinfo",
        Shaped(|cx, sig| {
            let ty = returns_i32(sig)?.func_type(cx.engine());
            Some(Func::new(cx, ty, |_c, _params, results| {
                results[0] = Val::I32(-4);
                Ok(())
            }))
        }),
    ),
    (
        "__map_file",
        Fixed(|cx| Func::wrap(cx, |_path: i32, _size: i32| -1i32)),
    ),
    ("proc_exit", Fixed(exit)),
    ("exit", Fixed(exit)),
    (
        "abort",
        Fixed(|cx| {
            Func::wrap(cx, || -> wasmtime::Result<()> {
                Err(wasmtime::Error::new(Abort(String::new())))
            })
        }),
    ),
    (
        "__assert_fail",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |c: Caller<'_, Process>,
                 expr: i32,
                 file: i32,
                 line: i32,
                 func: i32|
                 -> wasmtime::Result<()> {
                    let m = memory(&c)?;
                    let text = |p: i32| {
                        mem::read_cstr(&c, m, p as u32, "__assert_fail").unwrap_or_default()
                    };
                    let prog = c.data().guest.args.first().cloned().unwrap_or_default();
                    Err(wasmtime::Error::new(Abort(format!(
                        "{prog}: {}:{line}: {}: Assertion `{}' failed.",
                        text(file),
                        text(func),
                        text(expr)
                    ))))
                },
            )
        }),
    ),
    (
        "emscripten_memcpy_big",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 dest: i32,
                 src: i32,
                 n: i32|
                 -> wasmtime::Result<i32> {
                    let m = memory(&c)?;
                    let data = m.data_mut(&mut c);
                    let (d, s, n) = (dest as u32 as usize, src as u32 as usize, n as u32 as usize);
                    if s.checked_add(n).is_none_or(|e| e > data.len())
                        || d.checked_add(n).is_none_or(|e| e > data.len())
                    {
                        wasmtime::bail!(
                            "emscripten_memcpy_big: {n} bytes from {s:#x} to {d:#x} are out of bounds"
                        );
                    }
                    data.copy_within(s..s + n, d);
                    Ok(dest)
                },
            )
        }),
    ),
    (
        "emscripten_resize_heap",
        Fixed(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, requested: i32| -> i32 {
                let Ok(m) = memory(&c) else { return 0 };
                let have = m.data_size(&c) as u64;
                let want = requested as u32 as u64;
                if want <= have {
                    return 1;
                }
                let pages = (want - have).div_ceil(65536);
                i32::from(m.grow(&mut c, pages).is_ok())
            })
        }),
    ),
    (
        "emscripten_get_heap_max",
        Fixed(|cx| {
            Func::wrap(cx, |c: Caller<'_, Process>| -> i32 {
                let Ok(m) = memory(&c) else { return 0 };
                let max_pages = m.maximum(&c).unwrap_or(32768).min(32768);
                (max_pages * 65536)
                    .min(2u64 << 30)
                    .saturating_sub(65536)
                    .max(m.data_size(&c) as u64) as i32
            })
        }),
    ),
    (
        "setTempRet0",
        Fixed(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, v: i32| {
                c.data_mut().temp_ret0 = v;
            })
        }),
    ),
    (
        "getTempRet0",
        Fixed(|cx| Func::wrap(cx, |c: Caller<'_, Process>| c.data().temp_ret0)),
    ),
    (
        "_emscripten_get_progname",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, buf: i32, len: i32| -> wasmtime::Result<()> {
                    if len <= 0 {
                        return Ok(());
                    }
                    let name = c.data().guest.args.first().cloned().unwrap_or_default();
                    let mut bytes: Vec<u8> = name.into_bytes();
                    bytes.truncate(len as usize - 1);
                    bytes.push(0);
                    let m = memory(&c)?;
                    mem::write(&mut c, m, buf as u32, &bytes, "_emscripten_get_progname")
                },
            )
        }),
    ),
    (
        "getentropy",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, buf: i32, len: i32| -> wasmtime::Result<i32> {
                    let m = memory(&c)?;
                    // The length is the guest's: check it before allocating.
                    let end = u64::from(buf as u32) + u64::from(len as u32);
                    if end > m.data_size(&c) as u64 {
                        return Ok(EFAULT);
                    }
                    let mut bytes = vec![0u8; len as u32 as usize];
                    fill_random(&mut bytes);
                    mem::write(&mut c, m, buf as u32, &bytes, "getentropy")?;
                    Ok(0)
                },
            )
        }),
    ),
    (
        "__call_sighandler",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, fp: i32, sig: i32| -> wasmtime::Result<()> {
                    let f = Process::func_at(&mut c, fp as u32, "signal handler")?;
                    f.call(&mut c, &[Val::I32(sig)], &mut [])
                },
            )
        }),
    ),
    // console.log and friends under node: the string and a newline,
    // log to stdout, warn and error to stderr.
    ("emscripten_console_log", Fixed(|cx| console(cx, 1))),
    ("_emscripten_out", Fixed(|cx| console(cx, 1))),
    ("emscripten_console_warn", Fixed(|cx| console(cx, 2))),
    ("emscripten_console_error", Fixed(|cx| console(cx, 2))),
    ("_emscripten_err", Fixed(|cx| console(cx, 2))),
]);

/// The user and group ids: the program runs as root, as under node.
fn root(cx: &mut StoreContextMut<'_, Process>) -> Func {
    Func::wrap(cx, || 0i32)
}

/// No network: socket calls fail with ENOSYS whatever their arguments.
fn no_network(cx: &mut StoreContextMut<'_, Process>, sig: Option<&Sig>) -> Option<Func> {
    let ty = returns_i32(sig)?.func_type(cx.engine());
    Some(Func::new(cx, ty, |_c, _params, results| {
        results[0] = Val::I32(-ENOSYS);
        Ok(())
    }))
}

/// `exit` and WASI's `proc_exit`: the process ends with `code`.
fn exit(cx: &mut StoreContextMut<'_, Process>) -> Func {
    Func::wrap(cx, |code: i32| -> wasmtime::Result<()> {
        Err(wasmtime::Error::new(Exit(code)))
    })
}

/// The import's signature, if it returns exactly one i32 (what the
/// signature-shaped host functions here write).
pub fn returns_i32(sig: Option<&Sig>) -> Option<&Sig> {
    sig.filter(|s| s.results == [wasmparser::ValType::I32])
}

/// Writes strings and a pointer array to them (environ_get, args_get).
fn write_strings(
    c: &mut Caller<'_, Process>,
    items: &[String],
    ptrs: u32,
    buf: u32,
) -> wasmtime::Result<()> {
    let m = memory(c)?;
    let mut at = buf;
    for (i, s) in items.iter().enumerate() {
        mem::write_u32(&mut *c, m, ptrs + 4 * i as u32, at, "environ")?;
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        mem::write(&mut *c, m, at, &bytes, "environ")?;
        at += bytes.len() as u32;
    }
    Ok(())
}

/// Fills `buf` from the host's entropy source.
pub(in crate::abi) fn fill_random(buf: &mut [u8]) {
    let mut filled = 0;
    while filled < buf.len() {
        // SAFETY: the pointer and length describe the unfilled tail of `buf`.
        let n =
            unsafe { libc::getrandom(buf[filled..].as_mut_ptr().cast(), buf.len() - filled, 0) };
        if n <= 0 {
            break;
        }
        filled += n as usize;
    }
}

/// A function printing the C string it is given and a newline to `fd`.
fn console(cx: &mut StoreContextMut<'_, Process>, fd: i32) -> Func {
    Func::wrap(
        &mut *cx,
        move |c: Caller<'_, Process>, text: i32| -> wasmtime::Result<()> {
            let m = memory(&c)?;
            let mut line = mem::read_cstr(&c, m, text as u32, "console output")?.into_bytes();
            line.push(b'\n');
            // Like console.log, output that cannot be written is dropped.
            let _ = c.data().vfs().write(fd, &line);
            Ok(())
        },
    )
}
