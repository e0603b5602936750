//! A program compiled once and run many times: [`Program`] holds the
//! engine, the main module read, parsed and compiled, and (once a run has
//! found them) its libraries compiled; every run or [`Session`] gets a
//! fresh store, so globals, memory, the table and file descriptors start
//! anew each time while nothing is read or compiled again.

use std::sync::Arc;

use wasmtime::{AsContextMut, Store};

use std::path::PathBuf;

use crate::abi::{self, Flavour};
use crate::compiled::Modules;
use crate::engine::{self, Tier};
use crate::loader::{self, Candidate, Mode, Parsed, Root};
use crate::process::{Guest, Process};
use crate::search::{Located, SearchPath};
use crate::session::Session;
use crate::threads::{self, Threads};
use crate::timer::Timer;
use crate::{Error, RunConfig, vfs};

/// Where a program's main module comes from.
pub(crate) enum MainFrom {
    /// The file `config.main` names.
    File,
    /// These bytes, given.
    Bytes(Vec<u8>),
}

/// A main module compiled with the options it runs under, ready to run any
/// number of times, from any number of threads at once.
///
/// ```
/// # fn main() -> Result<(), dlrun::Error> {
/// // A main module as emcc -sMAIN_MODULE lays it out: it imports its
/// // memory and table, and `main` returns 3.
/// let wasm = wat::parse_str(r#"(module
///     (@dylink.0 (mem-info (memory 0 0)))
///     (import "env" "memory" (memory 256))
///     (import "env" "__indirect_function_table" (table 0 funcref))
///     (import "env" "__stack_pointer" (global (mut i32)))
///     (import "env" "__memory_base" (global i32))
///     (import "env" "__table_base" (global i32))
///     (import "GOT.mem" "__heap_base" (global (mut i32)))
///     (func (export "main") (param i32 i32) (result i32) i32.const 3))"#).unwrap();
/// let config = dlrun::RunConfig {
///     main: "main.wasm".into(),
///     ..Default::default()
/// };
/// let program = dlrun::Program::from_bytes(wasm, &config)?;
/// assert_eq!(program.run()?, 3);
/// assert_eq!(program.run()?, 3, "each run starts afresh");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Program {
    config: RunConfig,
    modules: Arc<Modules>,
    main: Candidate,
    flavour: Flavour,
    /// Whether main imports Emscripten's JS library functions.
    js_library: bool,
    search: SearchPath,
    /// Whether the engine is Winch's for want of optimized code in the cache.
    tiered: bool,
}

impl Program {
    /// Reads and compiles `config.main`, reading it as libraries are read
    /// (its header first, no more than [`crate::search::MAX_MODULE_SIZE`]), or
    /// taking what the cache recorded of it when the file is unchanged.
    pub fn new(config: &RunConfig) -> Result<Program, Error> {
        Program::compile(MainFrom::File, config, false)
    }

    /// Compiles main module `bytes`. `config.main` still names the program
    /// (its `argv[0]`) and places it: its directory is searched for
    /// libraries last, and need not hold the module.
    pub fn from_bytes(bytes: Vec<u8>, config: &RunConfig) -> Result<Program, Error> {
        Program::compile(MainFrom::Bytes(bytes), config, false)
    }

