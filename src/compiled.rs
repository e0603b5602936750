//! Compiled modules kept in memory for as long as a [`Program`] lives, so
//! that its second and later runs neither read, parse nor compile anything:
//! libraries by canonical path (found once, then served from here), and
//! the generated stand-in modules by their text. Shared by every run of the
//! program, from any thread.
//!
//! A library file changed on disk after the first run that loaded it is not
//! read again: a program is a template of what it was linked against.
//!
//! [`Program`]: crate::Program

use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use wasmtime::{Engine, FuncType, Module};

use crate::cache::Cache;
use crate::engine::Compiler;
use crate::loader::Group;
use crate::modinfo::{ModuleInfo, Sig};
use crate::prelink::Bases;
use crate::source::Source;
use crate::split;
use crate::symbols::LibId;
use crate::trim::Form;

/// The version of what [`Modules::prepare`] does to modules: raise it when a
/// rewrite changes its output, or the cache would serve code made by the
/// old one.
const PREPARE_VERSION: u32 = 7;

/// The size from which a library compiled by Winch is compiled in pieces:
/// below it, compiling the whole costs less than the pieces' cache
/// lookups would save.
const SPLIT_FROM: u64 = 256 << 10;

/// About how many bytes of code each piece of a split library holds.
const PIECE: usize = 256 << 10;

/// The first definition of every name in a global scope.
pub type FirstDefinitions = Arc<foldhash::HashMap<crate::symbols::Name, LibId>>;

/// A start-up load's libraries (path, id) and the first definitions they
/// give the global scope.
type StartupGlobal = (Vec<(PathBuf, LibId)>, FirstDefinitions);

/// A fact derived from a module, of the type its kind says.
type Derived = Arc<dyn std::any::Any + Send + Sync>;

/// What is done to one module before it is compiled, besides what the
/// program needs of every module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rewrites {
    /// The bases compiled in ([`crate::prelink`]).
    bases: Option<Bases>,
    /// Function exports trimmed, and in which form ([`crate::trim`]).
    trim: Form,
    /// Calls to imported functions routed ([`crate::route`]).
    route: bool,
}

/// Runs `work` on each of `items` side by side, on as many threads as
/// there are cores (at most `busy`, how many of them take work), and gives
/// the results in the items' order; `None` for an item whose thread died.
pub fn side_by_side<T: Send, R: Send>(
    items: Vec<T>,
    busy: usize,
    work: impl Fn(T) -> R + Sync,
) -> Vec<Option<R>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(busy)
        .max(1);
    let mut results: Vec<Option<R>> = items.iter().map(|_| None).collect();
    let queue = Mutex::new(items.into_iter().enumerate().collect::<Vec<_>>());
    let done = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some((k, item)) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    let result = work(item);
                    if let Ok(mut d) = done.lock() {
                        d.push((k, result));
                    }
                }
            });
        }
    });
    for (k, result) in done.into_inner().unwrap_or_default() {
        results[k] = Some(result);
    }
    results
}

/// A library as a later run takes it: metadata and compiled code.
#[derive(Clone)]
pub struct Compiled {
    /// The library's parsed metadata.
    pub info: Arc<ModuleInfo>,
    /// Its code, compiled for [`Modules::engine`].
    pub module: Module,
}

