//! The embedded JavaScript engine (QuickJS, through rquickjs) that runs a
//! program's EM_JS and EM_ASM code, with what Emscripten's runtime gives
//! that code (`prelude.js`) and views of the program's memory.
//!
//! The views are typed arrays over an ArrayBuffer whose bytes are the wasm
//! memory itself, not a copy: writes reach the program as they happen, and
//! a call costs no copying however large the memory. Such a buffer is safe
//! only while the memory stays where it was, so JavaScript runs only inside
//! [`Engine::run`], which checks the memory's address and size on entry and
//! after every call JavaScript makes into wasm (the only times the memory
//! can have grown or moved); when they changed it detaches the old buffer
//! (every view of it, kept anywhere, becomes empty) and makes new views, as
//! Emscripten's `updateGlobalBufferAndViews` does after growth. The
//! prelude removes `ArrayBuffer.prototype.transfer` and its kin, the one
//! way JavaScript could carry the bytes into a buffer dlrun does not know.
//!
//! JavaScript reaches the store through a pointer to the host call's
//! [`Caller`], set for the call's duration (thread-local: the engine runs
//! on the thread of the call). A call nested in another (JavaScript calling
//! wasm calling JavaScript) reuses the outer call's lock of the engine.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ptr::NonNull;
use std::time::Instant;

use rquickjs::function::{Args, Rest};
use rquickjs::{
    ArrayBuffer, Coerced, Context, Ctx, FromJs, Function, JsLifetime, Object, Runtime, Value,
};
use wasmtime::{AsContextMut, Caller, Val, ValType};

use crate::process::Process;
use crate::unwind::Abort;

/// Most memory the engine may take for its own objects (the program's
/// memory is not counted: the views only point into it).
const HEAP_LIMIT: usize = 256 << 20;

const PRELUDE: &str = include_str!("prelude.js");

/// One program's JavaScript realm.
pub struct Engine {
    context: Context,
    /// When `--timeout` ends the program: running JavaScript is interrupted
    /// then, as wasm is.
    expires: Option<Instant>,
    // Dropped after the context, which it owns the memory of.
    _runtime: Runtime,
}

/// What [`Js::define`] compiles.
pub enum Code<'a> {
    /// A function declaration (EM_JS): declared globally, as in
    /// Emscripten's JS, so that other code can call it by its name.
    Declaration(&'a str),
    /// A function expression (an EM_ASM snippet).
    Expression(&'a str),
}

/// JavaScript state kept between calls, in the runtime.
struct Realm<'js> {
    set_views: Function<'js>,
    define_exports: Function<'js>,
    /// The buffer over the memory, with the address and size it covers.
    buffer: RefCell<Option<(usize, usize, ArrayBuffer<'js>)>>,
    /// Compiled functions, by the key [`Js::define`] was given.
    funcs: RefCell<HashMap<String, Function<'js>>>,
}

// SAFETY: Realm holds JS values of lifetime 'js only, and Changed is the
// same type at another lifetime.
unsafe impl<'js> JsLifetime<'js> for Realm<'js> {
    type Changed<'to> = Realm<'to>;
}

/// The host call JavaScript runs in.
struct Active {
    caller: *mut Caller<'static, Process>,
    ctx: NonNull<rquickjs::qjs::JSContext>,
    /// An error of wasm code that JavaScript called: the call ends with it
    /// whatever JavaScript does with the exception standing for it.
    failed: RefCell<Option<wasmtime::Error>>,
}

thread_local! {
    static ACTIVE: Cell<*const Active> = const { Cell::new(std::ptr::null()) };
}

/// Puts the outer call back as the active one, however the inner one ends.
struct Restore(*const Active);

impl Drop for Restore {
    fn drop(&mut self) {
        ACTIVE.set(self.0);
    }
}

/// The bytes of the wasm memory, for an ArrayBuffer that does not own them.
struct GuestBytes {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the pointer is valid for `len` bytes while the memory has not
// grown or moved, and the buffer holding it is detached (which drops it)
// before any JavaScript runs after that (see the module comment).
unsafe impl rquickjs::ArrayBufferSource for GuestBytes {
    fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }
    fn len(&self) -> usize {
        self.len
    }
}

// SAFETY: an address only; the engine that holds it is used by one thread
// at a time (its lock).
unsafe impl Send for GuestBytes {}