    /// Compiles the main module `from` gives; `for_template` compiles
    /// every module with its mutable globals exported, as a
    /// [`crate::Template`] needs.
    pub(crate) fn compile(
        from: MainFrom,
        config: &RunConfig,
        for_template: bool,
    ) -> Result<Program, Error> {
        let name = config
            .main
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| config.main.display().to_string());
        let load_error = |e: wasmtime::Error| Error::Load(format!("{e:#}"));
        let mut main = match from {
            MainFrom::File => {
                let located = Located::open(&config.main, name.clone()).map_err(load_error)?;
                let path = located.path.clone();
                let (source, info) =
                    crate::source::open(located, false, &config.cache, None).map_err(load_error)?;
                Parsed::of(&name, path, name.clone(), source, info)
            }
            MainFrom::Bytes(bytes) => {
                let path =
                    std::fs::canonicalize(&config.main).unwrap_or_else(|_| config.main.clone());
                let names = crate::naming::ModuleName::new(&path, &name);
                let (source, info) =
                    crate::source::given(bytes, false, &names).map_err(load_error)?;
                Parsed::of(&name, path, name.clone(), source, info)
            }
        };
        let search = SearchPath::new(&main.path, &config.lib_dirs, &config.env);
        let flavour = abi::flavour_of(&main.info, &main.path).map_err(Error::Load)?;
        if flavour == abi::Flavour::Emscripten {
            main.bases = Some(abi::emscripten::main_bases(&main.info));
        }
        let threads = main.info.uses_threads();
        let optimizing =
            engine::Compiler::optimizing(config.tier, threads, config.cache.dir().is_some());
        let engine = engine::build(threads, &config.limits, optimizing).map_err(load_error)?;
        let mut modules = Modules::new(engine, optimizing, config.cache.clone());
        if for_template {
            modules.export_globals();
        }
        if threads {
            modules.route_waits();
            // A thread points each library's `__tls_base` somewhere of its own
            // (see `abi::emscripten::pthread::init_block`).
            modules.export_globals();
        }
        // Without optimized code for main in the cache, a first run takes
        // Winch's, which it makes several times faster. Winch needs
        // signals-based traps, which programs with threads run without.
        // Main's NEEDED libraries once looked up, and which of them the
        // cache held code of for the engine chosen.
        let mut found = None;
        let mut kept = None;
        let baseline = match config.tier {
            _ if threads => false,
            Tier::Optimized | Tier::Ahead => false,
            Tier::Baseline => true,
            Tier::Auto if config.cache.dir().is_none() => false,
            Tier::Auto => {
                main.module = main.cached(&modules);
                main.module.is_none() || {
                    let libs = found.insert(find_needed(&main, &search, config));
                    let cached = kept.insert(keep_cached(libs, &modules));
                    let rebuilt: u64 = libs
                        .iter()
                        .zip(cached.iter())
                        .filter(|(_, kept)| !**kept)
                        .map(|(lib, _)| lib.size())
                        .sum();
                    rebuilt >= rebuilt_worth_winch(&main)
                }
            }
        };
        if baseline {
            let engine = engine::build(threads, &config.limits, engine::Compiler::Winch)
                .map_err(load_error)?;
            main.module = None;
            modules.set_engine(engine, engine::Compiler::Winch);
            // The libraries kept went with the engine.
            kept = None;
        }
        let tiered = baseline && config.tier == Tier::Auto;
        let modules = Arc::new(modules);
        let libs = found.unwrap_or_else(|| find_needed(&main, &search, config));
        let kept = kept.unwrap_or_else(|| keep_cached(&libs, &modules));
        let to_compile: Vec<Parsed> = libs
            .into_iter()
            .zip(kept)
            .filter_map(|(lib, kept)| (!kept).then_some(lib))
            .collect();
        // The load would compile them after main, one module at a time:
        // side by side, each fills the other's serial stretches (parsing,
        // linking the code, writing the cache).
        let main = std::thread::scope(|s| {
            if !to_compile.is_empty() {
                s.spawn(|| compile_and_keep(to_compile, &modules));
            }
            main.compile(&modules)
        })
        .map_err(load_error)?;
        Ok(Program {
            config: config.clone(),
            js_library: abi::has_emscripten_imports(&main.info),
            modules,
            main,
            flavour,
            search,
            tiered,
        })
    }

    /// Whether this program's code is Winch's because the cache held no
    /// optimized code for its main or for large NEEDED libraries
    /// ([`Tier::Auto`]): `dlrun compile` of [`Program::module_paths`] would
    /// make it.
    pub fn tiered(&self) -> bool {
        self.tiered
    }

    /// Compiles, into the cache, the libraries a start-up load of this
    /// program would load (its NEEDED ones, as `dlrun ldd` resolves them)
    /// and `extra` ones, as libraries; those it cannot find or compile are
    /// left out. Returns the files compiled (main's code is compiled with
    /// the program).
    pub fn compile_libraries(&self, extra: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
        let needed = crate::inspect::ldd(&self.main.path, &self.main.info, &self.search);
        let mut paths: Vec<PathBuf> = needed.into_iter().filter_map(|n| n.path).collect();
        for path in extra {
            let path = std::fs::canonicalize(path)
                .map_err(|e| Error::Load(format!("{}: {e}", path.display())))?;
            if path != self.main.path && !paths.contains(&path) {
                paths.push(path);
            }
        }
        // Main's NEEDED libraries were compiled with it.
        for path in paths.iter().filter(|p| self.modules.library(p).is_none()) {
            let name = path.display().to_string();
            Located::open(path, name.clone())
                .and_then(|located| Parsed::library(&name, located, self.modules.cache(), None))
                .and_then(|p| p.compile(&self.modules))
                .map_err(|e| Error::Load(format!("{e:#}")))?;
        }
        Ok(paths)
    }

    /// The files of the modules compiled so far: main first, then every
    /// library loaded from a file.
    pub fn module_paths(&self) -> Vec<PathBuf> {
        let mut paths = vec![self.main.path.clone()];
        paths.extend(self.modules.library_paths());
        paths
    }

    /// Loads the program and its libraries, runs `main` with the
    /// configured arguments, and returns its exit status.
    pub fn run(&self) -> Result<i32, Error> {
        self.run_with_args(&self.config.args)
    }

    /// Like [`Program::run`], with these arguments after the program name.
    pub fn run_with_args<S: AsRef<str>>(
        &self,
        args: impl IntoIterator<Item = S>,
    ) -> Result<i32, Error> {
        let (session, loaded) = self.start(args)?;
        session.run_main_after(loaded)
    }

    /// Loads the program and its libraries and runs their constructors, but
    /// not `main`: the host then calls into it through the [`Session`].
    /// A constructor that calls `exit` ends the load with [`Error::Exit`].
    pub fn load(&self) -> Result<Session, Error> {
        self.load_with_args(&self.config.args)
    }

    /// Like [`Program::load`], with these arguments after the program name
    /// (what `main` would get if the session runs it).
    pub fn load_with_args<S: AsRef<str>>(
        &self,
        args: impl IntoIterator<Item = S>,
    ) -> Result<Session, Error> {
        let (mut session, loaded) = self.start(args)?;
        match loaded {
            Ok(()) => Ok(session),
            Err(e) => Err(session.ended_by(e)),
        }
    }

    /// A fresh process with the main module and its libraries loaded (or
    /// the reason they are not, for the caller to end the program with).
    pub(crate) fn start<S: AsRef<str>>(
        &self,
        args: impl IntoIterator<Item = S>,
    ) -> Result<(Session, wasmtime::Result<()>), Error> {
        let mut process = self.process(args)?;
        if self.uses_threads() {
            let expires = process.deadline.as_ref().map(|t| t.expires());
            let limits = &self.config.limits;
            let threads = Arc::new(Threads::new(self.clone(), limits.threads, expires));
            process.tls.token = threads.join();
            process.threads = Some(threads);
        }
        let mut store = Store::new(self.modules.engine(), process);
        self.arm(&mut store)?;
        let mut cx = store.as_context_mut();
        let mut main = self.main.clone();
        if self.flavour.host_memory() {
            let bases = abi::emscripten::prepare(&mut cx, &main.info, &main.path)
                .map_err(|e| Error::Load(format!("{e:#}")))?;
            main.bases = Some(bases);
        } else {
            main.bases = Some((0, 0));
        }
        let startup = Mode {
            global: true,
            nodelete: true,
            now: false,
        };
        let loaded = loader::load(&mut cx, Root::Main(main), startup).map(|_| ());
        let session =
            Session::new(store, self.flavour).ending_process(self.config.limits.exit_process);
        Ok((session, loaded))
    }

    /// The host's side of a new process, nothing loaded: the program's
    /// arguments and environment, its files, its limits.
    pub(crate) fn process<S: AsRef<str>>(
        &self,
        args: impl IntoIterator<Item = S>,
    ) -> Result<Process, Error> {
        let program = self.config.main.display().to_string();
        let guest = Guest {
            args: std::iter::once(program)
                .chain(args.into_iter().map(|a| a.as_ref().to_string()))
                .collect(),
            env: self.config.env.clone(),
        };
        let mut process = Process::new(self.search.clone(), guest, self.modules.clone(), &abi::Abi);
        process.trace = self.config.trace;
        process.js_library = self.js_library;
        process.preload = self.config.preload.clone();
        let mut fs = vfs::Vfs::new(&self.config.dirs).map_err(Error::Load)?;
        if let Some(dir) = self.modules.cache().dir() {
            fs.hide(dir, &[crate::cache::KEY_FILE]);
        }
        if !self.flavour.emscripten() {
            // WASI programs find the granted directories as preopened fds.
            fs.open_preopens()
                .map_err(|e| Error::Load(format!("opening the --dir preopens: {e}")))?;
        }
        let limits = &self.config.limits;
        process.max_libraries = limits.libraries;
        process.max_table = limits.table_elements;
        // Instances are never freed while the program runs (each dlopen adds
        // some), so their count is not what bounds it: live libraries are.
        let mut store_limits = wasmtime::StoreLimitsBuilder::new()
            .table_elements(limits.table_elements as usize)
            .instances(usize::MAX)
            .tables(usize::MAX)
            .memories(usize::MAX)
            .trap_on_grow_failure(false);
        if let Some(max) = self.config.max_memory {
            store_limits = store_limits.memory_size(usize::try_from(max).unwrap_or(usize::MAX));
        }
        process.limits = store_limits.build();
        process.deadline = limits
            .timeout
            .map(|t| Timer::start(self.modules.engine(), t));
        fs.deadline = process.deadline.as_ref().map(|t| t.expires());
        process.fs = Arc::new(std::sync::Mutex::new(fs));
        Ok(process)
    }

    /// Arms `store` with the program's limits: memory and table growth,
    /// its time (from now) and its fuel.
    pub(crate) fn arm(&self, store: &mut Store<Process>) -> Result<(), Error> {
        store.limiter(|p| &mut p.limits);
        let limits = &self.config.limits;
        if store.data().threads.is_some() {
            store.epoch_deadline_callback(threads::at_epoch);
            store.set_epoch_deadline(1);
        } else if limits.timeout.is_some() {
            store.set_epoch_deadline(1);
        }
        if let Some(fuel) = limits.fuel {
            store
                .set_fuel(fuel)
                .map_err(|e| Error::Load(format!("{e:#}")))?;
        }
        Ok(())
    }

    /// The store of a new thread of a run: it imports the run's shared
    /// memory and file system and realizes the link as the program's
    /// other threads made it (the journal of `threads`), without running
    /// constructors or initializing data again.
    pub(crate) fn thread_store(
        &self,
        threads: Arc<Threads>,
        from: threads::Inherited,
    ) -> wasmtime::Result<Store<Process>> {
        let mut process = self
            .process(std::iter::empty::<&str>())
            .map_err(wasmtime::Error::msg)?;
        process.guest = from.guest;
        process.fs = from.fs;
        process.dl.handles = from.handles;
        process.table_use = from.table;
        process.js = from.js;
        process.deadline = None;
        process.shared_memory = Some(from.memory);
        process.tls.token = threads.join();
        process.threads = Some(threads);
        let heap_base = from.heap_base;
        let mut store = Store::new(self.modules.engine(), process);
        self.arm(&mut store).map_err(wasmtime::Error::msg)?;
        let mut cx = store.as_context_mut();
        abi::emscripten::prepare(&mut cx, &self.main.info, &self.main.path)?;
        if let Some(heap) = cx.data().heap_base {
            heap.set(&mut cx, wasmtime::Val::I32(heap_base))?;
        }
        if let Err(e) = loader::journal::catch_up(&mut cx) {
            if let Some(threads) = &cx.data().threads {
                threads.part(cx.data().tls.token);
            }
            return Err(e);
        }
        cx.data_mut().runtime_ready = true;
        Ok(store)
    }

    /// Whether the main module was built with threads (a shared memory).
    pub(crate) fn uses_threads(&self) -> bool {
        self.main.info.uses_threads()
    }

    /// The kind of main module the program is.
    pub(crate) fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The modules compiled for the program.
    pub(crate) fn modules(&self) -> &Arc<Modules> {
        &self.modules
    }

    /// The configuration the program was made with.
    pub(crate) fn config(&self) -> &RunConfig {
        &self.config
    }
}

