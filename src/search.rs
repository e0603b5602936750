//! Finding library files: the one search-path routine for NEEDED entries and
//! dlopen names. Every file is opened inside a directory capability (cap-std),
//! so a name can never walk out of the directory it was found in. Reading a
//! module is bounded: its header is checked before the rest is read, its
//! size by [`MAX_MODULE_SIZE`], and the time spent by the program's deadline.

mod opened;
mod read;

pub use read::{MAX_MODULE_SIZE, read_module, read_module_file};

use std::os::unix::fs::MetadataExt as _;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use cap_std::fs::{Dir, OpenOptionsExt as _};

use crate::naming::ModuleName;
use crate::vfs::Vfs;

/// Where to look for libraries, in order.
#[derive(Debug, Clone, Default)]
pub struct SearchPath {
    /// `-L` directories given on the command line.
    pub cli_dirs: Vec<PathBuf>,
    /// `LD_LIBRARY_PATH` of the program's environment.
    pub ld_library_path: Vec<PathBuf>,
    /// Directory of the main module, searched last.
    pub main_dir: PathBuf,
    /// The directories searched so far, kept open (shared by clones).
    opened: opened::Opened,
}

/// A library file read from disk.
#[derive(Debug, Clone)]
pub struct Found {
    /// Canonical host path: the identity of the library.
    pub path: PathBuf,
    /// What the program calls it (its path as the program named it).
    pub guest: String,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

impl Found {
    /// The library's names, for messages.
    pub fn name(&self) -> ModuleName {
        ModuleName::new(&self.path, &self.guest)
    }
}

/// Why a library could not be found. The program reads glibc's words;
/// dlrun's user also reads where dlrun looked.
#[derive(Debug)]
pub struct NotFound {
    /// The library name asked for.
    pub name: String,
    /// The places searched, for the message.
    pub searched: String,
    /// The library whose NEEDED entry it is, if any.
    pub needed_by: Option<ModuleName>,
}

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = &self.name;
        if crate::naming::guest_view() {
            write!(
                f,
                "{name}: cannot open shared object file: No such file or directory"
            )?;
        } else {
            write!(
                f,
                "{name}: cannot open shared object file: not found (searched: {})",
                self.searched
            )?;
        }
        match &self.needed_by {
            Some(by) => write!(f, " (needed by {by})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for NotFound {}

impl SearchPath {
    /// The search path of a program whose main module is `main`: `-L`
    /// directories, then `LD_LIBRARY_PATH` from its environment, then main's
    /// directory.
    pub fn new(main: &Path, lib_dirs: &[PathBuf], env: &[String]) -> SearchPath {
        let ld_library_path = env
            .iter()
            .find_map(|e| e.strip_prefix("LD_LIBRARY_PATH="))
            .map(|v| {
                v.split(':')
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default();
        SearchPath {
            cli_dirs: lib_dirs.to_vec(),
            ld_library_path,
            main_dir: main.parent().map(Path::to_path_buf).unwrap_or_default(),
            opened: opened::Opened::default(),
        }
    }

    /// Directories searched for `name` when requested by a module living in
    /// `origin` with the given RUNTIME_PATH entries, in order: `-L`,
    /// `LD_LIBRARY_PATH`, RUNTIME_PATH (with `$ORIGIN`), the main module's
    /// directory. RUNTIME_PATH entries come from untrusted modules: only
    /// those inside a directory the user gave (the others here, or a
    /// `--dir` grant of `fs`) are searched.
    pub fn dirs(&self, origin: &Path, runtime_paths: &[String], fs: &Vfs) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut add = |d: PathBuf| {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        };
        self.cli_dirs.iter().cloned().for_each(&mut add);
        self.ld_library_path.iter().cloned().for_each(&mut add);
        for rpath in runtime_paths {
            let origin = origin.to_string_lossy();
            let expanded = rpath
                .replace("${ORIGIN}", &origin)
                .replace("$ORIGIN", &origin);
            let dir = PathBuf::from(expanded);
            if self.granted(&dir, fs) {
                add(dir);
            }
        }
        add(self.main_dir.clone());
        dirs
    }

    /// Whether `dir` lies inside a library directory the user gave, the main
    /// module's, or a `--dir` grant.
    fn granted(&self, dir: &Path, fs: &Vfs) -> bool {
        let Ok(dir) = std::fs::canonicalize(dir) else {
            return false;
        };
        self.cli_dirs
            .iter()
            .chain(&self.ld_library_path)
            .chain(std::iter::once(&self.main_dir))
            .filter_map(|d| std::fs::canonicalize(d).ok())
            .any(|d| dir.starts_with(d))
            || fs.grants_host_path(&dir)
    }

    /// Finds and reads library `name` for a module in `origin`. A name with a
    /// slash is a path in the program's file system `fs` (see
    /// `find_path`); a bare name is looked up in [`SearchPath::dirs`]. The
    /// file is read as [`Located::read`] does; a name that finds no file is
    /// a [`NotFound`] error.
    pub fn find(
        &self,
        name: &str,
        origin: &Path,
        runtime_paths: &[String],
        fs: &Vfs,
        deadline: Option<Instant>,
    ) -> wasmtime::Result<Found> {
        self.locate(name, origin, runtime_paths, fs)
            .map_err(wasmtime::Error::new)?
            .read(deadline)
    }

    /// The file `name` finds, opened but not read: its canonical path
    /// (which tells whether it is loaded already) and what the program
    /// calls it.
    pub fn locate(
        &self,
        name: &str,
        origin: &Path,
        runtime_paths: &[String],
        fs: &Vfs,
    ) -> Result<Located, NotFound> {
        let not_found = |searched: String| NotFound {
            name: name.to_string(),
            searched,
            needed_by: None,
        };
        if name.is_empty() {
            return Err(not_found("nothing: empty name".into()));
        }
        let dirs = self.dirs(origin, runtime_paths, fs);
        let searched = || {
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(":")
        };
        if name.contains('/') {
            return find_path(name, &dirs, fs, &self.opened).ok_or_else(|| {
                not_found(format!(
                    "the --dir grants, then beneath the library path {}",
                    searched()
                ))
            });
        }
        dirs.iter()
            .find_map(|dir| self.opened.open_in(dir, Path::new(name), name))
            .ok_or_else(|| not_found(searched()))
    }
}

/// A library file found and opened (what cannot be opened is not found):
/// where it is, what the program calls it, and its size.
#[derive(Debug)]
pub struct Located {
    /// Canonical host path: the identity of the library.
    pub path: PathBuf,
    /// What the program calls it (its path as the program named it).
    pub guest: String,
    file: std::fs::File,
    /// The file's metadata when it was opened: its size, and its identity
    /// for the cache's record of it.
    meta: std::fs::Metadata,
}

impl Located {
    /// Reads the file as [`read_module`] does, so a read that passes
    /// `deadline` ends the program (a `Trap::Interrupt` error).
    pub fn read(self, deadline: Option<Instant>) -> wasmtime::Result<Found> {
        let bytes = self.bytes(deadline)?;
        Ok(Found {
            path: self.path,
            guest: self.guest,
            bytes,
        })
    }

    /// The file's bytes, read as [`Located::read`] reads them, from
    /// where the file is now (its start, until something read it).
    pub fn bytes(&self, deadline: Option<Instant>) -> wasmtime::Result<Vec<u8>> {
        read_module(&self.file, self.size(), &self.name(), deadline)
    }

    /// The open file.
    pub fn file(&self) -> &std::fs::File {
        &self.file
    }

    /// The file's size when it was opened.
    pub fn size(&self) -> u64 {
        self.meta.len()
    }

    /// The file's metadata when it was opened.
    pub fn metadata(&self) -> &std::fs::Metadata {
        &self.meta
    }

    /// The file's names, for messages.
    pub fn name(&self) -> ModuleName {
        ModuleName::new(&self.path, &self.guest)
    }

    /// Opens module file `path` (a host path the user gave), known to the
    /// program by `guest`: no search, no confinement.
    pub fn open(path: &Path, guest: String) -> wasmtime::Result<Located> {
        let failed = |e: std::io::Error| wasmtime::format_err!("{}: {e}", path.display());
        let file = std::fs::File::open(path).map_err(failed)?;
        let meta = file.metadata().map_err(failed)?;
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(Located {
            path,
            guest,
            file,
            meta,
        })
    }
}

/// Finds library path `name` (it has a slash): it names a file of the
/// program's own file system, the directories granted with `--dir`. When no
/// grant holds it, a relative path is tried beneath each library directory,
/// and an absolute one in the library directory it lies in — so a program
/// reaches no host file it was not given, whatever its `..` or symlinks.
/// The program knows the file by the path it gave, except an absolute path
/// into a library directory (a host path, maybe the user's `--preload`),
/// which it knows by its file name.
fn find_path(name: &str, dirs: &[PathBuf], fs: &Vfs, opened: &opened::Opened) -> Option<Located> {
    if let Some((dir, host, rel)) = fs.grant_of(name) {
        return open_beneath(dir, host, None, &rel, name);
    }
    let path = Path::new(name);
    if path.is_absolute() {
        let path = lexical(path)?;
        let guest = path.file_name()?.to_string_lossy().into_owned();
        dirs.iter().find_map(|dir| {
            let dir = std::fs::canonicalize(dir).ok()?;
            let rel = path.strip_prefix(&dir).ok()?;
            opened.open_in(&dir, rel, &guest)
        })
    } else {
        let rel = lexical(path)?;
        dirs.iter().find_map(|dir| opened.open_in(dir, &rel, name))
    }
}

/// `path` with `.` and `..` worked out, or None when `..` would rise above
/// its start.
fn lexical(path: &Path) -> Option<PathBuf> {
    let below_root = path
        .components()
        .filter(|c| !matches!(c, Component::RootDir))
        .map(|c| c.as_os_str());
    let parts = crate::vfs::resolve_dots(below_root, false)?;
    let mut out = PathBuf::from(if path.has_root() { "/" } else { "" });
    out.extend(parts);
    Some(out)
}

/// Opens regular file `rel` inside `root` (whose host path is `host`, and
/// canonical path `canonical` when known) through cap-std, so neither `..`
/// nor a symlink leads out of `root`.
fn open_beneath(
    root: &Dir,
    host: &Path,
    canonical: Option<&Path>,
    rel: &Path,
    guest: &str,
) -> Option<Located> {
    if rel.as_os_str().is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    // Opened without waiting, which a FIFO would have made the open do,
    // then looked at: only a regular file is a library. (Looking first,
    // through a path-only descriptor, cost each dlopen three more system
    // calls.)
    let open = |follow: bool| {
        let mut how = cap_std::fs::OpenOptions::new();
        let flags = libc::O_NONBLOCK | libc::O_NOCTTY;
        how.read(true).custom_flags(if follow {
            flags
        } else {
            flags | libc::O_NOFOLLOW
        });
        root.open_with(rel, &how).map(cap_std::fs::File::into_std)
    };
    // A bare name that is no symlink is the file's name in the directory,
    // whose canonical path is known: the file's follows without asking the
    // kernel for it (a readlink and a stat, a tenth of a cached dlopen).
    let bare = canonical.filter(|_| rel.components().nth(1).is_none());
    let (file, path) = match bare {
        Some(dir) => match open(false) {
            Ok(file) => (file, Some(dir.join(rel))),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => (open(true).ok()?, None),
            Err(_) => return None,
        },
        None => (open(true).ok()?, None),
    };
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    // Inner symlinks may make two names of one file: identify it by the
    // host path it resolves to, which the confined open above checked.
    let path = path
        .or_else(|| opened_path(&file, (meta.dev(), meta.ino())))
        .unwrap_or_else(|| {
            let joined = host.join(rel);
            std::fs::canonicalize(&joined).unwrap_or(joined)
        });
    Some(Located {
        path,
        guest: guest.to_string(),
        file,
        meta,
    })
}

/// The canonical path of open file or directory `file`, whose device and
/// inode are `id`, as the kernel tells it (one `readlink` of its
/// descriptor instead of one per path component), when that path names
/// the same file; None elsewhere.
fn opened_path(file: &impl std::os::fd::AsRawFd, id: (u64, u64)) -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        let path = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()?;
        let same = std::fs::metadata(&path).is_ok_and(|m| (m.dev(), m.ino()) == id);
        (path.is_absolute() && same).then_some(path)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (file, id);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_names_are_worked_out_lexically_and_never_rise_above_their_start() {
        let lex = |p: &str| lexical(Path::new(p)).map(|p| p.display().to_string());
        assert_eq!(lex("a/./b/../c.so").as_deref(), Some("a/c.so"));
        assert_eq!(lex("/lib/x/../y.so").as_deref(), Some("/lib/y.so"));
        assert_eq!(lex("a/../../b.so"), None);
        assert_eq!(lex("/../etc/passwd"), None);
    }

    /// A module's header and `tag`: what a library file must start with.
    fn module(tag: &[u8]) -> Vec<u8> {
        [b"\0asm\x01\0\0\0".as_slice(), tag].concat()
    }

    #[test]
    fn order_is_cli_then_env_then_runtime_path_then_main_dir() {
        let top_dir = tempfile::tempdir().unwrap();
        let top = top_dir.path();
        for d in ["l", "e", "m", "m/sub", "m/abs", "granted"] {
            std::fs::create_dir_all(top.join(d)).unwrap();
        }
        let sp = SearchPath {
            cli_dirs: vec![top.join("l")],
            ld_library_path: vec![top.join("e")],
            main_dir: top.join("m"),
            ..SearchPath::default()
        };
        let fs = Vfs::new(&[crate::vfs::Preopen::parse(&format!(
            "{}::/g",
            top.join("granted").display()
        ))
        .unwrap()])
        .unwrap();
        let abs = top.join("m/abs").display().to_string();
        let granted = top.join("granted").display().to_string();
        let rpaths = [
            "$ORIGIN/sub".to_string(),
            abs,
            "$ORIGIN/..".to_string(),
            "/etc".to_string(),
            granted,
        ];
        let dirs = sp.dirs(&top.join("m"), &rpaths, &fs);
        let want: Vec<PathBuf> = ["l", "e", "m/sub", "m/abs", "granted", "m"]
            .iter()
            .map(|d| top.join(d))
            .collect();
        assert_eq!(
            dirs, want,
            "runtime paths outside what the user gave are skipped"
        );
    }

    /// Two directories searched in order, `-L` then main's: the second
    /// holding `libx.so`.
    fn two_dirs() -> (tempfile::TempDir, tempfile::TempDir, SearchPath) {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        std::fs::write(b.path().join("libx.so"), module(b"x")).unwrap();
        let sp = SearchPath {
            cli_dirs: vec![a.path().to_path_buf()],
            ld_library_path: vec![],
            main_dir: b.path().to_path_buf(),
            ..SearchPath::default()
        };
        (a, b, sp)
    }

    #[test]
    fn finds_in_later_dirs_and_reports_what_was_searched() {
        let (a_dir, _b_dir, sp) = two_dirs();
        let a = a_dir.path();
        let found = sp.find("libx.so", a, &[], &Vfs::default(), None).unwrap();
        assert_eq!(found.bytes, module(b"x"));
        assert!(found.path.ends_with("libx.so"));
        assert_eq!(found.guest, "libx.so");
        let err = sp
            .find("liby.so", a, &[], &Vfs::default(), None)
            .unwrap_err();
        let err = err.downcast_ref::<NotFound>().unwrap();
        assert!(err.to_string().contains("liby.so"));
        assert!(err.searched.contains(&a.display().to_string()));
    }

    #[test]
    fn only_a_regular_file_is_a_library_and_a_fifo_does_not_block() {
        let (a_dir, b_dir, sp) = two_dirs();
        let (a, b) = (a_dir.path(), b_dir.path());
        let fifo = std::ffi::CString::new(a.join("libx.so").into_os_string().into_encoded_bytes());
        assert_eq!(unsafe { libc::mkfifo(fifo.unwrap().as_ptr(), 0o600) }, 0);
        std::fs::create_dir(a.join("liby.so")).unwrap();
        // No writer ever opens the FIFO: an open that waited would hang.
        let found = sp.find("libx.so", a, &[], &Vfs::default(), None).unwrap();
        assert_eq!(found.bytes, module(b"x"));
        assert!(found.path.starts_with(std::fs::canonicalize(b).unwrap()));
        let err = sp.locate("liby.so", a, &[], &Vfs::default()).unwrap_err();
        assert!(err.to_string().contains("liby.so"), "{err}");
    }

    #[test]
    fn the_file_located_is_the_one_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("libx.so"), module(b"x")).unwrap();
        let sp = SearchPath {
            main_dir: dir.path().to_path_buf(),
            ..SearchPath::default()
        };
        let located = sp
            .locate("libx.so", dir.path(), &[], &Vfs::default())
            .unwrap();
        // Replaced after the search: the read is not a second search.
        std::fs::remove_file(dir.path().join("libx.so")).unwrap();
        std::fs::write(dir.path().join("libx.so"), module(b"y")).unwrap();
        assert_eq!(located.read(None).unwrap().bytes, module(b"x"));
    }

    #[test]
    fn every_name_of_a_file_locates_its_one_canonical_path() {
        let top_dir = tempfile::tempdir().unwrap();
        let top = std::fs::canonicalize(top_dir.path()).unwrap();
        std::fs::create_dir_all(top.join("real")).unwrap();
        std::fs::write(top.join("real/libx.so.1"), module(b"x")).unwrap();
        std::os::unix::fs::symlink("libx.so.1", top.join("real/libx.so")).unwrap();
        std::os::unix::fs::symlink("real", top.join("linked")).unwrap();
        let sp = |dir: &str| SearchPath {
            main_dir: top.join(dir),
            ..SearchPath::default()
        };
        let fs = Vfs::default();
        let want = top.join("real/libx.so.1");
        for (dir, name) in [
            ("real", "libx.so"),
            ("real", "libx.so.1"),
            ("linked", "libx.so"),
        ] {
            let located = sp(dir).locate(name, &top, &[], &fs).unwrap();
            assert_eq!(located.path, want, "{dir}/{name}");
            assert_eq!(located.guest, name);
        }
        let joined = top.join("real/libx.so").display().to_string();
        let located = sp("linked").locate(&joined, &top, &[], &fs).unwrap();
        assert_eq!(located.path, want);
        assert_eq!(located.read(None).unwrap().bytes, module(b"x"));
    }

    #[test]
    fn paths_resolve_in_grants_or_beneath_library_dirs_only() {
        let top_dir = tempfile::tempdir().unwrap();
        let top = top_dir.path();
        let lib = top.join("lib");
        let granted = top.join("granted");
        std::fs::create_dir_all(lib.join("sub")).unwrap();
        std::fs::create_dir_all(&granted).unwrap();
        std::fs::write(top.join("outside.so"), module(b"o")).unwrap();
        std::fs::write(lib.join("sub/in.so"), module(b"i")).unwrap();
        std::fs::write(granted.join("g.so"), module(b"g")).unwrap();
        let fs = Vfs::new(&[
            crate::vfs::Preopen::parse(&format!("{}::/data", granted.display())).unwrap(),
        ])
        .unwrap();
        let sp = SearchPath {
            main_dir: lib.clone(),
            ..SearchPath::default()
        };
        let find = |name: &str| {
            sp.find(name, &lib, &[], &fs, None)
                .ok()
                .map(|f| (f.bytes, f.guest))
        };
        let found = |tag: &[u8], guest: &str| Some((module(tag), guest.to_string()));
        assert_eq!(find("/data/g.so"), found(b"g", "/data/g.so"));
        assert_eq!(find("./sub/in.so"), found(b"i", "./sub/in.so"));
        assert_eq!(find("sub/../sub/in.so"), found(b"i", "sub/../sub/in.so"));
        let inside = format!("{}/sub/in.so", lib.display());
        assert_eq!(
            find(&inside),
            found(b"i", "in.so"),
            "no host path for the guest"
        );
        for refused in [
            "../outside.so",
            "sub/../../outside.so",
            "/data/../outside.so",
            "/etc/passwd",
            "/proc/self/exe",
        ] {
            assert_eq!(find(refused), None, "{refused}");
        }
        let outside = format!("{}/outside.so", top.display());
        assert_eq!(find(&outside), None);
        let err = sp.find("/etc/passwd", &lib, &[], &fs, None).unwrap_err();
        assert!(err.to_string().contains("--dir grants"), "{err}");
    }

    #[test]
    fn names_never_escape_their_directory() {
        let a_dir = tempfile::tempdir().unwrap();
        let a = a_dir.path();
        let sub = a.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(a.join("secret.so"), module(b"s")).unwrap();
        let opened = opened::Opened::default();
        let open = |rel: &str| opened.open_in(&sub, Path::new(rel), rel).is_some();
        assert!(!open("../secret.so"));
        assert!(!open("sub"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(a.join("secret.so"), sub.join("link.so")).unwrap();
            assert!(!open("link.so"));
        }
    }
}
