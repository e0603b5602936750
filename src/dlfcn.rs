//! dlopen/dlsym/dlclose semantics, flavour-neutral: each ABI turns its own
//! calling convention into these calls. glibc is the reference: RTLD_LOCAL
//! is really local, RTLD_NOW refuses unresolved strong symbols, reopening
//! with RTLD_GLOBAL promotes, dlclose unloads when the count reaches zero.

use std::collections::HashMap;

use wasmtime::StoreContextMut;

use crate::loader::journal::{self, Op};
use crate::loader::{self, Mode, Root};
use crate::mem::Name;
use crate::naming;
use crate::process::{Process, slots};
use crate::symbols::{LibId, Sym};
use crate::unwind;

/// musl/glibc mode bits, as the guest passes them.
pub mod flags {
    /// Bind functions when first called.
    pub const RTLD_LAZY: i32 = 1;
    /// Resolve every strong symbol at dlopen time.
    pub const RTLD_NOW: i32 = 2;
    /// Only return a handle if the library is already loaded.
    pub const RTLD_NOLOAD: i32 = 4;
    /// Make the library's symbols visible to every later lookup.
    pub const RTLD_GLOBAL: i32 = 256;
    /// Never unload the library, even after the last dlclose.
    pub const RTLD_NODELETE: i32 = 4096;
}

/// Per-process dlfcn bookkeeping.
#[derive(Debug, Default)]
pub struct DlState {
    /// Guest handle value -> library, the same for every thread.
    pub handles: std::sync::Arc<std::sync::Mutex<HashMap<u32, LibId>>>,
    /// The pending error message, where the host keeps it (libc-shim);
    /// each thread has its own, as glibc's dlerror.
    pub error: Option<String>,
}

/// Longest file name dlopen tries (Linux's PATH_MAX): a longer one is
/// refused as glibc refuses it, "File name too long".
const PATH_MAX: usize = 4096;

/// Why dlopen returns NULL.
#[derive(Debug)]
pub enum Refusal {
    /// RTLD_NOLOAD of a library that is not loaded: NULL without an error
    /// (glibc leaves dlerror() NULL).
    NotLoaded,
    /// A failure. dlrun's user reads it as it displays (host paths); the
    /// program reads [`Refusal::dlerror`].
    Error(wasmtime::Error),
}

impl Refusal {
    /// What the program's dlerror() says about it, if anything.
    pub fn dlerror(&self) -> Option<String> {
        match self {
            Refusal::NotLoaded => None,
            Refusal::Error(e) => Some(dlerror_text(e)),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotLoaded => f.write_str("not loaded (RTLD_NOLOAD)"),
            Refusal::Error(e) => write!(f, "{e:#}"),
        }
    }
}

/// Opens `name` for the library `requester` (whose RUNTIME_PATH and
/// directory take part in the search). Returns the library's id, or why
/// dlopen returns NULL; an error when the program ended during the call
/// (a constructor exited or aborted, the time or fuel ran out), which the
/// caller passes on, as glibc's dlopen does not return then either.
pub fn open(
    cx: &mut StoreContextMut<'_, Process>,
    name: &Name,
    mode_bits: i32,
    requester: LibId,
) -> wasmtime::Result<Result<LibId, Refusal>> {
    let _link = journal::perform(cx)?;
    let result = match name.whole() {
        Some(name) if name.len() <= PATH_MAX => open_untraced(cx, name, mode_bits, requester),
        _ => Err(wasmtime::format_err!(
            "{name}: cannot open shared object file: File name too long"
        )),
    };
    if cx.data().trace.dl {
        match &result {
            Ok(Some(id)) => crate::note!(
                "dlrun: dlopen(\"{name}\", {mode_bits:#x}) -> {}",
                cx.data().libs[*id].path.display()
            ),
            Ok(None) => crate::note!("dlrun: dlopen(\"{name}\", {mode_bits:#x}) -> not loaded"),
            Err(e) => crate::note!("dlrun: dlopen(\"{name}\", {mode_bits:#x}) failed: {e:#}"),
        }
    }
    match result {
        Ok(Some(id)) => Ok(Ok(id)),
        Ok(None) => Ok(Err(Refusal::NotLoaded)),
        Err(e) if unwind::ends_program(&e) => Err(e),
        Err(e) => Ok(Err(Refusal::Error(e))),
    }
}

/// A failure as the program's dlerror tells it: in glibc's words where
/// glibc has them, with modules named as the program knows them (never by
/// a host path, nor the directories searched: those are for `--trace
/// dl`), the causes on one line, without the wasm backtrace wasmtime
/// attaches to a trap (a trace for stderr, not for a message the program
/// prints).
fn dlerror_text(e: &wasmtime::Error) -> String {
    naming::as_guest_sees(|| {
        e.chain()
            .map(|c| c.to_string())
            .filter(|m| !m.starts_with("error while executing at wasm backtrace"))
            .collect::<Vec<_>>()
            .join(": ")
    })
}

