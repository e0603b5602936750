//! C++ exceptions as emcc 3.1 compiles them without native wasm exceptions:
//! `__cxa_throw` unwinds as a host error to the nearest `invoke_*` frame,
//! whose landing pad asks `__cxa_find_matching_catch_N` which clause
//! matches. The bookkeeping (thrown object header, catch stack, uncaught
//! count) follows Emscripten's library_exceptions.js so that libc++abi in
//! the main module sees the same memory it would under node. One state for
//! the whole process: typeinfo and exceptions cross modules freely.

use wasmtime::{Caller, Func, StoreContextMut, Val};

use crate::abi::table::Build::{Fixed, Shaped};
use crate::abi::table::FuncTable;
use crate::mem;
use crate::modinfo::Sig;
use crate::process::Process;
use crate::unwind::{Abort, CxxException};

/// Size of the `__cxa_exception` header emcc 3.1 puts before each thrown
/// object: refcount@0, type@4, destructor@8, caught@12, rethrown@13.
const HEADER: u32 = 16;

type Cx<'a, 'b> = &'a mut StoreContextMut<'b, Process>;

fn call(cx: Cx, name: &str, args: &[Val], nresults: usize) -> wasmtime::Result<i32> {
    let f = Process::global_func(cx, name)?.ok_or_else(|| {
        wasmtime::format_err!("C++ exceptions need {name}, which no module exports")
    })?;
    let mut out = vec![Val::I32(0); nresults];
    f.call(&mut *cx, args, &mut out)?;
    match out.first() {
        Some(v) => crate::abi::as_i32(v, name),
        None => Ok(0),
    }
}

fn rd(cx: Cx, ptr: u32) -> wasmtime::Result<u32> {
    let m = cx.data().memory()?;
    mem::read_u32(&*cx, m, ptr, "C++ exception header")
}

fn wr(cx: Cx, ptr: u32, v: u32) -> wasmtime::Result<()> {
    let m = cx.data().memory()?;
    mem::write_u32(&mut *cx, m, ptr, v, "C++ exception header")
}

fn rd8(cx: Cx, ptr: u32) -> wasmtime::Result<u8> {
    let m = cx.data().memory()?;
    Ok(mem::read(&*cx, m, ptr, 1, "C++ exception header")?[0])
}

fn wr8(cx: Cx, ptr: u32, v: u8) -> wasmtime::Result<()> {
    let m = cx.data().memory()?;
    mem::write(&mut *cx, m, ptr, &[v], "C++ exception header")
}

fn throw(ptr: u32) -> wasmtime::Result<()> {
    Err(wasmtime::Error::new(CxxException(ptr)))
}

fn new_catch_info(cx: Cx, base: u32, adjusted: u32) -> wasmtime::Result<u32> {
    let p = call(cx, "malloc", &[Val::I32(8)], 1)? as u32;
    wr(cx, p, base)?;
    wr(cx, p.wrapping_add(4), adjusted)?;
    Ok(p)
}

fn dec_ref(cx: Cx, exc: u32) -> wasmtime::Result<()> {
    let h = exc - HEADER;
    let prev = rd(cx, h)?;
    wr(cx, h, prev.wrapping_sub(1))?;
    if prev == 1 && rd8(cx, h + 13)? == 0 {
        let dtor = rd(cx, h + 8)?;
        if dtor != 0
            && let Ok(f) = Process::func_at(&mut *cx, dtor, "exception destructor")
        {
            let mut out = vec![Val::I32(0); f.ty(&*cx).results().len()];
            f.call(&mut *cx, &[Val::I32(exc as i32)], &mut out)?;
        }
        call(cx, "free", &[Val::I32(h as i32)], 0)?;
    }
    Ok(())
}

fn inc_ref(cx: Cx, exc: u32) -> wasmtime::Result<()> {
    let h = exc - HEADER;
    let v = rd(cx, h)?;
    wr(cx, h, v.wrapping_add(1))
}

/// The object a handler receives: the pointer itself for pointer types,
/// else the adjusted (base-class) address when there is one.
fn exception_ptr(cx: Cx, info: u32) -> wasmtime::Result<u32> {
    let base = rd(cx, info)?;
    let ty = rd(cx, base - HEADER + 4)?;
    if call(cx, "__cxa_is_pointer_type", &[Val::I32(ty as i32)], 1)? != 0 {
        return rd(cx, base);
    }
    let adjusted = rd(cx, info + 4)?;
    Ok(if adjusted != 0 { adjusted } else { base })
}