/// The engine every run of a program uses, and what was compiled for it.
pub struct Modules {
    engine: Engine,
    cache: Cache,
    libs: Mutex<HashMap<PathBuf, Compiled>>,
    /// The global scope's first definitions after the start-up load, for
    /// the libraries (path, id) it was made of.
    startup_global: Mutex<Option<StartupGlobal>>,
    /// Function types by signature: making one registers it with the
    /// engine, which hundreds of host-function imports did on every run.
    func_types: Mutex<HashMap<Sig, FuncType>>,
    /// The start-up load as the first run decided it: later runs realize
    /// it without searching, reading or resolving anything.
    startup_group: Mutex<Option<Arc<Group>>>,
    /// Modules compiled in pieces, by their cores.
    splits: Mutex<Vec<Arc<split::Split>>>,
    /// Generated modules (stand-ins, thunks) by their bytes or text.
    generated: Mutex<HashMap<Vec<u8>, Module>>,
    /// What the host ABI derived once from a module, by kind and path.
    derived: Mutex<HashMap<(&'static str, PathBuf), Derived>>,
    /// Modules are compiled with their mutable globals exported (see
    /// [`crate::template`]).
    export_globals: bool,
    /// Modules are compiled with their waits routed through the host (a
    /// program with threads, see [`crate::waits`]) and their data
    /// relocated after their globals ([`crate::relocs_first`]).
    route_waits: bool,
    /// The engine's compiler ([`Modules::new`], [`Modules::set_engine`]).
    compiler: Compiler,
}

impl Modules {
    /// Nothing compiled yet for `engine`, which compiles with `compiler`;
    /// modules not yet in memory come from (and go to) `cache`.
    pub fn new(engine: Engine, compiler: Compiler, cache: Cache) -> Modules {
        Modules {
            cache,
            libs: Mutex::default(),
            startup_global: Mutex::default(),
            func_types: Mutex::default(),
            startup_group: Mutex::default(),
            splits: Mutex::default(),
            generated: Mutex::default(),
            derived: Mutex::default(),
            export_globals: false,
            route_waits: false,
            compiler,
            engine,
        }
    }

    /// Compiles every module from now on with its mutable globals
    /// exported, for a template to read and restore them.
    pub fn export_globals(&mut self) {
        self.export_globals = true;
    }

    /// Compiles every module from now on with its waits routed through
    /// the host.
    pub fn route_waits(&mut self) {
        self.route_waits = true;
    }

    /// The code of module `source`, described by `info` (placed at
    /// `bases` when it is a main whose bases are known), from the cache or
    /// compiled. Its bytes are read only to be compiled. A large
    /// `library` compiled by Winch is compiled in pieces ([`split`]). A
    /// main is not: split, `startup`'s main made its first run take 1.48x
    /// as long (10 pairs), and an edit that adds a function or a string
    /// moves every index or address after it, which changes every piece.
    pub fn module(
        &self,
        source: &mut Source,
        info: &ModuleInfo,
        bases: Option<Bases>,
        library: bool,
    ) -> wasmtime::Result<Module> {
        let rewrites = self.rewrites(bases);
        let how = self.how(rewrites);
        let digest = source.digest;
        if library
            && self.baseline()
            && !self.export_globals
            && !self.route_waits
            && source.size >= SPLIT_FROM
        {
            return self.in_pieces(source, info, rewrites, &digest, &how);
        }
        self.cache
            .module_from(&self.engine, &[&digest, how.as_bytes()], || {
                self.prepare(source.bytes()?, info, rewrites)
            })
    }

    /// The core of module `source` compiled in pieces ([`split`]), its
    /// chunks compiled and kept for the loader ([`Modules::split_of`]).
    /// Each piece is cached by its bytes: a rebuilt library compiles only
    /// the pieces that changed. A module that cannot be split, or whose
    /// pieces fail to compile, is compiled whole (under the key `digest`,
    /// `how`), so that an invalid module is reported as wasmtime finds it.
    fn in_pieces(
        &self,
        source: &mut Source,
        info: &ModuleInfo,
        rewrites: Rewrites,
        digest: &[u8; 32],
        how: &str,
    ) -> wasmtime::Result<Module> {
        let whole: [&[u8]; 2] = [digest, how.as_bytes()];
        if let Some(module) = self.cache.cached(&self.engine, &whole) {
            return Ok(module);
        }
        let prepared = self.prepare(source.bytes()?, info, rewrites)?;
        match self.pieces(&prepared) {
            Some(split) => {
                let core = split.core.clone();
                self.splits
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Arc::new(split));
                Ok(core)
            }
            None => self
                .cache
                .module_from(&self.engine, &whole, || Ok(prepared)),
        }
    }

