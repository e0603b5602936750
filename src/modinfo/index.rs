//! A module's exports by name: an open-addressing table of positions in
//! its export list. A MAIN_MODULE=1 main exports 7000 names; a map holding
//! a shared copy of each name and its kind cost a warm start a tenth of a
//! millisecond to build, every run, where a table of 32-bit positions
//! costs a fraction of that and a sixth of the memory.

use std::hash::BuildHasher as _;

use super::{ExportKind, Name};

/// Positions of exports, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportIndex {
    /// Position + 1 of the export whose name hashes here or probes on to
    /// here; 0 for an empty slot. A power of two in size, at most half
    /// full.
    slots: Vec<u32>,
}

/// The hash of the table: fixed, so that two indexes of the same exports
/// are equal.
fn hash(name: &str) -> usize {
    foldhash::fast::FixedState::with_seed(0x646c_7275_6e00).hash_one(name) as usize
}

impl ExportIndex {
    /// The index of `exports`; the first of two exports of one name is the
    /// one found.
    pub fn of(exports: &[(Name, ExportKind)]) -> ExportIndex {
        if exports.is_empty() {
            return ExportIndex::default();
        }
        let mut slots = vec![0u32; (exports.len() * 2).next_power_of_two()];
        let mask = slots.len() - 1;
        for (position, (name, _)) in exports.iter().enumerate() {
            let mut at = hash(name) & mask;
            loop {
                match slots[at] {
                    0 => {
                        slots[at] = position as u32 + 1;
                        break;
                    }
                    taken if *exports[taken as usize - 1].0 == **name => break,
                    _ => at = (at + 1) & mask,
                }
            }
        }
        ExportIndex { slots }
    }

    /// Whether the index is empty (built from no exports, or not built).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The export named `name` among `exports`, which the index was built
    /// from.
    pub fn get(&self, exports: &[(Name, ExportKind)], name: &str) -> Option<ExportKind> {
        self.position(exports, name).map(|at| exports[at].1)
    }

    /// The position of the export named `name` among `exports`, which the
    /// index was built from.
    pub fn position(&self, exports: &[(Name, ExportKind)], name: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = hash(name) & mask;
        loop {
            let position = self.slots[at].checked_sub(1)? as usize;
            if *exports.get(position)?.0 == *name {
                return Some(position);
            }
            at = (at + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_found_first_export_first_and_others_not() {
        let exports: Vec<(Name, ExportKind)> = (0..1000)
            .map(|i| (Name::from(format!("name{i}")), ExportKind::Func(i)))
            .chain([(Name::from("name7"), ExportKind::Global(1))])
            .collect();
        let index = ExportIndex::of(&exports);
        for i in 0..1000 {
            assert_eq!(
                index.get(&exports, &format!("name{i}")),
                Some(ExportKind::Func(i))
            );
        }
        assert_eq!(index.get(&exports, "name1000"), None);
        assert_eq!(index.get(&exports, ""), None);
        assert_eq!(index, ExportIndex::of(&exports));
        let none = ExportIndex::of(&[]);
        assert!(none.is_empty());
        assert_eq!(none.get(&exports, "name1"), None);
    }
}
