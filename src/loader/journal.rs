//! The link of a program with threads, as a list of operations every
//! thread's store realizes in the same order. The thread that performs a
//! load, a dlopen's bookkeeping, a dlsym that takes a table slot or a
//! dlclose records it, with the memory placements and table slots it
//! took; every other thread replays it (at start, at its next epoch check,
//! or before it performs an operation of its own) taking the recorded
//! placements and slots instead of allocating, and without running
//! constructors, destructors or anything else the first thread already did
//! to the shared memory. So a library's address and a function pointer are
//! the same on every thread.

use std::collections::VecDeque;

use super::*;

/// What an operation took: memory placements (memory base, heap block)
/// and table slots, each in the order it took them.
#[derive(Clone, Debug, Default)]
pub struct Taken {
    placed: Vec<(u32, Option<u32>)>,
    slots: Vec<u64>,
}

impl Taken {
    /// Whether the operation took any table slot.
    pub fn took_slots(&self) -> bool {
        !self.slots.is_empty()
    }
}

/// The placements and slots a replayed operation takes, in order.
#[derive(Debug, Default)]
pub struct Replay {
    placed: VecDeque<(u32, Option<u32>)>,
    slots: VecDeque<u64>,
}

impl Replay {
    /// The next placement the operation took.
    pub fn placement(&mut self) -> Option<(u32, Option<u32>)> {
        self.placed.pop_front()
    }

    /// The next table run the operation took.
    pub fn slot(&mut self) -> Option<u64> {
        self.slots.pop_front()
    }
}

/// One link operation.
pub enum Op {
    /// A group loaded and instantiated (recorded before its constructors),
    /// with the TLS blocks made for the other threads (token, library,
    /// block).
    Load {
        group: Group,
        mode: Mode,
        taken: Taken,
        tls: Vec<(u64, LibId, u32)>,
    },
    /// A load undone (its constructors failed): libraries from `first` on.
    Forget { first: LibId, taken: Taken },
    /// dlopen's count of a library (and what its mode adds).
    Open { lib: LibId, mode: Mode },
    /// A function's table slot taken by dlsym.
    Slot {
        lib: LibId,
        export: String,
        index: u32,
        taken: Taken,
    },
    /// dlclose of a library.
    Close { lib: LibId, taken: Taken },
}

/// Whether this store records what it does (a program with threads).
pub fn recording(cx: &StoreContextMut<'_, Process>) -> bool {
    cx.data().threads.is_some() && cx.data().replay.is_none()
}

/// Starts recording what an operation takes.
pub fn begin(cx: &mut StoreContextMut<'_, Process>) {
    if recording(cx) {
        cx.data_mut().taking.push(Taken::default());
    }
}

/// Notes a placement the operation being recorded took.
pub fn placed(data: &mut Process, memory_base: u32, heap_block: Option<u32>) {
    if let Some(t) = data.taking.last_mut() {
        t.placed.push((memory_base, heap_block));
    }
}

/// Notes a table run the operation being recorded took.
pub fn slot(data: &mut Process, start: u64) {
    if let Some(t) = data.taking.last_mut() {
        t.slots.push(start);
    }
}

/// Ends recording and appends `op` (made from what was taken) for the
/// other threads; an operation that took nothing and changed nothing
/// (`op` returns None) is not appended.
pub fn end(cx: &mut StoreContextMut<'_, Process>, op: impl FnOnce(Taken) -> Option<Op>) {
    if !recording(cx) {
        return;
    }
    let taken = cx.data_mut().taking.pop().unwrap_or_default();
    let Some(op) = op(taken) else {
        return;
    };
    let threads = cx.data().threads.clone();
    if let Some(threads) = threads {
        let n = threads.append(op);
        cx.data_mut().applied = n;
        let me = cx.data().tls.token;
        threads.caught_up(me, n);
        threads.await_others(me, n);
    }
}

/// Appends `op`, which took nothing, for the other threads.
pub fn note(cx: &mut StoreContextMut<'_, Process>, op: Op) {
    begin(cx);
    end(cx, |_| Some(op));
}

/// Makes this thread the one performing link operations until the guard
/// is dropped, having realized every operation other threads performed
/// before (a program without threads needs neither).
pub fn perform(
    cx: &mut StoreContextMut<'_, Process>,
) -> wasmtime::Result<Option<crate::threads::LinkGuard>> {
    let Some(threads) = cx.data().threads.clone() else {
        return Ok(None);
    };
    // Parked while it waits: the thread holding the lock may be waiting
    // for this one to catch up.
    let token = cx.data().tls.token;
    threads.park(token, true, None);
    let guard = threads.lock_link();
    threads.park(token, false, None);
    catch_up(cx)?;
    Ok(Some(guard))
}

/// Abandons the recording of an operation that failed (what it took it
/// gave back).
pub fn abandon(cx: &mut StoreContextMut<'_, Process>) {
    if recording(cx) {
        cx.data_mut().taking.pop();
    }
}

/// Realizes every operation other threads recorded since this store last
/// looked.
pub fn catch_up(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()> {
    let Some(threads) = cx.data().threads.clone() else {
        return Ok(());
    };
    if cx.data().replay.is_some() {
        return Ok(());
    }
    // Until nothing is new: operations appended while this one replays
    // were announced by an epoch tick this store has already counted.
    loop {
        let ops = threads.ops_since(cx.data().applied);
        if ops.is_empty() {
            return Ok(());
        }
        for op in ops {
            let result = apply(cx, &op);
            cx.data_mut().replay = None;
            result?;
            cx.data_mut().applied += 1;
        }
        threads.caught_up(cx.data().tls.token, cx.data().applied);
    }
}

/// Realizes one operation another thread performed.
fn apply(cx: &mut StoreContextMut<'_, Process>, op: &Op) -> wasmtime::Result<()> {
    let replay = |t: &Taken| Replay {
        placed: t.placed.iter().copied().collect(),
        slots: t.slots.iter().copied().collect(),
    };
    match op {
        Op::Load {
            group,
            mode,
            taken,
            tls,
        } => {
            cx.data_mut().replay = Some(replay(taken));
            let me = cx.data().tls.token;
            let mine = tls.iter().filter(|(t, _, _)| *t == me);
            let premade: Vec<(LibId, u32)> = mine.map(|&(_, lib, block)| (lib, block)).collect();
            cx.data_mut().tls.premade.extend(premade);
            let (root, order) = (group.root, group.order.clone());
            let deferred = map(cx, group.libs.clone(), *mode)?;
            link(cx, root, &order, &deferred)?;
            init(cx, root, &order, false)?;
            if mode.global {
                promote(cx.data_mut(), root);
            }
        }
        Op::Forget { first, taken } => {
            cx.data_mut().replay = Some(replay(taken));
            forget(cx, *first);
        }
        Op::Open { lib, mode } => {
            let data = cx.data_mut();
            if mode.global {
                promote(data, *lib);
            }
            data.libs[*lib].nodelete |= mode.nodelete;
            data.libs[*lib].opens += 1;
        }
        Op::Slot {
            lib,
            export,
            index,
            taken,
        } => {
            cx.data_mut().replay = Some(replay(taken));
            slots::of_export(cx, *lib, export, *index)?;
        }
        Op::Close { lib, taken } => {
            cx.data_mut().replay = Some(replay(taken));
            let l = &mut cx.data_mut().libs[*lib];
            l.opens = l.opens.saturating_sub(1);
            if l.opens == 0 && !l.nodelete {
                collect(cx)?;
            }
        }
    }
    Ok(())
}