fn rethrow(cx: Cx) -> wasmtime::Result<()> {
    let Some(info) = cx.data_mut().eh.caught.pop() else {
        return Err(wasmtime::Error::new(Abort("no exception to throw".into())));
    };
    let ptr = rd(cx, info)?;
    let h = ptr - HEADER;
    if rd8(cx, h + 13)? == 0 {
        cx.data_mut().eh.caught.push(info);
        wr8(cx, h + 13, 1)?;
        wr8(cx, h + 12, 0)?;
        cx.data_mut().eh.uncaught += 1;
    } else {
        call(cx, "free", &[Val::I32(info as i32)], 0)?;
    }
    cx.data_mut().eh.last = ptr;
    throw(ptr)
}

/// `__cxa_find_matching_catch_N(types...)`: the first clause that can catch
/// the in-flight exception; returns a CatchInfo and the selected type in
/// tempRet0.
fn find_matching_catch(cx: Cx, types: &[u32]) -> wasmtime::Result<i32> {
    let thrown = cx.data().eh.last;
    if thrown == 0 {
        cx.data_mut().temp_ret0 = 0;
        return Ok(0);
    }
    let thrown_type = rd(cx, thrown - HEADER + 4)?;
    let info = new_catch_info(cx, thrown, thrown)?;
    if thrown_type == 0 {
        cx.data_mut().temp_ret0 = 0;
        return Ok(info as i32);
    }
    for &caught in types {
        if caught == 0 || caught == thrown_type {
            break;
        }
        let args = [
            Val::I32(caught as i32),
            Val::I32(thrown_type as i32),
            Val::I32((info + 4) as i32),
        ];
        if call(cx, "__cxa_can_catch", &args, 1)? != 0 {
            cx.data_mut().temp_ret0 = caught as i32;
            return Ok(info as i32);
        }
    }
    cx.data_mut().temp_ret0 = thrown_type as i32;
    Ok(info as i32)
}

/// A host function of i32 parameters `$a...` whose body reaches the store
/// through `$c`, as the helpers here take it.
macro_rules! wrap {
    ($cx:expr, |$c:ident $(, $a:ident)*| -> $ret:ty $body:block) => {
        Func::wrap($cx, |mut caller: Caller<'_, Process> $(, $a: i32)*| -> $ret {
            let mut cxm = wasmtime::AsContextMut::as_context_mut(&mut caller);
            let $c = &mut cxm;
            $body
        })
    };
}