    /// Module `prepared` compiled in pieces, each from the cache or
    /// compiled; `None` if it cannot be split or a piece fails.
    fn pieces(&self, prepared: &[u8]) -> Option<split::Split> {
        let plan = split::plan(prepared, PIECE).ok()??;
        let piece = |bytes: &[u8]| {
            let digest = blake3::hash(bytes);
            let key: [&[u8]; 2] = [digest.as_bytes(), b"\0dlrun split piece"];
            self.cache
                .module_from(&self.engine, &key, || Ok(bytes.to_vec()))
                .ok()
        };
        let core = piece(plan.core())?;
        let data = match plan.data() {
            Some(bytes) => Some(piece(bytes)?),
            None => None,
        };
        let count = plan.chunks();
        let chunks = side_by_side((0..count).collect(), count, |c| {
            piece(&plan.chunk(c).ok()??)
        });
        Some(split::Split {
            core,
            data,
            chunks: chunks.into_iter().collect::<Option<Option<Vec<_>>>>()??,
            layout: plan.layout().clone(),
        })
    }

    /// The pieces of a module compiled in pieces, `module` being its core.
    pub fn split_of(&self, module: &Module) -> Option<Arc<split::Split>> {
        let splits = self.splits.lock().unwrap_or_else(PoisonError::into_inner);
        splits
            .iter()
            .find(|s| Module::same(&s.core, module))
            .cloned()
    }

    /// The code of the module whose bytes have BLAKE3 `digest` if the
    /// cache holds it; compiles nothing.
    pub fn cached(&self, digest: &[u8; 32], bases: Option<Bases>) -> Option<Module> {
        let how = self.how(self.rewrites(bases));
        self.cache.cached(&self.engine, &[digest, how.as_bytes()])
    }

    /// What to do to a module (an Emscripten main when `bases` are known)
    /// besides what the program needs of every module. Every module is
    /// trimmed of its function exports ([`crate::trim`]): Cranelift's code
    /// into a table, so that later runs load it without reading thousands
    /// of names, and has the bases compiled in (3% of CPython's running
    /// time). Winch's first run is about starting soon, so its modules are
    /// trimmed to dispatchers, which spare the compiling of trampolines,
    /// and their calls to imports routed ([`crate::route`]); bases are
    /// left alone (rewriting CPython's main costs a tenth of its first
    /// start).
    fn rewrites(&self, bases: Option<Bases>) -> Rewrites {
        Rewrites {
            bases: bases.filter(|_| !self.baseline()),
            trim: if self.baseline() {
                Form::Dispatchers
            } else {
                Form::Table
            },
            route: self.baseline(),
        }
    }

    /// What [`Modules::prepare`] does to a module, for the cache key: the
    /// bytes compiled are a function of the module's, of these and of the
    /// rewriting code itself, whose version [`PREPARE_VERSION`] names.
    fn how(&self, rewrites: Rewrites) -> String {
        // A trimmed module's layout follows from the exports it keeps: code
        // trimmed with another list would be called at the wrong places.
        let kept = crate::trim::KEPT.join(",");
        format!(
            "\0dlrun prepare {PREPARE_VERSION}: waits {}, globals {}, {rewrites:?} {kept}",
            self.route_waits, self.export_globals
        )
    }

