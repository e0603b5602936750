//! The host half of Emscripten's libc dlopen (`system/lib/libc/dynlink.c`):
//! libc keeps a list of `struct dso` and asks the host to load a library
//! into one (`_dlopen_js`) and to look symbols up (`_dlsym_js`); errors go
//! back through the program's `__dl_seterr`.

use wasmtime::{AsContextMut, Caller, Func, Val};

use crate::abi::table::Build::{Fixed, Shaped};
use crate::abi::table::FuncTable;
use crate::dlfcn::{self, Scope};
use crate::mem;
use crate::modinfo::ImportKind;
use crate::process::Process;

/// Where `flags` and `name` sit in libc's `struct dso`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DsoLayout {
    flags: u32,
    name: u32,
}

/// Up to Emscripten 3.1.3x (Debian's 3.1.6): `next`, `prev` and three
/// callback words come first.
const DSO_3_1: DsoLayout = DsoLayout {
    flags: 20,
    name: 44,
};

/// From the release that added thread-synchronized dlopen (between 3.1.30
/// and 3.1.40; 4.x included): a `dlevent` pointer first, the file's data
/// pointer and size before the name. The same release gave `_dlsym_js` its
/// third parameter, which is how a program shows which layout it has.
const DSO_DLEVENT: DsoLayout = DsoLayout { flags: 4, name: 36 };

/// The `struct dso` layout of the program's libc: the newer one when its
/// `_dlsym_js` takes a symbol-index pointer, or when the main module is not
/// relocatable (Emscripten 4.0.19 and later).
fn layout(data: &Process) -> DsoLayout {
    let main = &data.libs[0].info;
    let dlsym_params = main.imports.iter().find_map(|i| match &i.kind {
        ImportKind::Func(sig) if i.module == "env" && i.name == "_dlsym_js" => {
            Some(sig.params.len())
        }
        _ => None,
    });
    match dlsym_params {
        Some(3) => DSO_DLEVENT,
        Some(_) => DSO_3_1,
        None if !main.relocatable => DSO_DLEVENT,
        None => DSO_3_1,
    }
}
/// musl's RTLD_NEXT handle.
const RTLD_NEXT: i32 = -1;

/// Every function this module defines.
pub static FUNCS: FuncTable = FuncTable::new(&[
    (
        "_dlopen_js",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, handle: i32| -> wasmtime::Result<i32> {
                    open(&mut c, handle as u32)
                },
            )
        }),
    ),
    (
        "_emscripten_dlopen_js",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 handle: i32,
                 onsuccess: i32,
                 onerror: i32|
                 -> wasmtime::Result<()> {
                    let ok = open(&mut c, handle as u32)? != 0;
                    let cb = if ok { onsuccess } else { onerror };
                    let f = Process::func_at(&mut c, cb as u32, "emscripten_dlopen callback")?;
                    f.call(&mut c, &[Val::I32(handle)], &mut [])
                },
            )
        }),
    ),
    // Newer libcs pass a pointer for the symbol's index, which stays -1:
    // no other thread has to catch up with a lookup.
    (
        "_dlsym_js",
        Shaped(|cx, sig| {
            Some(if sig.is_some_and(|s| s.params.len() == 3) {
                Func::wrap(
                    cx,
                    |mut c: Caller<'_, Process>, handle: i32, symbol: i32, _index: i32| {
                        sym(&mut c, handle, symbol)
                    },
                )
            } else {
                Func::wrap(
                    cx,
                    |mut c: Caller<'_, Process>, handle: i32, symbol: i32| {
                        sym(&mut c, handle, symbol)
                    },
                )
            })
        }),
    ),
]);

/// Looks `symbol` up for the guest's `struct dso` at `handle`.
fn sym(c: &mut Caller<'_, Process>, handle: i32, symbol: i32) -> wasmtime::Result<i32> {
    let m = c.data().memory()?;
    let name = mem::read_name(&c, m, symbol as u32, "dlsym symbol name")?;
    let scope = match handle {
        0 | RTLD_NEXT => Scope::Global,
        h => match c.data().dl.handle(h as u32) {
            Some(0) => Scope::Global,
            Some(lib) => Scope::Handle(lib),
            None => {
                set_error(c, &format!("invalid handle {h:#x}"))?;
                return Ok(0);
            }
        },
    };
    let mut cx = c.as_context_mut();
    match dlfcn::sym(&mut cx, scope, &name) {
        Ok(addr) => {
            clear_error(c)?;
            Ok(addr as i32)
        }
        Err(msg) => {
            set_error(c, &msg)?;
            Ok(0)
        }
    }
}

/// Loads the library named in the guest's `struct dso` at `handle`.
fn open(c: &mut Caller<'_, Process>, handle: u32) -> wasmtime::Result<i32> {
    let m = c.data().memory()?;
    let dso = layout(c.data());
    let name_at = mem::field(handle, dso.name, "dlopen struct dso")?;
    let flags_at = mem::field(handle, dso.flags, "dlopen struct dso")?;
    let name = mem::read_name(&*c, m, name_at, "dlopen file name")?;
    let flags = mem::read_u32(&*c, m, flags_at, "dlopen flags")? as i32;
    if name.whole() == Some("__main__") {
        c.data().dl.set_handle(handle, 0);
        return Ok(handle as i32);
    }
    let mut cx = c.as_context_mut();
    match dlfcn::open(&mut cx, &name, flags, 0)? {
        Ok(lib) => {
            c.data().dl.set_handle(handle, lib);
            clear_error(c)?;
            Ok(handle as i32)
        }
        // glibc's words alone, not Emscripten's "Could not load dynamic
        // lib" preamble: the same text in both flavours.
        Err(refusal) => {
            match refusal.dlerror() {
                Some(msg) => set_error(c, &msg)?,
                None => clear_error(c)?,
            }
            Ok(0)
        }
    }
}

/// A successful call forgets the previous error, as in glibc (musl keeps it
/// until read): reading it through the program's `dlerror` clears it.
fn clear_error(c: &mut Caller<'_, Process>) -> wasmtime::Result<()> {
    let mut cx = c.as_context_mut();
    if let Some(dlerror) = Process::global_func(&mut cx, "dlerror")? {
        dlerror.call(&mut cx, &[], &mut [Val::I32(0)])?;
    }
    Ok(())
}

/// Sets dlerror() through the program's `__dl_seterr("%s", msg)`.
fn set_error(c: &mut Caller<'_, Process>, msg: &str) -> wasmtime::Result<()> {
    let mut cx = c.as_context_mut();
    let Some(seterr) = Process::global_func(&mut cx, "__dl_seterr")? else {
        return Ok(());
    };
    let sp = cx.data().stack_pointer;
    let saved = sp.map(|s| s.get(&mut cx)).transpose()?;
    let mut text = msg.as_bytes().to_vec();
    text.push(0);
    let msg_ptr = super::stack_push(&mut cx, &text)?;
    let fmt = super::stack_push(&mut cx, b"%s\0")?;
    let args = super::stack_push(&mut cx, &msg_ptr.to_le_bytes())?;
    let result = seterr.call(
        &mut cx,
        &[Val::I32(fmt as i32), Val::I32(args as i32)],
        &mut [],
    );
    if let (Some(s), Some(v)) = (sp, saved) {
        s.set(&mut cx, v)?;
    }
    result
}
