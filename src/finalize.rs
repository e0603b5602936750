//! Exit handlers of libraries, run when the library is unloaded (glibc's
//! `__cxa_finalize` on dlclose) or, if it never is, at exit in their place
//! among the program's own.
//!
//! A library registers its destructors and `atexit` functions through
//! libc's `__cxa_atexit`, which knows nothing of dlclose: left alone, libc
//! would call into an unloaded library at exit. So a library's
//! `__cxa_atexit` and `atexit` imports are bound to host functions that
//! record each handler here and register, in its stead, a host trampoline
//! with libc. Unloading the library runs its handlers not yet run, newest
//! first, and marks them done; at exit libc calls the trampolines in its
//! own order, and each runs its handler unless that was done already.

use wasmtime::{AsContextMut, Caller, Func, FuncType, StoreContextMut, Val, ValType};

use crate::process::Process;
use crate::symbols::LibId;

/// One handler a library registered.
#[derive(Debug, Clone)]
pub struct Handler {
    lib: LibId,
    /// Its table index.
    func: u32,
    /// The argument of a `__cxa_atexit` handler; `atexit` ones take none.
    arg: Option<i32>,
    done: bool,
}

/// The handlers libraries registered, in order, and the trampoline slot.
#[derive(Debug, Default, Clone)]
pub struct ExitHandlers {
    handlers: Vec<Handler>,
    trampoline: Option<u32>,
}

/// Whether [`hook`] may wrap a library's import of `name`.
pub fn hooks(name: &str) -> bool {
    matches!(name, "__cxa_atexit" | "atexit")
}

/// The binding for import `name` of library `lib` (not the main module)
/// when it registers exit handlers: `real` wrapped to record them. `None`
/// leaves the import bound to `real`.
pub fn hook(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    name: &str,
    real: Func,
) -> wasmtime::Result<Option<Func>> {
    if !hooks(name) {
        return Ok(None);
    }
    // atexit handlers are registered through the program's __cxa_atexit,
    // which takes the argument the trampoline needs.
    let cxa = if name == "atexit" {
        match Process::global_func(cx, "__cxa_atexit")? {
            Some(f) => f,
            None => return Ok(None),
        }
    } else {
        real
    };
    let ty = real.ty(&*cx);
    let wants: &[ValType] = if name == "atexit" {
        &[ValType::I32]
    } else {
        &[ValType::I32, ValType::I32, ValType::I32]
    };
    let shaped = ty.params().len() == wants.len()
        && ty.params().all(|p| matches!(p, ValType::I32))
        && ty.results().len() == 1;
    if !shaped {
        return Ok(None);
    }
    let trampoline = trampoline_slot(cx)?;
    let with_arg = name == "__cxa_atexit";
    let wrapper = Func::new(&mut *cx, ty, move |mut c, params, results| {
        let int = |v: &Val| v.i32().unwrap_or(0);
        let func = int(&params[0]) as u32;
        let arg = with_arg.then(|| int(&params[1]));
        let dso = if with_arg { int(&params[2]) } else { 0 };
        let handlers = &mut c.data_mut().exit_handlers.handlers;
        let id = handlers.len() as i32;
        handlers.push(Handler {
            lib,
            func,
            arg,
            done: false,
        });
        cxa.call(
            &mut c,
            &[Val::I32(trampoline as i32), Val::I32(id), Val::I32(dso)],
            results,
        )
    });
    Ok(Some(wrapper))
}

/// Runs the handlers `lib` registered and that have not run, newest first.
pub fn run_for(cx: &mut StoreContextMut<'_, Process>, lib: LibId) -> wasmtime::Result<()> {
    let ids: Vec<usize> = cx
        .data()
        .exit_handlers
        .handlers
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, h)| h.lib == lib && !h.done)
        .map(|(i, _)| i)
        .collect();
    for id in ids {
        run_one(cx, id)?;
    }
    Ok(())
}

fn run_one(cx: &mut StoreContextMut<'_, Process>, id: usize) -> wasmtime::Result<()> {
    let Some(h) = cx.data_mut().exit_handlers.handlers.get_mut(id) else {
        return Ok(());
    };
    if h.done {
        return Ok(());
    }
    h.done = true;
    let (func, arg, lib) = (h.func, h.arg, h.lib);
    // A bad handler can end up in dlclose's dlerror: the program's name
    // for the library, not its host path.
    let what = format!("exit handler of {}", cx.data().libs[lib].guest);
    let f = Process::func_at(&mut *cx, func, &what)?;
    let args: Vec<Val> = arg.into_iter().map(Val::I32).collect();
    f.call(&mut *cx, &args, &mut [])
}

/// The table slot of the trampoline libc calls in place of a library's
/// handler (created on first use).
fn trampoline_slot(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<u32> {
    if let Some(slot) = cx.data().exit_handlers.trampoline {
        return Ok(slot);
    }
    let ty = FuncType::new(cx.engine(), [ValType::I32], []);
    let f = Func::new(&mut *cx, ty, |mut c: Caller<'_, Process>, params, _| {
        let id = params[0].i32().unwrap_or(-1);
        match usize::try_from(id) {
            Ok(id) => run_one(&mut c.as_context_mut(), id),
            Err(_) => Ok(()),
        }
    });
    let slot = crate::process::slots::of_func(cx, f)?;
    cx.data_mut().exit_handlers.trampoline = Some(slot);
    Ok(slot)
}

/// Drops the handlers of a library whose load failed: they never run.
pub fn discard(data: &mut Process, lib: LibId) {
    for h in &mut data.exit_handlers.handlers {
        if h.lib == lib {
            h.done = true;
        }
    }
}
