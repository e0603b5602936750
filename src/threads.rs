//! Threads of a program built with them (a shared memory): every thread
//! runs in a store of its own that imports the one memory and realizes the
//! same link (same placements, same table slots), so an address or a
//! function pointer means the same on every thread. This module keeps
//! what all threads share: how many run, whether the program has ended,
//! and each thread's thread-local storage. The thread ABI itself (how
//! libc asks for a thread) is the flavour's (`abi::emscripten::pthread`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use wasmtime::{Global, StoreContextMut, UpdateDeadline, Val};

use crate::loader::journal::Op;
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
    /// The program's link operations, in the order they happened.
    journal: Mutex<Vec<Arc<Op>>>,
    /// How many operations the journal holds: read without the lock by
    /// every epoch check and every wait that returns.
    journal_len: std::sync::atomic::AtomicUsize,
    /// Held by the thread performing a link operation (again by the same
    /// thread when a constructor dlopens, as glibc's loader lock).
    link: Mutex<(Option<std::thread::ThreadId>, usize)>,
    link_free: Condvar,
    /// Every thread's store: how far it realized the journal, whether it
    /// is parked (blocked in a wait or a host call), by token.
    members: Mutex<Members>,
    /// Signalled when a member catches up or parks.
    caught_up: Condvar,
    /// Signalled when calls are queued for a thread, or a signal sent.
    mail: Condvar,
    /// Whether some member has signals to deliver: read without the lock
    /// by every epoch check and every wait.
    signalled: AtomicBool,
}

#[derive(Default)]
struct Members {
    next: u64,
    states: HashMap<u64, Member>,
    /// Threads (by `struct pthread`) told to look at what other threads
    /// left them in memory (queued calls, a cancellation) since they last
    /// looked.
    posted: std::collections::HashSet<u32>,
}

struct Member {
    applied: usize,
    parked: bool,
    /// Its thread's `struct pthread`, to which signals are sent.
    pthread: u32,
    /// The address it waits on, while it does.
    waiting_at: Option<u64>,
    /// Signals sent to it and not yet delivered (bit `sig - 1`).
    signals: u64,
}

/// Holds the link lock ([`Threads::lock_link`]) until dropped.
pub struct LinkGuard(Arc<Threads>);

impl Drop for LinkGuard {
    fn drop(&mut self) {
        let mut link = self.0.link.lock().unwrap_or_else(|e| e.into_inner());
        link.1 -= 1;
        if link.1 == 0 {
            link.0 = None;
            self.0.link_free.notify_one();
        }
    }
}

/// What a new thread's process takes from the one that creates it: the
/// parts every thread shares, and the heap's start.
pub struct Inherited {
    /// The memory every thread's store imports.
    pub memory: wasmtime::SharedMemory,
    /// Arguments and environment.
    pub guest: crate::process::Guest,
    /// The file system and descriptors.
    pub fs: Arc<Mutex<crate::vfs::Vfs>>,
    /// dlopen's handles.
    pub handles: Arc<Mutex<HashMap<u32, LibId>>>,
    /// The function table's free entries and extent.
    pub table: Arc<Mutex<crate::process::TableSpace>>,
    /// `__heap_base`'s value.
    pub heap_base: i32,
    /// The JavaScript of EM_JS and EM_ASM (the `.js` file read once, one
    /// engine for the program).
    pub js: Option<Arc<dyn std::any::Any + Send + Sync>>,
}

impl Inherited {
    /// What a thread created from `process` (with its heap at `heap_base`) takes.
    pub fn from(process: &Process, heap_base: i32) -> Option<Inherited> {
        Some(Inherited {
            memory: process.shared_memory.clone()?,
            guest: process.guest.clone(),
            fs: process.fs.clone(),
            handles: process.dl.handles.clone(),
            table: process.table_use.clone(),
            heap_base,
            js: process.js.clone(),
        })
    }
}

