//! The thread half of Emscripten 3.1.6's JS runtime (`library_pthread.js`
//! and `worker.js`), for mains built with `-pthread`: creating a thread
//! runs its start routine on a host thread, in a store of its own
//! ([`crate::Program::thread_store`]), set up as `worker.js` sets up a
//! worker (thread state, stack, every module's TLS block). Calls libc
//! would proxy to the main thread need no proxying here: every host
//! function works on any thread.

use std::sync::Arc;

use wasmtime::{AsContextMut, Caller, Func, StoreContextMut, Val};

use crate::abi::table::{Build::Fixed, FuncTable};
use crate::mem;
use crate::process::Process;
use crate::symbols::Sym;
use crate::threads::{self, Inherited, Threads};
use crate::unwind::{Abort, LiveRuntime, ThreadEnd};

/// Emscripten's errno values `pthread_create` and `pthread_kill` return.
const EAGAIN: i32 = 6;
const ENOSYS: i32 = 52;
const ESRCH: i32 = 71;
const EINVAL: i32 = 28;
/// The signal musl's pthread_cancel sends.
const SIGCANCEL: u32 = 33;

/// Where emcc 3.1.6's `struct pthread` keeps the top of the thread's stack
/// and its size (what `establishStackSpace` reads).
const STACK_TOP: u32 = 44;
const STACK_SIZE: u32 = 48;

/// emcc's default thread stack (`_emscripten_default_pthread_stack_size`).
const DEFAULT_STACK: i32 = 2 * 1024 * 1024;

/// The thread functions of the JS runtime.
pub static FUNCS: FuncTable = FuncTable::new(&[
    ("__pthread_create_js", Fixed(create)),
    (
        "__emscripten_init_main_thread_js",
        Fixed(|cx| {
            Func::wrap(cx, |mut c: Caller<'_, Process>, tb: i32| {
                init_main(&mut c.as_context_mut(), tb as u32)
            })
        }),
    ),
    ("__emscripten_thread_cleanup", Fixed(cleanup)),
    // libc itself runs a thread's call queue whenever the thread sleeps,
    // and the main thread's whenever it waits; a worker back in its event
    // loop (`emscripten_exit_with_live_runtime`) runs it when told here. A
    // proxying queue (emscripten_proxy_*, not public in 3.1.6) is left to
    // the program to run.
    (
        "_emscripten_notify_thread_queue",
        Fixed(|cx| {
            Func::wrap(cx, |c: Caller<'_, Process>, target: i32, _main: i32| {
                if let (Some(threads), Some(shared)) = (&c.data().threads, &c.data().shared_memory)
                {
                    threads.post(target as u32, shared);
                }
                1i32
            })
        }),
    ),
    (
        "emscripten_exit_with_live_runtime",
        Fixed(|cx| {
            Func::wrap(cx, |c: Caller<'_, Process>| -> wasmtime::Result<()> {
                if c.data().threads.is_some() && !c.data().tls.main {
                    return Err(wasmtime::Error::new(LiveRuntime));
                }
                Err(wasmtime::Error::new(Abort(
                    "emscripten_exit_with_live_runtime on the main thread: dlrun has no event loop \
                     to return to (return from main, or call exit)"
                        .into(),
                )))
            })
        }),
    ),
    (
        "_emscripten_notify_proxying_queue",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |_target: i32, _current: i32, _main: i32, _queue: i32| 1i32,
            )
        }),
    ),
    (
        "emscripten_receive_on_main_thread_js",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |index: i32, _n: i32, _args: i32| -> wasmtime::Result<f64> {
                    Err(wasmtime::Error::new(Abort(format!(
                        "a call proxied to the main thread's JavaScript (function {index}), which dlrun does not have"
                    ))))
                },
            )
        }),
    ),
    (
        "emscripten_check_blocking_allowed",
        Fixed(|cx| Func::wrap(cx, || {})),
    ),
    (
        "_emscripten_default_pthread_stack_size",
        Fixed(|cx| Func::wrap(cx, || DEFAULT_STACK)),
    ),
    (
        "emscripten_num_logical_cores",
        Fixed(|cx| {
            Func::wrap(cx, || {
                std::thread::available_parallelism().map_or(1, |n| n.get() as i32)
            })
        }),
    ),
    ("pthread_kill", Fixed(kill)),
    (
        "emscripten_unwind_to_js_event_loop",
        Fixed(|cx| {
            Func::wrap(cx, || -> wasmtime::Result<()> {
                Err(wasmtime::Error::new(ThreadEnd))
            })
        }),
    ),
]);

