//! The order a load instantiates its libraries in. An import whose
//! definition is not instantiated yet is bound to a stand-in ([`crate::plt`]):
//! a generated function of its own, compiled (with an entry trampoline)
//! and called indirectly on every call. Instantiating a library after the
//! ones it binds to needs none: a main importing 4000 functions of a
//! library that imports nothing from it needed 4000 stand-ins when main
//! went first. Where libraries bind to each other (a main's libc and the
//! libraries calling it), the first in link order goes first, as before.
//! Constructors still run in link order ([`super::init`]).

use std::collections::HashMap;

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
/// position left goes next.
fn dependencies_first(deps: &[Vec<usize>]) -> Vec<usize> {
    let mut done = vec![false; deps.len()];
    let mut out = Vec::with_capacity(deps.len());
    while out.len() < deps.len() {
        let left = || (0..deps.len()).filter(|&k| !done[k]);
        let Some(next) = left()
            .find(|&k| deps[k].iter().all(|&d| done[d]))
            .or_else(|| left().next())
        else {
            break;
        };
        done[next] = true;
        out.push(next);
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
}
