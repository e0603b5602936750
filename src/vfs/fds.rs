//! The descriptor table: open, close, dup and friends, pipes, and the
//! flags and readiness of each descriptor.

use super::*;

impl Vfs {
    pub(super) fn file(&self, fd: i32) -> Result<Arc<Mutex<OpenFile>>> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get(i))
            .and_then(|s| s.as_ref())
            .map(|s| s.file.clone())
            .ok_or(Errno::BADF)
    }

    fn slot_mut(&mut self, fd: i32) -> Result<&mut Slot> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get_mut(i))
            .and_then(|s| s.as_mut())
            .ok_or(Errno::BADF)
    }

    /// Installs `file` at the lowest free descriptor not below `min`.
    fn install(&mut self, file: Arc<Mutex<OpenFile>>, min: usize, cloexec: bool) -> Result<i32> {
        let fd = (min..MAX_FDS)
            .find(|&i| self.fds.get(i).is_none_or(|s| s.is_none()))
            .ok_or(Errno::MFILE)?;
        if self.fds.len() <= fd {
            self.fds.resize_with(fd + 1, || None);
        }
        self.fds[fd] = Some(Slot {
            file,
            cloexec,
            preopen: None,
        });
        Ok(fd as i32)
    }

    fn new_file(node: Node, flags: u32, path: String) -> Arc<Mutex<OpenFile>> {
        Arc::new(Mutex::new(OpenFile {
            node,
            flags: flags & STATUS_MASK,
            pos: 0,
            path,
        }))
    }

    /// Whether `fd` is open.
    pub fn is_open(&self, fd: i32) -> bool {
        self.file(fd).is_ok()
    }

    /// Number of open descriptors.
    pub fn open_count(&self) -> usize {
        self.fds.iter().filter(|s| s.is_some()).count()
    }

    /// open/openat. `mode` is used when a file is created.
    pub fn open(&mut self, dirfd: i32, path: &str, flags: u32, mode: u32) -> Result<i32> {
        if flags & O_TMPFILE == O_TMPFILE {
            return Err(Errno::NOTSUP);
        }
        if flags & O_ACCMODE == 3 && flags & O_PATH == 0 {
            return Err(Errno::INVAL);
        }
        let t = self.target(dirfd, path, false)?;
        let node = self.open_node(&t, flags, mode)?;
        let file = Vfs::new_file(node, flags, t.abs);
        self.install(file, 0, flags & O_CLOEXEC != 0)
    }

    fn open_node(&self, t: &Target, flags: u32, mode: u32) -> Result<Node> {
        let creat = flags & O_CREAT != 0;
        let (m, rel) = match &t.loc {
            Loc::Absent { in_virtual } => {
                return Err(if creat && *in_virtual {
                    Errno::ACCES
                } else {
                    Errno::NOENT
                });
            }
            Loc::Virtual => return self.open_virtual(flags),
            Loc::Real { m, rel } => (*m, rel),
        };
        let at = self.at(m, rel, flags & O_NOFOLLOW == 0)?;
        let node = self.open_at(t, &at, flags, mode)?;
        self.check_opened(&node)?;
        // Truncation waits until the file is known not to be hidden.
        if flags & O_TRUNC != 0
            && flags & O_ACCMODE != O_RDONLY
            && let Node::File(f) = &node
            && f.metadata()?.is_file()
        {
            f.set_len(0)?;
        }
        Ok(node)
    }

    fn open_at(&self, t: &Target, at: &At<'_>, flags: u32, mode: u32) -> Result<Node> {
        let acc = flags & O_ACCMODE;
        let creat = flags & O_CREAT != 0;
        let excl = creat && flags & O_EXCL != 0;
        let dir_wanted = flags & O_DIRECTORY != 0 || t.dir_only;
        let (dir, rel) = (&at.dir, &at.name);
        match at.metadata(flags & O_NOFOLLOW == 0) {
            Ok(md) => {
                if excl {
                    return Err(Errno::EXIST);
                }
                if md.is_symlink() {
                    return Err(Errno::LOOP);
                }
                if md.is_dir() {
                    if (acc != O_RDONLY && flags & O_PATH == 0) || flags & (O_TRUNC | O_CREAT) != 0
                    {
                        return Err(Errno::ISDIR);
                    }
                    let d = if rel.as_os_str() == "." {
                        dir.try_clone()?
                    } else {
                        dir.open_dir(rel)?
                    };
                    return Ok(Node::Dir {
                        dir: Some(d),
                        listing: None,
                    });
                }
                if dir_wanted {
                    return Err(Errno::NOTDIR);
                }
                let mut o = OpenOptions::new();
                o.read(acc != O_WRONLY || flags & O_PATH != 0)
                    .write(acc != O_RDONLY && flags & O_PATH == 0);
                if md.file_type().is_fifo() {
                    return self.open_fifo(dir, rel, &mut o, flags);
                }
                Ok(Node::File(dir.open_with(rel, &o)?))
            }
            Err(e) => {
                let e = Errno::from(e);
                if e == Errno::NOENT && self.is_mount_ancestor(&t.abs) {
                    return self.open_virtual(flags);
                }
                if e != Errno::NOENT || !creat {
                    return Err(e);
                }
                if dir_wanted {
                    return Err(Errno::ISDIR);
                }
                // The access mode is enforced by this layer, so a file
                // created O_RDONLY can be opened for writing here, as the
                // kernel does for a new file whatever its mode.
                let mut o = OpenOptions::new();
                o.read(true)
                    .write(true)
                    .create_new(true)
                    .mode(mode & 0o7777);
                Ok(Node::File(dir.open_with(rel, &o)?))
            }
        }
    }

    /// Opens a FIFO as POSIX says, waiting no longer than the deadline:
    /// with O_NONBLOCK at once (ENXIO for writing with no reader); else
    /// for writing once a reader is there, for reading once a writer is.
    /// The descriptor dlrun keeps is non-blocking, so that every later
    /// wait is the VFS's own.
    fn open_fifo(&self, dir: &Dir, rel: &Path, o: &mut OpenOptions, flags: u32) -> Result<Node> {
        if flags & (O_NONBLOCK | O_PATH) == 0 && flags & O_ACCMODE == O_RDONLY {
            return self.open_fifo_reader(dir, rel, o);
        }
        o.custom_flags(libc::O_NONBLOCK);
        loop {
            match dir.open_with(rel, o) {
                Ok(f) => return Ok(Node::Fifo(f)),
                Err(e) if e.raw_os_error() == Some(libc::ENXIO) && flags & O_NONBLOCK == 0 => {
                    self.pause(Duration::from_millis(10))?
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// A blocking open of a FIFO for reading: nothing can be polled for a
    /// writer's arrival, so the open waits on a thread of its own; when
    /// the deadline comes first, dlrun opens the FIFO for writing itself
    /// to release that thread.
    fn open_fifo_reader(&self, dir: &Dir, rel: &Path, o: &OpenOptions) -> Result<Node> {
        let (d, r, opts) = (dir.try_clone()?, rel.to_path_buf(), o.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(d.open_with(&r, &opts));
        });
        let opened = match self.deadline {
            None => rx.recv().map_err(|_| Errno::INTR)?,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                match rx.recv_timeout(left) {
                    Ok(opened) => opened,
                    Err(_) => {
                        let mut w = OpenOptions::new();
                        w.write(true).custom_flags(libc::O_NONBLOCK);
                        drop(dir.open_with(rel, &w));
                        return Err(Errno::DEADLINE);
                    }
                }
            }
        };
        let f = opened?;
        let fd = f.as_raw_fd();
        // SAFETY: plain fcntl calls on a descriptor this function owns.
        unsafe {
            let fl = libc::fcntl(fd, libc::F_GETFL);
            if fl < 0 || libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0 {
                return Err(io::Error::last_os_error().into());
            }
        }
        Ok(Node::Fifo(f))
    }

    fn open_virtual(&self, flags: u32) -> Result<Node> {
        if flags & O_CREAT != 0 && flags & O_EXCL != 0 {
            return Err(Errno::EXIST);
        }
        if flags & O_ACCMODE != O_RDONLY || flags & (O_TRUNC | O_CREAT) != 0 {
            return Err(Errno::ISDIR);
        }
        Ok(Node::Dir {
            dir: None,
            listing: None,
        })
    }

    /// close.
    pub fn close(&mut self, fd: i32) -> Result<()> {
        let i = usize::try_from(fd).map_err(|_| Errno::BADF)?;
        match self.fds.get_mut(i) {
            Some(s @ Some(_)) => {
                *s = None;
                Ok(())
            }
            _ => Err(Errno::BADF),
        }
    }

    /// dup: the lowest free descriptor, sharing the open file.
    pub fn dup(&mut self, fd: i32) -> Result<i32> {
        self.dup_min(fd, 0, false)
    }

    /// F_DUPFD / F_DUPFD_CLOEXEC: the lowest free descriptor `>= min`.
    pub fn dup_min(&mut self, fd: i32, min: i32, cloexec: bool) -> Result<i32> {
        let file = self.file(fd)?;
        let min = usize::try_from(min).map_err(|_| Errno::INVAL)?;
        if min >= MAX_FDS {
            return Err(Errno::INVAL);
        }
        self.install(file, min, cloexec)
    }

    /// dup2/dup3: `new` becomes a copy of `old`, closing what it was.
    /// `flags` may only hold O_CLOEXEC; `old == new` is EINVAL (dup3).
    pub fn dup3(&mut self, old: i32, new: i32, flags: u32) -> Result<i32> {
        let file = self.file(old)?;
        if flags & !O_CLOEXEC != 0 || old == new {
            return Err(Errno::INVAL);
        }
        let n = usize::try_from(new).map_err(|_| Errno::BADF)?;
        if n >= MAX_FDS {
            return Err(Errno::BADF);
        }
        if self.fds.len() <= n {
            self.fds.resize_with(n + 1, || None);
        }
        self.fds[n] = Some(Slot {
            file,
            cloexec: flags & O_CLOEXEC != 0,
            preopen: None,
        });
        Ok(new)
    }

    /// WASI's fd_renumber: `to` becomes what `from` was (its open file,
    /// flags and preopen tag) and `from` is closed. Both must be open.
    pub fn renumber(&mut self, from: i32, to: i32) -> Result<()> {
        self.file(from)?;
        self.file(to)?;
        if from != to {
            let slot = self.fds[from as usize].take();
            self.fds[to as usize] = slot;
        }
        Ok(())
    }

    /// Opens the root of every mount as a descriptor, in `--dir` order at
    /// the lowest free numbers (3, 4, ... in a fresh table), tagged with
    /// its guest path: the WASI preopens, which wasi-libc resolves its
    /// paths against. When no mount is `/`, one more grants the virtual
    /// `/`, so that a WASI program sees the tree an Emscripten one does
    /// (`/` and the parents of mount points exist, list the mount points,
    /// and paths outside the mounts are ENOENT rather than unknown to
    /// libc). Only WASI programs get these: an Emscripten program's first
    /// descriptor stays 3.
    pub fn open_preopens(&mut self) -> Result<()> {
        let mut grants: Vec<(String, Option<Dir>)> = Vec::new();
        for m in &self.mounts {
            grants.push((m.guest.clone(), Some(m.dir.try_clone()?)));
        }
        if !self.mounts.iter().any(|m| m.guest == "/") {
            grants.push(("/".to_string(), None));
        }
        for (guest, dir) in grants {
            let node = Node::Dir { dir, listing: None };
            let fd = self.install(Vfs::new_file(node, O_RDONLY, guest.clone()), 0, false)?;
            self.slot_mut(fd)?.preopen = Some(guest);
        }
        Ok(())
    }

    /// The guest path preopen `fd` grants; EBADF when `fd` is not open or
    /// not a preopen (which is how WASI programs find the last one).
    pub fn preopen(&self, fd: i32) -> Result<&str> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get(i))
            .and_then(|s| s.as_ref())
            .and_then(|s| s.preopen.as_deref())
            .ok_or(Errno::BADF)
    }

    /// F_GETFD: FD_CLOEXEC (1) or 0.
    pub fn fd_flags(&self, fd: i32) -> Result<u32> {
        let i = usize::try_from(fd).map_err(|_| Errno::BADF)?;
        match self.fds.get(i) {
            Some(Some(s)) => Ok(u32::from(s.cloexec)),
            _ => Err(Errno::BADF),
        }
    }

    /// F_SETFD.
    pub fn set_fd_flags(&mut self, fd: i32, flags: u32) -> Result<()> {
        self.slot_mut(fd)?.cloexec = flags & 1 != 0;
        Ok(())
    }

    /// F_GETFL: access mode and status flags.
    pub fn status_flags(&self, fd: i32) -> Result<u32> {
        Ok(lock(&*self.file(fd)?).flags)
    }

    /// F_SETFL: changes O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME.
    pub fn set_status_flags(&self, fd: i32, flags: u32) -> Result<()> {
        let f = self.file(fd)?;
        let mut of = lock(&f);
        of.flags = (of.flags & !SETFL_MASK) | (flags & SETFL_MASK);
        Ok(())
    }

    /// Whether `fd` is one of the program's terminals (the stdio it started
    /// with, wherever it has been dup'ed to); ENOTTY otherwise.
    pub fn isatty(&self, fd: i32) -> Result<()> {
        match lock(&*self.file(fd)?).node {
            Node::Stdio(_) => Ok(()),
            _ => Err(Errno::NOTTY),
        }
    }

    /// The kind of file `fd` is.
    pub fn kind(&self, fd: i32) -> Result<FileKind> {
        let f = self.file(fd)?;
        let of = lock(&f);
        Ok(match &of.node {
            Node::Stdio(_) => FileKind::CharDevice,
            Node::Dir { .. } => FileKind::Directory,
            Node::Pipe(_) | Node::Fifo(_) => FileKind::Fifo,
            Node::File(file) => FileKind::of(file.metadata()?.file_type()),
        })
    }

    /// Whether `fd` is a directory.
    pub fn is_dir(&self, fd: i32) -> Result<bool> {
        Ok(matches!(lock(&*self.file(fd)?).node, Node::Dir { .. }))
    }

    /// FIONREAD: bytes that can be read without blocking.
    pub fn readable_bytes(&self, fd: i32) -> Result<u64> {
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::Stdio(_) => Ok(0),
            Node::File(file) => Ok(file.metadata()?.len().saturating_sub(of.pos)),
            Node::Pipe(p) if !p.write => Ok(lock(&p.pipe).buf.len() as u64),
            Node::Fifo(f) => {
                let mut n: libc::c_int = 0;
                // SAFETY: FIONREAD writes one int through the pointer.
                if unsafe { libc::ioctl(f.as_raw_fd(), libc::FIONREAD, &mut n) } < 0 {
                    return Err(io::Error::last_os_error().into());
                }
                Ok(n.max(0) as u64)
            }
            _ => Err(Errno::NOTTY),
        }
    }

    /// pipe: (read end, write end).
    pub fn pipe(&mut self) -> Result<(i32, i32)> {
        let pipe = Arc::new(Mutex::new(Pipe {
            ino: self.next_pipe,
            ..Pipe::default()
        }));
        self.next_pipe += 1;
        let r = Vfs::new_file(
            Node::Pipe(PipeEnd::new(&pipe, false)),
            O_RDONLY,
            "pipe:".into(),
        );
        let w = Vfs::new_file(
            Node::Pipe(PipeEnd::new(&pipe, true)),
            O_WRONLY,
            "pipe:".into(),
        );
        let rfd = self.install(r, 0, false)?;
        match self.install(w, 0, false) {
            Ok(wfd) => Ok((rfd, wfd)),
            Err(e) => {
                let _ = self.close(rfd);
                Err(e)
            }
        }
    }

    /// Readiness of `fd` for poll/select: regular files, directories and
    /// the terminal are always ready; pipes by their contents. None for a
    /// descriptor that is not open.
    pub fn poll(&self, fd: i32) -> Option<Ready> {
        let f = self.file(fd).ok()?;
        let of = lock(&f);
        Some(match &of.node {
            Node::Pipe(end) => {
                let p = lock(&end.pipe);
                if end.write {
                    Ready {
                        write: p.readers > 0,
                        hangup: p.readers == 0,
                        ..Ready::default()
                    }
                } else {
                    Ready {
                        read: !p.buf.is_empty() || p.writers == 0,
                        hangup: p.writers == 0,
                        ..Ready::default()
                    }
                }
            }
            Node::Fifo(f) => {
                let mut pfd = libc::pollfd {
                    fd: f.as_raw_fd(),
                    events: libc::POLLIN | libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one valid pollfd; a zero timeout does not wait.
                unsafe { libc::poll(&mut pfd, 1, 0) };
                Ready {
                    read: pfd.revents & (libc::POLLIN | libc::POLLHUP) != 0,
                    write: pfd.revents & libc::POLLOUT != 0,
                    hangup: pfd.revents & libc::POLLHUP != 0,
                }
            }
            _ => Ready {
                read: true,
                write: true,
                hangup: false,
            },
        })
    }
}
