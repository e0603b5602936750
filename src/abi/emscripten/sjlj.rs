//! setjmp/longjmp and C++ exceptions the way emcc 3.1 compiles them: calls
//! that may unwind go through `invoke_<sig>(fp, args...)`; a longjmp or
//! throw unwinds as a host error to the nearest invoke frame, which
//! restores the stack and reports it through `setThrew`.
//!
//! Without `-sWASM_BIGINT` an invoke import is i64-legalized like every
//! other JS import (each i64 parameter as two i32 halves, low first; an i64
//! result as its low half, the high half through `setTempRet0`), while the
//! function in the table takes and returns real i64 values. Emscripten's
//! JS bridges the two with the main module's `dynCall_<sig>`; here the
//! letters of the name say where the halves belong.

use wasmparser::ValType;
use wasmtime::{Func, StoreContextMut, Val};

use crate::abi::table::Build::Fixed;
use crate::abi::table::FuncTable;
use crate::modinfo::Sig;
use crate::process::Process;
use crate::unwind::{CxxException, Longjmp};

/// Every function this module defines by name (the `invoke_*` are
/// [`build_invoke`]'s).
pub static FUNCS: FuncTable = FuncTable::new(&[(
    "_emscripten_throw_longjmp",
    Fixed(|cx| {
        Func::wrap(cx, || -> wasmtime::Result<()> {
            Err(wasmtime::Error::new(Longjmp))
        })
    }),
)]);

/// Names the host provides without building a function: a module
/// importing one loads (RTLD_NOW too), and a call traps naming it as a
/// host function dlrun does not implement yet
/// (`emscripten_longjmp_jmpbuf` is an older Emscripten's longjmp entry
/// point).
pub const UNBUILT: &[&str] = &["emscripten_longjmp_jmpbuf"];

/// `target` as an i64-legalized import sees it (Emscripten's
/// `legalize_sig`): i64 parameters as i32 pairs, an i64 result as i32.
fn legalize(target: &Sig) -> Sig {
    let halves = |t: &ValType| match t {
        ValType::I64 => vec![ValType::I32, ValType::I32],
        t => vec![*t],
    };
    Sig {
        params: target.params.iter().flat_map(halves).collect(),
        results: target
            .results
            .iter()
            .map(|t| if *t == ValType::I64 { ValType::I32 } else { *t })
            .collect(),
    }
}

/// The target's arguments from a legalized invoke's (after the function
/// pointer): each i64 put back together from its (low, high) halves.
fn join_halves(target: &[ValType], args: &[Val], name: &str) -> wasmtime::Result<Vec<Val>> {
    let mut args = args.iter();
    let mut next = || {
        args.next()
            .cloned()
            .ok_or_else(|| wasmtime::format_err!("{name}: too few arguments"))
    };
    target
        .iter()
        .map(|t| match t {
            ValType::I64 => {
                let low = crate::abi::as_i32(&next()?, name)? as u32;
                let high = crate::abi::as_i32(&next()?, name)? as u32;
                Ok(Val::I64(((u64::from(high) << 32) | u64::from(low)) as i64))
            }
            _ => next(),
        })
        .collect()
}

/// An i64 result as a legalized import returns it: the low half, and the
/// high half for `setTempRet0`.
fn split_i64(v: i64) -> (i32, i32) {
    (v as i32, (v >> 32) as i32)
}

/// How an invoke import passes its arguments on.
enum Shape {
    /// As they are (no i64 in the signature, or `-sWASM_BIGINT`).
    Direct,
    /// i64-legalized: the target takes and returns real i64 values.
    Legalized(Sig),
}

/// Whether the import `name` with type `sig` (function pointer first) is
/// the legalized form of the signature its name spells; an error when it
/// is neither that nor the real form.
fn shape(name: &str, sig: &Sig) -> wasmtime::Result<Shape> {
    let Some(target) = name.strip_prefix("invoke_").and_then(super::letters_sig) else {
        return Ok(Shape::Direct);
    };
    let imported = Sig {
        params: sig.params[1..].to_vec(),
        results: sig.results.clone(),
    };
    if imported == target {
        return Ok(Shape::Direct);
    }
    if imported == legalize(&target) {
        return Ok(Shape::Legalized(target));
    }
    wasmtime::bail!(
        "{name}: imported with parameters {:?} and results {:?}, which its name does not spell",
        imported.params,
        imported.results
    )
}

