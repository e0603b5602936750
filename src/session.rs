//! One loaded process the host drives: call exported functions by name or
//! through function pointers, dlopen and dlsym as the program would, read
//! and write its memory, and end it (running `main`, or just its exit
//! handlers). The dlfcn calls go through [`crate::dlfcn`], the same code
//! that serves the program's own dlopen.

use std::mem::ManuallyDrop;

use wasmtime::{AsContextMut, Func, Store};

use crate::Error;
use crate::abi::{self, Flavour};
use crate::dlfcn::{self, Scope};
use crate::mem;
use crate::process::Process;
use crate::symbols::{self, LibId, Sym};
use crate::template::Recycle;
use crate::unwind;
use crate::value::{Signature, Val, ValType};

/// A library opened in a [`Session`], or the main program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handle(LibId);

impl Handle {
    /// The main program: [`Session::dlsym`] through it searches the global
    /// scope, as `dlsym(RTLD_DEFAULT, ...)` does.
    pub const MAIN: Handle = Handle(0);
}

/// A program loaded (constructors run) in a store of its own, for the host
/// to call into. Made by [`Program::load`](crate::Program::load); it may
/// move to another thread, and is used by one at a time.
///
/// ```
/// # fn main() -> Result<(), dlrun::Error> {
/// use dlrun::Val;
/// let wasm = wat::parse_str(r#"(module
///     (@dylink.0 (mem-info (memory 16 0)))
///     (import "env" "memory" (memory 256))
///     (import "env" "__indirect_function_table" (table 0 funcref))
///     (import "env" "__stack_pointer" (global (mut i32)))
///     (import "env" "__memory_base" (global $base i32))
///     (import "env" "__table_base" (global i32))
///     (import "GOT.mem" "__heap_base" (global (mut i32)))
///     (data (global.get $base) "hello")
///     (func (export "add") (param i32 i32) (result i32)
///       (i32.add (local.get 0) (local.get 1)))
///     (func (export "greeting") (result i32) global.get $base)
///     (func (export "main") (param i32 i32) (result i32) i32.const 0))"#).unwrap();
/// let config = dlrun::RunConfig { main: "main.wasm".into(), ..Default::default() };
/// let program = dlrun::Program::from_bytes(wasm, &config)?;
/// let mut session = program.load()?;
/// assert_eq!(session.call("add", &[Val::I32(2), Val::I32(3)])?, [Val::I32(5)]);
/// let text = session.call("greeting", &[])?;
/// let Val::I32(ptr) = text[0] else { unreachable!() };
/// assert_eq!(session.read_cstr(ptr as u32)?, "hello");
/// assert!(session.call("ad", &[]).unwrap_err().to_string().contains("did you mean add?"));
/// # Ok(())
/// # }
/// ```
pub struct Session {
    /// Taken only when the session is dropped.
    store: ManuallyDrop<Store<Process>>,
    flavour: Flavour,
    /// The status the program exited with; it runs no more code then.
    exited: Option<i32>,
    /// The template the store goes back to when the session ends.
    recycle: Option<Recycle>,
    /// The process ends with the session (`Limits::exit_process`): freeing
    /// the store, a hundred libraries' instances and their memory, would
    /// only delay the exit.
    ends_process: bool,
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: the store is taken here only, as the session ends; no
        // method runs after drop.
        let store = unsafe { ManuallyDrop::take(&mut self.store) };
        // Its thread runs no more guest code: other threads' dlopens need
        // not wait for it, and they stop too (returning from main ends the
        // program, as glibc's exit does).
        if let Some(threads) = &store.data().threads {
            threads.part(store.data().tls.token);
            threads.end(self.exited.unwrap_or(0));
        }
        if let Some(recycle) = self.recycle.take() {
            recycle.give_back(store);
        } else if self.ends_process {
            std::mem::forget(store);
        }
    }
}

