//! Symbols: what each library defines (known before it is instantiated) and
//! the one resolver that decides which definition a name binds to.

use foldhash::{HashMap, HashMapExt, HashSet};

use crate::modinfo::{ConstAddr, ExportKind, ModuleInfo, Sig};

/// Index of a library in the process (the main module is 0).
pub type LibId = usize;

pub use crate::modinfo::Name;

pub use crate::modinfo::ORIG_PREFIX;

/// A definition, located before instantiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sym {
    /// A data object at an absolute linear-memory address.
    Data(u32),
    /// A thread-local object at an offset from the library's `__tls_base`.
    Tls(u32),
    /// A function of a library: module function index and the export names
    /// under which it is reachable (`export` is what callers import by name;
    /// `pointer` is what function pointers must refer to: the real i64
    /// function for legalized exports).
    Func {
        /// The library defining it.
        lib: LibId,
        /// The export name callers import it by.
        export: Name,
        /// The export name function pointers must refer to.
        pointer: Name,
        /// Its index in the module's function index space.
        index: u32,
    },
}

/// Exports that belong to the loader's protocol with each module, never to
/// the program's namespace.
pub fn is_internal(name: &str) -> bool {
    matches!(
        name,
        "__wasm_call_ctors"
            | "__wasm_apply_data_relocs"
            | "__wasm_apply_global_relocs"
            | "__wasm_apply_tls_relocs"
            | "__wasm_init_memory"
            | "__wasm_init_tls"
            | "__cpp_exception"
            | "__c_longjmp"
            | "__dso_handle"
            | "__tls_size"
            | "__tls_align"
            | "__tls_base"
            | "__set_stack_limits"
            | "emscripten_tls_init"
            | "__memory_base"
            | "__table_base"
            | "__stack_pointer"
            | "memory"
            | "__indirect_function_table"
    )
}

/// A library's symbol table: the symbols it defines, with data addresses
/// relocated by its `memory_base`; legalized functions are known by their
/// plain name, with `pointer` naming the `orig$` twin. It answers from the
/// module's export index rather than holding a copy: a MAIN_MODULE=1 main
/// defines seven thousand names, and a table of them cost every warm start
/// a tenth of its time to build.
#[derive(Debug, Clone)]
pub struct Symbols {
    info: std::sync::Arc<ModuleInfo>,
    lib: LibId,
    memory_base: u32,
}

impl Symbols {
    /// The symbols `info` defines as library `lib`, placed at `memory_base`.
    pub fn of(info: std::sync::Arc<ModuleInfo>, lib: LibId, memory_base: u32) -> Symbols {
        Symbols {
            info,
            lib,
            memory_base,
        }
    }

    /// The definition of `name`.
    pub fn get(&self, name: &str) -> Option<Sym> {
        if is_internal(name) || name.starts_with(ORIG_PREFIX) {
            return None;
        }
        let info = &*self.info;
        match info.export_entry(name) {
            Some((export, ExportKind::Func(index))) => {
                let (pointer, index) = self.orig(name).unwrap_or((export.clone(), *index));
                Some(Sym::Func {
                    lib: self.lib,
                    export: export.clone(),
                    pointer,
                    index,
                })
            }
            Some((_, ExportKind::Global(index))) => {
                let value = match info.global_inits.get(index)? {
                    ConstAddr::Relative(v) => *v,
                    ConstAddr::Absolute(v) if info.relocatable => *v,
                    ConstAddr::Absolute(v) => v.wrapping_sub(i64::from(self.memory_base)),
                };
                Some(if info.dylink.is_tls_export(name) {
                    Sym::Tls(value as u32)
                } else {
                    // Wrapping, as the module's own i32 arithmetic would.
                    Sym::Data(i64::from(self.memory_base).wrapping_add(value) as u32)
                })
            }
            _ => {
                let (pointer, index) = self.orig(name)?;
                Some(Sym::Func {
                    lib: self.lib,
                    export: Name::from(name),
                    pointer,
                    index,
                })
            }
        }
    }

    /// The `orig$` twin of function `name` and its index, if it has one.
    fn orig(&self, name: &str) -> Option<(Name, u32)> {
        let info = &*self.info;
        if !info.export_index.is_empty() && !info.orig_names.contains(name) {
            return None;
        }
        match info.export_entry(&format!("{ORIG_PREFIX}{name}"))? {
            (twin, ExportKind::Func(index)) => Some((twin.clone(), *index)),
            _ => None,
        }
    }

