//! setjmp/longjmp (and, later, C++ exceptions) the way emcc 3.1 compiles
//! them: calls that may unwind go through `invoke_<sig>(fp, args...)`; a
//! longjmp or throw unwinds as a host error to the nearest invoke frame,
//! which restores the stack and reports it through `setThrew`.

use wasmtime::{Func, StoreContextMut, Val};

use crate::abi::func_type;
use crate::modinfo::Sig;
use crate::process::Process;
use crate::unwind::{CxxException, Longjmp};

/// Names this module defines (besides every `invoke_*`).
pub const NAMES: &[&str] = &["_emscripten_throw_longjmp", "emscripten_longjmp_jmpbuf"];

/// Builds `invoke_*` for the signature the module imports it with, and the
/// longjmp entry point.
pub fn build(
    cx: &mut StoreContextMut<'_, Process>,
    name: &str,
    sig: Option<&Sig>,
) -> wasmtime::Result<Option<Func>> {
    if name == "_emscripten_throw_longjmp" {
        return Ok(Some(Func::wrap(&mut *cx, || -> wasmtime::Result<()> {
            Err(wasmtime::Error::new(Longjmp))
        })));
    }
    if !name.starts_with("invoke_") {
        return Ok(None);
    }
    let Some(sig) = sig else {
        return Ok(None);
    };
    if sig.params.first() != Some(&wasmparser::ValType::I32) {
        wasmtime::bail!("{name}: the first parameter must be an i32 function pointer");
    }
    let ty = func_type(cx.engine(), sig);
    let zeros: Vec<Val> = ty
        .results()
        .map(|t| Val::default_for_ty(&t).unwrap_or(Val::I32(0)))
        .collect();
    let name = name.to_string();
    Ok(Some(Func::new(
        &mut *cx,
        ty,
        move |mut c, params, results| {
            let sp = c.data().stack_pointer;
            let saved = sp.map(|g| g.get(&mut c));
            let fp = crate::abi::as_i32(&params[0], &name)? as u32;
            let target = Process::func_at(&mut c, fp, &name)?;
            match target.call(&mut c, &params[1..], results) {
                Ok(()) => Ok(()),
                Err(e) if e.is::<Longjmp>() || e.is::<CxxException>() => {
                    if let (Some(g), Some(v)) = (sp, saved) {
                        g.set(&mut c, v)?;
                    }
                    let mut cx = wasmtime::AsContextMut::as_context_mut(&mut c);
                    let set_threw = super::global_func(&mut cx, "setThrew").ok_or_else(|| {
                        wasmtime::format_err!("longjmp needs setThrew, which no module exports")
                    })?;
                    set_threw.call(&mut cx, &[Val::I32(1), Val::I32(0)], &mut [])?;
                    results.clone_from_slice(&zeros);
                    Ok(())
                }
                Err(e) => Err(e),
            }
        },
    )))
}