impl Engine {
    /// A realm with the prelude run; interrupted at `expires`.
    pub fn new(expires: Option<Instant>) -> wasmtime::Result<Engine> {
        let runtime = Runtime::new().map_err(js_setup)?;
        runtime.set_memory_limit(HEAP_LIMIT);
        if let Some(at) = expires {
            runtime.set_interrupt_handler(Some(Box::new(move || Instant::now() >= at)));
        }
        let context = Context::full(&runtime).map_err(js_setup)?;
        context.with(install).map_err(js_setup)?;
        Ok(Engine {
            context,
            expires,
            _runtime: runtime,
        })
    }

    /// Runs `f` with the realm, `caller` being the store JavaScript reaches.
    pub fn run<R>(
        &self,
        caller: &mut Caller<'_, Process>,
        f: impl for<'js> FnOnce(&Js<'js>) -> wasmtime::Result<R>,
    ) -> wasmtime::Result<R> {
        let caller = (caller as *mut Caller<'_, Process>).cast::<Caller<'static, Process>>();
        let outer = ACTIVE.get();
        let body = |ctx: Ctx<'_>| {
            let frame = Active {
                caller,
                ctx: ctx.as_raw(),
                failed: RefCell::new(None),
            };
            ACTIVE.set(&frame);
            let _restore = Restore(outer);
            let js = Js {
                ctx,
                expires: self.expires,
            };
            let out = refresh(&js.ctx).and_then(|()| f(&js));
            match frame.failed.borrow_mut().take() {
                Some(e) => Err(e),
                None => out,
            }
        };
        if outer.is_null() {
            self.context.with(body)
        } else {
            // SAFETY: the outer call holds the engine's lock on this thread
            // and outlives this one.
            body(unsafe { Ctx::from_raw((*outer).ctx) })
        }
    }
}

/// The realm during a call.
pub struct Js<'js> {
    ctx: Ctx<'js>,
    expires: Option<Instant>,
}