/// What a new thread runs: `routine(arg)` as thread `pthread`.
struct Start {
    pthread: u32,
    routine: u32,
    arg: u32,
}

/// `__pthread_create_js(pthread, attr, routine, arg)`: starts the thread
/// libc has set up at `pthread` (its stack allocated, its fields filled).
fn create(cx: &mut StoreContextMut<'_, Process>) -> Func {
    Func::wrap(
        cx,
        |mut c: Caller<'_, Process>, pthread: i32, _attr: i32, routine: i32, arg: i32| {
            let Some(threads) = c.data().threads.clone() else {
                return EAGAIN;
            };
            let heap_base = match c.data().heap_base {
                Some(g) => g.get(&mut c).i32().unwrap_or(0),
                None => 0,
            };
            let Some(from) = Inherited::from(c.data(), heap_base) else {
                return EAGAIN;
            };
            if !threads.enter() {
                return EAGAIN;
            }
            let start = Start {
                pthread: pthread as u32,
                routine: routine as u32,
                arg: arg as u32,
            };
            let mine = threads.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("dlrun thread {:#x}", start.pthread))
                .spawn(move || run(mine, from, start));
            match spawned {
                Ok(_) => 0,
                Err(_) => {
                    threads.leave();
                    EAGAIN
                }
            }
        },
    )
}

/// The body of a host thread: a store of its own, then the start routine.
fn run(threads: Arc<Threads>, from: Inherited, start: Start) {
    let pthread = start.pthread;
    let result = threads
        .program
        .thread_store(threads.clone(), from)
        .and_then(|mut store| {
            let token = store.data().tls.token;
            let mut cx = store.as_context_mut();
            let entered = enter(&mut cx, start);
            threads.part(token);
            match entered {
                // exit on any thread runs the exit handlers and flushes
                // stdio there, as glibc's does.
                Err(e) if crate::unwind::exit_status(&e).is_some() && threads.ended().is_none() => {
                    let status = crate::unwind::exit_status(&e).unwrap_or(0);
                    super::at_exit(&mut cx)?;
                    Err(wasmtime::Error::new(crate::unwind::Exit(status)))
                }
                other => other,
            }
        });
    if let Err(e) = result {
        let status = if let Some(status) = crate::unwind::exit_status(&e) {
            status
        } else {
            eprintln!("dlrun: thread {pthread:#x}: {e:#}");
            134
        };
        end_program(&threads, status);
    }
    threads.leave();
}

/// Ends the program from a thread other than the first.
fn end_program(threads: &Threads, status: i32) {
    threads.end(status);
    if threads.program.config().limits.exit_process {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        std::process::exit(status);
    }
}

