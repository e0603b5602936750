//! The link plan, decided before anything is instantiated: which libraries
//! a load brings in, what each one needs, and the order their constructors
//! run in. Plain data over module facts, with no wasmtime types: the loader
//! realizes a plan, `dlrun ldd` prints one, and unit tests check plans built
//! from synthetic modules.
//!
//! A load set is found breadth first from its root, as glibc's loader does:
//! a NEEDED name already loaded (or already in this load) under that name or
//! at the same file is shared, never loaded twice, so NEEDED cycles and
//! libraries naming themselves end.

use foldhash::{HashMap, HashMapExt as _};
use std::path::{Path, PathBuf};

use crate::symbols::LibId;

pub mod bind;
pub mod layout;

/// A library a plan refers to: one the process has loaded already, or the
/// k-th new library of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LibRef {
    /// Loaded before this plan, with this id.
    Loaded(LibId),
    /// The k-th library this plan brings in.
    New(usize),
}

/// What planning needs to know of a module.
pub trait Facts {
    /// Its NEEDED library names, in order.
    fn needed(&self) -> &[String];
    /// Its RUNPATH entries (searched for its own NEEDED libraries).
    fn runtime_paths(&self) -> &[String];
}

impl Facts for crate::modinfo::ModuleInfo {
    fn needed(&self) -> &[String] {
        &self.dylink.needed
    }
    fn runtime_paths(&self) -> &[String] {
        &self.dylink.runtime_paths
    }
}

/// The process as a plan sees it, and the way to libraries not loaded yet.
pub trait World {
    /// A module read and understood.
    type Module: Facts;
    /// Why a library could not be found or read.
    type Error;
    /// Where a name leads, as [`World::locate`] finds it, handed on to
    /// [`World::read`] so that the search is not made twice.
    type Located;
    /// The loaded library known by `name` (the name it was loaded under).
    fn by_name(&self, name: &str) -> Option<LibId>;
    /// The loaded library read from the file at `path`.
    fn by_path(&self, path: &Path) -> Option<LibId>;
    /// Where `name` leads for a requester in directory `origin` with
    /// `runtime_paths`, without reading it; None when nothing is found.
    fn locate(&self, name: &str, origin: &Path, runtime_paths: &[String]) -> Option<Self::Located>;
    /// The canonical path of a located library.
    fn path_of(located: &Self::Located) -> &Path;
    /// Finds and reads `name` (its canonical path and its facts), asked
    /// for by `requester` (None for the root of a load), whose error
    /// should name it.
    /// `located` is what [`World::locate`] found for the same request.
    fn read(
        &mut self,
        name: &str,
        requester: Option<&Self::Module>,
        located: Option<Self::Located>,
        origin: &Path,
        runtime_paths: &[String],
    ) -> Result<(PathBuf, Self::Module), Self::Error>;
    /// Libraries loaded now.
    fn live(&self) -> usize;
    /// Most libraries that may be loaded at once.
    fn max_libraries(&self) -> usize;
}

/// What a load starts from.
pub enum Root<M> {
    /// The main module, already read; `needed` is what it loads first
    /// (preloaded libraries, then its NEEDED list).
    Main {
        /// The name it runs under.
        name: String,
        /// Its canonical path.
        path: PathBuf,
        /// Its facts.
        module: M,
        /// Libraries to load for it, in order.
        needed: Vec<String>,
    },
    /// A library by name (a dlopen), asked for by a requester whose
    /// directory and RUNPATH take part in the search.
    Name {
        /// The name asked for.
        name: String,
        /// The requester's directory (`$ORIGIN`).
        origin: PathBuf,
        /// The requester's RUNPATH.
        runtime_paths: Vec<String>,
    },
}

/// One library a plan brings in.
#[derive(Debug)]
pub struct Planned<M> {
    /// The name it was first asked for by.
    pub name: String,
    /// Its canonical path: its identity.
    pub path: PathBuf,
    /// Its facts.
    pub module: M,
    /// What its NEEDED entries resolved to, each once, itself left out (a
    /// library naming itself must still be unloadable).
    pub needs: Vec<LibRef>,
    /// How far from the root it was found (the root is 0).
    pub depth: usize,
    /// The new library whose NEEDED entry brought it in (None for the
    /// root).
    pub needed_by: Option<usize>,
}

