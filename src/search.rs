//! Finding library files: the one search-path routine for NEEDED entries and
//! dlopen names. Every file is opened inside a directory capability (cap-std),
//! so a name can never walk out of the directory it was found in.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::Dir;

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
}

/// A library file read from disk.
#[derive(Debug, Clone)]
pub struct Found {
    /// Canonical host path: the identity of the library.
    pub path: PathBuf,
    /// What the program calls it (see [`ModuleName::guest`]).
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
    /// `find_path`); a bare name is looked up in
    /// [`SearchPath::dirs`].
    pub fn find(
        &self,
        name: &str,
        origin: &Path,
        runtime_paths: &[String],
        fs: &Vfs,
    ) -> Result<Found, NotFound> {
        self.find_with(name, origin, runtime_paths, fs, true)
    }

    fn find_with(
        &self,
        name: &str,
        origin: &Path,
        runtime_paths: &[String],
        fs: &Vfs,
        read: bool,
    ) -> Result<Found, NotFound> {
        let not_found = |searched: String| NotFound {
            name: name.to_string(),
            searched,
            needed_by: None,
        };
        if name.is_empty() {
            return Err(not_found("nothing: empty name".into()));
        }
        let dirs = self.dirs(origin, runtime_paths, fs);
        let searched = dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(":");
        if name.contains('/') {
            return find_path(name, &dirs, fs, read).ok_or_else(|| {
                not_found(format!(
                    "the --dir grants, then beneath the library path {searched}"
                ))
            });
        }
        dirs.iter()
            .find_map(|dir| open_in(dir, Path::new(name), read, name))
            .ok_or_else(|| not_found(searched))
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
fn find_path(name: &str, dirs: &[PathBuf], fs: &Vfs, read: bool) -> Option<Found> {
    if let Some((dir, host, rel)) = fs.grant_of(name) {
        return open_beneath(dir, host, &rel, read, name);
    }
    let path = Path::new(name);
    if path.is_absolute() {
        let path = lexical(path)?;
        let guest = path.file_name()?.to_string_lossy().into_owned();
        dirs.iter().find_map(|dir| {
            let dir = std::fs::canonicalize(dir).ok()?;
            let rel = path.strip_prefix(&dir).ok()?;
            open_in(&dir, rel, read, &guest)
        })
    } else {
        let rel = lexical(path)?;
        dirs.iter().find_map(|dir| open_in(dir, &rel, read, name))
    }
}

/// `path` with `.` and `..` worked out, or None when `..` would rise above
/// its start.
fn lexical(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

impl SearchPath {
    /// The canonical path `name` would load from, and what the program
    /// calls that file, without reading it.
    pub fn locate(
        &self,
        name: &str,
        origin: &Path,
        runtime_paths: &[String],
        fs: &Vfs,
    ) -> Result<(PathBuf, String), NotFound> {
        self.find_with(name, origin, runtime_paths, fs, false)
            .map(|f| (f.path, f.guest))
    }
}

/// Opens `rel` (normal components only) inside host directory `dir`,
/// reading its bytes when `read`, for the program to know as `guest`.
fn open_in(dir: &Path, rel: &Path, read: bool, guest: &str) -> Option<Found> {
    let root = Dir::open_ambient_dir(dir, ambient_authority()).ok()?;
    let host = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    open_beneath(&root, &host, rel, read, guest)
}

/// Opens regular file `rel` inside `root` (whose host path is `host`)
/// through cap-std, so neither `..` nor a symlink leads out of `root`.
fn open_beneath(root: &Dir, host: &Path, rel: &Path, read: bool, guest: &str) -> Option<Found> {
    if rel.as_os_str().is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let meta = root.metadata(rel).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    if read {
        // The size is only a hint: a file may lie about it or grow.
        bytes.reserve(meta.len().min(1 << 26) as usize);
        root.open(rel).ok()?.read_to_end(&mut bytes).ok()?;
    }
    // Inner symlinks may make two names of one file: identify it by the
    // host path it resolves to, which the confined open above checked.
    let joined = host.join(rel);
    let path = std::fs::canonicalize(&joined).unwrap_or(joined);
    Some(Found {
        path,
        guest: guest.to_string(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dlrun-search-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn order_is_cli_then_env_then_runtime_path_then_main_dir() {
        let top = tempdir("order");
        for d in ["l", "e", "m", "m/sub", "m/abs", "granted"] {
            std::fs::create_dir_all(top.join(d)).unwrap();
        }
        let sp = SearchPath {
            cli_dirs: vec![top.join("l")],
            ld_library_path: vec![top.join("e")],
            main_dir: top.join("m"),
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

    #[test]
    fn finds_in_later_dirs_and_reports_what_was_searched() {
        let a = tempdir("a");
        let b = tempdir("b");
        std::fs::write(b.join("libx.so"), b"x").unwrap();
        let sp = SearchPath {
            cli_dirs: vec![a.clone()],
            ld_library_path: vec![],
            main_dir: b.clone(),
        };
        let found = sp.find("libx.so", &a, &[], &Vfs::default()).unwrap();
        assert_eq!(found.bytes, b"x");
        assert!(found.path.ends_with("libx.so"));
        assert_eq!(found.guest, "libx.so");
        let err = sp.find("liby.so", &a, &[], &Vfs::default()).unwrap_err();
        assert!(err.to_string().contains("liby.so"));
        assert!(err.searched.contains(&a.display().to_string()));
    }

    #[test]
    fn paths_resolve_in_grants_or_beneath_library_dirs_only() {
        let top = tempdir("paths");
        let lib = top.join("lib");
        let granted = top.join("granted");
        std::fs::create_dir_all(lib.join("sub")).unwrap();
        std::fs::create_dir_all(&granted).unwrap();
        std::fs::write(top.join("outside.so"), b"o").unwrap();
        std::fs::write(lib.join("sub/in.so"), b"i").unwrap();
        std::fs::write(granted.join("g.so"), b"g").unwrap();
        let fs = Vfs::new(&[
            crate::vfs::Preopen::parse(&format!("{}::/data", granted.display())).unwrap(),
        ])
        .unwrap();
        let sp = SearchPath {
            cli_dirs: vec![],
            ld_library_path: vec![],
            main_dir: lib.clone(),
        };
        let find = |name: &str| {
            sp.find(name, &lib, &[], &fs)
                .ok()
                .map(|f| (f.bytes, f.guest))
        };
        let found = |bytes: &[u8], guest: &str| Some((bytes.to_vec(), guest.to_string()));
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
        let err = sp.find("/etc/passwd", &lib, &[], &fs).unwrap_err();
        assert!(err.to_string().contains("--dir grants"), "{err}");
    }

    #[test]
    fn names_never_escape_their_directory() {
        let a = tempdir("c");
        let sub = a.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(a.join("secret.so"), b"s").unwrap();
        let open = |rel: &str| open_in(&sub, Path::new(rel), true, rel).is_some();
        assert!(!open("../secret.so"));
        assert!(!open("sub"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(a.join("secret.so"), sub.join("link.so")).unwrap();
            assert!(!open("link.so"));
        }
    }
}