/// What `worker.js` does for a new thread: thread state, stack, TLS of
/// every module, then the start routine, then libc's thread exit.
fn enter(cx: &mut StoreContextMut<'_, Process>, start: Start) -> wasmtime::Result<()> {
    let Start {
        pthread,
        routine,
        arg,
    } = start;
    // The stack first: until it is set this store's stack pointer is the
    // main thread's, whose stack is in use.
    let memory = cx.data().memory()?;
    let top = mem::read_u32(&*cx, memory, pthread + STACK_TOP, "the thread's stack")?;
    let size = mem::read_u32(&*cx, memory, pthread + STACK_SIZE, "the thread's stack")?;
    if let Some(sp) = cx.data().stack_pointer {
        sp.set(&mut *cx, top)?;
    }
    if let Some(limits) = Process::global_func(cx, "emscripten_stack_set_limits")? {
        let args = [
            Val::I32(top as i32),
            Val::I32(top.wrapping_sub(size) as i32),
        ];
        limits.call(&mut *cx, &args, &mut [])?;
    }
    thread_init(cx, pthread, false)?;
    init_tls(cx)?;
    let entry = Process::func_at(&mut *cx, routine, "the thread's start routine")?;
    let mut out = [Val::I32(0)];
    let ran = match entry.call(&mut *cx, &[Val::I32(arg as i32)], &mut out) {
        Err(e) if e.is::<LiveRuntime>() => serve(cx),
        other => other.and_then(
            |()| match Process::global_func(cx, "_emscripten_thread_exit")? {
                Some(exit) => exit.call(&mut *cx, &[out[0]], &mut []),
                None => Ok(()),
            },
        ),
    };
    match ran {
        Err(e) if e.is::<ThreadEnd>() => {}
        other => other?,
    }
    if cx.data().tls.free_at_end
        && let Some(free) = Process::global_func(cx, "_emscripten_thread_free_data")?
    {
        free.call(&mut *cx, &[Val::I32(pthread as i32)], &mut [])?;
    }
    Ok(())
}