/// A NEEDED library that was not found, when planning goes on past it.
#[derive(Debug)]
pub struct Missing {
    /// The name asked for.
    pub name: String,
    /// The new library whose NEEDED entry it is.
    pub needed_by: usize,
    /// How far from the root it would have been.
    pub depth: usize,
}

/// Which libraries a load brings in.
#[derive(Debug)]
pub struct LoadSet<M> {
    /// What the root resolved to.
    pub root: LibRef,
    /// The new libraries, breadth first from the root.
    pub new: Vec<Planned<M>>,
    /// NEEDED libraries not found (only when asked to go on past them).
    pub missing: Vec<Missing>,
}

/// Why a load cannot be planned.
#[derive(Debug)]
pub enum PlanError<E> {
    /// A library was not found or could not be read (the world's error,
    /// which names the library that needs it).
    Find(E),
    /// The load would pass `--max-libraries`.
    TooMany {
        /// The load's first library.
        first: String,
        /// Libraries loaded at once if it went ahead.
        live: usize,
        /// The limit.
        max: usize,
    },
}

impl<E: std::fmt::Display> std::fmt::Display for PlanError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Find(error) => write!(f, "{error}"),
            PlanError::TooMany { first, live, max } => write!(
                f,
                "loading {first} would make {live} libraries loaded at once, past the limit of {max} (--max-libraries)"
            ),
        }
    }
}

/// Whether planning stops at the first library not found (a load) or
/// records it and goes on (ldd).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMissing {
    /// Fail the plan.
    Fail,
    /// Record it in [`LoadSet::missing`] and go on.
    Record,
}

/// The libraries found so far in this load, by name and by file.
struct Seen {
    names: HashMap<String, usize>,
    paths: HashMap<PathBuf, usize>,
}

/// A load set planned in world `W`, or why it cannot be.
pub type SetResult<W> = Result<LoadSet<<W as World>::Module>, PlanError<<W as World>::Error>>;

/// Plans which libraries loading `root` brings in.
pub fn load_set<W: World>(
    world: &mut W,
    root: Root<W::Module>,
    on_missing: OnMissing,
) -> SetResult<W> {
    let mut seen = Seen {
        names: HashMap::new(),
        paths: HashMap::new(),
    };
    let mut new: Vec<Planned<W::Module>> = Vec::new();
    let mut missing = Vec::new();
    let mut main_needed = None;
    match root {
        Root::Main {
            name,
            path,
            module,
            needed,
        } => {
            main_needed = Some(needed);
            add(&mut seen, &mut new, name, path, module, None);
        }
        Root::Name {
            name,
            origin,
            runtime_paths,
        } => match find(world, &seen, &name, None, &origin, &runtime_paths) {
            Found::Known(r) => {
                return Ok(LoadSet {
                    root: r,
                    new,
                    missing,
                });
            }
            Found::Read(Ok((path, module))) => {
                add(&mut seen, &mut new, name, path, module, None);
            }
            Found::Read(Err(error)) => return Err(PlanError::Find(error)),
        },
    }
    let mut i = 0;
    while i < new.len() {
        let needed = match (i, main_needed.take()) {
            (0, Some(n)) => n,
            _ => new[i].module.needed().to_vec(),
        };
        let origin = new[i]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let runtime_paths = new[i].module.runtime_paths().to_vec();
        let depth = new[i].depth + 1;
        let mut needs = Vec::new();
        for name in needed {
            let r = match find(
                world,
                &seen,
                &name,
                Some(&new[i].module),
                &origin,
                &runtime_paths,
            ) {
                Found::Known(r) => r,
                Found::Read(Ok((path, module))) => {
                    add(&mut seen, &mut new, name, path, module, Some(i))
                }
                Found::Read(Err(error)) => match on_missing {
                    OnMissing::Fail => return Err(PlanError::Find(error)),
                    OnMissing::Record => {
                        missing.push(Missing {
                            name,
                            needed_by: i,
                            depth,
                        });
                        continue;
                    }
                },
            };
            if r != LibRef::New(i) && !needs.contains(&r) {
                needs.push(r);
            }
        }
        new[i].needs = needs;
        let live = world.live() + new.len();
        if live > world.max_libraries() {
            return Err(PlanError::TooMany {
                first: new[0].name.clone(),
                live,
                max: world.max_libraries(),
            });
        }
        i += 1;
    }
    Ok(LoadSet {
        root: LibRef::New(0),
        new,
        missing,
    })
}

