//! Guest paths: the grants, lexical normalization, and where a symlink
//! target leads.

use super::*;

/// A directory to grant the program: `--dir HOST[::GUEST]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    /// The host directory.
    pub host: PathBuf,
    /// Where the program sees it: a normalized absolute guest path.
    pub guest: String,
}

impl Preopen {
    /// Parses `HOST[::GUEST]`. Without GUEST the directory appears at its
    /// own path; a relative HOST (`.`, `data`) appears under `/` (so `--dir
    /// .` makes the host working directory the guest `/`).
    pub fn parse(spec: &str) -> std::result::Result<Preopen, String> {
        let (host, guest) = match spec.split_once("::") {
            Some((h, g)) => (h, g),
            None => (spec, spec),
        };
        if host.is_empty() {
            return Err(format!("--dir {spec}: no host directory"));
        }
        if guest.is_empty() {
            return Err(format!("--dir {spec}: empty guest path"));
        }
        Ok(Preopen {
            host: PathBuf::from(host),
            guest: normalize("/", guest),
        })
    }
}

/// Works `.` and `..` out of the components of a path: the one rule for
/// every path dlrun normalizes. Empty components and `.` go, `..` takes
/// the component before it away; a `..` at the top stays there when
/// `clamp` (a guest path: `/..` is `/`), and fails the path otherwise (a
/// name that must stay inside the directory it is looked up in).
pub fn resolve_dots<'a, S: AsRef<std::ffi::OsStr> + ?Sized + 'a>(
    components: impl IntoIterator<Item = &'a S>,
    clamp: bool,
) -> Option<Vec<&'a S>> {
    let mut parts = Vec::new();
    for c in components {
        match c.as_ref().as_encoded_bytes() {
            b"" | b"." => {}
            b".." => {
                if parts.pop().is_none() && !clamp {
                    return None;
                }
            }
            _ => parts.push(c),
        }
    }
    Some(parts)
}

/// Lexically normalizes `path` against the absolute, normalized `base`:
/// the result is absolute, without `.`, `..` or empty components, and `..`
/// never rises above `/`.
pub fn normalize(base: &str, path: &str) -> String {
    let start = if path.starts_with('/') { "" } else { base };
    let parts = resolve_dots(start.split('/').chain(path.split('/')), true).unwrap_or_default();
    if parts.is_empty() {
        "/".to_string()
    } else {
        let mut s = String::new();
        for p in parts {
            s.push('/');
            s.push_str(p);
        }
        s
    }
}

/// Whether normalized `path` is `prefix` or inside it.
pub(super) fn under(path: &str, prefix: &str) -> bool {
    prefix == "/"
        || path == prefix
        || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// The parent of a normalized absolute path (`/` for `/`).
pub(super) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Most symlinks followed while resolving one path (Linux's MAXSYMLINKS).
const MAX_SYMLINKS: usize = 40;

/// Whether `target`, read from directory `from` of `dir`, leads out of
/// `dir` when resolved: symlinks met on the way are followed (relative ones
/// from where they sit), components that do not exist are taken as
/// written. A lexical check is not enough: with `dot -> .`, the target
/// `dot/..` names the mount's parent.
pub(super) fn leaves(dir: &Dir, from: &Path, target: &str) -> Result<bool> {
    let mut todo: VecDeque<String> = from
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .chain(target.split('/').map(str::to_string))
        .collect();
    let mut at: Vec<String> = Vec::new();
    let mut hops = 0;
    while let Some(c) = todo.pop_front() {
        match c.as_str() {
            "" | "." => {}
            ".." => {
                if at.pop().is_none() {
                    return Ok(true);
                }
            }
            _ => {
                at.push(c);
                let here: PathBuf = at.iter().collect();
                let Ok(md) = dir.symlink_metadata(&here) else {
                    continue;
                };
                if !md.is_symlink() {
                    continue;
                }
                hops += 1;
                if hops > MAX_SYMLINKS {
                    return Err(Errno::LOOP);
                }
                let Ok(link) = dir.read_link(&here) else {
                    return Ok(true);
                };
                let link = link.to_string_lossy().into_owned();
                if link.starts_with('/') {
                    return Ok(true);
                }
                at.pop();
                for part in link.split('/').rev() {
                    todo.push_front(part.to_string());
                }
            }
        }
    }
    Ok(false)
}
