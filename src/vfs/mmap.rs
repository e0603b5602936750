//! Files mapped into guest memory by `mmap`: dlrun copies the bytes in
//! and writes shared writable mappings back.

use super::*;

/// A file mapped into guest memory by `mmap`: its own handle on the file,
/// so closing the descriptor does not end the mapping.
pub struct Mapping {
    file: File,
    offset: u64,
    len: u64,
    shared_write: bool,
}

impl Mapping {
    /// Bytes the mapping covers.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it is empty (never: mmap refuses length 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether memory changes reach the file (MAP_SHARED with PROT_WRITE).
    pub fn shared_write(&self) -> bool {
        self.shared_write
    }

    /// Writes `data` (the mapped memory) back to the file, as msync and
    /// munmap do for shared writable mappings; bytes past the current end
    /// of the file are not written, as with a real mapping.
    pub fn write_back(&self, data: &[u8]) -> Result<()> {
        if !self.shared_write {
            return Ok(());
        }
        let size = self.file.metadata()?.len();
        if self.offset >= size {
            return Ok(());
        }
        let n = data
            .len()
            .min((size - self.offset) as usize)
            .min(self.len as usize);
        self.file.write_all_at(&data[..n], self.offset)?;
        Ok(())
    }
}

impl Vfs {
    /// Reads what `mmap(len, fd, offset)` maps: the file's bytes (short at
    /// its end) and a [`Mapping`] to write them back through. As in
    /// Emscripten: only regular files (ENODEV), not write-only descriptors
    /// (EACCES), and MAP_SHARED + PROT_WRITE needs O_RDWR (EACCES).
    pub fn map(
        &self,
        fd: i32,
        offset: u64,
        len: u64,
        prot_write: bool,
        shared: bool,
    ) -> Result<(Mapping, Vec<u8>)> {
        let f = self.file(fd)?;
        let of = lock(&f);
        let Node::File(file) = &of.node else {
            return Err(Errno::NODEV);
        };
        if of.flags & O_ACCMODE == O_WRONLY || of.flags & O_PATH != 0 {
            return Err(Errno::ACCES);
        }
        if prot_write && shared && of.flags & O_ACCMODE != O_RDWR {
            return Err(Errno::ACCES);
        }
        if len == 0 || len > u64::from(u32::MAX) {
            return Err(Errno::INVAL);
        }
        let size = file.metadata()?.len();
        let avail = size.saturating_sub(offset).min(len) as usize;
        let mut bytes = vec![0u8; avail];
        let mut got = 0;
        while got < avail {
            let n = file.read_at(&mut bytes[got..], offset + got as u64)?;
            if n == 0 {
                break;
            }
            got += n;
        }
        bytes.truncate(got);
        let mapping = Mapping {
            file: file.try_clone()?,
            offset,
            len,
            shared_write: shared && prot_write,
        };
        Ok((mapping, bytes))
    }

    /// Remembers a mapping placed at guest address `addr`.
    pub fn add_mapping(&mut self, addr: u64, m: Mapping) {
        self.maps.insert(addr, m);
    }

    /// The mapping at `addr`.
    pub fn mapping(&self, addr: u64) -> Option<&Mapping> {
        self.maps.get(&addr)
    }

    /// Forgets the mapping at `addr`.
    pub fn remove_mapping(&mut self, addr: u64) -> Option<Mapping> {
        self.maps.remove(&addr)
    }

    /// Addresses of the mappings whose changes reach their files.
    pub fn shared_mappings(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .maps
            .iter()
            .filter(|(_, m)| m.shared_write)
            .map(|(a, _)| *a)
            .collect();
        v.sort_unstable();
        v
    }
}
