//! The host half of Emscripten's libc dlopen (`system/lib/libc/dynlink.c`):
//! libc keeps a list of `struct dso` and asks the host to load a library
//! into one (`_dlopen_js`) and to look symbols up (`_dlsym_js`); errors go
//! back through the program's `__dl_seterr`.

use wasmtime::{AsContextMut, Caller, Func, StoreContextMut, Val};

use crate::abi::mem;
use crate::dlfcn::{self, Scope};
use crate::process::Process;

/// Names this module defines.
pub const NAMES: &[&str] = &["_dlopen_js", "_dlsym_js", "_emscripten_dlopen_js"];

/// `struct dso` field offsets in Emscripten 3.1.
const DSO_FLAGS: u32 = 20;
const DSO_NAME: u32 = 44;
/// musl's RTLD_NEXT handle.
const RTLD_NEXT: i32 = -1;

/// Builds host function `name`.
pub fn build(cx: &mut StoreContextMut<'_, Process>, name: &str) -> Option<Func> {
    Some(match name {
        "_dlopen_js" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, handle: i32| -> wasmtime::Result<i32> {
                open(&mut c, handle as u32)
            },
        ),
        "_emscripten_dlopen_js" => Func::wrap(
            &mut *cx,
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
        ),
        "_dlsym_js" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, handle: i32, symbol: i32| -> wasmtime::Result<i32> {
                let m = c.data().memory()?;
                let name = mem::read_name(&c, m, symbol as u32, "dlsym symbol name")?;
                let scope = match handle {
                    0 | RTLD_NEXT => Scope::Global,
                    h => match c.data().dl.handles.get(&(h as u32)) {
                        Some(0) => Scope::Global,
                        Some(&lib) => Scope::Handle(lib),
                        None => {
                            set_error(&mut c, &format!("invalid handle {h:#x}"))?;
                            return Ok(0);
                        }
                    },
                };
                let mut cx = c.as_context_mut();
                match dlfcn::sym(&mut cx, scope, &name) {
                    Ok(addr) => {
                        clear_error(&mut c)?;
                        Ok(addr as i32)
                    }
                    Err(msg) => {
                        set_error(&mut c, &msg)?;
                        Ok(0)
                    }
                }
            },
        ),
        _ => return None,
    })
}

/// Loads the library named in the guest's `struct dso` at `handle`.
fn open(c: &mut Caller<'_, Process>, handle: u32) -> wasmtime::Result<i32> {
    let m = c.data().memory()?;
    let name_at = mem::field(handle, DSO_NAME, "dlopen struct dso")?;
    let flags_at = mem::field(handle, DSO_FLAGS, "dlopen struct dso")?;
    let name = mem::read_name(&*c, m, name_at, "dlopen file name")?;
    let flags = mem::read_u32(&*c, m, flags_at, "dlopen flags")? as i32;
    if name.whole() == Some("__main__") {
        c.data_mut().dl.handles.insert(handle, 0);
        return Ok(handle as i32);
    }
    let mut cx = c.as_context_mut();
    match dlfcn::open(&mut cx, &name, flags, 0)? {
        Ok(lib) => {
            c.data_mut().dl.handles.insert(handle, lib);
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
    if let Some(dlerror) = super::global_func(&mut cx, "dlerror") {
        dlerror.call(&mut cx, &[], &mut [Val::I32(0)])?;
    }
    Ok(())
}

/// Sets dlerror() through the program's `__dl_seterr("%s", msg)`.
fn set_error(c: &mut Caller<'_, Process>, msg: &str) -> wasmtime::Result<()> {
    let mut cx = c.as_context_mut();
    let Some(seterr) = super::global_func(&mut cx, "__dl_seterr") else {
        return Ok(());
    };
    let sp = cx.data().stack_pointer;
    let saved = sp.map(|g| g.get(&mut cx));
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
    if let (Some(g), Some(v)) = (sp, saved) {
        g.set(&mut cx, v)?;
    }
    result
}
