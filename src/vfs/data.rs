//! Reading and writing through descriptors: files, FIFOs, pipes and the
//! host's stdio, every wait bounded by the program's deadline.

use super::*;

impl Vfs {
    /// Descriptor `fd` for reading or writing without holding the file
    /// system: a read that waits (stdin, a FIFO) must not stop other
    /// threads from opening or closing files meanwhile.
    pub fn io(&self, fd: i32) -> Result<Io> {
        Ok(Io {
            file: self.file(fd)?,
            deadline: self.deadline,
        })
    }

    /// read through [`Io::read`].
    pub fn read(&self, fd: i32, buf: &mut [u8]) -> Result<usize> {
        self.io(fd)?.read(buf)
    }

    /// pread through [`Io::pread`].
    pub fn pread(&self, fd: i32, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.io(fd)?.pread(buf, offset)
    }

    /// write through [`Io::write`].
    pub fn write(&self, fd: i32, buf: &[u8]) -> Result<usize> {
        self.io(fd)?.write(buf)
    }

    /// pwrite through [`Io::pwrite`].
    pub fn pwrite(&self, fd: i32, buf: &[u8], offset: u64) -> Result<usize> {
        self.io(fd)?.pwrite(buf, offset)
    }
}

/// An open file taken out of the descriptor table for one transfer.
pub struct Io {
    file: Arc<Mutex<OpenFile>>,
    deadline: Option<std::time::Instant>,
}

impl Io {
    /// read: from the file offset, advancing it.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        let f = self.file.clone();
        let mut of = lock(&f);
        if !of.readable() {
            return Err(Errno::BADF);
        }
        let pos = of.pos;
        let n = match &of.node {
            Node::Stdio(Stdio::In) => {
                wait_for_stdin(self.deadline)?;
                std::io::stdin().lock().read(buf)?
            }
            Node::Stdio(_) => return Err(Errno::BADF),
            Node::Dir { .. } => return Err(Errno::ISDIR),
            Node::File(file) => {
                let n = file.read_at(buf, pos)?;
                of.pos = pos + n as u64;
                n
            }
            Node::Fifo(file) => {
                let blocking = of.flags & O_NONBLOCK == 0;
                loop {
                    // With no writer a non-blocking read says end of file at
                    // once; a blocking one waits for data or a writer's end.
                    if blocking && !buf.is_empty() {
                        wait_ready(self.deadline, file.as_raw_fd(), libc::POLLIN)?;
                    }
                    match (&*file).read(buf) {
                        Err(e) if blocking && e.kind() == io::ErrorKind::WouldBlock => {}
                        r => break r?,
                    }
                }
            }
            Node::Pipe(end) => {
                let mut p = lock(&end.pipe);
                if buf.is_empty() {
                    return Ok(0);
                }
                if p.buf.is_empty() {
                    // Nothing could ever arrive while this single thread
                    // waits: report EAGAIN rather than hang, as Emscripten.
                    return if p.writers == 0 {
                        Ok(0)
                    } else {
                        Err(Errno::AGAIN)
                    };
                }
                let n = buf.len().min(p.buf.len());
                for (d, s) in buf.iter_mut().zip(p.buf.drain(..n)) {
                    *d = s;
                }
                n
            }
        };
        Ok(n)
    }

    /// pread: at `offset`, leaving the file offset alone.
    pub fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let f = self.file.clone();
        let of = lock(&f);
        if !of.readable() {
            return Err(Errno::BADF);
        }
        match &of.node {
            Node::File(file) => Ok(file.read_at(buf, offset)?),
            Node::Dir { .. } => Err(Errno::ISDIR),
            _ => Err(Errno::SPIPE),
        }
    }

    /// write: at the file offset (the end with O_APPEND), advancing it.
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        let f = self.file.clone();
        let mut of = lock(&f);
        if !of.writable() {
            return Err(Errno::BADF);
        }
        let append = of.flags & O_APPEND != 0;
        match &of.node {
            Node::Stdio(Stdio::Out) => {
                self.write_stdio(1, buf, &mut std::io::stdout().lock())?;
                Ok(buf.len())
            }
            Node::Stdio(Stdio::Err) => {
                self.write_stdio(2, buf, &mut std::io::stderr().lock())?;
                Ok(buf.len())
            }
            Node::Stdio(Stdio::In) => Err(Errno::BADF),
            Node::Dir { .. } => Err(Errno::ISDIR),
            Node::File(file) => {
                let pos = if append {
                    file.metadata()?.len()
                } else {
                    of.pos
                };
                let end = pos.checked_add(buf.len() as u64).ok_or(Errno::FBIG)?;
                file.write_all_at(buf, pos)?;
                of.pos = end;
                Ok(buf.len())
            }
            Node::Fifo(file) => {
                let blocking = of.flags & O_NONBLOCK == 0;
                let mut done = 0;
                while done < buf.len() {
                    match (&*file).write(&buf[done..]) {
                        Ok(n) => done += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock && blocking => {
                            wait_ready(self.deadline, file.as_raw_fd(), libc::POLLOUT)?
                        }
                        Err(e) if done > 0 && e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(done)
            }
            Node::Pipe(end) => {
                let mut p = lock(&end.pipe);
                if p.readers == 0 {
                    return Err(Errno::PIPE);
                }
                // A full pipe would block forever in a single thread: write
                // what fits, EAGAIN when nothing does.
                let room = PIPE_CAPACITY.saturating_sub(p.buf.len());
                if room == 0 && !buf.is_empty() {
                    return Err(Errno::AGAIN);
                }
                let n = buf.len().min(room);
                p.buf.extend(&buf[..n]);
                Ok(n)
            }
        }
    }

    /// Writes to host descriptor `fd` (stdout or stderr) through `out`.
    /// With a deadline, a pipe nobody reads must not hold the program
    /// past it: each piece is at most PIPE_BUF bytes, which a pipe that
    /// polls writable takes without blocking.
    fn write_stdio(&self, fd: i32, buf: &[u8], out: &mut impl Write) -> Result<()> {
        const PIPE_BUF: usize = 4096;
        if self.deadline.is_none() {
            return Ok(out.write_all(buf).and_then(|_| out.flush())?);
        }
        for piece in buf.chunks(PIPE_BUF) {
            wait_ready(self.deadline, fd, libc::POLLOUT)?;
            out.write_all(piece).and_then(|_| out.flush())?;
        }
        Ok(())
    }

    /// pwrite: at `offset`, leaving the file offset alone.
    pub fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize> {
        let f = self.file.clone();
        let of = lock(&f);
        if !of.writable() {
            return Err(Errno::BADF);
        }
        match &of.node {
            Node::File(file) => {
                offset.checked_add(buf.len() as u64).ok_or(Errno::FBIG)?;
                file.write_all_at(buf, offset)?;
                Ok(buf.len())
            }
            Node::Dir { .. } => Err(Errno::ISDIR),
            _ => Err(Errno::SPIPE),
        }
    }
}