    /// The bytes to compile for module `wasm`: with the waits routed and
    /// the relocations ordered, the bases made constants or the exports
    /// trimmed, the mutable globals exported, as the program needs.
    fn prepare(
        &self,
        wasm: &[u8],
        info: &ModuleInfo,
        rewrites: Rewrites,
    ) -> wasmtime::Result<Vec<u8>> {
        let Rewrites { bases, trim, route } = rewrites;
        let mut wasm = std::borrow::Cow::Borrowed(wasm);
        if self.route_waits {
            let fixed = crate::relocs_first::apply(&wasm)
                .map_err(|e| wasmtime::format_err!("ordering its relocations: {e}"))?;
            let routed = crate::waits::route(&fixed)
                .map_err(|e| wasmtime::format_err!("routing its waits: {e}"))?
                .into_owned();
            wasm = std::borrow::Cow::Owned(routed);
        }
        if let Some(bases) = bases
            && let Some(constant) = crate::prelink::constant_bases(&wasm, bases)
                .map_err(|e| wasmtime::format_err!("making its bases constants: {e}"))?
        {
            wasm = std::borrow::Cow::Owned(constant);
        }
        if let Some(trimmed) = crate::trim::trim(&wasm, info, trim)
            .map_err(|e| wasmtime::format_err!("trimming its exports: {e}"))?
        {
            wasm = std::borrow::Cow::Owned(trimmed);
        }
        if route
            && let Some(routed) = crate::route::route(&wasm, info)
                .map_err(|e| wasmtime::format_err!("routing its calls: {e}"))?
        {
            wasm = std::borrow::Cow::Owned(routed);
        }
        if self.export_globals {
            return crate::template::globals::export_mutable(&wasm)
                .map_err(|e| wasmtime::format_err!("exporting its globals: {e}"));
        }
        Ok(wasm.into_owned())
    }

