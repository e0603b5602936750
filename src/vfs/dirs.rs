//! Operations on paths: directories, links, renames, permissions and
//! times.

use super::*;

impl Vfs {
    /// Up to `max` entries of directory `fd` from its position, which
    /// advances past them. The listing is taken on the first call (or after
    /// seeking to 0): `.` and `..`, then the entries sorted by name, with
    /// the mount points inside the directory.
    pub fn getdents(&self, fd: i32, max: usize) -> Result<Vec<DirEntry>> {
        let f = self.file(fd)?;
        let mut of = lock(&f);
        let path = of.path.clone();
        let pos = of.pos;
        let Node::Dir { dir, listing } = &mut of.node else {
            return Err(Errno::NOTDIR);
        };
        if listing.is_none() {
            *listing = Some(self.list(&path, dir.as_ref())?);
        }
        let all = listing.as_ref().map(|l| l.as_slice()).unwrap_or(&[]);
        let start = (pos as usize).min(all.len());
        let out: Vec<DirEntry> = all[start..].iter().take(max).cloned().collect();
        of.pos = (start + out.len()) as u64;
        Ok(out)
    }

    fn list(&self, path: &str, dir: Option<&Dir>) -> Result<Vec<DirEntry>> {
        let mut items: Vec<(String, u64, FileKind)> = Vec::new();
        if let Some(d) = dir {
            for e in d.entries()? {
                let e = e?;
                let kind = e.file_type().map(FileKind::of).unwrap_or(FileKind::Unknown);
                items.push((e.file_name().to_string_lossy().into_owned(), e.ino(), kind));
            }
        }
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        for m in &self.mounts {
            if let Some(rest) = m.guest.strip_prefix(&prefix) {
                if rest.is_empty() {
                    continue;
                }
                let name = rest.split('/').next().unwrap_or(rest).to_string();
                if items.iter().any(|(n, _, _)| *n == name) {
                    continue;
                }
                let child = format!("{prefix}{name}");
                let ino = self
                    .stat_abs(&child, &self.locate(&child), true)
                    .map(|s| s.ino)
                    .unwrap_or(0);
                items.push((name, ino, FileKind::Directory));
            }
        }
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let me = match dir {
            Some(d) => d.dir_metadata().map(|m| m.ino()).unwrap_or(0),
            None => path_ino(path),
        };
        let up = parent(path);
        let up_ino = self
            .stat_abs(up, &self.locate(up), true)
            .map(|s| s.ino)
            .unwrap_or(0);
        let mut out = vec![
            (".".to_string(), me, FileKind::Directory),
            ("..".to_string(), up_ino, FileKind::Directory),
        ];
        out.extend(items);
        Ok(out
            .into_iter()
            .enumerate()
            .map(|(i, (name, ino, kind))| DirEntry {
                name,
                ino,
                kind,
                next: i as u64 + 1,
            })
            .collect())
    }