    /// Whether it defines `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        defines(&self.info, name)
    }

    /// Every name it defines, once.
    pub fn names(&self) -> impl Iterator<Item = Name> + '_ {
        let info = &*self.info;
        info.exports.iter().filter_map(|(name, kind)| {
            let plain = name.strip_prefix(ORIG_PREFIX);
            if is_internal(plain.unwrap_or(name)) {
                return None;
            }
            match (plain, kind) {
                // A twin's plain name, unless the plain export names it.
                (Some(plain), ExportKind::Func(_)) => (!matches!(
                    info.export(plain),
                    Some(ExportKind::Func(_) | ExportKind::Global(_))
                ))
                .then(|| Name::from(plain)),
                (None, ExportKind::Func(_)) => Some(name.clone()),
                (None, ExportKind::Global(index)) => {
                    info.global_inits.contains_key(index).then(|| name.clone())
                }
                _ => None,
            }
        })
    }

    /// Every name it defines, once, with its definition.
    pub fn iter(&self) -> impl Iterator<Item = (Name, Sym)> + '_ {
        self.names().filter_map(|name| {
            let sym = self.get(&name)?;
            Some((name, sym))
        })
    }

    /// How many exports it answers from: an upper bound of the names it
    /// defines.
    pub fn len(&self) -> usize {
        self.info.exports.len()
    }

    /// Whether it answers from no export at all.
    pub fn is_empty(&self) -> bool {
        self.info.exports.is_empty()
    }
}

/// Whether `info` defines `name` as [`Symbols`] answers it, without
/// a table: a function (or the plain name of an `orig$` twin),
/// or data whose address is known.
pub fn defines(info: &ModuleInfo, name: &str) -> bool {
    if is_internal(name) || name.starts_with(ORIG_PREFIX) {
        return false;
    }
    match info.export(name) {
        Some(ExportKind::Func(_)) => true,
        Some(ExportKind::Global(index)) => info.global_inits.contains_key(&index),
        _ if !info.export_index.is_empty() => info.orig_names.contains(name),
        _ => matches!(
            info.export(&format!("{ORIG_PREFIX}{name}")),
            Some(ExportKind::Func(_))
        ),
    }
}

/// The export under which `sym` satisfies a function import of type `want`:
/// the plain (possibly legalized) export, or the `orig$` twin when that is
/// the one whose type matches.
pub fn export_for_import<'a>(
    sym: &'a Sym,
    want: &Sig,
    sig_of: impl Fn(&str) -> Option<Sig>,
) -> Option<&'a str> {
    let Sym::Func {
        export, pointer, ..
    } = sym
    else {
        return None;
    };
    [export, pointer]
        .into_iter()
        .find(|name| sig_of(name).as_ref() == Some(want))
        .map(|s| &**s)
}