/// Every function this module defines by name (the numbered
/// `__cxa_find_matching_catch_N` are [`build_matching_catch`]'s).
pub static FUNCS: FuncTable = FuncTable::new(&[
    (
        "__cxa_allocate_exception",
        Fixed(|cx| {
            wrap!(cx, |c, size| -> wasmtime::Result<i32> {
                let p = call(
                    c,
                    "malloc",
                    &[Val::I32(size.wrapping_add(HEADER as i32))],
                    1,
                )?;
                if p == 0 {
                    return Err(wasmtime::Error::new(Abort(
                        "out of memory allocating an exception".into(),
                    )));
                }
                Ok(p.wrapping_add(HEADER as i32))
            })
        }),
    ),
    (
        "__cxa_free_exception",
        Fixed(|cx| {
            wrap!(cx, |c, ptr| -> wasmtime::Result<()> {
                call(c, "free", &[Val::I32(ptr.wrapping_sub(HEADER as i32))], 0).map(|_| ())
            })
        }),
    ),
    (
        "__cxa_throw",
        Fixed(|cx| {
            wrap!(cx, |c, ptr, ty, dtor| -> wasmtime::Result<()> {
                let h = ptr as u32 - HEADER;
                wr(c, h, 0)?;
                wr(c, h + 4, ty as u32)?;
                wr(c, h + 8, dtor as u32)?;
                wr8(c, h + 12, 0)?;
                wr8(c, h + 13, 0)?;
                c.data_mut().eh.last = ptr as u32;
                c.data_mut().eh.uncaught += 1;
                throw(ptr as u32)
            })
        }),
    ),
    (
        "__cxa_rethrow",
        Fixed(|cx| wrap!(cx, |c| -> wasmtime::Result<()> { rethrow(c) })),
    ),
    (
        "__cxa_begin_catch",
        Fixed(|cx| {
            wrap!(cx, |c, info| -> wasmtime::Result<i32> {
                let info = info as u32;
                let base = rd(c, info)?;
                let h = base - HEADER;
                if rd8(c, h + 12)? == 0 {
                    wr8(c, h + 12, 1)?;
                    c.data_mut().eh.uncaught -= 1;
                }
                wr8(c, h + 13, 0)?;
                c.data_mut().eh.caught.push(info);
                inc_ref(c, base)?;
                Ok(exception_ptr(c, info)? as i32)
            })
        }),
    ),
    (
        "__cxa_end_catch",
        Fixed(|cx| {
            wrap!(cx, |c| -> wasmtime::Result<()> {
                call(c, "setThrew", &[Val::I32(0), Val::I32(0)], 0)?;
                let Some(info) = c.data_mut().eh.caught.pop() else {
                    return Ok(());
                };
                let base = rd(c, info)?;
                dec_ref(c, base)?;
                call(c, "free", &[Val::I32(info as i32)], 0)?;
                c.data_mut().eh.last = 0;
                Ok(())
            })
        }),
    ),
    (
        "__cxa_get_exception_ptr",
        Fixed(|cx| {
            wrap!(cx, |c, info| -> wasmtime::Result<i32> {
                Ok(exception_ptr(c, info as u32)? as i32)
            })
        }),
    ),
    (
        "__cxa_uncaught_exceptions",
        Fixed(|cx| wrap!(cx, |c| -> i32 { c.data().eh.uncaught })),
    ),
    (
        "__cxa_current_primary_exception",
        Fixed(|cx| {
            wrap!(cx, |c| -> wasmtime::Result<i32> {
                let Some(&info) = c.data().eh.caught.last() else {
                    return Ok(0);
                };
                let base = rd(c, info)?;
                inc_ref(c, base)?;
                Ok(base as i32)
            })
        }),
    ),
    (
        "__cxa_rethrow_primary_exception",
        Fixed(|cx| {
            wrap!(cx, |c, ptr| -> wasmtime::Result<()> {
                if ptr == 0 {
                    return Ok(());
                }
                let info = new_catch_info(c, ptr as u32, 0)?;
                c.data_mut().eh.caught.push(info);
                wr8(c, ptr as u32 - HEADER + 13, 1)?;
                rethrow(c)
            })
        }),
    ),
    (
        "__cxa_increment_exception_refcount",
        Fixed(|cx| {
            wrap!(cx, |c, ptr| -> wasmtime::Result<()> {
                if ptr != 0 {
                    inc_ref(c, ptr as u32)?;
                }
                Ok(())
            })
        }),
    ),
    (
        "__cxa_decrement_exception_refcount",
        Fixed(|cx| {
            wrap!(cx, |c, ptr| -> wasmtime::Result<()> {
                if ptr != 0 {
                    dec_ref(c, ptr as u32)?;
                }
                Ok(())
            })
        }),
    ),
    (
        "__cxa_call_unexpected",
        Fixed(|cx| {
            wrap!(cx, |_c, _exc| -> wasmtime::Result<()> {
                Err(wasmtime::Error::new(Abort(
                    "Unexpected exception thrown, this is not properly supported - aborting".into(),
                )))
            })
        }),
    ),
    (
        "__resumeException",
        Fixed(|cx| {
            wrap!(cx, |c, info| -> wasmtime::Result<()> {
                let ptr = rd(c, info as u32)?;
                if c.data().eh.last == 0 {
                    c.data_mut().eh.last = ptr;
                }
                call(c, "free", &[Val::I32(info)], 0)?;
                throw(ptr)
            })
        }),
    ),
    (
        "llvm_eh_typeid_for",
        Fixed(|cx| Func::wrap(cx, |ty: i32| ty)),
    ),
    ("__cxa_find_matching_catch", Shaped(matching_catch)),
]);