fn add<M>(
    seen: &mut Seen,
    new: &mut Vec<Planned<M>>,
    name: String,
    path: PathBuf,
    module: M,
    needed_by: Option<usize>,
) -> LibRef {
    let k = new.len();
    let depth = needed_by.map_or(0, |by| new[by].depth + 1);
    seen.names.entry(name.clone()).or_insert(k);
    seen.paths.entry(path.clone()).or_insert(k);
    new.push(Planned {
        name,
        path,
        module,
        needs: Vec::new(),
        depth,
        needed_by,
    });
    LibRef::New(k)
}

enum Found<M, E> {
    Known(LibRef),
    Read(Result<(PathBuf, M), E>),
}

/// A library already loaded or in this load under `name` or at the file it
/// leads to; else the file read.
fn find<W: World>(
    world: &mut W,
    seen: &Seen,
    name: &str,
    requester: Option<&W::Module>,
    origin: &Path,
    runtime_paths: &[String],
) -> Found<W::Module, W::Error> {
    if let Some(id) = world.by_name(name) {
        return Found::Known(LibRef::Loaded(id));
    }
    if let Some(&k) = seen.names.get(name) {
        return Found::Known(LibRef::New(k));
    }
    let located = world.locate(name, origin, runtime_paths);
    if let Some(path) = located.as_ref().map(W::path_of) {
        if let Some(id) = world.by_path(path) {
            return Found::Known(LibRef::Loaded(id));
        }
        if let Some(&k) = seen.paths.get(path) {
            return Found::Known(LibRef::New(k));
        }
    }
    Found::Read(world.read(name, requester, located, origin, runtime_paths))
}

