//! Unloading: what dlclose frees once no open handle reaches a library,
//! and forgetting what a failed load added.

use super::*;

/// Unloads every library nothing holds any more, as glibc's dlclose does:
/// a library stays while a dlopen handle on it is open, it is NODELETE (or
/// a startup library), or a library that stays needs it or bound one of
/// its symbols. What is left, cycles included, goes: destructors first,
/// dependents before their dependencies, then symbols leave every scope
/// and memory and table entries go back to be reused.
pub fn collect(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()> {
    let gone = unreachable_libraries(cx.data());
    // Replaying another thread's dlclose: it ran them.
    if cx.data().replay.is_none() {
        for &l in &gone {
            finalize::run_for(cx, l)?;
        }
    }
    let data = cx.data_mut();
    for &l in &gone {
        data.libs[l].alive = false;
        data.unindex(l);
        remove_from_scope(data, l);
        data.dl.drop_handles(l);
    }
    for l in gone {
        release(cx, l)?;
    }
    Ok(())
}

/// The alive libraries no root reaches, dependents before dependencies.
fn unreachable_libraries(data: &Process) -> Vec<LibId> {
    let libs = &data.libs;
    let mut kept = vec![false; libs.len()];
    let mut work: Vec<LibId> = (0..libs.len())
        .filter(|&l| libs[l].alive && (libs[l].nodelete || libs[l].opens > 0))
        .collect();
    while let Some(l) = work.pop() {
        if !std::mem::replace(&mut kept[l], true) {
            work.extend(libs[l].holds());
        }
    }
    let gone = |l: LibId| libs[l].alive && !kept[l];
    // Reverse post-order of a depth-first walk over the dependencies.
    let mut order = Vec::new();
    let mut visited = vec![false; libs.len()];
    for start in (0..libs.len()).filter(|&l| gone(l)) {
        let mut stack = vec![(start, false)];
        while let Some((l, done)) = stack.pop() {
            if done {
                order.push(l);
                continue;
            }
            if std::mem::replace(&mut visited[l], true) {
                continue;
            }
            stack.push((l, true));
            stack.extend(
                libs[l]
                    .holds()
                    .into_iter()
                    .filter(|&d| gone(d))
                    .map(|d| (d, false)),
            );
        }
    }
    order.reverse();
    order
}

/// Gives back what a library that left took: its table entries (its own
/// range and the slots its functions were given) and its static data.
pub(super) fn release(cx: &mut StoreContextMut<'_, Process>, lib: LibId) -> wasmtime::Result<()> {
    let (instance, info, table_base, heap_block) = {
        let l = &cx.data().libs[lib];
        (
            l.instance,
            l.info.clone(),
            u64::from(l.table_base),
            l.heap_block,
        )
    };
    let mut funcs = std::collections::HashSet::new();
    if let Some(instance) = instance {
        for (name, kind) in &info.exports {
            if let ExportKind::Func(_) = kind
                && let Some(f) = instance.get_func(&mut *cx, name)
            {
                funcs.insert(f.to_raw(&mut *cx) as usize);
            }
        }
    }
    // A trimmed library's functions were reached through thunks.
    let mut thunks = Vec::new();
    cx.data_mut().reached.retain(|&(l, _), f| {
        if l == lib {
            thunks.push(*f);
        }
        l != lib
    });
    for f in thunks {
        funcs.insert(f.to_raw(&mut *cx) as usize);
    }
    let own = table_base..table_base + u64::from(info.dylink.table_size);
    let data = cx.data_mut();
    let mut slots = Vec::new();
    data.slots.retain(|raw, slot| {
        let in_own_range = own.contains(&u64::from(*slot));
        let mine = funcs.contains(raw);
        if mine && !in_own_range {
            slots.push(*slot);
        }
        // Functions its element segments placed in its own range are known
        // by slot, exported or not.
        !mine && !in_own_range
    });
    data.reserved.retain(|(l, _), _| *l != lib);
    data.waiting.forget(lib);
    for slot in slots {
        Process::free_table_space(cx, slot.into(), 1)?;
    }
    if !own.is_empty() && table_base != 0 {
        Process::free_table_space(cx, own.start, own.end - own.start)?;
    }
    if let Some(block) = heap_block
        && cx.data().replay.is_none()
    {
        cx.data_mut().libs[lib].heap_block = None;
        let host = cx.data().host;
        host.release(cx, block)?;
    }
    Ok(())
}

pub(super) fn remove_from_scope(data: &mut Process, lib: LibId) {
    let libs = &data.libs;
    data.global
        .remove(lib, |other| libs[other].syms.names().collect());
}

/// Undoes a failed load: every library from `first` on disappears and
/// gives back what it took.
pub(super) fn forget(cx: &mut StoreContextMut<'_, Process>, first: LibId) {
    let data = cx.data_mut();
    let last = data.libs.len();
    for id in first..last {
        data.libs[id].alive = false;
        data.unindex(id);
        if data.global.contains(id) {
            remove_from_scope(data, id);
        }
    }
    for id in first..last {
        finalize::discard(cx.data_mut(), id);
        // The load already failed with the error that matters; a library
        // whose space cannot be given back just keeps it.
        let _ = release(cx, id);
    }
}