/// A worker back in its event loop: runs the calls other threads queue
/// for it, and the handlers of signals sent to it, until one of them ends
/// it (`pthread_exit`, cancellation), or the program ends.
fn serve(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()> {
    let Some(threads) = cx.data().threads.clone() else {
        return Ok(());
    };
    let (token, pthread) = (cx.data().tls.token, cx.data().tls.pthread);
    loop {
        let calls = threads.await_mail(token, pthread);
        if let Some(stop) = threads.stop() {
            return Err(stop);
        }
        crate::loader::journal::catch_up(cx)?;
        threads::deliver_signals(cx)?;
        // A cancelled thread ends here, as at any cancellation point.
        if let Some(test) = Process::global_func(cx, "pthread_testcancel")? {
            test.call(&mut *cx, &[], &mut [])?;
        }
        if calls
            && let Some(run) =
                Process::global_func(cx, "emscripten_current_thread_process_queued_calls")?
        {
            run.call(&mut *cx, &[], &mut [])?;
        }
    }
}

/// `_emscripten_thread_init`: libc's per-thread state (its arity changed
/// across Emscripten versions; extra parameters are 0).
fn thread_init(
    cx: &mut StoreContextMut<'_, Process>,
    pthread: u32,
    main: bool,
) -> wasmtime::Result<()> {
    cx.data_mut().tls.pthread = pthread;
    cx.data_mut().tls.main = main;
    if let Some(threads) = cx.data().threads.clone() {
        threads.name(cx.data().tls.token, pthread);
    }
    let Some(init) = Process::global_func(cx, "_emscripten_thread_init")? else {
        wasmtime::bail!("the main module exports no _emscripten_thread_init");
    };
    let main = i32::from(main);
    let known = [pthread as i32, main, main, 1];
    let n = init.ty(&*cx).params().len();
    let args: Vec<Val> = (0..n)
        .map(|k| Val::I32(known.get(k).copied().unwrap_or(0)))
        .collect();
    init.call(&mut *cx, &args, &mut [])
}

/// `__emscripten_init_main_thread_js(tb)`: the first thread's state and the
/// TLS of every module loaded with main.
fn init_main(cx: &mut StoreContextMut<'_, Process>, tb: u32) -> wasmtime::Result<()> {
    thread_init(cx, tb, true)?;
    init_tls(cx)
}

/// Gives this thread a TLS block in every module loaded.
fn init_tls(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()> {
    for lib in 0..cx.data().libs.len() {
        init_block(cx, lib)?;
    }
    Ok(())
}

/// Gives this thread a TLS block in module `lib`, if it has thread-locals
/// (its `emscripten_tls_init` allocates and initializes the block).
pub fn init_block(cx: &mut StoreContextMut<'_, Process>, lib: usize) -> wasmtime::Result<()> {
    if !cx.data().libs[lib].alive {
        return Ok(());
    }
    let Some(init) = Process::export_func(cx, lib, "emscripten_tls_init")? else {
        return Ok(());
    };
    let premade = cx.data_mut().tls.premade.remove(&lib);
    cx.data_mut().tls.premade_now = premade;
    let mut out = [Val::I32(0)];
    init.call(&mut *cx, &[], &mut out)?;
    match out[0].i32() {
        Some(0) | None => point_at_threw(cx, lib),
        Some(base) => {
            relocate_block(cx, lib, base as u32)?;
            threads::set_block(cx, lib, base as u32)
        }
    }
}

/// Points the `__tls_base` of a library without thread-locals of its own at
/// this thread's `__THREW__`. LLVM 14 compiles a side module's use of
/// libc's thread-local `__THREW__` (which the code after every `invoke_*`
/// reads to see whether the call threw) as offset 0 of the module's own
/// TLS block; with no block, that is address 0 on every thread, and no
/// exception thrown through the module would be seen.
fn point_at_threw(cx: &mut StoreContextMut<'_, Process>, lib: usize) -> wasmtime::Result<()> {
    let Some(index) = cx.data().libs[lib].info.tls_base else {
        return Ok(());
    };
    let Some((owner, Sym::Tls(offset))) = cx.data().resolve_owner(lib, "__THREW__") else {
        return Ok(());
    };
    let Some(at) = cx.data().tls.address(owner, offset) else {
        return Ok(());
    };
    let name = format!("{}{index}", crate::template::globals::PREFIX);
    let global = cx.data().libs[lib]
        .instance
        .and_then(|i| i.get_global(&mut *cx, &name));
    match global {
        Some(g) => g.set(&mut *cx, Val::I32(at as i32)),
        None => Ok(()),
    }
}

/// Makes, on this thread, the TLS blocks each thread of `others` will have
/// in the libraries of `order` (see [`crate::loader::Host::premake_thread_locals`]).
pub fn premake_blocks(
    cx: &mut StoreContextMut<'_, Process>,
    order: &[usize],
    others: &[u64],
) -> wasmtime::Result<Vec<(u64, usize, u32)>> {
    let mut made = Vec::new();
    if others.is_empty() {
        return Ok(made);
    }
    for &lib in order {
        let Some(init) = Process::export_func(cx, lib, "emscripten_tls_init")? else {
            continue;
        };
        for &token in others {
            let mut out = [Val::I32(0)];
            init.call(&mut *cx, &[], &mut out)?;
            let Some(base) = out[0].i32().filter(|&b| b != 0) else {
                break;
            };
            relocate_block(cx, lib, base as u32)?;
            made.push((token, lib, base as u32));
        }
    }
    Ok(made)
}

/// The allocator a library's `emscripten_tls_init` calls: a premade block
/// when there is one for it, else the program's.
pub fn tls_memalign(cx: &mut StoreContextMut<'_, Process>) -> Func {
    Func::wrap(
        cx,
        |mut c: Caller<'_, Process>, align: i32, size: i32| -> wasmtime::Result<i32> {
            if let Some(block) = c.data_mut().tls.premade_now.take() {
                return Ok(block as i32);
            }
            let mut cx = c.as_context_mut();
            let Some(memalign) = Process::global_func(&mut cx, "emscripten_builtin_memalign")?
            else {
                wasmtime::bail!("no module defines emscripten_builtin_memalign");
            };
            let mut out = [Val::I32(0)];
            memalign.call(&mut cx, &[Val::I32(align), Val::I32(size)], &mut out)?;
            Ok(out[0].i32().unwrap_or(0))
        },
    )
}

/// Applies a module's relocations to its new TLS block. LLVM 14 (emcc
/// 3.1.6) copies the bare TLS image into the block and applies the image's
/// relocations to its static copy instead, which nothing else writes (with
/// threads the image is a passive segment, first in the module's data), so
/// a `_Thread_local` pointer initialized to an address would hold an
/// offset, or nothing. A word of the static copy that is neither zero nor
/// the image's word is such a relocation: the block gets it.
fn relocate_block(
    cx: &mut StoreContextMut<'_, Process>,
    lib: usize,
    base: u32,
) -> wasmtime::Result<()> {
    let l = &cx.data().libs[lib];
    let Some(image) = l.info.tls_image.clone() else {
        return Ok(());
    };
    let memory_base = l.memory_base;
    let memory = cx.data().memory()?;
    let n = image.len() as u32 & !3;
    let relocated = mem::read(&*cx, memory, memory_base, n, "a TLS image")?;
    let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    for (k, (r, i)) in relocated
        .chunks_exact(4)
        .zip(image.chunks_exact(4))
        .enumerate()
    {
        let (r, i) = (word(r), word(i));
        if r != 0 && r != i {
            let at = base + 4 * k as u32;
            mem::write_u32(&mut *cx, memory, at, r, "a TLS block")?;
        }
    }
    Ok(())
}

/// `__emscripten_thread_cleanup(thread)`: frees an ended thread's stack
/// and data; a detached thread asking for itself is freed once its code
/// has stopped.
fn cleanup(cx: &mut StoreContextMut<'_, Process>) -> Func {
    Func::wrap(
        cx,
        |mut c: Caller<'_, Process>, thread: i32| -> wasmtime::Result<()> {
            if thread as u32 == c.data().tls.pthread {
                c.data_mut().tls.free_at_end = true;
                return Ok(());
            }
            let mut cx = c.as_context_mut();
            if let Some(free) = Process::global_func(&mut cx, "_emscripten_thread_free_data")? {
                free.call(&mut cx, &[Val::I32(thread)], &mut [])?;
            }
            Ok(())
        },
    )
}

