//! The order a load instantiates its libraries in. An import whose
//! definition is not instantiated yet is bound to a stand-in ([`crate::plt`]):
//! a generated function of its own, compiled (with an entry trampoline)
//! and called indirectly on every call. Instantiating a library after the
//! ones it binds to needs none: a main importing 4000 functions of a
//! library that imports nothing from it needed 4000 stand-ins when main
//! went first. Where libraries bind to each other (a main's libc and the
//! libraries calling it), the first in link order goes first, as before.
//! Constructors still run in link order ([`super::init`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::plan::{LibRef, bind::Binding};
use crate::process::Process;
use crate::symbols::LibId;

/// The order to instantiate the new libraries `order` (in link order) in.
pub(super) fn instantiation(data: &Process, order: &[LibId]) -> Vec<LibId> {
    // Without the memory, the main module must come first: the program's
    // memory is its export (a WASI main's), adopted once it exists.
    if data.memory.is_none() || order.len() < 2 {
        return order.to_vec();
    }
    let new: HashMap<LibId, usize> = order.iter().enumerate().map(|(k, &l)| (l, k)).collect();
    let deps: Vec<Vec<usize>> = order
        .iter()
        .map(|&lib| {
            let mut on: Vec<usize> = data.libs[lib]
                .planned
                .iter()
                .filter_map(|b| match b {
                    Binding::Lib(LibRef::Loaded(owner)) if *owner != lib => new.get(owner).copied(),
                    _ => None,
                })
                .collect();
            on.sort_unstable();
            on.dedup();
            on
        })
        .collect();
    dependencies_first(&deps)
        .into_iter()
        .map(|k| order[k])
        .collect()
}

/// Positions `0..deps.len()`, each after the positions `deps[k]` it
/// depends on where that is possible; otherwise (a cycle) the first
/// position left goes next. Linear in positions and dependencies: a load
/// may bring thousands of libraries.
fn dependencies_first(deps: &[Vec<usize>]) -> Vec<usize> {
    let n = deps.len();
    let mut waits: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, on) in deps.iter().enumerate() {
        for &d in on {
            users[d].push(k);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&k| waits[k] == 0).map(Reverse).collect();
    let mut done = vec![false; n];
    let mut first_left = 0;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        // A position enters the heap once, when its last wait ends while
        // it is left (the check below): none there is taken already.
        let next = match ready.pop() {
            Some(Reverse(k)) => k,
            None => {
                while done[first_left] {
                    first_left += 1;
                }
                first_left
            }
        };
        done[next] = true;
        out.push(next);
        for &u in &users[next] {
            waits[u] -= 1;
            if waits[u] == 0 && !done[u] {
                ready.push(Reverse(u));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_goes_before_the_libraries_that_bind_to_it() {
        // 0 (main) binds to 1; 1 binds to nothing.
        assert_eq!(dependencies_first(&[vec![1], vec![]]), [1, 0]);
        // A chain in reverse.
        assert_eq!(dependencies_first(&[vec![1], vec![2], vec![]]), [2, 1, 0]);
    }

    #[test]
    fn libraries_binding_to_each_other_keep_link_order() {
        // Main and a library calling its libc: main first, as before.
        assert_eq!(dependencies_first(&[vec![1], vec![0]]), [0, 1]);
        // Independent libraries keep their order.
        assert_eq!(dependencies_first(&[vec![], vec![], vec![]]), [0, 1, 2]);
        // A cycle between 0 and 1 and a library both need: it goes first.
        assert_eq!(
            dependencies_first(&[vec![1, 2], vec![0, 2], vec![]]),
            [2, 0, 1]
        );
    }

    /// The rule as written, one scan per step.
    fn by_the_rule(deps: &[Vec<usize>]) -> Vec<usize> {
        let mut done = vec![false; deps.len()];
        let mut out = Vec::new();
        while out.len() < deps.len() {
            let left = || (0..deps.len()).filter(|&k| !done[k]);
            let next = left()
                .find(|&k| deps[k].iter().all(|&d| done[d]))
                .or_else(|| left().next())
                .unwrap();
            done[next] = true;
            out.push(next);
        }
        out
    }

    #[test]
    fn the_order_is_the_rule_on_any_graph() {
        let mut seed = 0x2545_f491_u64;
        let mut next = |below: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % below) as usize
        };
        for _ in 0..200 {
            let n = 1 + next(12);
            let deps: Vec<Vec<usize>> = (0..n)
                .map(|k| {
                    let mut on: Vec<usize> = (0..next(4))
                        .map(|_| next(n as u64))
                        .filter(|&d| d != k)
                        .collect();
                    on.sort_unstable();
                    on.dedup();
                    on
                })
                .collect();
            assert_eq!(dependencies_first(&deps), by_the_rule(&deps), "{deps:?}");
        }
    }
}
