//! Finding library files: the one search-path routine for NEEDED entries and
//! dlopen names. Every file is opened inside a directory capability (cap-std),
//! so a name can never walk out of the directory it was found in.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::Dir;

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
    pub bytes: Vec<u8>,
}

/// Why a library could not be found.
#[derive(Debug, thiserror::Error)]
#[error("{name}: cannot open shared object file: not found (searched: {searched})")]
pub struct NotFound {
    pub name: String,
    pub searched: String,
}

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
    /// directory.
    pub fn dirs(&self, origin: &Path, runtime_paths: &[String]) -> Vec<PathBuf> {
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
            add(PathBuf::from(expanded));
        }
        add(self.main_dir.clone());
        dirs
    }

    /// Finds and reads library `name` for a module in `origin`. A name with a
    /// slash is a path (relative ones to the current directory); a bare name
    /// is looked up in [`SearchPath::dirs`].
    pub fn find(
        &self,
        name: &str,
        origin: &Path,
        runtime_paths: &[String],
    ) -> Result<Found, NotFound> {
        self.find_with(name, origin, runtime_paths, true)
    }

    fn find_with(
        &self,
        name: &str,
        origin: &Path,
        runtime_paths: &[String],
        read: bool,
    ) -> Result<Found, NotFound> {
        let not_found = |searched: String| NotFound {
            name: name.to_string(),
            searched,
        };
        if name.is_empty() {
            return Err(not_found("nothing: empty name".into()));
        }
        if name.contains('/') {
            let path = Path::new(name);
            let (dir, file) = match (path.parent(), path.file_name()) {
                (Some(d), Some(f)) => (d, f),
                _ => return Err(not_found(name.to_string())),
            };
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            return open_in(dir, Path::new(file), read).ok_or_else(|| not_found(name.to_string()));
        }
        let dirs = self.dirs(origin, runtime_paths);
        for dir in &dirs {
            if let Some(found) = open_in(dir, Path::new(name), read) {
                return Ok(found);
            }
        }
        Err(not_found(
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(":"),
        ))
    }
}

impl SearchPath {
    /// The canonical path `name` would load from, without reading it.
    pub fn locate(&self, name: &str, origin: &Path, runtime_paths: &[String]) -> Option<PathBuf> {
        self.find_with(name, origin, runtime_paths, false)
            .ok()
            .map(|f| f.path)
    }
}

/// Opens `file` (a single normal path component) inside directory `dir`,
/// reading its bytes when `read`.
fn open_in(dir: &Path, file: &Path, read: bool) -> Option<Found> {
    let mut components = file.components();
    if !matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    ) {
        return None;
    }
    let root = Dir::open_ambient_dir(dir, ambient_authority()).ok()?;
    let meta = root.metadata(file).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    if read {
        bytes.reserve(meta.len() as usize);
        root.open(file).ok()?.read_to_end(&mut bytes).ok()?;
    }
    let path = std::fs::canonicalize(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .join(file);
    Some(Found { path, bytes })
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
        let sp = SearchPath {
            cli_dirs: vec!["/l".into()],
            ld_library_path: vec!["/e".into()],
            main_dir: "/m".into(),
        };
        let dirs = sp.dirs(Path::new("/o"), &["$ORIGIN/sub".into(), "/abs".into()]);
        let want: Vec<PathBuf> = ["/l", "/e", "/o/sub", "/abs", "/m"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(dirs, want);
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
        let found = sp.find("libx.so", &a, &[]).unwrap();
        assert_eq!(found.bytes, b"x");
        assert!(found.path.ends_with("libx.so"));
        let err = sp.find("liby.so", &a, &[]).unwrap_err();
        assert!(err.to_string().contains("liby.so"));
        assert!(err.searched.contains(&a.display().to_string()));
    }

    #[test]
    fn names_never_escape_their_directory() {
        let a = tempdir("c");
        let sub = a.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(a.join("secret.so"), b"s").unwrap();
        assert!(open_in(&sub, Path::new("../secret.so"), true).is_none());
        assert!(open_in(&sub, Path::new("sub"), true).is_none());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(a.join("secret.so"), sub.join("link.so")).unwrap();
            assert!(open_in(&sub, Path::new("link.so"), true).is_none());
        }
    }
}