/// Main's NEEDED libraries, found as the load finds them (its `--dir`
/// grants decide which RUNTIME_PATH entries count) and parsed; names with
/// a slash, the libraries those need and those that cannot be read are
/// left to the load, which reports them.
fn find_needed(main: &Parsed, search: &SearchPath, config: &RunConfig) -> Vec<Parsed> {
    let origin = main.path.parent().unwrap_or(std::path::Path::new(""));
    let Ok(fs) = vfs::Vfs::new(&config.dirs) else {
        return Vec::new();
    };
    main.info
        .dylink
        .needed
        .iter()
        .filter(|n| !n.contains('/'))
        .filter_map(|name| {
            let located = search
                .locate(name, origin, &main.info.dylink.runtime_paths, &fs)
                .ok()?;
            Parsed::library(name, located, &config.cache, None).ok()
        })
        .collect()
}

/// Keeps for the load those of `libs` the cache holds code of (it then
/// neither reads nor looks them up again); says of each whether it was.
fn keep_cached(libs: &[Parsed], modules: &Modules) -> Vec<bool> {
    libs.iter()
        .map(|lib| {
            let module = lib.cached(modules);
            let kept = module.is_some();
            if let Some(module) = module {
                let info = lib.info.clone();
                modules.keep_library(&lib.path, crate::compiled::Compiled { info, module });
            }
            kept
        })
        .collect()
}