fn open_untraced(
    cx: &mut StoreContextMut<'_, Process>,
    name: &str,
    mode_bits: i32,
    requester: LibId,
) -> wasmtime::Result<Option<LibId>> {
    if mode_bits & (flags::RTLD_LAZY | flags::RTLD_NOW) == 0 {
        wasmtime::bail!("{name}: invalid mode for dlopen(): Invalid argument");
    }
    let mode = Mode {
        global: mode_bits & flags::RTLD_GLOBAL != 0,
        nodelete: mode_bits & flags::RTLD_NODELETE != 0,
        now: mode_bits & flags::RTLD_NOW != 0,
    };
    if mode_bits & flags::RTLD_NOLOAD != 0 {
        // As glibc: a file that is not there is an error, one that is
        // there but not loaded just NULL.
        let Some(id) = loader::find_loaded(cx.data(), name, requester)? else {
            return Ok(None);
        };
        let data = cx.data_mut();
        if mode.global {
            loader::promote(data, id);
        }
        data.libs[id].nodelete |= mode.nodelete;
        data.libs[id].opens += 1;
        journal::note(cx, Op::Open { lib: id, mode });
        return Ok(Some(id));
    }
    let id = loader::load(cx, Root::Name { name, requester }, mode)?;
    let data = cx.data_mut();
    data.libs[id].opens += 1;
    data.libs[id].nodelete |= mode.nodelete;
    // Promotion of the load itself is replayed with it: what the count
    // adds is the mode's NODELETE.
    let mode = Mode {
        global: false,
        ..mode
    };
    journal::note(cx, Op::Open { lib: id, mode });
    Ok(Some(id))
}

/// Where dlsym looks.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// RTLD_DEFAULT, or the handle of the main program: the global scope.
    Global,
    /// A library handle: that library and its dependencies.
    Handle(LibId),
}

/// The address of `name`: a data address, or a function's table index;
/// otherwise what dlerror says. A name too long to be any symbol's is
/// found nowhere.
pub fn sym(
    cx: &mut StoreContextMut<'_, Process>,
    scope: Scope,
    name: &Name,
) -> Result<u32, String> {
    let _link = match journal::perform(cx) {
        Ok(guard) => guard,
        Err(e) => return Err(format!("{e:#}")),
    };
    let result = match name.whole() {
        Some(name) => sym_untraced(cx, scope, name),
        None => Err(format!(
            "{}: undefined symbol: {name}",
            scope_name(cx.data(), scope)
        )),
    };
    if cx.data().trace.dl {
        match &result {
            Ok(addr) => crate::note!("dlrun: dlsym({scope:?}, \"{name}\") -> {addr:#x}"),
            Err(e) => crate::note!("dlrun: dlsym({scope:?}, \"{name}\") failed: {e}"),
        }
    }
    result
}

/// How dlerror names a scope: the library as the program knows it.
fn scope_name(data: &Process, scope: Scope) -> String {
    match scope {
        Scope::Global => "RTLD_DEFAULT".to_string(),
        Scope::Handle(lib) => data.libs[lib].guest.clone(),
    }
}

fn sym_untraced(
    cx: &mut StoreContextMut<'_, Process>,
    scope: Scope,
    name: &str,
) -> Result<u32, String> {
    let found = {
        let data = cx.data();
        match scope {
            Scope::Global => data
                .global
                .find(name)
                .and_then(|d| data.libs[d].syms.get(name)),
            Scope::Handle(lib) => data.resolve_in_handle(lib, name),
        }
    };
    let where_ = scope_name(cx.data(), scope);
    match found {
        Some(Sym::Data(addr)) => Ok(addr),
        Some(Sym::Func {
            lib,
            pointer,
            index,
            ..
        }) => {
            journal::begin(cx);
            let slot = slots::of_export(cx, lib, &pointer, index);
            if slot.is_ok() {
                journal::end(cx, |taken| {
                    taken.took_slots().then(|| Op::Slot {
                        lib,
                        export: pointer.to_string(),
                        index,
                        taken,
                    })
                });
            } else {
                journal::abandon(cx);
            }
            slot.map_err(|e| naming::as_guest_sees(|| format!("{e:#}")))
        }
        Some(Sym::Tls(_)) => Err(format!(
            "{where_}: {name} is thread-local, which dlsym does not serve yet"
        )),
        None => Err(format!("{where_}: undefined symbol: {name}")),
    }
}

/// Drops one reference to `lib`; at zero the library (and dependencies no
/// one else holds) leave the process, their destructors run. Returns what
/// dlerror says when that fails; an error when the program ended during
/// the call (a destructor exited), for the caller to pass on.
pub fn close(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
) -> wasmtime::Result<Result<(), String>> {
    let _link = journal::perform(cx)?;
    let data = cx.data_mut();
    let Some(l) = data.libs.get_mut(lib).filter(|l| l.alive) else {
        return Ok(Err("invalid handle".to_string()));
    };
    if l.opens == 0 {
        return Ok(Ok(()));
    }
    l.opens -= 1;
    let unload = l.opens == 0 && !l.nodelete;
    journal::begin(cx);
    let collected = if unload { loader::collect(cx) } else { Ok(()) };
    journal::end(cx, |taken| Some(Op::Close { lib, taken }));
    match collected {
        Err(e) if unwind::ends_program(&e) => Err(e),
        Err(e) => Ok(Err(format!("unloading: {}", dlerror_text(&e)))),
        Ok(()) => Ok(Ok(())),
    }
}

impl DlState {
    /// The library behind guest handle `handle`.
    pub fn handle(&self, handle: u32) -> Option<LibId> {
        self.handles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&handle)
            .copied()
    }

    /// Makes guest handle `handle` stand for `lib`.
    pub fn set_handle(&self, handle: u32, lib: LibId) {
        self.handles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(handle, lib);
    }

    /// Forgets every handle of `lib`.
    pub fn drop_handles(&self, lib: LibId) {
        self.handles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, h| *h != lib);
    }
}