/// The order constructors run in: dependencies before dependents
/// (post-order over `needs`, from the root, then any library the root does
/// not reach), new libraries only. With `main_first`, the root comes first
/// whatever it needs: the main module holds libc, whose constructors every
/// library's may use. Iterative, so a NEEDED chain as long as there are
/// libraries is not as deep on the host stack.
pub fn init_order<M>(new: &[Planned<M>], root: LibRef, main_first: bool) -> Vec<usize> {
    let mut seen = vec![false; new.len()];
    let mut out = Vec::with_capacity(new.len());
    let start = match root {
        LibRef::New(k) => Some(k),
        LibRef::Loaded(_) => None,
    };
    if main_first && let Some(k) = start {
        seen[k] = true;
        out.push(k);
    }
    for first in start.into_iter().chain(0..new.len()) {
        if std::mem::replace(&mut seen[first], true) {
            continue;
        }
        let mut stack = vec![(first, 0)];
        while let Some((k, next)) = stack.last_mut() {
            match new[*k].needs.get(*next) {
                Some(&d) => {
                    *next += 1;
                    if let LibRef::New(d) = d
                        && !std::mem::replace(&mut seen[d], true)
                    {
                        stack.push((d, 0));
                    }
                }
                None => {
                    out.push(*k);
                    stack.pop();
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic module: its NEEDED list and RUNPATH.
    #[derive(Debug, Clone, Default)]
    struct Fake {
        path: PathBuf,
        needed: Vec<String>,
        rpaths: Vec<String>,
    }

    impl Facts for Fake {
        fn needed(&self) -> &[String] {
            &self.needed
        }
        fn runtime_paths(&self) -> &[String] {
            &self.rpaths
        }
    }

    /// Files by path, names mapped to paths (a symlink is two names for one
    /// path), and what is loaded already.
    #[derive(Default)]
    struct FakeWorld {
        files: HashMap<PathBuf, Fake>,
        names: HashMap<String, PathBuf>,
        loaded: Vec<(String, PathBuf)>,
        reads: usize,
        max: usize,
    }

    impl FakeWorld {
        fn new() -> FakeWorld {
            FakeWorld {
                max: 1000,
                ..FakeWorld::default()
            }
        }

        fn lib(mut self, name: &str, needed: &[&str]) -> FakeWorld {
            let path = PathBuf::from(format!("/lib/{name}"));
            self.names.insert(name.to_string(), path.clone());
            self.files.insert(
                path.clone(),
                Fake {
                    path,
                    needed: needed.iter().map(|s| s.to_string()).collect(),
                    rpaths: Vec::new(),
                },
            );
            self
        }

        fn alias(mut self, name: &str, to: &str) -> FakeWorld {
            let path = self.names[to].clone();
            self.names.insert(name.to_string(), path);
            self
        }

        fn loaded(mut self, name: &str) -> FakeWorld {
            let path = self.names[name].clone();
            self.loaded.push((name.to_string(), path));
            self
        }
    }

    impl World for FakeWorld {
        type Module = Fake;
        type Error = String;
        type Located = PathBuf;
        fn by_name(&self, name: &str) -> Option<LibId> {
            self.loaded.iter().position(|(n, _)| n == name)
        }
        fn by_path(&self, path: &Path) -> Option<LibId> {
            self.loaded.iter().position(|(_, p)| p == path)
        }
        fn locate(&self, name: &str, _: &Path, _: &[String]) -> Option<PathBuf> {
            self.names.get(name).cloned()
        }
        fn path_of(located: &PathBuf) -> &Path {
            located
        }
        fn read(
            &mut self,
            name: &str,
            requester: Option<&Fake>,
            _: Option<PathBuf>,
            _: &Path,
            _: &[String],
        ) -> Result<(PathBuf, Fake), String> {
            self.reads += 1;
            let by = requester
                .map(|r| format!(" (needed by {})", r.path.display()))
                .unwrap_or_default();
            let path = self
                .names
                .get(name)
                .ok_or(format!("{name}: not found{by}"))?;
            Ok((path.clone(), self.files[path].clone()))
        }
        fn live(&self) -> usize {
            self.loaded.len()
        }
        fn max_libraries(&self) -> usize {
            self.max
        }
    }

    fn main_root(needed: &[&str]) -> Root<Fake> {
        Root::Main {
            name: "main.wasm".into(),
            path: "/app/main.wasm".into(),
            module: Fake::default(),
            needed: needed.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn dlopen(name: &str) -> Root<Fake> {
        Root::Name {
            name: name.into(),
            origin: "/app".into(),
            runtime_paths: Vec::new(),
        }
    }

    fn names<M>(set: &LoadSet<M>) -> Vec<&str> {
        set.new.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn breadth_first_each_library_once() {
        let mut w = FakeWorld::new()
            .lib("liba.so", &["libc1.so", "libshared.so"])
            .lib("libb.so", &["libshared.so"])
            .lib("libc1.so", &[])
            .lib("libshared.so", &[]);
        let set = load_set(&mut w, main_root(&["liba.so", "libb.so"]), OnMissing::Fail).unwrap();
        assert_eq!(
            names(&set),
            [
                "main.wasm",
                "liba.so",
                "libb.so",
                "libc1.so",
                "libshared.so"
            ]
        );
        assert_eq!(set.new[0].needs, [LibRef::New(1), LibRef::New(2)]);
        assert_eq!(set.new[2].needs, [LibRef::New(4)]);
        assert_eq!(set.new[4].depth, 2);
        assert_eq!(set.new[4].needed_by, Some(1));
        assert_eq!(w.reads, 4);
    }

    #[test]
    fn preloads_come_first_and_win_names() {
        let mut w = FakeWorld::new()
            .lib("libpre.so", &[])
            .lib("liba.so", &["libpre.so"]);
        let set = load_set(
            &mut w,
            main_root(&["libpre.so", "liba.so"]),
            OnMissing::Fail,
        )
        .unwrap();
        assert_eq!(names(&set), ["main.wasm", "libpre.so", "liba.so"]);
        assert_eq!(set.new[2].needs, [LibRef::New(1)]);
    }

    #[test]
    fn cycles_and_self_references_end() {
        let mut w = FakeWorld::new()
            .lib("liba.so", &["libb.so", "liba.so"])
            .lib("libb.so", &["liba.so", "libb.so", "libb.so"]);
        let set = load_set(&mut w, dlopen("liba.so"), OnMissing::Fail).unwrap();
        assert_eq!(names(&set), ["liba.so", "libb.so"]);
        assert_eq!(set.new[0].needs, [LibRef::New(1)]);
        assert_eq!(set.new[1].needs, [LibRef::New(0)]);
        assert_eq!(init_order(&set.new, set.root, false), [1, 0]);
    }

    #[test]
    fn one_file_under_two_names_is_one_library() {
        let mut w = FakeWorld::new()
            .lib("libx.so.1", &[])
            .alias("libx.so", "libx.so.1")
            .lib("liba.so", &["libx.so", "libx.so.1"]);
        let set = load_set(&mut w, dlopen("liba.so"), OnMissing::Fail).unwrap();
        assert_eq!(names(&set), ["liba.so", "libx.so"]);
        assert_eq!(set.new[0].needs, [LibRef::New(1)]);
    }

    #[test]
    fn loaded_libraries_are_shared_by_name_and_by_file() {
        let mut w = FakeWorld::new()
            .lib("libx.so.1", &[])
            .alias("libx.so", "libx.so.1")
            .lib("liba.so", &["libx.so"])
            .loaded("libx.so.1");
        let set = load_set(&mut w, dlopen("liba.so"), OnMissing::Fail).unwrap();
        assert_eq!(names(&set), ["liba.so"]);
        assert_eq!(set.new[0].needs, [LibRef::Loaded(0)]);
        let again = load_set(&mut w, dlopen("libx.so.1"), OnMissing::Fail).unwrap();
        assert_eq!(again.root, LibRef::Loaded(0));
        assert!(again.new.is_empty());
    }

    #[test]
    fn a_missing_library_fails_the_plan_naming_who_needs_it() {
        let mut w = FakeWorld::new().lib("liba.so", &["libgone.so"]);
        let e = load_set(&mut w, dlopen("liba.so"), OnMissing::Fail).unwrap_err();
        assert_eq!(
            e.to_string(),
            "libgone.so: not found (needed by /lib/liba.so)"
        );
        let e = load_set(&mut w, dlopen("libnone.so"), OnMissing::Fail).unwrap_err();
        assert_eq!(e.to_string(), "libnone.so: not found");
    }

    #[test]
    fn ldd_records_what_is_missing_and_goes_on() {
        let mut w = FakeWorld::new()
            .lib("liba.so", &["libgone.so", "libb.so"])
            .lib("libb.so", &[]);
        let set = load_set(&mut w, main_root(&["liba.so"]), OnMissing::Record).unwrap();
        assert_eq!(names(&set), ["main.wasm", "liba.so", "libb.so"]);
        assert_eq!(set.missing.len(), 1);
        assert_eq!(set.missing[0].name, "libgone.so");
        assert_eq!(set.missing[0].needed_by, 1);
        assert_eq!(set.missing[0].depth, 2);
    }

    #[test]
    fn the_library_limit_counts_what_is_loaded() {
        let mut w = FakeWorld::new()
            .lib("liba.so", &["libb.so"])
            .lib("libb.so", &[])
            .lib("libz.so", &[])
            .loaded("libz.so");
        w.max = 2;
        let e = load_set(&mut w, dlopen("liba.so"), OnMissing::Fail).unwrap_err();
        assert!(
            matches!(
                e,
                PlanError::TooMany {
                    live: 3,
                    max: 2,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn dependencies_initialize_first_and_main_before_all() {
        let mut w = FakeWorld::new()
            .lib("liba.so", &["libb.so"])
            .lib("libb.so", &["libc1.so"])
            .lib("libc1.so", &[]);
        let set = load_set(&mut w, main_root(&["liba.so"]), OnMissing::Fail).unwrap();
        assert_eq!(init_order(&set.new, set.root, true), [0, 3, 2, 1]);
        assert_eq!(init_order(&set.new, set.root, false), [3, 2, 1, 0]);
    }

    #[test]
    fn a_ten_thousand_deep_chain_plans_without_recursion() {
        let mut w = FakeWorld::new();
        for k in 0..10_000 {
            let next = format!("lib{}.so", k + 1);
            let needed: Vec<&str> = if k < 9_999 { vec![&next] } else { vec![] };
            w = w.lib(&format!("lib{k}.so"), &needed);
        }
        w.max = 20_000;
        let set = load_set(&mut w, dlopen("lib0.so"), OnMissing::Fail).unwrap();
        assert_eq!(set.new.len(), 10_000);
        let order = init_order(&set.new, set.root, false);
        assert_eq!(order.first(), Some(&9_999));
        assert_eq!(order.last(), Some(&0));
    }
}