/// Builds `invoke_*` for the signature the module imports it with; an
/// error when the signature is not one its name spells.
pub fn build_invoke(
    cx: &mut StoreContextMut<'_, Process>,
    name: &str,
    sig: Option<&Sig>,
) -> wasmtime::Result<Option<Func>> {
    if !name.starts_with("invoke_") {
        return Ok(None);
    }
    let Some(sig) = sig else {
        return Ok(None);
    };
    if sig.params.first() != Some(&ValType::I32) {
        wasmtime::bail!("{name}: the first parameter must be an i32 function pointer");
    }
    let shape = shape(name, sig)?;
    let ty = sig.func_type(cx.engine());
    let zeros: Vec<Val> = ty
        .results()
        .map(|t| Val::default_for_ty(&t).unwrap_or(Val::I32(0)))
        .collect();
    let target_results: Vec<Val> = match &shape {
        Shape::Direct => zeros.clone(),
        Shape::Legalized(t) => t
            .func_type(cx.engine())
            .results()
            .map(|t| Val::default_for_ty(&t).unwrap_or(Val::I32(0)))
            .collect(),
    };
    let name = name.to_string();
    Ok(Some(Func::new(
        &mut *cx,
        ty,
        move |mut c, params, results| {
            let sp = c.data().stack_pointer;
            let saved = sp.map(|s| s.get(&mut c)).transpose()?;
            let fp = crate::abi::as_i32(&params[0], &name)? as u32;
            let target = Process::func_at(&mut c, fp, &name)?;
            let called = match &shape {
                Shape::Direct => target.call(&mut c, &params[1..], results),
                Shape::Legalized(t) => {
                    let args = join_halves(&t.params, &params[1..], &name)?;
                    let mut out = target_results.clone();
                    target.call(&mut c, &args, &mut out).map(|()| {
                        for (r, v) in results.iter_mut().zip(out) {
                            *r = match v {
                                Val::I64(v) => {
                                    let (low, high) = split_i64(v);
                                    c.data_mut().temp_ret0 = high;
                                    Val::I32(low)
                                }
                                v => v,
                            };
                        }
                    })
                }
            };
            match called {
                Ok(()) => Ok(()),
                Err(e) if e.is::<Longjmp>() || e.is::<CxxException>() => {
                    if let (Some(s), Some(v)) = (sp, saved) {
                        s.set(&mut c, v)?;
                    }
                    let mut cx = wasmtime::AsContextMut::as_context_mut(&mut c);
                    let set_threw =
                        Process::global_func(&mut cx, "setThrew")?.ok_or_else(|| {
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

#[cfg(test)]
mod tests {
    use super::super::letters_sig;
    use super::*;

    fn sig(params: &[ValType], results: &[ValType]) -> Sig {
        Sig {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }

    use ValType::{F32, F64, I32, I64};

    #[test]
    fn legalizing_splits_each_i64_in_place() {
        let target = letters_sig("jjdifjj").unwrap();
        assert_eq!(
            legalize(&target),
            sig(&[I32, I32, F64, I32, F32, I32, I32, I32, I32], &[I32])
        );
        assert_eq!(legalize(&letters_sig("fd").unwrap()), sig(&[F64], &[F32]));
    }

    #[test]
    fn halves_join_low_first_in_every_position() {
        let target = [F64, I64, I32, I64, F32];
        let args = [
            Val::F64(2.5f64.to_bits()),
            Val::I32(0x8765_4321u32 as i32),
            Val::I32(-1),
            Val::I32(7),
            Val::I32(0),
            Val::I32(0x8000_0000u32 as i32),
            Val::F32(1.5f32.to_bits()),
        ];
        let joined = join_halves(&target, &args, "invoke_vdjijf").unwrap();
        assert_eq!(joined.len(), 5);
        assert_eq!(joined[0].f64(), Some(2.5));
        assert_eq!(joined[1].i64(), Some(0xFFFF_FFFF_8765_4321u64 as i64));
        assert_eq!(joined[2].i32(), Some(7));
        assert_eq!(joined[3].i64(), Some(i64::MIN));
        assert_eq!(joined[4].f32(), Some(1.5));
    }

    #[test]
    fn bad_halves_are_errors_not_panics() {
        let err = join_halves(&[I64], &[Val::I32(1)], "invoke_vj").unwrap_err();
        assert!(err.to_string().contains("invoke_vj"), "{err}");
        let err = join_halves(&[I64], &[Val::F32(0), Val::I32(0)], "invoke_vj").unwrap_err();
        assert!(err.to_string().contains("invoke_vj"), "{err}");
    }

    #[test]
    fn results_split_into_low_and_high() {
        assert_eq!(split_i64(-1), (-1, -1));
        assert_eq!(
            split_i64(0xFEDC_BA98_7654_3210u64 as i64),
            (0x7654_3210, 0xFEDC_BA98u32 as i32)
        );
        assert_eq!(split_i64(1 << 32), (0, 1));
    }

    #[test]
    fn shape_follows_the_import_type() {
        let pair = sig(&[I32, I32, I32, F64], &[I32]);
        assert!(matches!(
            shape("invoke_jjd", &pair),
            Ok(Shape::Legalized(t)) if t == sig(&[I64, F64], &[I64])
        ));
        let real = sig(&[I32, I64, F64], &[I64]);
        assert!(matches!(shape("invoke_jjd", &real), Ok(Shape::Direct)));
        let plain = sig(&[I32, I32], &[]);
        assert!(matches!(shape("invoke_vi", &plain), Ok(Shape::Direct)));
        let wrong = sig(&[I32, F32], &[]);
        let err = shape("invoke_vj", &wrong).err().unwrap();
        assert!(err.to_string().contains("invoke_vj"), "{err}");
    }
}