impl<'js> Js<'js> {
    /// Runs `f` with the store of the call.
    pub fn with_caller<R>(
        &self,
        f: impl FnOnce(&mut Caller<'_, Process>) -> wasmtime::Result<R>,
    ) -> wasmtime::Result<R> {
        with_store(|c, _| f(c)).unwrap_or_else(|| wasmtime::bail!("no call is active"))
    }

    /// Whether code was defined under `key`.
    pub fn has(&self, key: &str) -> bool {
        realm(&self.ctx).is_ok_and(|r| r.funcs.borrow().contains_key(key))
    }

    /// Compiles `code` (for messages, `what` it is) under `key`, first
    /// defining the `_name` globals it reads.
    pub fn define(&self, key: &str, code: Code<'_>, what: &str) -> wasmtime::Result<()> {
        let ctx = &self.ctx;
        let text = match code {
            Code::Declaration(t) | Code::Expression(t) => t,
        };
        let names: Vec<String> = super::source::underscore_names(text)
            .into_iter()
            .map(str::to_string)
            .collect();
        let define_exports = realm(ctx)?.define_exports.clone();
        define_exports
            .call::<_, ()>((names,))
            .map_err(|e| self.threw(e, what))?;
        let options = || {
            let mut o = rquickjs::context::EvalOptions::default();
            // Emscripten's JS is sloppy-mode script code.
            o.strict = false;
            o.filename = Some(what.to_string());
            o
        };
        let func: Function = match code {
            Code::Declaration(t) => {
                ctx.eval_with_options::<(), _>(t, options())
                    .map_err(|e| self.threw(e, what))?;
                ctx.globals().get(key).map_err(|e| self.threw(e, what))?
            }
            Code::Expression(t) => ctx
                .eval_with_options(format!("({t})"), options())
                .map_err(|e| self.threw(e, what))?,
        };
        realm(ctx)?.funcs.borrow_mut().insert(key.to_string(), func);
        Ok(())
    }

    /// Calls the function defined under `key` with `args`; returns its
    /// value as a `ty`, or nothing for `None`.
    pub fn call(
        &self,
        key: &str,
        args: &[Val],
        ty: Option<ValType>,
        what: &str,
    ) -> wasmtime::Result<Option<Val>> {
        let ctx = &self.ctx;
        let func = realm(ctx)?
            .funcs
            .borrow()
            .get(key)
            .cloned()
            .ok_or_else(|| wasmtime::format_err!("{what} was not compiled"))?;
        let mut js_args = Args::new(ctx.clone(), args.len());
        for a in args {
            js_args
                .push_arg(to_js(ctx, a).map_err(|e| self.threw(e, what))?)
                .map_err(|e| self.threw(e, what))?;
        }
        let value: Value = func.call_arg(js_args).map_err(|e| self.threw(e, what))?;
        match ty {
            None => Ok(None),
            Some(ty) => from_js(ctx, value, &ty)
                .map(Some)
                .map_err(|e| self.threw(e, what)),
        }
    }

    /// The error a JavaScript exception ends the program with: an abort
    /// naming `what` and the exception, or the timeout that interrupted it.
    fn threw(&self, e: rquickjs::Error, what: &str) -> wasmtime::Error {
        if self.expires.is_some_and(|at| Instant::now() >= at) {
            return wasmtime::Error::new(wasmtime::Trap::Interrupt);
        }
        let text = match e {
            rquickjs::Error::Exception => describe(&self.ctx.catch()),
            other => other.to_string(),
        };
        wasmtime::Error::new(Abort(format!("dlrun: {what} threw {text}")))
    }
}

/// The text of a thrown value: `Name: message` and its stack for errors.
fn describe(v: &Value<'_>) -> String {
    if let Some(ex) = v.as_exception() {
        let head = v
            .as_object()
            .and_then(|o| o.get::<_, Coerced<String>>("name").ok())
            .map(|n| n.0)
            .unwrap_or_else(|| "Error".into());
        let message = ex.message().unwrap_or_default();
        let stack = ex.stack().unwrap_or_default();
        return format!("{head}: {message}\n{}", stack.trim_end());
    }
    Coerced::<String>::from_js(v.ctx(), v.clone())
        .map(|s| s.0)
        .unwrap_or_else(|_| "an exception".into())
}

fn js_setup(e: rquickjs::Error) -> wasmtime::Error {
    wasmtime::format_err!("starting the JavaScript engine for EM_JS/EM_ASM code: {e}")
}

fn realm<'a, 'js>(
    ctx: &'a Ctx<'js>,
) -> wasmtime::Result<rquickjs::runtime::UserDataGuard<'a, Realm<'js>>> {
    ctx.userdata::<Realm>()
        .ok_or_else(|| wasmtime::format_err!("the JavaScript engine has no realm"))
}

/// Runs the prelude with dlrun's native functions and keeps what it returns.
fn install(ctx: Ctx<'_>) -> rquickjs::Result<()> {
    let native = Object::new(ctx.clone())?;
    native.set("write", Function::new(ctx.clone(), write)?)?;
    native.set("exportFn", Function::new(ctx.clone(), export_fn)?)?;
    let mut options = rquickjs::context::EvalOptions::default();
    options.strict = false;
    options.filename = Some("dlrun prelude".into());
    let prelude: Function = ctx.eval_with_options(PRELUDE, options)?;
    let hooks: Object = prelude.call((native,))?;
    let realm = Realm {
        set_views: hooks.get("setViews")?,
        define_exports: hooks.get("defineExports")?,
        buffer: RefCell::new(None),
        funcs: RefCell::new(HashMap::new()),
    };
    ctx.store_userdata(realm)
        .map_err(|_| rquickjs::Error::new_from_js_message("realm", "userdata", "stored twice"))?;
    Ok(())
}

/// Runs `f` with the store of the active call; `None` outside one (no
/// JavaScript runs outside one, but a value could be kept and called
/// from a finalizer).
fn with_store<R>(f: impl FnOnce(&mut Caller<'_, Process>, &Active) -> R) -> Option<R> {
    let frame = ACTIVE.get();
    if frame.is_null() {
        return None;
    }
    // SAFETY: the frame and the caller it points to live on the stack of
    // the host call that set them, which is below this one and suspended.
    let frame = unsafe { &*frame };
    let caller = unsafe { &mut *frame.caller };
    Some(f(caller, frame))
}

/// `native.write(fd, text)`: to the program's stdout (1) or stderr (2),
/// as console.log under node; output that cannot be written is dropped.
fn write(fd: i32, text: String) {
    if fd != 1 && fd != 2 {
        return;
    }
    with_store(|c, _| {
        let mut rest = text.as_bytes();
        while let Ok(n) = c.data().vfs().write(fd, rest) {
            if n == 0 {
                break;
            }
            rest = &rest[n..];
        }
    });
}

/// `native.exportFn(name)`: the function the program's global scope
/// defines as `name` (main's first), callable from JavaScript, or
/// undefined.
fn export_fn<'js>(ctx: Ctx<'js>, name: String) -> rquickjs::Result<Value<'js>> {
    let func =
        with_store(|c, _| crate::process::Process::global_func(&mut c.as_context_mut(), &name));
    let Some(func) = func
        .transpose()
        .map_err(|e| rquickjs::Exception::throw_internal(&ctx, &format!("{e:#}")))?
        .flatten()
    else {
        return Ok(Value::new_undefined(ctx));
    };
    let call = move |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
        let outcome = with_store(|c, frame| {
            let ty = func.ty(&*c);
            let params = ty
                .params()
                .enumerate()
                .map(|(k, t)| {
                    let v = args
                        .0
                        .get(k)
                        .cloned()
                        .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
                    from_js(&ctx, v, &t)
                })
                .collect::<rquickjs::Result<Vec<Val>>>()?;
            let mut results: Vec<Val> = ty
                .results()
                .map(|t| Val::default_for_ty(&t).unwrap_or(Val::I32(0)))
                .collect();
            if let Err(e) = func.call(&mut *c, &params, &mut results) {
                let text = format!("{e}");
                frame.failed.borrow_mut().get_or_insert(e);
                return Err(rquickjs::Exception::throw_internal(&ctx, &text));
            }
            Ok(results)
        });
        let results = match outcome {
            Some(r) => r?,
            None => {
                return Err(rquickjs::Exception::throw_internal(
                    &ctx,
                    "the program's functions can be called only while it runs JavaScript code",
                ));
            }
        };
        // The call may have grown the memory.
        refresh(&ctx).map_err(|e| rquickjs::Exception::throw_internal(&ctx, &e.to_string()))?;
        match results.first() {
            Some(v) => to_js(&ctx, v),
            None => Ok(Value::new_undefined(ctx)),
        }
    };
    Ok(Function::new(ctx, call)?.into_value())
}

