//! EM_JS functions and EM_ASM code: the JavaScript an Emscripten program
//! carries, run in an embedded engine ([`engine`]) started by the first
//! call of such code (a program without any pays nothing).
//!
//! An EM_JS function is an `env` import of its name that no module
//! defines; its source is found in a loaded module's data through its
//! export `__em_js__NAME`, or else in the `.js` file emcc wrote beside the
//! main module (see [`source`]). EM_ASM code calls
//! `emscripten_asm_const_int` and its kin with the address of its snippet,
//! which only that file holds (`ASM_CONSTS`); without it the call is an
//! error naming the call. Arguments are passed as the import's signature
//! shows them: an i64 that emcc legalized arrives as two numbers (low half
//! first), as under node.
//!
//! All of a program's code shares one realm, as it shares Emscripten's
//! JS scope. The realm lives in the host functions' closures, found again
//! through a marker function among the process's host functions (calling
//! it hands its state over), so that it is dropped with the store.

mod engine;
mod source;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use wasmtime::{Caller, Func, StoreContextMut, Val};

use crate::modinfo::{ImportKind, Sig};
use crate::process::Process;
use crate::symbols::Sym;
use crate::unwind::Abort;

use engine::{Code, Engine};
use source::Companion;

/// The JS library functions that run EM_ASM code.
pub const NAMES: &[&str] = &[
    "emscripten_asm_const_int",
    "emscripten_asm_const_double",
    "emscripten_asm_const_int_sync_on_main_thread",
    "emscripten_asm_const_double_sync_on_main_thread",
    "emscripten_asm_const_async_on_main_thread",
];

/// Longest `.js` file read beside the main module.
const MAX_COMPANION: u64 = 256 << 20;

/// A program's JavaScript, shared by its host functions.
struct State {
    /// The `.js` file beside the main module.
    companion_path: Option<PathBuf>,
    /// That file's table and functions, read on first need.
    companion: OnceLock<Result<Option<Companion>, String>>,
    /// The main module's `__memory_base`, which EM_ASM addresses are
    /// relative to.
    main_base: u32,
    /// When `--timeout` ends the program.
    expires: Option<std::time::Instant>,
    /// Started by the first call of JavaScript code.
    engine: OnceLock<Engine>,
}

/// A host function for `env.name` if it is EM_JS or EM_ASM's, typed as
/// `sig` (or, without one, as the program imports it).
pub fn build(
    cx: &mut StoreContextMut<'_, Process>,
    name: &str,
    sig: Option<&Sig>,
) -> wasmtime::Result<Option<Func>> {
    if NAMES.contains(&name) {
        return asm_const(cx, name).map(Some);
    }
    // A name of Emscripten's JS library is never an EM_JS function (emcc
    // would refuse the clash); skipping them keeps programs without EM_JS
    // from reading the .js file.
    if super::jslib::is_unprovided(cx.data(), name) || !source::is_identifier(name) {
        return Ok(None);
    }
    let in_module = em_js_export(cx.data(), name).is_some();
    if !in_module && !cx.data().js_library {
        return Ok(None);
    }
    let state = state(cx)?;
    // A .js file that cannot be read defines nothing here; an EM_ASM call
    // reports why.
    let in_companion = || {
        state
            .companion()
            .is_ok_and(|c| c.is_some_and(|c| c.em_js(name).is_some()))
    };
    if !in_module && !in_companion() {
        return Ok(None);
    }
    let Some(sig) = sig.cloned().or_else(|| imported_sig(cx.data(), name)) else {
        return Ok(None);
    };
    let ty = cx.data().modules.func_type(&sig);
    let result = ty.results().next();
    let name = name.to_string();
    let what = format!("EM_JS function {name}");
    Ok(Some(Func::new(
        &mut *cx,
        ty,
        move |mut c, params, results| {
            let engine = state.engine()?;
            let value = engine.run(&mut c, |js| {
                if !js.has(&name) {
                    define_em_js(js, &state, &name)?;
                }
                js.call(&name, params, result.clone(), &what)
            })?;
            if let (Some(v), Some(slot)) = (value, results.first_mut()) {
                *slot = v;
            }
            Ok(())
        },
    )))
}

