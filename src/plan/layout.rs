//! What a library needs of the shared memory and table, from its
//! `dylink.0` MEM_INFO: decided while planning, so a module asking for
//! something absurd fails the plan; where it goes is the program's
//! allocator's answer at run time.

use crate::dylink::DylinkInfo;

/// Largest alignment a module may ask for: one wasm page.
const MAX_ALIGN: u64 = 1 << 16;

/// A library's static data and table entries, as it asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// Bytes of static data (zero: none to allocate).
    pub memory: u32,
    /// Their alignment in bytes, at least 16 (what the program's `malloc`
    /// gives, and what Emscripten's loader asks for at least).
    pub memory_align: u32,
    /// Table entries (zero: none).
    pub table: u32,
    /// Their alignment in entries.
    pub table_align: u64,
}

/// What module `dylink` asks for, or why it cannot be given.
pub fn needs(dylink: &DylinkInfo) -> Result<Needs, String> {
    let memory_align = 1u64
        .checked_shl(dylink.mem_align.max(4))
        .filter(|&a| a <= MAX_ALIGN)
        .ok_or_else(|| format!("memory alignment 2^{} is absurd", dylink.mem_align))?;
    let table_align = 1u64
        .checked_shl(dylink.table_align)
        .filter(|&a| a <= MAX_ALIGN)
        .ok_or_else(|| format!("table alignment 2^{} is absurd", dylink.table_align))?;
    Ok(Needs {
        memory: dylink.mem_size,
        memory_align: memory_align as u32,
        table: dylink.table_size,
        table_align,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dylink(mem_size: u32, mem_align: u32, table_size: u32, table_align: u32) -> DylinkInfo {
        DylinkInfo {
            mem_size,
            mem_align,
            table_size,
            table_align,
            ..DylinkInfo::default()
        }
    }

    #[test]
    fn static_data_is_aligned_to_sixteen_bytes_at_least() {
        let n = needs(&dylink(100, 0, 3, 0)).unwrap();
        assert_eq!(
            (n.memory, n.memory_align, n.table, n.table_align),
            (100, 16, 3, 1)
        );
        assert_eq!(needs(&dylink(8, 6, 0, 2)).unwrap().memory_align, 64);
        assert_eq!(needs(&dylink(8, 6, 0, 2)).unwrap().table_align, 4);
        assert_eq!(needs(&dylink(8, 16, 0, 16)).unwrap().memory_align, 1 << 16);
    }

    #[test]
    fn absurd_alignments_fail_naming_what_was_asked() {
        let e = needs(&dylink(8, 17, 0, 0)).unwrap_err();
        assert!(e.contains("memory alignment 2^17"), "{e}");
        let e = needs(&dylink(8, 0, 1, 40)).unwrap_err();
        assert!(e.contains("table alignment 2^40"), "{e}");
        assert!(needs(&dylink(8, u32::MAX, 0, 0)).is_err());
    }
}
