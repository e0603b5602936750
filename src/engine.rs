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
    /// Cranelift, inlining small functions into their callers: code
    /// compiled ahead of its runs, which nobody waits for (`dlrun
    /// compile`, and so the code a [`Tier::Auto`] run finds after the
    /// first). CPython runs 6% faster; its code takes three times as long
    /// to compile and twice the space.
    Ahead,
}

/// The compiler an engine uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compiler {
    /// Cranelift.
    Cranelift,
    /// Cranelift, inlining calls within a module (see [`Tier::Ahead`]).
    CraneliftInlining,
    /// Winch.
    Winch,
}

impl Compiler {
    /// What traces call it.
    pub fn name(self) -> &'static str {
        match self {
            Compiler::Cranelift => "cranelift",
            Compiler::CraneliftInlining => "cranelift-inlining",
            Compiler::Winch => "winch",
        }
    }

    /// The optimizing compiler for a program run under `tier`, built with
    /// `threads` or not, whose code a cache keeps or not: inlining where
    /// the code is made for later runs. Programs with threads never run
    /// Winch's code first, so their code is always made when they run.
    pub fn optimizing(tier: Tier, threads: bool, cached: bool) -> Compiler {
        match tier {
            Tier::Ahead | Tier::Auto if !threads && cached => Compiler::CraneliftInlining,
            _ => Compiler::Cranelift,
        }
    }
}

/// The engine for a program built with or without threads, under `limits`,
/// compiling with `compiler`.
pub(crate) fn build(
    threads: bool,
    limits: &Limits,
    compiler: Compiler,
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
    // Neither is needed to trap or to capture wasm backtraces (wasmtime
    // walks frame pointers); both cost per compiled function, and a first
    // run compiles thousands: `big`'s first run 0.92x without them.
    config.native_unwind_info(false);
    config.generate_address_map(false);
    // Small cached artifacts are used where they are read (`codemem`).
    config.with_custom_code_memory(Some(crate::codemem::arena()));
    if compiler == Compiler::CraneliftInlining {
        config.compiler_inlining(wasmtime::Inlining::Yes);
    }
    if compiler == Compiler::Winch {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_code_made_for_later_runs_is_inlined() {
        use Compiler::*;
        let optimizing = |tier, threads, cached| Compiler::optimizing(tier, threads, cached);
        assert_eq!(optimizing(Tier::Ahead, false, true), CraneliftInlining);
        assert_eq!(optimizing(Tier::Auto, false, true), CraneliftInlining);
        // Nothing keeps the code of a run without a cache; a program with
        // threads compiles its code when it runs; Optimized is what one
        // asks for to wait less than Ahead.
        assert_eq!(optimizing(Tier::Auto, false, false), Cranelift);
        assert_eq!(optimizing(Tier::Auto, true, true), Cranelift);
        assert_eq!(optimizing(Tier::Ahead, true, true), Cranelift);
        assert_eq!(optimizing(Tier::Optimized, false, true), Cranelift);
        assert_eq!(optimizing(Tier::Baseline, false, true), Cranelift);
    }
}