/// Compiles `libs` and keeps them for the load; one that fails is left to
/// the load, which reports it.
fn compile_and_keep(libs: Vec<Parsed>, modules: &Modules) {
    for lib in libs {
        if let Ok(c) = lib.compile(modules) {
            let (info, module) = (c.info, c.module);
            modules.keep_library(&c.path, crate::compiled::Compiled { info, module });
        }
    }
}

/// How many rebuilt library bytes make a run take Winch's code for the
/// whole program rather than wait for Cranelift's of them: Cranelift
/// compiles about six times slower than Winch, and the switch may have to
/// compile main with Winch too (measured here: a 3 MB library 2.1 s with
/// Cranelift, 0.33 s with Winch; a 1.5 MB main 0.1-0.2 s with Winch).
fn rebuilt_worth_winch(main: &Parsed) -> u64 {
    const SMALL: u64 = 256 << 10;
    SMALL.max(main.size() / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_shared_and_sessions_moved_between_threads() {
        fn shareable<T: Send + Sync>() {}
        fn movable<T: Send>() {}
        shareable::<Program>();
        movable::<crate::Session>();
    }

    /// main.wasm needing `needed`, returning what `seven()` returns, and
    /// `libseven.so` (`lib`) beside it.
    fn seven(needed: &str, lib: &[u8]) -> (tempfile::TempDir, RunConfig) {
        let dir = tempfile::tempdir().unwrap();
        let main = wat::parse_str(format!(
            r#"(module
                (@dylink.0 (mem-info (memory 16 2) (table 1 0)) (needed "{needed}"))
                (import "env" "memory" (memory 256 256))
                (import "env" "__indirect_function_table" (table 1 funcref))
                (import "env" "__stack_pointer" (global (mut i32)))
                (import "env" "__memory_base" (global i32))
                (import "env" "__table_base" (global i32))
                (import "GOT.mem" "__heap_base" (global (mut i32)))
                (import "env" "seven" (func $seven (result i32)))
                (func (export "main") (param i32 i32) (result i32) call $seven))"#
        ))
        .unwrap();
        std::fs::write(dir.path().join("main.wasm"), main).unwrap();
        std::fs::write(dir.path().join("libseven.so"), lib).unwrap();
        let config = RunConfig {
            main: dir.path().join("main.wasm"),
            cache: crate::cache::Cache::disabled(),
            ..RunConfig::default()
        };
        (dir, config)
    }

    fn libseven() -> Vec<u8> {
        wat::parse_str(
            r#"(module (@dylink.0 (mem-info (memory 0 0)))
                (func (export "seven") (result i32) i32.const 7))"#,
        )
        .unwrap()
    }

    #[test]
    fn main_and_its_needed_libraries_are_compiled_side_by_side_for_the_load() {
        let (dir, config) = seven("libseven.so", &libseven());
        let program = Program::new(&config).unwrap();
        let lib = std::fs::canonicalize(dir.path().join("libseven.so")).unwrap();
        assert_eq!(program.modules.library_paths(), [lib]);
        assert_eq!(program.run().unwrap(), 7);
    }

    #[test]
    fn a_run_that_ends_the_process_leaves_its_store_to_the_exit() {
        // The store's process holds the program's modules: while the store
        // lives, so does that hold.
        for ends in [false, true] {
            let (_dir, mut config) = seven("libseven.so", &libseven());
            config.limits.exit_process = ends;
            let program = Program::new(&config).unwrap();
            let before = Arc::strong_count(&program.modules);
            assert_eq!(program.run().unwrap(), 7);
            let kept = Arc::strong_count(&program.modules) - before;
            assert_eq!(kept, usize::from(ends), "exit_process {ends}");
        }
    }

    #[test]
    fn a_needed_library_that_does_not_compile_is_reported_by_the_load() {
        let (_dir, config) = seven("libseven.so", b"\0asm\x01\0\0\0\x05");
        let program = Program::new(&config).unwrap();
        assert!(program.modules.library_paths().is_empty());
        let err = program.run().expect_err("the load fails").to_string();
        assert!(err.contains("libseven.so"), "{err}");
    }
}
