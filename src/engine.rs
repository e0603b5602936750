//! The engines a program's modules are compiled for. Every module of a
//! program shares one engine, so one choice holds for a whole run: Cranelift's
//! optimized code, or Winch's baseline code, which compiles several times
//! faster and runs slower. A command-line run whose main the cache holds no
//! optimized code for takes Winch, and leaves the optimized code to be made
//! after it (see [`Tier::Auto`]).

use crate::Limits;

/// Which compiler makes code the compiled-module cache does not hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tier {
    /// Cranelift, always (the embedding API's default, and every run
    /// without a cache).
    #[default]
    Optimized,
    /// Winch when the cache holds no optimized code for the main module,
    /// else Cranelift (the command line's default): a first run starts
    /// sooner, and `dlrun compile` makes the optimized code afterwards.
    Auto,
    /// Winch, always (but for programs built with threads, which need
    /// what Winch does not have: they take Cranelift's code).
    Baseline,
}

/// The engine for a program built with or without threads, under `limits`;
/// `baseline` picks Winch.
pub(crate) fn build(
    threads: bool,
    limits: &Limits,
    baseline: bool,
) -> wasmtime::Result<wasmtime::Engine> {
    let mut config = wasmtime::Config::new();
    config.wasm_threads(threads);
    config.shared_memory(threads);
    // Threads catch up with libraries other threads load at their epoch
    // checks (`threads`), as well as ending at a deadline.
    config.epoch_interruption(limits.timeout.is_some() || threads);
    config.consume_fuel(limits.fuel.is_some());
    // Wasmtime 48 gives every import of a shared memory an instance of its
    // own that defines it, and a fault then matches several of a store's
    // instances, which it asserts cannot happen: an out-of-bounds access
    // would panic instead of trapping. Explicit bounds checks make it an
    // ordinary trap.
    config.signals_based_traps(!threads);
    if baseline {
        config.strategy(wasmtime::Strategy::Winch);
        // Winch leaves to Cranelift the entry trampoline of every function
        // that escapes (an Emscripten main exports thousands): compiled
        // unoptimized with the single-pass allocator they cost a third
        // less, and they only move arguments.
        config.cranelift_opt_level(wasmtime::OptLevel::None);
        // SAFETY: a Cranelift setting wasmtime passes through; any register
        // allocator produces correct code.
        unsafe {
            config.cranelift_flag_set("regalloc_algorithm", "single_pass");
        }
    }
    wasmtime::Engine::new(&config)
}