impl Session {
    pub(crate) fn new(store: Store<Process>, flavour: Flavour) -> Session {
        Session {
            store: ManuallyDrop::new(store),
            flavour,
            exited: None,
            recycle: None,
            ends_process: false,
        }
    }

    /// This session, giving its store back to a template when it ends.
    pub(crate) fn recycle_into(mut self, recycle: Recycle) -> Session {
        self.recycle = Some(recycle);
        self
    }

    /// This session, leaving its store to the process's exit when it ends.
    pub(crate) fn ending_process(mut self, ends: bool) -> Session {
        self.ends_process = ends;
        self
    }

    /// The session's store.
    pub(crate) fn store_mut(&mut self) -> &mut Store<Process> {
        &mut self.store
    }

    /// Runs `main` (with the arguments the session was loaded with), then
    /// the exit handlers, and returns the exit status.
    pub fn run_main(self) -> Result<i32, Error> {
        self.run_main_after(Ok(()))
    }

    /// Runs `main` unless `loaded` says the load failed, and ends the
    /// program either way: the one ending of every run.
    pub(crate) fn run_main_after(mut self, loaded: wasmtime::Result<()>) -> Result<i32, Error> {
        self.alive()?;
        let mut cx = self.store.as_context_mut();
        let outcome = loaded.and_then(|()| {
            if self.flavour.emscripten() {
                abi::emscripten::call_main(&mut cx)
            } else {
                abi::wasi::call_start(&mut cx)
            }
        });
        // A WASI program's exit handlers ran in its own `exit`.
        let handlers = self.flavour.emscripten();
        self.end(outcome, handlers)
    }

    /// Ends the program as `exit(0)` would, without running `main`: its
    /// atexit handlers and destructors run and stdio is flushed, so output
    /// the host's calls left in the program's buffers is written. Returns
    /// the exit status (a handler may call `exit` with another).
    pub fn finish(mut self) -> Result<i32, Error> {
        self.alive()?;
        self.end(Ok(0), true)
    }

    /// Ends the program with `outcome` (main's status, or what stopped it)
    /// and, when `handlers`, its exit handlers.
    fn end(&mut self, outcome: wasmtime::Result<i32>, handlers: bool) -> Result<i32, Error> {
        let mut cx = self.store.as_context_mut();
        let exited = |e: wasmtime::Error| unwind::exit_status(&e).ok_or(e);
        let ended = outcome.or_else(exited).and_then(|status| {
            if !handlers {
                return Ok(status);
            }
            abi::emscripten::at_exit(&mut cx)
                .map(|()| status)
                .or_else(exited)
        });
        match ended {
            Ok(status) => {
                self.exited = Some(status);
                Ok(status)
            }
            Err(e) => Err(self.failure(e)),
        }
    }

    /// The error a failed load or call of the host's ends with: an exit of
    /// the program's own ends it ([`Error::Exit`]).
    pub(crate) fn ended_by(&mut self, e: wasmtime::Error) -> Error {
        if unwind::exit_status(&e).is_none() {
            return self.failure(e);
        }
        let handlers = self.flavour.emscripten();
        match self.end(Err(e), handlers) {
            Ok(status) => Error::Exit(status),
            Err(e) => e,
        }
    }