    /// Compiles every module from now on for `engine` instead, which
    /// compiles with `compiler`; libraries kept for the engine replaced are
    /// forgotten.
    pub fn set_engine(&mut self, engine: Engine, compiler: Compiler) {
        self.engine = engine;
        self.compiler = compiler;
        self.libs
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Whether the engine is Winch's, which has no tail calls.
    pub fn baseline(&self) -> bool {
        self.compiler == Compiler::Winch
    }

    /// The compiler of the engine.
    pub fn compiler(&self) -> Compiler {
        self.compiler
    }

    /// The files of the libraries compiled so far.
    pub fn library_paths(&self) -> Vec<PathBuf> {
        let libs = self.libs.lock().unwrap_or_else(PoisonError::into_inner);
        libs.keys().cloned().collect()
    }

    /// The engine the modules are compiled for; every store of the program
    /// must use it.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The on-disk cache of compiled modules.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The library at `path`, if an earlier load compiled it.
    pub fn library(&self, path: &Path) -> Option<Compiled> {
        // A poisoned map only means a thread panicked between two plain
        // inserts: its contents are still whole.
        let libs = self.libs.lock().unwrap_or_else(PoisonError::into_inner);
        libs.get(path).cloned()
    }

    /// Keeps the library at `path` for later loads. Two runs that found it
    /// at once may both have compiled it; the first kept is the one served.
    pub fn keep_library(&self, path: &Path, compiled: Compiled) {
        let mut libs = self.libs.lock().unwrap_or_else(PoisonError::into_inner);
        libs.entry(path.to_path_buf()).or_insert(compiled);
    }

    /// The global scope's first definitions a start-up load of `libs`
    /// left, if a run kept them.
    pub fn startup_global(&self, libs: &[(PathBuf, LibId)]) -> Option<FirstDefinitions> {
        let kept = self
            .startup_global
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        kept.as_ref()
            .filter(|(for_libs, _)| for_libs == libs)
            .map(|(_, index)| index.clone())
    }

    /// Keeps the global scope's first definitions after a start-up load of
    /// `libs`, for the next runs.
    pub fn keep_startup_global(&self, libs: Vec<(PathBuf, LibId)>, index: FirstDefinitions) {
        *self
            .startup_global
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((libs, index));
    }

    /// The start-up load a run of the program decided, if one did.
    pub fn startup_group(&self) -> Option<Arc<Group>> {
        self.startup_group
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps the start-up load `group` for the next runs.
    pub fn keep_startup_group(&self, group: Arc<Group>) {
        *self
            .startup_group
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(group);
    }

    /// The engine's function type for `sig`, made once.
    pub fn func_type(&self, sig: &Sig) -> FuncType {
        let mut types = self
            .func_types
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        types
            .entry(sig.clone())
            .or_insert_with(|| sig.func_type(&self.engine))
            .clone()
    }

    /// What `make` derives from the module at `path` (a fact of kind
    /// `what`), made once for every run of the program.
    pub fn derived<T: std::any::Any + Send + Sync>(
        &self,
        what: &'static str,
        path: &Path,
        make: impl FnOnce() -> wasmtime::Result<T>,
    ) -> wasmtime::Result<Arc<T>> {
        let key = (what, path.to_path_buf());
        let kept = self
            .derived
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        let any = match kept {
            Some(any) => any,
            None => {
                let made: Derived = Arc::new(make()?);
                self.derived
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(key)
                    .or_insert(made)
                    .clone()
            }
        };
        any.downcast::<T>()
            .map_err(|_| wasmtime::format_err!("{what} of {} is of another type", path.display()))
    }

    /// The module of failing functions of the signatures `sigs`
    /// ([`crate::plt::failing_text`]), compiled on first use; its text is
    /// written only then.
    pub fn failing_module(&self, sigs: &[Sig]) -> wasmtime::Result<Module> {
        let key = format!("(failing functions) {sigs:?}");
        self.generated_from(key.as_bytes(), || {
            Ok(wat::parse_str(crate::plt::failing_text(sigs))?)
        })
    }

    /// The stand-in module whose text is `text`, compiled on first use.
    pub fn stand_in(&self, text: &str) -> wasmtime::Result<Module> {
        self.generated_from(text.as_bytes(), || Ok(wat::parse_str(text)?))
    }

    /// The generated module `wasm`, compiled on first use.
    pub fn generated(&self, wasm: &[u8]) -> wasmtime::Result<Module> {
        self.generated_from(wasm, || Ok(wasm.to_vec()))
    }

    /// The module `make` generates from `source`, compiled once.
    fn generated_from(
        &self,
        source: &[u8],
        make: impl FnOnce() -> wasmtime::Result<Vec<u8>>,
    ) -> wasmtime::Result<Module> {
        if let Some(m) = self
            .generated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(source)
        {
            return Ok(m.clone());
        }
        let module = self.cache.module_from(&self.engine, &[source], make)?;
        self.generated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(source.to_vec(), module.clone());
        Ok(module)
    }
}

impl Default for Modules {
    /// A default engine with no on-disk cache.
    fn default() -> Modules {
        Modules::new(Engine::default(), Compiler::Cranelift, Cache::disabled())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASES: Bases = Bases {
        memory: 1024,
        table: 1,
    };

    fn main_module() -> Vec<u8> {
        wat::parse_str(
            r#"(module
                (import "env" "__memory_base" (global $mb i32))
                (func (export "data") (result i32) (i32.add (global.get $mb) (i32.const 8))))"#,
        )
        .unwrap()
    }

    #[test]
    fn cranelift_code_has_the_bases_compiled_in_and_every_module_is_trimmed() {
        let wasm = main_module();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let mut modules = Modules::new(Engine::default(), Compiler::Cranelift, Cache::disabled());
        let cranelift = modules.rewrites(Some(BASES));
        assert_eq!(
            cranelift,
            Rewrites {
                bases: Some(BASES),
                trim: Form::Table,
                route: false
            }
        );
        let tabled = modules.prepare(&wasm, &info, cranelift).unwrap();
        let tabled = ModuleInfo::parse_with(&tabled, false).unwrap();
        assert!(tabled.export("data").is_none());
        assert!(tabled.export(crate::trim::TABLE).is_some());
        let plain = Rewrites {
            bases: None,
            trim: Form::Table,
            route: false,
        };
        assert_eq!(modules.rewrites(None), plain);
        modules.set_engine(Engine::default(), Compiler::Winch);
        let winch = modules.rewrites(Some(BASES));
        assert_eq!(
            winch,
            Rewrites {
                bases: None,
                trim: Form::Dispatchers,
                route: true
            }
        );
        let trimmed = modules.prepare(&wasm, &info, winch).unwrap();
        let info = ModuleInfo::parse_with(&trimmed, false).unwrap();
        assert!(info.export("data").is_none());
        assert!(
            info.export(&format!("{}0", crate::trim::DISPATCH))
                .is_some()
        );
        let keys = [cranelift, winch, plain].map(|r| modules.how(r));
        assert!(
            keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2],
            "the cache key names the rewrites"
        );
    }

    #[test]
    fn winch_code_of_a_library_is_trimmed_and_routed_too() {
        let mut modules = Modules::new(Engine::default(), Compiler::Cranelift, Cache::disabled());
        modules.set_engine(Engine::default(), Compiler::Winch);
        assert_eq!(
            modules.rewrites(None),
            Rewrites {
                bases: None,
                trim: Form::Dispatchers,
                route: true
            }
        );
    }

    #[test]
    fn code_with_the_bases_compiled_in_computes_what_the_module_did() {
        let modules = Modules::new(Engine::default(), Compiler::Cranelift, Cache::disabled());
        let wasm = main_module();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let module = modules
            .module(&mut Source::of(wasm.clone()), &info, Some(BASES), false)
            .unwrap();
        let mut store = wasmtime::Store::new(modules.engine(), ());
        let base = wasmtime::Global::new(
            &mut store,
            wasmtime::GlobalType::new(wasmtime::ValType::I32, wasmtime::Mutability::Const),
            wasmtime::Val::I32(BASES.memory as i32),
        )
        .unwrap();
        let instance = wasmtime::Instance::new(&mut store, &module, &[base.into()]).unwrap();
        let table = instance.get_table(&mut store, crate::trim::TABLE).unwrap();
        let data = table.get(&mut store, 0).unwrap();
        let data = data.as_func().flatten().unwrap();
        let data = data.typed::<(), i32>(&store).unwrap();
        assert_eq!(data.call(&mut store, ()).unwrap(), 1032);
    }

    #[test]
    fn libraries_kept_for_one_engine_are_forgotten_with_it() {
        let wasm = main_module();
        let info = Arc::new(ModuleInfo::parse_with(&wasm, false).unwrap());
        let mut modules = Modules::new(Engine::default(), Compiler::Cranelift, Cache::disabled());
        let module = modules
            .module(&mut Source::of(wasm), &info, None, true)
            .unwrap();
        let path = Path::new("/lib/libx.so");
        modules.keep_library(path, Compiled { info, module });
        assert!(modules.library(path).is_some());
        modules.set_engine(Engine::default(), Compiler::Winch);
        assert!(
            modules.library(path).is_none(),
            "its code is another engine's"
        );
    }

    /// A library of 300 KiB of code (as `SPLIT_FROM` asks), with `more`
    /// functions besides.
    fn large_library(more: &str) -> Vec<u8> {
        let step = "(i32.const 12345) i32.xor (i32.const 3) i32.mul ".repeat(30);
        let funcs: String = (0..1500)
            .map(|k| {
                format!("(func (export \"f{k}\") (param i32) (result i32) local.get 0 {step})")
            })
            .collect();
        wat::parse_str(format!("(module {funcs} {more})")).unwrap()
    }

    /// Whether `wasm`, compiled as a library by Winch, was compiled in
    /// pieces (its code is compiled either way).
    fn in_pieces(wasm: Vec<u8>) -> bool {
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let engine =
            crate::engine::build(false, &crate::Limits::default(), Compiler::Winch).unwrap();
        let modules = Modules::new(engine, Compiler::Winch, Cache::disabled());
        let module = modules
            .module(&mut Source::of(wasm), &info, None, true)
            .unwrap();
        modules.split_of(&module).is_some()
    }

    #[test]
    fn a_large_library_is_compiled_in_pieces_unless_it_cannot_be() {
        assert!(in_pieces(large_library("")));
        // A body referring to a function otherwise than by calling it
        // cannot move to a chunk: the library is compiled whole.
        let refers = r#"(elem declare func 0) (func (export "r") (result funcref) ref.func 0)"#;
        assert!(!in_pieces(large_library(refers)));
    }
}
