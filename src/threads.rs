//! Threads of a program built with them (a shared memory): every thread
//! runs in a store of its own that imports the one memory and realizes the
//! same link (same placements, same table slots), so an address or a
//! function pointer means the same on every thread. This module keeps
//! what all threads share: how many run, whether the program has ended,
//! and each thread's thread-local storage. The thread ABI itself (how
//! libc asks for a thread) is the flavour's (`abi::emscripten::pthread`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use wasmtime::{Global, StoreContextMut, UpdateDeadline, Val};

use crate::process::Process;
use crate::program::Program;
use crate::symbols::LibId;

/// Every thread of one run of a program.
pub struct Threads {
    /// Makes the stores of new threads.
    pub program: Program,
    /// Most threads at once besides the first.
    max: usize,
    /// Threads running besides the first.
    live: Mutex<usize>,
    /// The status the program ended with, once a thread ended it.
    status: Mutex<Option<i32>>,
    ended: AtomicBool,
    /// When the program's time is up (`--timeout`).
    pub expires: Option<Instant>,
}

/// Why a thread stopped running guest code without ending the program:
/// `pthread_exit` (Emscripten unwinds the thread's stack to its event loop).
#[derive(Debug)]
pub struct ThreadEnd;

impl std::fmt::Display for ThreadEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the thread ended (pthread_exit)")
    }
}

impl std::error::Error for ThreadEnd {}

/// One thread's thread-local storage and identity.
#[derive(Default)]
pub struct Tls {
    /// This thread's `struct pthread` (0 until the thread is set up).
    pub pthread: u32,
    /// Each module's TLS block on this thread.
    pub bases: HashMap<LibId, u32>,
    /// GOT.mem entries that hold the address of a thread-local object:
    /// (owner, offset in its block, the entry).
    pub got: Vec<(LibId, u32, Global)>,
    /// The thread's own data is freed once its code has stopped running
    /// (a detached thread asks for that while it still runs).
    pub free_at_end: bool,
}

impl Tls {
    /// The address of the object at `offset` in `owner`'s block on this
    /// thread, if the block exists yet.
    pub fn address(&self, owner: LibId, offset: u32) -> Option<u32> {
        self.bases.get(&owner).map(|b| b.wrapping_add(offset))
    }
}

impl Threads {
    /// The threads of a run of `program`.
    pub fn new(program: Program, max: usize, expires: Option<Instant>) -> Threads {
        Threads {
            program,
            max,
            live: Mutex::new(0),
            status: Mutex::new(None),
            ended: AtomicBool::new(false),
            expires,
        }
    }

    /// Counts a new thread in; false past the limit.
    pub fn enter(&self) -> bool {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        if *live >= self.max {
            return false;
        }
        *live += 1;
        true
    }

    /// Counts a thread out.
    pub fn leave(&self) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        *live = live.saturating_sub(1);
    }

    /// Ends the program with `status` (the first thread to end it wins);
    /// every other thread stops at its next check.
    pub fn end(&self, status: i32) {
        let mut s = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if s.is_none() {
            *s = Some(status);
        }
        self.ended.store(true, Ordering::SeqCst);
        self.program.modules().engine().increment_epoch();
    }

    /// The status the program ended with, if a thread ended it.
    pub fn ended(&self) -> Option<i32> {
        if !self.ended.load(Ordering::SeqCst) {
            return None;
        }
        *self.status.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a store of a threaded program does at an epoch check: stop when
/// the program ended on another thread or its time is up, else go on.
pub fn at_epoch(cx: StoreContextMut<'_, Process>) -> wasmtime::Result<UpdateDeadline> {
    if let Some(threads) = &cx.data().threads {
        if let Some(status) = threads.ended() {
            return Err(wasmtime::Error::new(crate::unwind::Exit(status)));
        }
        if threads.expires.is_some_and(|t| Instant::now() >= t) {
            return Err(wasmtime::Trap::Interrupt.into());
        }
    }
    Ok(UpdateDeadline::Continue(1))
}

/// Records `base` as `lib`'s TLS block on this thread and points the GOT
/// entries of its thread-local objects there.
pub fn set_block(cx: &mut StoreContextMut<'_, Process>, lib: LibId, base: u32) -> wasmtime::Result<()> {
    cx.data_mut().tls.bases.insert(lib, base);
    let entries: Vec<(u32, Global)> = cx
        .data()
        .tls
        .got
        .iter()
        .filter(|(owner, _, _)| *owner == lib)
        .map(|(_, offset, g)| (*offset, *g))
        .collect();
    for (offset, g) in entries {
        g.set(&mut *cx, Val::I32(base.wrapping_add(offset) as i32))?;
    }
    Ok(())
}