/// Makes new views when the memory is not where the current ones look.
fn refresh(ctx: &Ctx<'_>) -> wasmtime::Result<()> {
    let place = with_store(|c, _| -> wasmtime::Result<(usize, usize)> {
        let memory = c.data().memory()?;
        Ok((memory.data(&*c).as_ptr() as usize, memory.data_size(&*c)))
    });
    let Some(place) = place else {
        return Ok(());
    };
    let (ptr, len) = place?;
    let realm = realm(ctx)?;
    let mut current = realm.buffer.borrow_mut();
    if matches!(&*current, Some((p, l, _)) if *p == ptr && *l == len) {
        return Ok(());
    }
    if let Some((_, _, mut old)) = current.take() {
        old.detach();
    }
    let fail = |e: rquickjs::Error| {
        wasmtime::format_err!("making views of the memory for JavaScript: {e}")
    };
    let buffer = ArrayBuffer::from_source(
        ctx.clone(),
        GuestBytes {
            ptr: ptr as *mut u8,
            len,
        },
    )
    .map_err(fail)?;
    *current = Some((ptr, len, buffer.clone()));
    drop(current);
    realm.set_views.call::<_, ()>((buffer,)).map_err(fail)
}

/// A wasm value as JavaScript sees it: i32, f32, f64 as numbers, i64 as a
/// BigInt (as with `-sWASM_BIGINT`).
fn to_js<'js>(ctx: &Ctx<'js>, v: &Val) -> rquickjs::Result<Value<'js>> {
    Ok(match v {
        Val::I32(x) => Value::new_int(ctx.clone(), *x),
        Val::I64(x) => rquickjs::BigInt::from_i64(ctx.clone(), *x)?.into_value(),
        Val::F32(bits) => Value::new_float(ctx.clone(), f32::from_bits(*bits).into()),
        Val::F64(bits) => Value::new_float(ctx.clone(), f64::from_bits(*bits)),
        _ => {
            return Err(rquickjs::Exception::throw_type(
                ctx,
                "dlrun passes only numbers between wasm and JavaScript",
            ));
        }
    })
}

/// A JavaScript value as a wasm `ty`, as the wasm JS API converts it
/// (ToInt32, ToNumber; BigInt or number for i64).
fn from_js<'js>(ctx: &Ctx<'js>, v: Value<'js>, ty: &ValType) -> rquickjs::Result<Val> {
    Ok(match ty {
        ValType::I32 => Val::I32(Coerced::<i32>::from_js(ctx, v)?.0),
        ValType::I64 => Val::I64(Coerced::<i64>::from_js(ctx, v)?.0),
        ValType::F32 => Val::F32((Coerced::<f64>::from_js(ctx, v)?.0 as f32).to_bits()),
        ValType::F64 => Val::F64(Coerced::<f64>::from_js(ctx, v)?.0.to_bits()),
        _ => {
            return Err(rquickjs::Exception::throw_type(
                ctx,
                "dlrun passes only numbers between wasm and JavaScript",
            ));
        }
    })
}