/// Declares EM_JS function `name` and every other one known now, so that
/// they can call one another by name. Only `name`'s failure fails the call:
/// another function that cannot be declared fails when it is called.
fn define_em_js(js: &engine::Js<'_>, state: &State, name: &str) -> wasmtime::Result<()> {
    let mut decls: Vec<(String, Result<String, String>)> = Vec::new();
    js.with_caller(|c| {
        for lib in c.data().libs.iter().filter(|l| l.alive) {
            for (sym, _) in &lib.info.exports {
                let (Some(f), Some(Sym::Data(addr))) =
                    (sym.strip_prefix("__em_js__"), lib.syms.get(sym))
                else {
                    continue;
                };
                let decl = read_source(c, addr)
                    .and_then(|raw| source::em_js_decl(f, &raw))
                    .map_err(|e| format!("{}: {e}", lib.name));
                decls.push((f.to_string(), decl));
            }
        }
        Ok(())
    })?;
    if let Some(companion) = state.companion()? {
        decls.extend(
            companion
                .em_js
                .iter()
                .map(|(n, d)| (n.clone(), Ok(d.clone()))),
        );
    }
    let abort =
        |e: String| wasmtime::Error::new(Abort(format!("dlrun: EM_JS function {name}: {e}")));
    let mine = decls
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| d.clone())
        .ok_or_else(|| abort("its source is in no loaded module and no .js file".into()))?
        .map_err(abort)?;
    js.define(
        name,
        Code::Declaration(&mine),
        &format!("EM_JS function {name}"),
    )?;
    for (f, decl) in &decls {
        if let Ok(decl) = decl
            && !js.has(f)
        {
            // Its error, if any, is reported when it is called.
            let _ = js.define(f, Code::Declaration(decl), &format!("EM_JS function {f}"));
        }
    }
    Ok(())
}

/// `emscripten_asm_const_*(code, sig, argbuf)`: runs the EM_ASM snippet at
/// address `code` with the arguments `sig` describes at `argbuf`.
fn asm_const(cx: &mut StoreContextMut<'_, Process>, name: &str) -> wasmtime::Result<Func> {
    use wasmparser::ValType as T;
    let result = match name {
        "emscripten_asm_const_async_on_main_thread" => None,
        n if n.contains("double") => Some(T::F64),
        _ => Some(T::I32),
    };
    // An import of another type is refused when it is bound, naming it.
    let sig = Sig {
        params: vec![T::I32; 3],
        results: result.into_iter().collect(),
    };
    let ty = cx.data().modules.func_type(&sig);
    let result = ty.results().next();
    let state = state(cx)?;
    let name = name.to_string();
    Ok(Func::new(&mut *cx, ty, move |mut c, params, results| {
        let arg = |k: usize| params[k].i32().unwrap_or(0) as u32;
        let (code, sig_ptr, argbuf) = (arg(0), arg(1), arg(2));
        let offset = code.wrapping_sub(state.main_base);
        let what = format!("EM_ASM code at {code:#x} ({name})");
        let Some(companion) = state.companion()? else {
            return Err(wasmtime::Error::new(Abort(format!(
                "dlrun: {name}: EM_ASM code is kept in the .js file emcc writes beside the main module, and there is none{}",
                state
                    .companion_path
                    .as_ref()
                    .map(|p| format!(" ({} is missing or has no ASM_CONSTS table)", p.display()))
                    .unwrap_or_default()
            ))));
        };
        let Some(text) = companion.asm_const(offset) else {
            return Err(wasmtime::Error::new(Abort(format!(
                "dlrun: {name}: the ASM_CONSTS table of the .js file beside the main module has no code for address {code:#x}"
            ))));
        };
        let args = asm_args(&c, sig_ptr, argbuf)?;
        let key = format!("#{offset}");
        let engine = state.engine()?;
        let value = engine.run(&mut c, |js| {
            if !js.has(&key) {
                js.define(&key, Code::Expression(text), &what)?;
            }
            js.call(&key, &args, result.clone(), &what)
        })?;
        if let (Some(v), Some(slot)) = (value, results.first_mut()) {
            *slot = v;
        }
        Ok(())
    }))
}

