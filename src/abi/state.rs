//! The host ABI's state in one process, apart from the functions that use
//! it: the process holds it without depending on the ABI's code.

/// C++ exception bookkeeping of Emscripten's `__cxa_*` runtime.
#[derive(Debug, Default)]
pub struct EhState {
    /// The exception being thrown or last thrown.
    pub last: u32,
    /// CatchInfo blocks (base ptr, adjusted ptr) of active handlers.
    pub caught: Vec<u32>,
    /// Exceptions thrown and not yet caught (`std::uncaught_exceptions`).
    pub uncaught: i32,
}

pub use super::time::local::State as TimeState;