/// Builds `__cxa_find_matching_catch_N`, for each number N of clause
/// types the module imports it with.
pub fn build_matching_catch(
    cx: &mut StoreContextMut<'_, Process>,
    name: &str,
    sig: Option<&Sig>,
) -> Option<Func> {
    if !name.starts_with("__cxa_find_matching_catch") {
        return None;
    }
    matching_catch(cx, sig)
}

/// `__cxa_find_matching_catch` with as many clause types as `sig` has
/// parameters.
fn matching_catch(cx: &mut StoreContextMut<'_, Process>, sig: Option<&Sig>) -> Option<Func> {
    let sig = super::env::returns_i32(sig)?;
    let ty = sig.func_type(cx.engine());
    Some(Func::new(cx, ty, |mut caller, params, results| {
        let types = params
            .iter()
            .map(|v| crate::abi::as_i32(v, "__cxa_find_matching_catch").map(|t| t as u32))
            .collect::<wasmtime::Result<Vec<u32>>>()?;
        let mut cxm = wasmtime::AsContextMut::as_context_mut(&mut caller);
        results[0] = Val::I32(find_matching_catch(&mut cxm, &types)?);
        Ok(())
    }))
}

/// glibc's report for an exception nothing caught: the demangled type, and
/// `what()` for std::exception subclasses.
pub fn describe_uncaught(cx: &mut StoreContextMut<'_, Process>, exc: u32) -> String {
    let Ok(ty) = rd(cx, exc.wrapping_sub(HEADER) + 4) else {
        return "terminate called after throwing an exception".into();
    };
    let mangled = rd(cx, ty + 4).ok().and_then(|p| {
        let m = cx.data().memory().ok()?;
        mem::read_cstr(&*cx, m, p, "typeinfo name").ok()
    });
    let name = mangled
        .map(|m| demangle(&m).unwrap_or(m))
        .unwrap_or_else(|| "unknown".into());
    let mut text = format!("terminate called after throwing an instance of '{name}'");
    if let Some(what) = what(cx, exc, ty) {
        text.push_str(&format!("\n  what():  {what}"));
    }
    text
}

/// The C++ name of the type whose mangled name (a type_info's) is `mangled`,
/// as libc++abi's `__cxa_demangle` gives it; demangled here, since a
/// program linked without `-sMAIN_MODULE` exports no `__cxa_demangle`.
fn demangle(mangled: &str) -> Option<String> {
    let name = format!("_ZTS{mangled}");
    let symbol = cpp_demangle::Symbol::new(name.as_bytes()).ok()?;
    symbol
        .demangle()
        .ok()?
        .strip_prefix("typeinfo name for ")
        .map(str::to_string)
}

/// `e.what()` if the object derives from std::exception.
fn what(cx: Cx, exc: u32, ty: u32) -> Option<String> {
    let std_exception = match cx.data().global.find("_ZTISt9exception") {
        Some(d) => match cx.data().libs[d].syms.get("_ZTISt9exception") {
            Some(crate::symbols::Sym::Data(a)) => a,
            _ => return None,
        },
        None => return None,
    };
    let sp = cx.data().stack_pointer;
    let saved = sp.and_then(|s| s.get(&mut *cx).ok());
    let out = (|| {
        let slot = super::stack_push(cx, &exc.to_le_bytes()).ok()?;
        let ok = call(
            cx,
            "__cxa_can_catch",
            &[
                Val::I32(std_exception as i32),
                Val::I32(ty as i32),
                Val::I32(slot as i32),
            ],
            1,
        )
        .ok()?;
        if ok == 0 {
            return None;
        }
        let obj = rd(cx, slot).ok()?;
        let vtable = rd(cx, obj).ok()?;
        let what_fn = rd(cx, vtable + 8).ok()?;
        let f = Process::func_at(&mut *cx, what_fn, "what()").ok()?;
        let mut out = [Val::I32(0)];
        f.call(&mut *cx, &[Val::I32(obj as i32)], &mut out).ok()?;
        let m = cx.data().memory().ok()?;
        mem::read_cstr(&*cx, m, out[0].i32()? as u32, "what()").ok()
    })();
    if let (Some(s), Some(v)) = (sp, saved) {
        let _ = s.set(&mut *cx, v);
    }
    out
}