/// The arguments of an EM_ASM call, as Emscripten's `readAsmConstArgs`
/// reads them: one letter each at `sig`, a double (`d`, `f`) from the next
/// 8-aligned slot of `argbuf`, anything else an i32.
fn asm_args(c: &Caller<'_, Process>, sig: u32, argbuf: u32) -> wasmtime::Result<Vec<Val>> {
    let m = c.data().memory()?;
    let letters = crate::mem::read_cstr(c, m, sig, "EM_ASM argument types")?;
    let mut slot = argbuf >> 2;
    let mut args = Vec::with_capacity(letters.len());
    for ch in letters.bytes() {
        let at = |slot: u32| {
            slot.checked_mul(4)
                .ok_or_else(|| wasmtime::format_err!("EM_ASM arguments run past the end of memory"))
        };
        if ch < b'i' {
            slot += slot & 1;
            let b = crate::mem::read(c, m, at(slot)?, 8, "EM_ASM arguments")?;
            args.push(Val::F64(u64::from_le_bytes(
                b.try_into().unwrap_or_default(),
            )));
            slot += 2;
        } else {
            let v = crate::mem::read_u32(c, m, at(slot)?, "EM_ASM arguments")?;
            args.push(Val::I32(v as i32));
            slot += 1;
        }
    }
    Ok(args)
}

impl State {
    /// The `.js` file's contents, read once; `None` when there is none.
    fn companion(&self) -> wasmtime::Result<Option<&Companion>> {
        let read = self.companion.get_or_init(|| {
            let Some(path) = &self.companion_path else {
                return Ok(None);
            };
            let Ok(file) = std::fs::File::open(path) else {
                return Ok(None);
            };
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_COMPANION), &mut text)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            source::parse_companion(&text).map_err(|e| format!("{}: {e}", path.display()))
        });
        match read {
            Ok(c) => Ok(c.as_ref()),
            Err(e) => Err(wasmtime::Error::new(Abort(format!(
                "dlrun: reading the EM_JS/EM_ASM code of the .js file beside the main module: {e}"
            )))),
        }
    }

    /// The engine, started on first use.
    fn engine(&self) -> wasmtime::Result<&Engine> {
        if let Some(e) = self.engine.get() {
            return Ok(e);
        }
        let engine = Engine::new(self.expires)?;
        Ok(self.engine.get_or_init(|| engine))
    }
}

/// The process's JavaScript state, made on first need.
fn state(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<Arc<State>> {
    if let Some(kept) = cx.data().js.clone() {
        return kept
            .downcast::<State>()
            .map_err(|_| wasmtime::format_err!("the process holds another kind of JS state"));
    }
    let data = cx.data();
    let main = data.libs.first();
    let state = Arc::new(State {
        companion_path: main
            .filter(|_| data.js_library)
            .map(|m| m.path.with_extension("js")),
        companion: OnceLock::new(),
        main_base: main.map_or(0, |m| m.memory_base),
        expires: data.deadline.as_ref().map(|t| t.expires()),
        engine: OnceLock::new(),
    });
    cx.data_mut().js = Some(state.clone());
    Ok(state)
}

/// The address of EM_JS function `name`'s source in a loaded module.
fn em_js_export(data: &Process, name: &str) -> Option<u32> {
    let sym = format!("__em_js__{name}");
    data.libs
        .iter()
        .filter(|l| l.alive)
        .find_map(|l| match l.syms.get(sym.as_str()) {
            Some(Sym::Data(addr)) => Some(addr),
            _ => None,
        })
}

/// The signature some loaded module imports `env.name` with.
fn imported_sig(data: &Process, name: &str) -> Option<Sig> {
    data.libs.iter().find_map(|l| {
        l.info.imports.iter().find_map(|i| match &i.kind {
            ImportKind::Func(sig) if i.module == "env" && i.name == name => Some(sig.clone()),
            _ => None,
        })
    })
}

/// Longest EM_JS source read from memory.
const MAX_SOURCE: usize = 16 << 20;

/// The NUL-terminated EM_JS source at `addr`.
fn read_source(c: &Caller<'_, Process>, addr: u32) -> Result<String, String> {
    let m = c.data().memory().map_err(|e| e.to_string())?;
    let data = m.data(c);
    let tail = data
        .get(addr as usize..)
        .ok_or_else(|| format!("its source address {addr:#x} is outside memory"))?;
    let tail = &tail[..tail.len().min(MAX_SOURCE)];
    let len = tail
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| format!("its source at {addr:#x} has no end"))?;
    String::from_utf8(tail[..len].to_vec())
        .map_err(|_| format!("its source at {addr:#x} is not UTF-8"))
}