/// One thread's thread-local storage and identity.
#[derive(Default)]
pub struct Tls {
    /// This thread's `struct pthread` (0 until the thread is set up).
    pub pthread: u32,
    /// Whether this is the program's first thread.
    pub main: bool,
    /// Its store's token among the program's threads.
    pub token: u64,
    /// TLS blocks another thread made for this one, by library, used
    /// when this thread sets up its thread-locals in them.
    pub premade: HashMap<LibId, u32>,
    /// The premade block the allocator hands out next.
    pub premade_now: Option<u32>,
    /// The host's wait functions, as the table routed waits call through
    /// (made on first use).
    pub waits: Option<wasmtime::Table>,
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
            journal: Mutex::new(Vec::new()),
            journal_len: Default::default(),
            link: Mutex::new((None, 0)),
            link_free: Condvar::new(),
            members: Mutex::new(Members::default()),
            caught_up: Condvar::new(),
            mail: Condvar::new(),
            signalled: AtomicBool::new(false),
        }
    }

    /// Waits until no other thread performs a link operation, and keeps
    /// the others out until the guard is dropped.
    pub fn lock_link(self: &Arc<Self>) -> LinkGuard {
        let me = std::thread::current().id();
        let mut link = self.link.lock().unwrap_or_else(|e| e.into_inner());
        while link.0.is_some_and(|owner| owner != me) {
            link = self.link_free.wait(link).unwrap_or_else(|e| e.into_inner());
        }
        link.0 = Some(me);
        link.1 += 1;
        LinkGuard(self.clone())
    }

    /// Appends a link operation; the number of operations now. Threads
    /// running guest code realize it at their next epoch check.
    pub fn append(&self, op: Op) -> usize {
        let n = {
            let mut journal = self.journal.lock().unwrap_or_else(|e| e.into_inner());
            journal.push(Arc::new(op));
            self.journal_len.store(journal.len(), Ordering::SeqCst);
            journal.len()
        };
        self.program.modules().engine().increment_epoch();
        n
    }

    /// The link operations from the `from`th on.
    pub fn ops_since(&self, from: usize) -> Vec<Arc<Op>> {
        if from >= self.journal_len.load(Ordering::SeqCst) {
            return Vec::new();
        }
        let journal = self.journal.lock().unwrap_or_else(|e| e.into_inner());
        journal
            .get(from..)
            .map(|ops| ops.to_vec())
            .unwrap_or_default()
    }

    /// Registers a thread's store, running; its token.
    pub fn join(&self) -> u64 {
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        m.next += 1;
        let token = m.next;
        m.states.insert(
            token,
            Member {
                applied: 0,
                parked: false,
                pthread: 0,
                waiting_at: None,
                signals: 0,
            },
        );
        token
    }

    /// The tokens of every registered store but `me`.
    pub fn others(&self, me: u64) -> Vec<u64> {
        let m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        m.states.keys().copied().filter(|&t| t != me).collect()
    }

    /// Forgets a thread's store (its thread ended).
    pub fn part(&self, token: u64) {
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = m.states.remove(&token) {
            m.posted.remove(&state.pthread);
        }
        self.caught_up.notify_all();
    }

    /// Marks a store parked (blocked where it runs no guest code, and
    /// catches up before it runs any again) or running again; `waiting_at`
    /// is the address of the wait it parks in, if it does.
    pub fn park(&self, token: u64, parked: bool, waiting_at: Option<u64>) {
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = m.states.get_mut(&token) {
            state.parked = parked;
            state.waiting_at = waiting_at;
        }
        if parked {
            self.caught_up.notify_all();
        }
    }

    /// Names the `struct pthread` of a store's thread.
    pub fn name(&self, token: u64, pthread: u32) {
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = m.states.get_mut(&token) {
            state.pthread = pthread;
        }
    }

    /// Sends signal `sig` (1 to 64) to the thread of `pthread`; false when
    /// no thread has it. The thread runs the handler at its next epoch
    /// check, or at once if it waits.
    pub fn signal(&self, pthread: u32, sig: u32, memory: &wasmtime::SharedMemory) -> bool {
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        let Some(state) = m.states.values_mut().find(|s| s.pthread == pthread) else {
            return false;
        };
        state.signals |= 1 << (sig - 1);
        self.signalled.store(true, Ordering::SeqCst);
        self.wake(m, pthread, memory);
        self.program.modules().engine().increment_epoch();
        true
    }

    /// Tells the thread of `pthread` to look at what another thread left it
    /// in memory (calls queued for it, pthread_cancel's flag): it looks when
    /// its wait or its event loop ([`Threads::await_mail`]) wakes, at once.
    pub fn post(&self, pthread: u32, memory: &wasmtime::SharedMemory) {
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        m.posted.insert(pthread);
        self.wake(m, pthread, memory);
    }

    /// Wakes the thread of `pthread` from its event loop or its wait
    /// (futex users take the wake for a spurious one).
    fn wake(
        &self,
        m: std::sync::MutexGuard<'_, Members>,
        pthread: u32,
        memory: &wasmtime::SharedMemory,
    ) {
        let at = m
            .states
            .values()
            .find(|s| s.pthread == pthread)
            .and_then(|s| s.waiting_at);
        drop(m);
        self.mail.notify_all();
        if let Some(at) = at {
            // Only an address beyond the memory fails, which the wait itself
            // would have refused.
            let _ = memory.atomic_notify(at, u32::MAX);
        }
    }

    /// Parks a thread in its event loop until calls are queued for it, a
    /// signal is sent to it, or the program ends or its time is up; true
    /// when calls were queued.
    pub fn await_mail(&self, token: u64, pthread: u32) -> bool {
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = m.states.get_mut(&token) {
            state.parked = true;
        }
        self.caught_up.notify_all();
        let calls = loop {
            if m.posted.remove(&pthread) {
                break true;
            }
            let signalled = m.states.get(&token).is_some_and(|s| s.signals != 0);
            if signalled || self.stop().is_some() {
                break false;
            }
            m = self
                .mail
                .wait_timeout(m, WAIT_SLICE)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        if let Some(state) = m.states.get_mut(&token) {
            state.parked = false;
        }
        calls
    }

    /// Whether a store's thread has signals to deliver.
    pub fn has_signals(&self, token: u64) -> bool {
        if !self.signalled.load(Ordering::SeqCst) {
            return false;
        }
        let m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        m.states.get(&token).is_some_and(|s| s.signals != 0)
    }

    /// Takes the signals a store's thread has to deliver.
    pub fn take_signals(&self, token: u64) -> u64 {
        if !self.signalled.load(Ordering::SeqCst) {
            return 0;
        }
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        let taken = m
            .states
            .get_mut(&token)
            .map_or(0, |s| std::mem::take(&mut s.signals));
        if m.states.values().all(|s| s.signals == 0) {
            self.signalled.store(false, Ordering::SeqCst);
        }
        taken
    }

    /// Records that a store realized the first `applied` operations.
    pub fn caught_up(&self, token: u64, applied: usize) {
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = m.states.get_mut(&token) {
            state.applied = applied;
        }
        self.caught_up.notify_all();
    }

    /// Waits until every other running store realized the first `n`
    /// operations (glibc's promise: once dlopen returns, any thread may
    /// call the library). Stores parked catch up before they run guest
    /// code again; running ones do at their next epoch check, which the
    /// wait ticks on until they have.
    pub fn await_others(&self, me: u64, n: usize) {
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let behind = m
                .states
                .iter()
                .any(|(&t, s)| t != me && !s.parked && s.applied < n);
            if !behind || self.ended().is_some() {
                return;
            }
            self.program.modules().engine().increment_epoch();
            m = self
                .caught_up
                .wait_timeout(m, std::time::Duration::from_millis(1))
                .unwrap_or_else(|e| e.into_inner())
                .0;
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

    /// Why a thread must stop running guest code now: the program ended on
    /// another thread (its status), or its time is up (`--timeout`).
    pub fn stop(&self) -> Option<wasmtime::Error> {
        if let Some(status) = self.ended() {
            return Some(wasmtime::Error::new(crate::unwind::Exit(status)));
        }
        if self.expires.is_some_and(|t| Instant::now() >= t) {
            return Some(wasmtime::Trap::Interrupt.into());
        }
        None
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
/// the program ended on another thread or its time is up, else realize
/// the link operations other threads performed, and go on.
pub fn at_epoch(mut cx: StoreContextMut<'_, Process>) -> wasmtime::Result<UpdateDeadline> {
    if let Some(stop) = cx.data().threads.as_ref().and_then(|t| t.stop()) {
        return Err(stop);
    }
    // Catching up runs guest code (start functions, TLS set-up), which
    // meets epoch checks of its own while this callback is not there to
    // answer them, and other threads may append meanwhile: no deadline
    // until it is done.
    cx.set_epoch_deadline(u64::MAX / 2);
    crate::loader::journal::catch_up(&mut cx)?;
    deliver_signals(&mut cx)?;
    Ok(UpdateDeadline::Continue(1))
}

/// Runs the handlers of the signals other threads sent this one, lowest
/// first, as the kernel would on its way back to user code.
pub fn deliver_signals(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()> {
    let Some(threads) = cx.data().threads.clone() else {
        return Ok(());
    };
    let pending = threads.take_signals(cx.data().tls.token);
    for sig in (1..=64).filter(|s| pending & (1u64 << (s - 1)) != 0) {
        let host = cx.data().host;
        host.raise(cx, sig)?;
    }
    Ok(())
}

/// Records `base` as `lib`'s TLS block on this thread and points the GOT
/// entries of its thread-local objects there.
pub fn set_block(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    base: u32,
) -> wasmtime::Result<()> {
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

/// How long a routed wait blocks before it looks whether the program
/// ended (a notify cannot reach a thread between its check and its wait).
const WAIT_SLICE: std::time::Duration = std::time::Duration::from_millis(100);

/// The table routed waits call through ([`crate::waits`]): entry 0 waits
/// on 32 bits, entry 1 on 64. Made once per store.
pub fn waits_table(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<wasmtime::Table> {
    if let Some(t) = cx.data().tls.waits {
        return Ok(t);
    }
    let wait32 = wasmtime::Func::wrap(
        &mut *cx,
        |mut c: wasmtime::Caller<'_, Process>,
         addr: i32,
         expected: i32,
         timeout: i64,
         offset: i32| {
            wait(&mut c, addr, offset, timeout, |m, at, t| {
                m.atomic_wait32(at, expected as u32, t)
            })
        },
    );
    let wait64 = wasmtime::Func::wrap(
        &mut *cx,
        |mut c: wasmtime::Caller<'_, Process>,
         addr: i32,
         expected: i64,
         timeout: i64,
         offset: i32| {
            wait(&mut c, addr, offset, timeout, |m, at, t| {
                m.atomic_wait64(at, expected as u64, t)
            })
        },
    );
    let ty = wasmtime::TableType::new(wasmtime::RefType::FUNCREF, 2, Some(2));
    let table = wasmtime::Table::new(&mut *cx, ty, wasmtime::Ref::Func(None))?;
    table.set(&mut *cx, 0, wasmtime::Ref::Func(Some(wait32)))?;
    table.set(&mut *cx, 1, wasmtime::Ref::Func(Some(wait64)))?;
    cx.data_mut().tls.waits = Some(table);
    Ok(table)
}

/// `memory.atomic.wait` at `addr + offset` as the host does it: parked
/// meanwhile, woken when the program ends, caught up with the link after.
/// The result is the instruction's: 0 woken, 1 not equal, 2 timed out.
fn wait(
    c: &mut wasmtime::Caller<'_, Process>,
    addr: i32,
    offset: i32,
    timeout: i64,
    op: impl Fn(
        &wasmtime::SharedMemory,
        u64,
        Option<std::time::Duration>,
    ) -> Result<wasmtime::WaitResult, wasmtime::Trap>,
) -> wasmtime::Result<i32> {
    let Some(memory) = c.data().shared_memory.clone() else {
        return Err(wasmtime::Trap::AtomicWaitNonSharedMemory.into());
    };
    let at = u64::from(addr as u32) + u64::from(offset as u32);
    let until = u64::try_from(timeout)
        .ok()
        .map(|ns| Instant::now() + std::time::Duration::from_nanos(ns));
    let threads = c.data().threads.clone();
    let token = c.data().tls.token;
    if let Some(t) = &threads {
        t.park(token, true, Some(at));
    }
    let result = loop {
        if let Some(stop) = threads.as_ref().and_then(|t| t.stop()) {
            break Err(stop);
        }
        let slice = match until {
            Some(until) => until
                .saturating_duration_since(Instant::now())
                .min(WAIT_SLICE),
            None => WAIT_SLICE,
        };
        if threads.as_ref().is_some_and(|t| t.has_signals(token)) {
            // A signal ends the wait as a wake-up would; the handler runs
            // below, and the futex's user waits again if it must.
            break Ok(0);
        }
        match op(&memory, at, Some(slice)) {
            Ok(wasmtime::WaitResult::TimedOut) if until.is_none_or(|u| Instant::now() < u) => {}
            Ok(r) => {
                break Ok(match r {
                    wasmtime::WaitResult::Ok => 0,
                    wasmtime::WaitResult::Mismatch => 1,
                    wasmtime::WaitResult::TimedOut => 2,
                });
            }
            Err(trap) => break Err(trap.into()),
        }
    };
    if let Some(t) = &threads {
        t.park(token, false, None);
    }
    let result = result?;
    let mut cx = wasmtime::AsContextMut::as_context_mut(c);
    crate::loader::journal::catch_up(&mut cx)?;
    deliver_signals(&mut cx)?;
    Ok(result)
}