    /// Sorts a failure into how the run ends.
    fn failure(&mut self, e: wasmtime::Error) -> Error {
        if let Some(exc) = e.downcast_ref::<unwind::CxxException>() {
            let mut cx = self.store.as_context_mut();
            let text = abi::emscripten::eh::describe_uncaught(&mut cx, exc.0);
            return Error::Runtime(unwind::Abort(text).to_string());
        }
        if let Some(abort) = e.downcast_ref::<unwind::Abort>() {
            return Error::Runtime(abort.to_string());
        }
        if let Some(lookup) = e.downcast_ref::<unwind::SymbolLookup>() {
            return Error::Lookup(lookup.to_string());
        }
        if let Some(fault) = e.downcast_ref::<unwind::Fault>() {
            return Error::Runtime(format!("dlrun: bad pointer: {fault}\n{e:?}"));
        }
        if let Some(wasmtime::Trap::Interrupt) = e.downcast_ref::<wasmtime::Trap>() {
            return Error::Timeout("the program ran past its --timeout and was stopped".into());
        }
        if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
            let hint = match trap {
                wasmtime::Trap::IndirectCallToNull => {
                    " (a call through a null pointer, a pointer into an unloaded library, or a pointer to a function of Emscripten's JS library that dlrun does not implement)"
                }
                wasmtime::Trap::BadSignature => {
                    " (a function pointer called with another type than its function's)"
                }
                wasmtime::Trap::MemoryOutOfBounds => " (an invalid pointer)",
                wasmtime::Trap::StackOverflow => " (runaway recursion?)",
                _ => "",
            };
            return Error::Runtime(format!("dlrun: {trap}{hint}\n{e:?}"));
        }
        Error::Load(format!("{e:#}"))
    }

    /// Refuses to run code in a program that has exited.
    fn alive(&self) -> Result<(), Error> {
        match self.exited {
            Some(status) => Err(Error::Exit(status)),
            None => Ok(()),
        }
    }

    /// The function `name`: the definition the global scope binds the name
    /// to (the main module's first), else the first loaded library that
    /// exports it (one opened RTLD_LOCAL). For i64-legalized exports this is
    /// the function with real i64 parameters.
    fn func(&mut self, name: &str) -> Result<Func, Error> {
        let data = self.store.data();
        let sym = data
            .global
            .find(name)
            .and_then(|d| data.libs[d].syms.get(name))
            .or_else(|| {
                data.libs
                    .iter()
                    .filter(|l| l.alive)
                    .find_map(|l| l.syms.get(name))
            });
        let (lib, pointer) = match sym {
            Some(Sym::Func { lib, pointer, .. }) => (lib, pointer),
            Some(_) => return Err(Error::Call(format!("{name} is data, not a function"))),
            None => {
                let names: Vec<symbols::Name> = data
                    .libs
                    .iter()
                    .filter(|l| l.alive)
                    .flat_map(|l| l.syms.names())
                    .collect();
                let hint = symbols::suggest(name, names.iter())
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default();
                return Err(Error::Call(format!(
                    "no function {name} in the program or its libraries{hint}"
                )));
            }
        };
        let mut cx = self.store.as_context_mut();
        Process::export_func(&mut cx, lib, &pointer)
            .map_err(|e| Error::Call(format!("{name}: {e:#}")))?
            .ok_or_else(|| {
                Error::Call(format!(
                    "{name}: {} is not instantiated",
                    self.store.data().libs[lib].path.display()
                ))
            })
    }

    /// The parameter and result types of function `name` (see
    /// [`Session::call`] for which function the name finds).
    pub fn signature(&mut self, name: &str) -> Result<Signature, Error> {
        let func = self.func(name)?;
        self.signature_of(&func, name)
    }

    fn signature_of(&self, func: &Func, what: &str) -> Result<Signature, Error> {
        let ty = func.ty(&*self.store);
        let convert = |types: &mut dyn Iterator<Item = wasmtime::ValType>| {
            types
                .map(|t| ValType::from_wasmtime(&t))
                .collect::<Option<Vec<_>>>()
        };
        match (convert(&mut ty.params()), convert(&mut ty.results())) {
            (Some(params), Some(results)) => Ok(Signature { params, results }),
            _ => Err(Error::Call(format!(
                "{what} has type {ty}: only i32, i64, f32 and f64 values can be passed"
            ))),
        }
    }

    /// Calls exported function `name` of the main module or of any loaded
    /// library (the global scope decides between several definitions, as
    /// for the program's own calls) and returns its results.
    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        self.alive()?;
        let func = self.func(name)?;
        self.invoke(func, name, args)
    }

    /// Calls the function whose pointer (table index) is `ptr`, such as
    /// what [`Session::dlsym`] returns for a function.
    pub fn call_pointer(&mut self, ptr: u32, args: &[Val]) -> Result<Vec<Val>, Error> {
        self.alive()?;
        let mut cx = self.store.as_context_mut();
        let func = Process::func_at(&mut cx, ptr, "call_pointer")
            .map_err(|e| Error::Call(format!("{e:#}")))?;
        self.invoke(func, &format!("function pointer {ptr}"), args)
    }

    fn invoke(&mut self, func: Func, what: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let sig = self.signature_of(&func, what)?;
        sig.check(what, args).map_err(Error::Call)?;
        let params: Vec<wasmtime::Val> = args.iter().map(|a| a.to_wasmtime()).collect();
        let mut results = vec![wasmtime::Val::I32(0); sig.results.len()];
        match func.call(&mut *self.store, &params, &mut results) {
            Ok(()) => Ok(results.iter().filter_map(Val::from_wasmtime).collect()),
            Err(e) => Err(self.ended_by(e)),
        }
    }

    /// Opens library `name` as the program's `dlopen(name, flags)` would
    /// (searched from the main module; `flags` are the RTLD_* bits of
    /// [`crate::dlfcn::flags`]), running its constructors. A constructor
    /// that exits ends the program: the error is then [`Error::Exit`].
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use dlrun::{Handle, Val, dlfcn::flags::{RTLD_GLOBAL, RTLD_NOW}};
    /// let dir = std::env::temp_dir().join(format!("dlrun-doc-dlopen-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// // A plugin (side module) defining `twice`, next to the program.
    /// std::fs::write(dir.join("libtwice.so"), wat::parse_str(r#"(module
    ///     (@dylink.0 (mem-info (memory 0 0)))
    ///     (import "env" "memory" (memory 1))
    ///     (import "env" "__indirect_function_table" (table 0 funcref))
    ///     (import "env" "__memory_base" (global i32))
    ///     (import "env" "__table_base" (global i32))
    ///     (func (export "twice") (param f64) (result f64)
    ///       (f64.mul (local.get 0) (f64.const 2))))"#)?)?;
    /// let main = wat::parse_str(r#"(module
    ///     (@dylink.0 (mem-info (memory 0 0)))
    ///     (import "env" "memory" (memory 256))
    ///     (import "env" "__indirect_function_table" (table 0 funcref))
    ///     (import "env" "__stack_pointer" (global (mut i32)))
    ///     (import "env" "__memory_base" (global i32))
    ///     (import "env" "__table_base" (global i32))
    ///     (import "GOT.mem" "__heap_base" (global (mut i32)))
    ///     (func (export "main") (param i32 i32) (result i32) i32.const 0))"#)?;
    /// let config = dlrun::RunConfig {
    ///     main: dir.join("main.wasm"), // where libraries are searched for
    ///     cache: dlrun::cache::Cache::disabled(),
    ///     ..Default::default()
    /// };
    /// let mut session = dlrun::Program::from_bytes(main, &config)?.load()?;
    /// let plugin = session.dlopen("libtwice.so", RTLD_NOW | RTLD_GLOBAL)?;
    /// let twice = session.dlsym(plugin, "twice")?;
    /// assert_eq!(session.call_pointer(twice, &[Val::F64(1.5)])?, [Val::F64(3.0)]);
    /// // RTLD_GLOBAL: the global scope (the main program's handle) sees it.
    /// assert_eq!(session.dlsym(Handle::MAIN, "twice")?, twice);
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn dlopen(&mut self, name: &str, flags: i32) -> Result<Handle, Error> {
        self.alive()?;
        let mut cx = self.store.as_context_mut();
        match dlfcn::open(&mut cx, &mem::Name::new(name), flags, 0) {
            Ok(Ok(lib)) => Ok(Handle(lib)),
            Ok(Err(refusal @ dlfcn::Refusal::NotLoaded)) => {
                Err(Error::Load(format!("{name}: {refusal}")))
            }
            Ok(Err(refusal)) => Err(Error::Load(refusal.to_string())),
            Err(ended) => Err(self.ended_by(ended)),
        }
    }

    /// The address of `name` in `handle`'s scope (the library and its
    /// dependencies; the global scope for [`Handle::MAIN`]): a data
    /// address, or a function pointer for [`Session::call_pointer`].
    pub fn dlsym(&mut self, handle: Handle, name: &str) -> Result<u32, Error> {
        let scope = match self.open_lib(handle)? {
            0 => Scope::Global,
            lib => Scope::Handle(lib),
        };
        let mut cx = self.store.as_context_mut();
        dlfcn::sym(&mut cx, scope, &mem::Name::new(name)).map_err(Error::Call)
    }

    /// Drops the reference [`Session::dlopen`] took; at zero the library
    /// leaves the process, as with the program's `dlclose` (a destructor
    /// that exits ends the program with [`Error::Exit`]).
    pub fn dlclose(&mut self, handle: Handle) -> Result<(), Error> {
        let lib = self.open_lib(handle)?;
        let mut cx = self.store.as_context_mut();
        match dlfcn::close(&mut cx, lib) {
            Ok(closed) => closed.map_err(Error::Call),
            Err(ended) => Err(self.ended_by(ended)),
        }
    }

    fn open_lib(&self, handle: Handle) -> Result<LibId, Error> {
        match self.store.data().libs.get(handle.0) {
            Some(l) if l.alive => Ok(handle.0),
            _ => Err(Error::Call(format!("invalid handle {}", handle.0))),
        }
    }

    /// Copies `len` bytes of the program's memory at `ptr`.
    pub fn read_bytes(&self, ptr: u32, len: u32) -> Result<Vec<u8>, Error> {
        let memory = self.memory()?;
        mem::read(&*self.store, memory, ptr, len, "read_bytes").map_err(call_error)
    }

    /// Writes `bytes` into the program's memory at `ptr`.
    pub fn write_bytes(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), Error> {
        let memory = self.memory()?;
        mem::write(&mut *self.store, memory, ptr, bytes, "write_bytes").map_err(call_error)
    }

    /// Reads the NUL-terminated string at `ptr` (invalid UTF-8 replaced).
    pub fn read_cstr(&self, ptr: u32) -> Result<String, Error> {
        let memory = self.memory()?;
        mem::read_cstr(&*self.store, memory, ptr, "read_cstr").map_err(call_error)
    }

    /// Allocates `size` bytes with the program's own `malloc`.
    pub fn malloc(&mut self, size: u32) -> Result<u32, Error> {
        match self.call("malloc", &[Val::I32(size as i32)])?.as_slice() {
            [Val::I32(0)] => Err(Error::Runtime(format!(
                "malloc({size}) failed: the program is out of memory"
            ))),
            [Val::I32(ptr)] => Ok(*ptr as u32),
            _ => Err(Error::Call(
                "the program's malloc is not malloc(size_t)".into(),
            )),
        }
    }

    /// Copies `s` into memory from the program's `malloc`, NUL-terminated,
    /// to pass to a function taking a `const char *`; [`Session::free`]
    /// releases it.
    pub fn alloc_cstr(&mut self, s: &str) -> Result<u32, Error> {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        let ptr = self.malloc(bytes.len() as u32)?;
        self.write_bytes(ptr, &bytes)?;
        Ok(ptr)
    }

    /// Releases memory from [`Session::malloc`] with the program's `free`.
    pub fn free(&mut self, ptr: u32) -> Result<(), Error> {
        self.call("free", &[Val::I32(ptr as i32)]).map(|_| ())
    }

    fn memory(&self) -> Result<crate::mem::Mem, Error> {
        self.store.data().memory().map_err(call_error)
    }
}

fn call_error(e: wasmtime::Error) -> Error {
    Error::Call(format!("{e:#}"))
}