    /// mkdir/mkdirat.
    pub fn mkdir(&self, dirfd: i32, path: &str, mode: u32) -> Result<()> {
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Virtual => Err(Errno::EXIST),
            Loc::Absent { in_virtual: true } => Err(Errno::ACCES),
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => Err(Errno::EXIST),
            Loc::Real { m, rel } => {
                let mut b = DirBuilder::new();
                b.mode(mode & 0o7777);
                let at = self.at(*m, rel, false)?;
                Ok(at.dir.create_dir_with(&at.name, &b)?)
            }
        }
    }

    /// unlink, or rmdir with AT_REMOVEDIR.
    pub fn unlink(&self, dirfd: i32, path: &str, flags: u32) -> Result<()> {
        if flags & !AT_REMOVEDIR != 0 {
            return Err(Errno::INVAL);
        }
        let rmdir = flags & AT_REMOVEDIR != 0;
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Virtual if rmdir => Err(Errno::BUSY),
            Loc::Virtual => Err(Errno::ISDIR),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => {
                Err(if rmdir { Errno::BUSY } else { Errno::ISDIR })
            }
            Loc::Real { m, rel } => {
                let at = self.at(*m, rel, false)?;
                self.check_removal(&at)?;
                let (dir, rel) = (&at.dir, &at.name);
                if rmdir {
                    Ok(dir.remove_dir(rel)?)
                } else {
                    if t.dir_only {
                        let md = dir.symlink_metadata(rel)?;
                        return Err(if md.is_dir() {
                            Errno::ISDIR
                        } else {
                            Errno::NOTDIR
                        });
                    }
                    Ok(dir.remove_file(rel)?)
                }
            }
        }
    }

    /// Both ends of a rename or link: same mount, real, not a mount root.
    fn two_paths(
        &self,
        olddirfd: i32,
        old: &str,
        newdirfd: i32,
        new: &str,
    ) -> Result<(usize, PathBuf, PathBuf)> {
        let a = self.target(olddirfd, old, false)?;
        let b = self.target(newdirfd, new, false)?;
        let (ma, ra) = match a.loc {
            Loc::Absent { .. } => return Err(Errno::NOENT),
            Loc::Virtual => return Err(Errno::BUSY),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => return Err(Errno::BUSY),
            Loc::Real { m, rel } => (m, rel),
        };
        let (mb, rb) = match b.loc {
            Loc::Absent { in_virtual: true } => return Err(Errno::ACCES),
            Loc::Absent { .. } => return Err(Errno::NOENT),
            Loc::Virtual => return Err(Errno::BUSY),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => return Err(Errno::BUSY),
            Loc::Real { m, rel } => (m, rel),
        };
        if ma != mb {
            return Err(Errno::XDEV);
        }
        Ok((ma, ra, rb))
    }

    /// rename/renameat: EXDEV between mounts.
    pub fn rename(&self, olddirfd: i32, old: &str, newdirfd: i32, new: &str) -> Result<()> {
        let (m, a, b) = self.two_paths(olddirfd, old, newdirfd, new)?;
        let (a, b) = (self.at(m, &a, false)?, self.at(m, &b, false)?);
        self.check_removal(&a)?;
        self.check_removal(&b)?;
        Ok(a.dir.rename(&a.name, &b.dir, &b.name)?)
    }

    /// link/linkat (hard links): EXDEV between mounts.
    pub fn link(&self, olddirfd: i32, old: &str, newdirfd: i32, new: &str) -> Result<()> {
        let (m, a, b) = self.two_paths(olddirfd, old, newdirfd, new)?;
        let (a, b) = (self.at(m, &a, false)?, self.at(m, &b, false)?);
        self.check_target(&a)?;
        Ok(a.dir.hard_link(&a.name, &b.dir, &b.name)?)
    }

    /// symlink/symlinkat. The target must be relative and, resolved from
    /// the link's directory as the kernel would resolve it today, stay
    /// inside the mount (EPERM otherwise).
    pub fn symlink(&self, target: &str, dirfd: i32, linkpath: &str) -> Result<()> {
        if target.is_empty() {
            return Err(Errno::NOENT);
        }
        if target.len() >= PATH_MAX {
            return Err(Errno::NAMETOOLONG);
        }
        let t = self.target(dirfd, linkpath, false)?;
        let (m, rel) = match &t.loc {
            Loc::Virtual => return Err(Errno::EXIST),
            Loc::Absent { in_virtual: true } => return Err(Errno::ACCES),
            Loc::Absent { .. } => return Err(Errno::NOENT),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => return Err(Errno::EXIST),
            Loc::Real { m, rel } => (*m, rel),
        };
        if target.starts_with('/') {
            return Err(Errno::PERM);
        }
        let dir = &self.mounts[m].dir;
        let from = rel.parent().map(Path::to_path_buf).unwrap_or_default();
        if leaves(dir, &from, target)? {
            return Err(Errno::PERM);
        }
        let at = self.at(m, rel, false)?;
        Ok(at.dir.symlink(target, &at.name)?)
    }

    /// readlink/readlinkat: the link's contents.
    pub fn readlink(&self, dirfd: i32, path: &str) -> Result<String> {
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Virtual => Err(Errno::INVAL),
            Loc::Real { rel, .. } if rel.as_os_str() == "." => Err(Errno::INVAL),
            Loc::Real { m, rel } => {
                let at = self.at(*m, rel, false)?;
                Ok(at.dir.read_link(&at.name)?.to_string_lossy().into_owned())
            }
        }
    }

    /// access/faccessat: F_OK, or R_OK/W_OK/X_OK checked against the mode
    /// bits for the host user dlrun runs as (root passes R and W).
    pub fn access(&self, dirfd: i32, path: &str, amode: u32, flags: u32) -> Result<()> {
        if amode & !(R_OK | W_OK | X_OK) != 0 {
            return Err(Errno::INVAL);
        }
        if flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW) != 0 {
            return Err(Errno::INVAL);
        }
        let t = self.target(dirfd, path, false)?;
        let st = self.stat_abs(&t.abs, &t.loc, flags & AT_SYMLINK_NOFOLLOW == 0)?;
        if t.dir_only && st.kind() != FileKind::Directory {
            return Err(Errno::NOTDIR);
        }
        if amode == F_OK {
            return Ok(());
        }
        if matches!(t.loc, Loc::Virtual) || st.dev == 0 && st.ino == path_ino(&t.abs) {
            return if amode & W_OK != 0 {
                Err(Errno::ACCES)
            } else {
                Ok(())
            };
        }
        if permitted(&st, amode) {
            Ok(())
        } else {
            Err(Errno::ACCES)
        }
    }

    /// chmod/fchmodat (AT_SYMLINK_NOFOLLOW is ENOTSUP, as on Linux).
    pub fn chmod(&self, dirfd: i32, path: &str, mode: u32, flags: u32) -> Result<()> {
        if flags & AT_SYMLINK_NOFOLLOW != 0 {
            return Err(Errno::NOTSUP);
        }
        if flags != 0 {
            return Err(Errno::INVAL);
        }
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Virtual => Err(Errno::PERM),
            Loc::Real { m, rel } => {
                let at = self.at(*m, rel, true)?;
                self.check_target(&at)?;
                let perm = Permissions::from_mode(mode & 0o7777);
                Ok(at.dir.set_permissions(&at.name, perm)?)
            }
        }
    }

    /// fchmod.
    pub fn fchmod(&self, fd: i32, mode: u32) -> Result<()> {
        use std::os::unix::fs::PermissionsExt as _;
        let f = self.file(fd)?;
        let of = lock(&f);
        match &of.node {
            Node::File(file) | Node::Fifo(file) => {
                Ok(file.set_permissions(Permissions::from_mode(mode & 0o7777))?)
            }
            Node::Dir { dir: Some(d), .. } => Ok(d
                .try_clone()?
                .into_std_file()
                .set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))?),
            Node::Dir { dir: None, .. } => Err(Errno::PERM),
            _ => Ok(()),
        }
    }

    /// chown and friends only check that the path exists: the program runs
    /// as one user, and ownership is left as the host has it.
    pub fn chown(&self, dirfd: i32, path: &str, flags: u32) -> Result<()> {
        self.stat(dirfd, path, flags).map(|_| ())
    }

    /// utimensat; `path` None sets the times of `dirfd` itself (futimens).
    pub fn utimens(
        &self,
        dirfd: i32,
        path: Option<&str>,
        atime: TimeSet,
        mtime: TimeSet,
        flags: u32,
    ) -> Result<()> {
        if flags & !AT_SYMLINK_NOFOLLOW != 0 {
            return Err(Errno::INVAL);
        }
        let Some(path) = path else {
            let f = self.file(dirfd)?;
            let of = lock(&f);
            let std_file = match &of.node {
                Node::File(file) | Node::Fifo(file) => file.try_clone()?.into_std(),
                Node::Dir { dir: Some(d), .. } => d.try_clone()?.into_std_file(),
                Node::Dir { dir: None, .. } => return Err(Errno::PERM),
                _ => return Ok(()),
            };
            let mut times = std::fs::FileTimes::new();
            if let Some(a) = atime.system_time()? {
                times = times.set_accessed(a);
            }
            if let Some(m) = mtime.system_time()? {
                times = times.set_modified(m);
            }
            return Ok(std_file.set_times(times)?);
        };
        let t = self.target(dirfd, path, false)?;
        match &t.loc {
            Loc::Absent { .. } => Err(Errno::NOENT),
            Loc::Virtual => Err(Errno::PERM),
            Loc::Real { m, rel } => {
                let at = self.at(*m, rel, flags & AT_SYMLINK_NOFOLLOW == 0)?;
                let opened;
                let start = match &at.dir {
                    DirRef::Mount(_) => &self.mounts[*m].std,
                    DirRef::Opened(d) => {
                        opened = d.try_clone()?.into_std_file();
                        &opened
                    }
                };
                let (a, mt) = (atime.spec()?, mtime.spec()?);
                if flags & AT_SYMLINK_NOFOLLOW != 0 {
                    cap_primitives::fs::set_times_nofollow(start, &at.name, a, mt)?;
                } else {
                    cap_primitives::fs::set_times(start, &at.name, a, mt)?;
                }
                Ok(())
            }
        }
    }
}
