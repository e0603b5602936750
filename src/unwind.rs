//! Non-local exits that cross wasm frames as host errors: a host function
//! returns one of these, wasmtime unwinds the wasm frames above it, and the
//! host frame that knows what to do (an `invoke_*` wrapper, or the runner)
//! catches it by downcasting.

/// The program called `exit` (or `proc_exit`) with this status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("exit({0})")]
pub struct Exit(pub i32);

/// A `longjmp` on its way to the `invoke_*` frame of its `setjmp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("longjmp")]
pub struct Longjmp;

/// A C++ exception in flight (the thrown object's address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("C++ exception {0:#x}")]
pub struct CxxException(pub u32);

/// A thread stopped running guest code without ending the program:
/// `pthread_exit` (Emscripten unwinds the thread's stack to its event loop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the thread ended (pthread_exit)")]
pub struct ThreadEnd;

/// A thread left its start routine and stays: it went back to its event
/// loop with the runtime kept alive (`emscripten_exit_with_live_runtime`),
/// to run the calls other threads queue for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the thread went back to its event loop (emscripten_exit_with_live_runtime)")]
pub struct LiveRuntime;

/// The program aborted (`abort()`, a failed assertion, with its message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}Aborted", if .0.is_empty() { String::new() } else { format!("{}\n", .0) })]
pub struct Abort(pub String);

/// The program handed the host a pointer outside its memory (or a string
/// with no end): where a native program would fault, it stops as on a trap.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Fault(pub String);

/// Exit status of a program killed by SIGABRT, as a shell reports it; dlrun
/// uses it for aborts, traps and faults alike.
pub const ABORT_STATUS: i32 = 134;

/// The exit status a run ends with, if `err` is a normal way to end.
pub fn exit_status(err: &wasmtime::Error) -> Option<i32> {
    err.downcast_ref::<Exit>().map(|e| e.0)
}

/// Whether `err` ends the program wherever it arises, rather than failing
/// the one call it met: an exit, an abort, or the program's time or fuel
/// running out. glibc's dlopen does not return when a constructor exits or
/// aborts, and once the deadline or the fuel is gone no more of the
/// program could run anyway.
pub fn ends_program(err: &wasmtime::Error) -> bool {
    err.is::<Exit>()
        || err.is::<Abort>()
        || matches!(
            err.downcast_ref::<wasmtime::Trap>(),
            Some(wasmtime::Trap::Interrupt | wasmtime::Trap::OutOfFuel)
        )
}

/// A call reached a function nothing defines (lazy binding failed), as
/// glibc's "symbol lookup error"; the process ends with status 127.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("symbol lookup error: {module} ({import}): undefined symbol: {symbol}")]
pub struct SymbolLookup {
    /// The library whose call could not be bound.
    pub module: crate::naming::ModuleName,
    /// Its import of the function, and what may help (a close name).
    pub import: String,
    /// The undefined symbol it called.
    pub symbol: String,
}

/// Exit status after a symbol lookup error (glibc's).
pub const LOOKUP_STATUS: i32 = 127;
