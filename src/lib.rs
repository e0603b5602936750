//! dlrun: runs C and C++ programs compiled to WebAssembly as a main module
//! plus shared libraries (side modules), doing the dynamic linking itself on
//! wasmtime.
//!
//! The embedding API is [`RunConfig`] and [`run`].

pub mod abi;
pub mod cache;
pub mod dlfcn;
pub mod dylink;
pub mod inspect;
pub mod loader;
pub mod modinfo;
pub mod plt;
pub mod process;
pub mod search;
pub mod symbols;
pub mod trace;
pub mod unwind;
pub mod vfs;

use std::path::PathBuf;

use wasmtime::{AsContextMut, Engine, Store};

use crate::loader::{Mode, Parsed, Root};
use crate::process::{Guest, Process};
use crate::search::{Found, SearchPath};

/// What to run and with what.
#[derive(Debug, Clone, Default)]
pub struct RunConfig {
    /// The main module.
    pub main: PathBuf,
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// The program's environment, `KEY=VALUE`.
    pub env: Vec<String>,
    /// Extra library directories (`-L`).
    pub lib_dirs: Vec<PathBuf>,
    /// Where compiled modules are cached.
    pub cache: cache::Cache,
    /// What to report on stderr while loading and linking.
    pub trace: trace::Trace,
    /// Most bytes the program's linear memory may grow to.
    pub max_memory: Option<u64>,
    /// Libraries to load before the main module's NEEDED ones, whose
    /// symbols then take precedence (like LD_PRELOAD).
    pub preload: Vec<String>,
    /// Host directories the program may use (`--dir`).
    pub dirs: Vec<vfs::Preopen>,
    /// Units of wasm fuel the program may burn before it stops with a trap
    /// (`None`: no limit). Bounds runs of untrusted code, such as fuzzed
    /// modules whose constructors loop.
    pub fuel: Option<u64>,
}

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The program or a library could not be loaded.
    #[error("{0}")]
    Load(String),
    /// The program trapped or aborted.
    #[error("{0}")]
    Runtime(String),
    /// The program called a function nothing defines.
    #[error("{0}")]
    Lookup(String),
}

/// Loads the program and its libraries, runs `main`, and returns its exit
/// status.
pub fn run(config: &RunConfig) -> Result<i32, Error> {
    let load_err = |e: wasmtime::Error| Error::Load(format!("{e:#}"));
    let bytes = std::fs::read(&config.main)
        .map_err(|e| Error::Load(format!("{}: {e}", config.main.display())))?;
    let path = std::fs::canonicalize(&config.main).unwrap_or_else(|_| config.main.clone());
    let search = SearchPath::new(&path, &config.lib_dirs, &config.env);
    let program = config.main.display().to_string();
    let guest = Guest {
        args: std::iter::once(program.clone())
            .chain(config.args.iter().cloned())
            .collect(),
        env: config.env.clone(),
    };
    let engine = match config.fuel {
        Some(_) => Engine::new(wasmtime::Config::new().consume_fuel(true)).map_err(load_err)?,
        None => Engine::default(),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or(program);
    let mut main = Parsed::main(&name, Found { path, bytes })
        .and_then(|p| p.compile(&engine, &config.cache))
        .map_err(load_err)?;
    let mut process = Process::new(search, guest);
    process.cache = config.cache.clone();
    process.trace = config.trace;
    process.preload = config.preload.clone();
    process.fs = vfs::Vfs::new(&config.dirs).map_err(Error::Load)?;
    let mut limits = wasmtime::StoreLimitsBuilder::new()
        .instances(process::MAX_INSTANCES)
        .tables(process::MAX_INSTANCES)
        .memories(process::MAX_INSTANCES)
        .table_elements(process::MAX_TABLE_SLOTS as usize)
        .trap_on_grow_failure(false);
    if let Some(max) = config.max_memory {
        limits = limits.memory_size(usize::try_from(max).unwrap_or(usize::MAX));
    }
    process.limits = limits.build();
    let mut store = Store::new(&engine, process);
    store.limiter(|p| &mut p.limits);
    if let Some(fuel) = config.fuel {
        store.set_fuel(fuel).map_err(load_err)?;
    }
    let mut cx = store.as_context_mut();
    let flavour = abi::flavour_of(&main).map_err(Error::Load)?;
    if flavour != abi::Flavour::Emscripten {
        // WASI programs find the granted directories as preopened fds.
        cx.data_mut()
            .fs
            .open_preopens()
            .map_err(|e| Error::Load(format!("opening the --dir preopens: {e}")))?;
    }
    if flavour.host_memory() {
        abi::emscripten::prepare(&mut cx, &mut main).map_err(load_err)?;
    } else {
        main.bases = Some((0, 0));
    }
    let startup = Mode {
        global: true,
        nodelete: true,
        now: false,
    };
    let outcome = loader::load(&mut cx, Root::Main(main), startup)
        .and_then(|_| match flavour {
            abi::Flavour::Emscripten => abi::emscripten::call_main(&mut cx),
            _ => abi::wasi::call_start(&mut cx),
        })
        .or_else(|e| unwind::exit_status(&e).ok_or(e));
    let ended = outcome.and_then(|status| {
        if flavour != abi::Flavour::Emscripten {
            return Ok(status);
        }
        abi::emscripten::at_exit(&mut cx)
            .map(|()| status)
            .or_else(|e| unwind::exit_status(&e).ok_or(e))
    });
    ended.map_err(|e| match e.downcast_ref::<unwind::CxxException>() {
        Some(exc) => {
            let text = abi::emscripten::eh::describe_uncaught(&mut cx, exc.0);
            Error::Runtime(unwind::Abort(text).to_string())
        }
        None => classify(e),
    })
}

/// Sorts a failure into how the run ends.
fn classify(e: wasmtime::Error) -> Error {
    if let Some(abort) = e.downcast_ref::<unwind::Abort>() {
        return Error::Runtime(abort.to_string());
    }
    if let Some(lookup) = e.downcast_ref::<unwind::SymbolLookup>() {
        return Error::Lookup(lookup.to_string());
    }
    if let Some(fault) = e.downcast_ref::<unwind::Fault>() {
        return Error::Runtime(format!("dlrun: bad pointer: {fault}\n{e:?}"));
    }
    if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
        return Error::Runtime(format!("dlrun: wasm trap: {trap}\n{e:?}"));
    }
    Error::Load(format!("{e:#}"))
}
