//! dlrun: runs C and C++ programs compiled to WebAssembly as a main module
//! plus shared libraries (side modules), doing the dynamic linking itself on
//! wasmtime.
//!
//! The embedding API: a [`Program`] is a main module compiled once with
//! the options of a [`RunConfig`]; [`Program::run`] runs `main`, and
//! [`Program::load`] gives a [`Session`] in which the host calls the
//! program's functions ([`Val`] arguments), dlopens libraries and reads its
//! memory. [`run`] does it all for a program run once.

#![warn(missing_docs)]

/// Writes a line of dlrun's own (a trace, a warning, an error for the user)
/// to stderr. A stderr nobody reads any more (`dlrun ... 2>&1 | head`) is
/// no reason to fail: the line is dropped, as other tools do, and the exit
/// status stays the program's (`eprintln!` would panic).
#[doc(hidden)]
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub(crate) mod abi;
pub mod cache;
pub(crate) mod codemem;
pub(crate) mod compiled;
pub mod dlfcn;
pub mod dylink;
pub mod engine;
pub(crate) mod finalize;
pub(crate) mod freelist;
pub mod inspect;
pub(crate) mod loader;
pub(crate) mod mem;
pub mod modinfo;
pub(crate) mod naming;
pub(crate) mod plan;
pub(crate) mod plt;
pub(crate) mod prelink;
pub(crate) mod process;
pub(crate) mod program;
pub(crate) mod relocs_first;
pub(crate) mod route;
pub mod search;
pub(crate) mod sections;
pub(crate) mod session;
pub(crate) mod source;
pub(crate) mod split;
pub(crate) mod stack;
pub(crate) mod symbols;
pub(crate) mod template;
pub(crate) mod threads;
pub(crate) mod timer;
pub mod trace;
pub(crate) mod trim;
pub mod unwind;
pub mod value;
pub mod vfs;
pub(crate) mod waits;

use std::path::PathBuf;

pub use crate::program::Program;
pub use crate::session::{Handle, Session};
pub use crate::template::Template;
pub use crate::value::{Signature, Val, ValType};

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
    /// Resource limits beyond memory.
    pub limits: Limits,
    /// Which compiler makes code the cache does not hold.
    pub tier: engine::Tier,
}

/// How much a program may take; each limit, when hit, ends the load or the
/// run with an error that names it.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most entries the function table may grow to.
    pub table_elements: u32,
    /// Most modules loaded at once, the main module included.
    pub libraries: usize,
    /// Wall-clock time the program may run before it is interrupted.
    pub timeout: Option<std::time::Duration>,
    /// Units of wasm fuel the program may burn before it stops with a trap:
    /// a bound that, unlike `timeout`, ends a run at the same point every
    /// time (fuzzing untrusted modules whose constructors may loop).
    pub fuel: Option<u64>,
    /// Most threads a program built with threads may run at once besides
    /// its first: `pthread_create` fails with EAGAIN past it.
    pub threads: usize,
    /// Whether the program's end is the host process's, as the CLI wants:
    /// a thread other than the first that ends the program (exit, a trap)
    /// ends the process too, and a run's store is left to the process's
    /// exit instead of freed. Otherwise the other threads stop at their
    /// next check and the run ends with it.
    pub exit_process: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            table_elements: 1 << 20,
            libraries: 16384,
            timeout: None,
            fuel: None,
            threads: 256,
            exit_process: false,
        }
    }
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
    /// The program ran past `--timeout`.
    #[error("{0}")]
    Timeout(String),
    /// A call of the host's could not be made as asked: no such function
    /// or symbol, wrong number or types of arguments, a bad handle or
    /// pointer.
    #[error("{0}")]
    Call(String),
    /// The program exited, with this status, while loading or during a
    /// call of the host's; it runs no more code.
    #[error("the program exited with status {0}")]
    Exit(i32),
}

/// Exit status of a program interrupted by `--timeout` (that of timeout(1)).
pub const TIMEOUT_STATUS: i32 = 124;

/// Loads the program and its libraries, runs `main`, and returns its exit
/// status: [`Program::new`] and [`Program::run`] in one step, for a
/// program run once.
pub fn run(config: &RunConfig) -> Result<i32, Error> {
    Program::new(config)?.run()
}