/// `pthread_kill(thread, sig)`, as glibc: signal 0 checks that the thread
/// exists; a signal to the calling thread runs its handler before the call
/// returns, one to another thread when that thread next checks in (at
/// once if it waits). musl's pthread_cancel sends SIGCANCEL after setting
/// the thread's cancel flag, which Emscripten's waits look at between
/// slices: the thread is only woken to look.
fn kill(cx: &mut StoreContextMut<'_, Process>) -> Func {
    Func::wrap(
        cx,
        |mut c: Caller<'_, Process>, thread: i32, sig: i32| -> wasmtime::Result<i32> {
            let Ok(sig) = u32::try_from(sig)
                .map_err(drop)
                .and_then(|s| if s <= 64 { Ok(s) } else { Err(()) })
            else {
                return Ok(EINVAL);
            };
            let memory = c.data().memory()?;
            let alive = thread != 0
                && mem::read_u32(&c, memory, thread as u32, "pthread_kill").ok()
                    == Some(thread as u32);
            if !alive {
                return Ok(ESRCH);
            }
            if sig == 0 {
                return Ok(0);
            }
            let mut cx = c.as_context_mut();
            if sig != SIGCANCEL && Process::global_func(&mut cx, "raise")?.is_none() {
                return Ok(ENOSYS);
            }
            if thread as u32 == cx.data().tls.pthread {
                if sig != SIGCANCEL {
                    raise(&mut cx, sig)?;
                }
                return Ok(0);
            }
            let (Some(threads), Some(shared)) =
                (cx.data().threads.clone(), cx.data().shared_memory.clone())
            else {
                return Ok(ESRCH);
            };
            if sig == SIGCANCEL {
                threads.post(thread as u32, &shared);
                return Ok(0);
            }
            Ok(if threads.signal(thread as u32, sig, &shared) {
                0
            } else {
                ESRCH
            })
        },
    )
}

/// Runs the program's handler for signal `sig` on this thread: libc's
/// `raise`, which honours the thread's signal mask and the handler's
/// flags.
pub fn raise(cx: &mut StoreContextMut<'_, Process>, sig: u32) -> wasmtime::Result<()> {
    let Some(raise) = Process::global_func(cx, "raise")? else {
        return Ok(());
    };
    let mut out = [Val::I32(0)];
    raise.call(&mut *cx, &[Val::I32(sig as i32)], &mut out)
}