/// The defined name closest to `name` (edit distance at most 2, and less
/// than a third of its length), for "did you mean" hints.
pub fn suggest<S: AsRef<str>>(name: &str, candidates: impl Iterator<Item = S>) -> Option<String> {
    let limit = (name.len() / 3).clamp(1, 2);
    candidates
        .filter(|c| c.as_ref().len().abs_diff(name.len()) <= limit && c.as_ref() != name)
        .map(|c| (strsim::levenshtein(name, c.as_ref()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|(d, c), (e, other)| (d, c.as_ref()).cmp(&(e, other.as_ref())))
        .map(|(_, c)| c.as_ref().to_string())
}

/// The global scope: libraries whose symbols every lookup sees, in load
/// order; the first definition of a name wins, as in ELF.
#[derive(Debug, Default)]
pub struct GlobalScope {
    order: Vec<LibId>,
    /// The same libraries, to answer membership without a scan.
    members: HashSet<LibId>,
    /// The first library's own symbol table, which holds its first
    /// definitions as they are: a MAIN_MODULE=1 main's seven thousand
    /// names, not indexed again.
    front: Option<(LibId, Symbols)>,
    /// First definitions of the libraries a start-up load put here, shared
    /// by every run of the program (indexing a MAIN_MODULE=1 main's ten
    /// thousand names on every run was a large part of a warm load).
    base: std::sync::Arc<HashMap<Name, LibId>>,
    /// First definitions of libraries added since.
    index: HashMap<Name, LibId>,
}

impl GlobalScope {
    /// A scope holding `libs`, in order, whose first definitions are the
    /// first library's symbol table `front` (as [`GlobalScope::push_table`]
    /// takes it) and `index` (taken from [`GlobalScope::first_definitions`]
    /// of a scope that was given the same libraries).
    pub fn with_first_definitions(
        libs: &[LibId],
        front: Option<Symbols>,
        index: std::sync::Arc<HashMap<Name, LibId>>,
    ) -> GlobalScope {
        GlobalScope {
            order: libs.to_vec(),
            members: libs.iter().copied().collect(),
            front: libs.first().copied().zip(front),
            base: index,
            index: HashMap::new(),
        }
    }

    /// The first definition of every name but the first library's, to
    /// start another run's scope from. The scope's own index becomes the
    /// shared part, rather than a copy of it.
    pub fn first_definitions(&mut self) -> std::sync::Arc<HashMap<Name, LibId>> {
        if self.index.is_empty() {
            return self.base.clone();
        }
        let index = std::mem::take(&mut self.index);
        if self.base.is_empty() {
            self.base = std::sync::Arc::new(index);
        } else {
            let mut all = (*self.base).clone();
            for (name, lib) in index {
                all.entry(name).or_insert(lib);
            }
            self.base = std::sync::Arc::new(all);
        }
        self.base.clone()
    }

    /// Adds `lib`, which defines `syms`, at the end of the search order.
    /// The first library's table is used as it is.
    pub fn push_table(&mut self, lib: LibId, syms: &Symbols) {
        if self.order.is_empty() {
            self.front = Some((lib, syms.clone()));
            self.members.insert(lib);
            self.order.push(lib);
            return;
        }
        self.push(lib, syms.names());
    }

    /// Adds `lib` at the end of the search order.
    pub fn push(&mut self, lib: LibId, names: impl Iterator<Item = Name>) {
        if !self.members.insert(lib) {
            return;
        }
        self.order.push(lib);
        for name in names {
            if !self.defined_before(&name) {
                self.index.entry(name).or_insert(lib);
            }
        }
    }

    /// Whether the first library or the shared first definitions define
    /// `name` (the index is searched by its own insertions).
    fn defined_before(&self, name: &str) -> bool {
        self.front
            .as_ref()
            .is_some_and(|(_, s)| s.contains_key(name))
            || self.base.contains_key(name)
    }

    /// Removes `lib`; names it defined fall to the next library in order.
    pub fn remove(&mut self, lib: LibId, exports_of: impl Fn(LibId) -> Vec<Name>) {
        // Names the first library hid fall to the others in the loop below.
        self.front.take_if(|(l, _)| *l == lib);
        if self.base.values().any(|&l| l == lib) {
            let all = self.first_definitions();
            self.base = std::sync::Arc::default();
            self.index = std::sync::Arc::unwrap_or_clone(all);
        }
        self.order.retain(|l| *l != lib);
        self.members.remove(&lib);
        self.index.retain(|_, l| *l != lib);
        for &other in &self.order {
            for name in exports_of(other) {
                if !self.defined_before(&name) {
                    self.index.entry(name).or_insert(other);
                }
            }
        }
    }

    /// The library defining `name` first in the global scope.
    pub fn find(&self, name: &str) -> Option<LibId> {
        if let Some((lib, syms)) = &self.front
            && syms.contains_key(name)
        {
            return Some(*lib);
        }
        self.base
            .get(name)
            .or_else(|| self.index.get(name))
            .copied()
    }

    /// Whether `lib` is in the global scope.
    pub fn contains(&self, lib: LibId) -> bool {
        self.members.contains(&lib)
    }

    /// Libraries in search order.
    pub fn libs(&self) -> &[LibId] {
        &self.order
    }

    /// Every name the global scope defines.
    pub fn names(&self) -> impl Iterator<Item = Name> + '_ {
        self.front
            .iter()
            .flat_map(|(_, s)| s.names())
            .chain(self.base.keys().cloned())
            .chain(self.index.keys().cloned())
    }
}

/// The symbols of library `lib` exporting functions `names`, for tests.
#[cfg(test)]
pub(crate) fn functions(lib: LibId, names: &[&str]) -> Symbols {
    let exports = (0..)
        .zip(names)
        .map(|(index, name)| (Name::from(*name), ExportKind::Func(index)))
        .collect();
    let info = ModuleInfo {
        exports,
        ..Default::default()
    };
    Symbols::of(std::sync::Arc::new(info), lib, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modinfo::ModuleInfo;
    use wasmparser::ValType;

    fn info_with(exports: &[(&str, ExportKind)], inits: &[(u32, ConstAddr)]) -> ModuleInfo {
        ModuleInfo {
            exports: exports.iter().map(|(n, k)| (Name::from(*n), *k)).collect(),
            global_inits: inits.iter().copied().collect(),
            ..Default::default()
        }
    }

    /// The same through a parsed module, whose `orig$` twins are indexed.
    #[test]
    fn defines_knows_legalized_names_of_a_parsed_module() {
        let bytes = wat::parse_str(
            r#"(module
                 (func (export "wide") (result i32) i32.const 0)
                 (func (export "orig$wide") (result i64) i64.const 0)
                 (func (export "orig$only") (result i64) i64.const 0))"#,
        )
        .unwrap();
        let info = std::sync::Arc::new(ModuleInfo::parse_with(&bytes, false).unwrap());
        let syms = Symbols::of(info.clone(), 0, 0);
        for name in ["wide", "orig$wide", "only", "orig$only", "absent"] {
            assert_eq!(defines(&info, name), syms.get(name).is_some(), "{name}");
        }
        assert!(defines(&info, "only"));
        let mut names: Vec<Name> = syms.names().collect();
        names.sort_unstable();
        assert_eq!(names, [Name::from("only"), Name::from("wide")]);
    }

    /// A scope started from kept first definitions answers as the scope
    /// they came from, and later pushes and removals behave the same,
    /// whether the first library's table is used as it is or indexed.
    #[test]
    fn a_scope_from_kept_first_definitions_behaves_as_the_original() {
        let names = |v: &[&str]| v.iter().map(|s| Name::from(*s)).collect::<Vec<_>>();
        let table = functions;
        let (zero, one) = (table(0, &["a", "b"]), table(1, &["b", "c"]));
        let mut first = GlobalScope::default();
        first.push_table(0, &zero);
        first.push_table(1, &one);
        let mut again =
            GlobalScope::with_first_definitions(&[0, 1], Some(zero), first.first_definitions());
        let mut indexed = GlobalScope::default();
        indexed.push(0, names(&["a", "b"]).into_iter());
        indexed.push_table(1, &one);
        for scope in [&mut first, &mut again, &mut indexed] {
            assert_eq!(scope.find("b"), Some(0));
            assert_eq!(scope.find("c"), Some(1));
            scope.push(2, names(&["c", "d"]).into_iter());
            assert_eq!(scope.find("c"), Some(1), "first definition wins");
            assert_eq!(scope.find("d"), Some(2));
            let exports = |l: LibId| match l {
                0 => names(&["a", "b"]),
                1 => names(&["b", "c"]),
                _ => names(&["c", "d"]),
            };
            scope.remove(1, exports);
            assert_eq!(scope.find("c"), Some(2), "falls to the next library");
            assert_eq!(scope.libs(), &[0, 2]);
            let mut all: Vec<Name> = scope.names().collect();
            all.sort_unstable();
            assert_eq!(all, ["a", "b", "c", "d"].map(Name::from));
            scope.remove(0, exports);
            assert_eq!(
                scope.find("a"),
                None,
                "the first library's names go with it"
            );
            assert_eq!(scope.find("b"), None);
            assert_eq!(scope.find("c"), Some(2));
        }
    }

    /// `defines` answers what a table answers, and the table lists each
    /// name it defines once.
    #[test]
    fn defines_agrees_with_the_table() {
        let info = info_with(
            &[
                ("counter", ExportKind::Global(3)),
                ("unknown_global", ExportKind::Global(4)),
                ("f64", ExportKind::Func(7)),
                ("orig$f64", ExportKind::Func(5)),
                ("orig$only", ExportKind::Func(6)),
                ("plain", ExportKind::Func(2)),
                ("__wasm_call_ctors", ExportKind::Func(1)),
                ("memory", ExportKind::Memory),
            ],
            &[(3, ConstAddr::Absolute(12))],
        );
        let info = std::sync::Arc::new(info);
        let syms = Symbols::of(info.clone(), 0, 0);
        for name in [
            "counter",
            "unknown_global",
            "f64",
            "orig$f64",
            "only",
            "orig$only",
            "plain",
            "__wasm_call_ctors",
            "memory",
            "absent",
        ] {
            assert_eq!(defines(&info, name), syms.get(name).is_some(), "{name}");
        }
        let mut names: Vec<Name> = syms.names().collect();
        names.sort_unstable();
        let want = ["counter", "f64", "only", "plain"];
        assert_eq!(names, want.map(Name::from));
        assert_eq!(syms.iter().count(), want.len());
    }

    #[test]
    fn relocates_data_and_pairs_legalized_functions() {
        let info = info_with(
            &[
                ("counter", ExportKind::Global(3)),
                ("f64", ExportKind::Func(7)),
                ("orig$f64", ExportKind::Func(5)),
                ("plain", ExportKind::Func(2)),
                ("__wasm_call_ctors", ExportKind::Func(1)),
            ],
            &[(3, ConstAddr::Absolute(12))],
        );
        let info = ModuleInfo {
            relocatable: true,
            ..info
        };
        let syms = Symbols::of(std::sync::Arc::new(info), 4, 1000);
        assert_eq!(syms.get("counter"), Some(Sym::Data(1012)));
        assert_eq!(
            syms.get("f64").unwrap(),
            Sym::Func {
                lib: 4,
                export: "f64".into(),
                pointer: "orig$f64".into(),
                index: 5
            }
        );
        assert!(
            matches!(syms.get("plain"), Some(Sym::Func { pointer, .. }) if &*pointer == "plain")
        );
        assert!(!syms.contains_key("__wasm_call_ctors"));
        assert!(!syms.contains_key("orig$f64"));
    }

    #[test]
    fn orig_export_listed_first_is_paired_too() {
        let info = info_with(
            &[("orig$g", ExportKind::Func(5)), ("g", ExportKind::Func(6))],
            &[],
        );
        let syms = Symbols::of(std::sync::Arc::new(info), 1, 0);
        assert!(
            matches!(syms.get("g"), Some(Sym::Func { export, pointer, index: 5, .. }) if &*export == "g" && &*pointer == "orig$g")
        );
    }

    #[test]
    fn imports_pick_the_export_whose_type_matches() {
        let sym = Sym::Func {
            lib: 1,
            export: "f".into(),
            pointer: "orig$f".into(),
            index: 0,
        };
        let legal = Sig {
            params: vec![ValType::I32, ValType::I32],
            results: vec![ValType::I32],
        };
        let real = Sig {
            params: vec![ValType::I64],
            results: vec![ValType::I64],
        };
        let sig_of = |n: &str| {
            Some(if n == "f" {
                legal.clone()
            } else {
                real.clone()
            })
        };
        assert_eq!(export_for_import(&sym, &legal, sig_of), Some("f"));
        assert_eq!(export_for_import(&sym, &real, sig_of), Some("orig$f"));
    }

    #[test]
    fn suggests_close_names_only() {
        let names = ["printf", "side_add", "malloc", "counter"];
        assert_eq!(
            suggest("side_ad", names.iter().copied()),
            Some("side_add".to_string())
        );
        assert_eq!(
            suggest("conuter", names.iter().copied()),
            Some("counter".to_string())
        );
        assert_eq!(suggest("xyz", names.iter().copied()), None);
        assert_eq!(suggest("puts", names.iter().copied()), None);
    }

    #[test]
    fn first_definition_wins_and_removal_uncovers_the_next() {
        let mut scope = GlobalScope::default();
        let a: Vec<Name> = vec!["x".into(), "y".into()];
        let b: Vec<Name> = vec!["x".into(), "z".into()];
        scope.push(0, a.iter().cloned());
        scope.push(1, b.iter().cloned());
        assert_eq!(scope.find("x"), Some(0));
        assert_eq!(scope.find("z"), Some(1));
        scope.remove(0, |l| if l == 1 { b.clone() } else { a.clone() });
        assert_eq!(scope.find("x"), Some(1));
        assert_eq!(scope.find("y"), None);
    }
}
