//! Free runs of function-table entries: what unloaded libraries gave back,
//! handed out again before the table grows, so that dlopen/dlclose cycles
//! do not grow the table without bound.

use std::collections::BTreeMap;

/// Free runs of indices, kept sorted and merged: start -> length.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FreeList {
    runs: BTreeMap<u64, u64>,
}

impl FreeList {
    /// Takes `n` consecutive indices starting at a multiple of `align` (a
    /// power of two), the lowest that fit; None if no run is long enough.
    pub fn take(&mut self, n: u64, align: u64) -> Option<u64> {
        if n == 0 {
            return None;
        }
        let (run_start, run_len, start) = self.runs.iter().find_map(|(&s, &len)| {
            let start = s.checked_next_multiple_of(align)?;
            (start.checked_add(n)? <= s + len).then_some((s, len, start))
        })?;
        self.runs.remove(&run_start);
        if start > run_start {
            self.runs.insert(run_start, start - run_start);
        }
        let end = start + n;
        if end < run_start + run_len {
            self.runs.insert(end, run_start + run_len - end);
        }
        Some(start)
    }

    /// Gives back `n` indices from `start`, merging with neighbouring runs.
    pub fn give(&mut self, start: u64, n: u64) {
        if n == 0 {
            return;
        }
        let (mut start, mut end) = (start, start + n);
        if let Some((&s, &len)) = self.runs.range(..=start).next_back()
            && s + len >= start
        {
            start = s;
            end = end.max(s + len);
            self.runs.remove(&s);
        }
        while let Some((&s, &len)) = self.runs.range(start..=end).next() {
            end = end.max(s + len);
            self.runs.remove(&s);
        }
        self.runs.insert(start, end - start);
    }

    /// How many indices are free.
    pub fn len(&self) -> u64 {
        self.runs.values().sum()
    }

    /// Whether nothing is free.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_lowest_fitting_aligned_run_and_splits_it() {
        let mut f = FreeList::default();
        f.give(3, 2);
        f.give(10, 8);
        assert_eq!(f.take(3, 1), Some(10));
        assert_eq!(f.take(2, 4), Some(16));
        assert_eq!(f.take(1, 1), Some(3));
        assert_eq!(f.take(4, 1), None);
        assert_eq!(f.len(), 4);
        assert_eq!(f.take(3, 1), Some(13));
        assert_eq!(f.take(1, 1), Some(4));
        assert!(f.is_empty());
    }

    #[test]
    fn given_runs_merge_with_their_neighbours() {
        let mut f = FreeList::default();
        f.give(5, 1);
        f.give(7, 1);
        f.give(6, 1);
        f.give(2, 3);
        assert_eq!(f.take(6, 1), Some(2));
        assert!(f.is_empty());
        assert_eq!(f.take(0, 1), None);
    }
}