impl Vfs {
    /// lseek. For a directory the position is an entry index (SEEK_SET and
    /// SEEK_CUR only); seeking it to 0 rereads the directory.
    pub fn seek(&self, fd: i32, offset: i64, whence: u32) -> Result<u64> {
        let f = self.file(fd)?;
        let mut of = lock(&f);
        let base: i64 = match (&of.node, whence) {
            (Node::Stdio(_) | Node::Pipe(_) | Node::Fifo(_), _) => return Err(Errno::SPIPE),
            (_, SEEK_SET) => 0,
            (_, SEEK_CUR) => of.pos as i64,
            (Node::File(file), SEEK_END) => file.metadata()?.len() as i64,
            _ => return Err(Errno::INVAL),
        };
        let pos = base.checked_add(offset).ok_or(Errno::OVERFLOW)?;
        if pos < 0 {
            return Err(Errno::INVAL);
        }
        of.pos = pos as u64;
        if let Node::Dir { listing, .. } = &mut of.node
            && pos == 0
        {
            *listing = None;
        }
        Ok(pos as u64)
    }

    /// fstat.
    pub fn fstat(&self, fd: i32) -> Result<Stat> {
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::Stdio(s) => Ok(Stat::tty(*s)),
            Node::File(file) | Node::Fifo(file) => Ok(Stat::of(&file.metadata()?)),
            Node::Dir { dir: Some(d), .. } => Ok(Stat::of(&d.dir_metadata()?)),
            Node::Dir { dir: None, .. } => Ok(Stat::virtual_dir(&of.path)),
            Node::Pipe(end) => Ok(Stat {
                ino: lock(&end.pipe).ino,
                mode: S_IFIFO | 0o600,
                nlink: 1,
                blksize: 4096,
                ..Stat::default()
            }),
        }
    }

    /// ftruncate: the descriptor must be open for writing.
    pub fn ftruncate(&self, fd: i32, len: i64) -> Result<()> {
        let len = u64::try_from(len).map_err(|_| Errno::INVAL)?;
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::File(file) if of.writable() => Ok(file.set_len(len)?),
            Node::Dir { .. } => Err(Errno::ISDIR),
            _ => Err(Errno::INVAL),
        }
    }

    /// truncate.
    pub fn truncate(&self, dirfd: i32, path: &str, len: i64) -> Result<()> {
        let len = u64::try_from(len).map_err(|_| Errno::INVAL)?;
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Real { m, rel } if rel.as_os_str() != "." => {
                let at = self.at(*m, rel, true)?;
                if at.dir.metadata(&at.name)?.is_dir() {
                    return Err(Errno::ISDIR);
                }
                let file = at.dir.open_with(&at.name, OpenOptions::new().write(true))?;
                self.check_opened(&Node::File(file.try_clone()?))?;
                Ok(file.set_len(len)?)
            }
            Loc::Absent { .. } => Err(Errno::NOENT),
            _ => Err(Errno::ISDIR),
        }
    }

    /// posix_fallocate: grows the file to cover `offset + len`.
    pub fn fallocate(&self, fd: i32, offset: i64, len: i64) -> Result<()> {
        let f = self.file(fd)?;
        let of = lock(&f);
        if offset < 0 || len <= 0 {
            return Err(Errno::INVAL);
        }
        let end = offset.checked_add(len).ok_or(Errno::FBIG)? as u64;
        match &of.node {
            Node::File(file) if of.writable() => {
                if file.metadata()?.len() < end {
                    file.set_len(end)?;
                }
                Ok(())
            }
            Node::File(_) => Err(Errno::BADF),
            Node::Pipe(_) | Node::Fifo(_) => Err(Errno::SPIPE),
            _ => Err(Errno::NODEV),
        }
    }

    /// fsync / fdatasync.
    pub fn fsync(&self, fd: i32, data_only: bool) -> Result<()> {
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::File(file) if data_only => Ok(file.sync_data()?),
            Node::File(file) => Ok(file.sync_all()?),
            Node::Pipe(_) | Node::Fifo(_) => Err(Errno::INVAL),
            _ => Ok(()),
        }
    }
}
