//! Where each import of a load binds, decided before anything is placed or
//! instantiated, and the one symbol resolver the loader, `ldd` and dlsym
//! share.
//!
//! A name resolves as glibc resolves it: the global scope in load order
//! (the first definition wins), then the importing library and its
//! dependencies breadth first (its RTLD_LOCAL scope). A load planned with
//! RTLD_GLOBAL (every start-up load) adds its libraries to the end of the
//! global scope before its imports are resolved.

use std::collections::{HashSet, VecDeque};

use crate::modinfo::{ExportKind, ImportKind, ModuleInfo, ORIG_PREFIX, Sig};
use crate::symbols::{self, LibId};

use super::{LibRef, Planned};

/// The libraries a resolution sees.
pub trait Scope {
    /// A library of the scope.
    type Lib: Copy + Eq + std::hash::Hash;
    /// The library defining `name` first in the global scope.
    fn global(&self, name: &str) -> Option<Self::Lib>;
    /// Whether `lib` (still loaded) defines `name`.
    fn defines(&self, lib: Self::Lib, name: &str) -> bool;
    /// The libraries `lib` needs, in order.
    fn deps(&self, lib: Self::Lib) -> Vec<Self::Lib>;
}

/// The one resolver: the library whose definition of `name` an import of
/// `lib` binds to.
pub fn resolve<S: Scope>(scope: &S, lib: S::Lib, name: &str) -> Option<S::Lib> {
    if let Some(owner) = scope.global(name) {
        return Some(owner);
    }
    let mut queue = VecDeque::from([lib]);
    let mut seen = HashSet::from([lib]);
    while let Some(l) = queue.pop_front() {
        if scope.defines(l, name) {
            return Some(l);
        }
        for d in scope.deps(l) {
            if seen.insert(d) {
                queue.push_back(d);
            }
        }
    }
    None
}

/// Where one import binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// What the loader itself provides: the memory, the table, the stack
    /// pointer, the module's bases.
    Loader,
    /// A host function or value of the ABI the program was built for.
    Host,
    /// A definition of a library (a function, or the address or table slot
    /// a GOT entry holds).
    Lib(LibRef),
    /// A value the linker or Emscripten's JS glue defines (`__heap_base`).
    Linker,
    /// A weak import nothing defines: null.
    WeakNull,
    /// A function nothing defines yet, under RTLD_LAZY: looked up again
    /// when called (and a later library may define it).
    Lazy,
    /// Nothing defines it: the load fails (a data symbol always, a function
    /// under RTLD_NOW).
    Undefined,
}

/// The import `module.name` of a module, with where it binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The import's module (`env`, `GOT.mem`, `GOT.func`, a host module).
    pub module: String,
    /// The import's name.
    pub name: String,
    /// Where it binds.
    pub binding: Binding,
}

/// What the host defines, as far as planning needs to know.
pub trait Host {
    /// Whether the host defines import `module.name`.
    fn provides(&self, module: &str, name: &str) -> bool;
    /// Whether the host serves every import of `module` (WASI), never a
    /// library's export of the same name.
    fn owns_module(&self, module: &str) -> bool;
    /// Whether `name` is data the linker or JS glue defines.
    fn linker_defines(&self, name: &str) -> bool;
}

/// The process as it is (the loaded libraries) joined with the new
/// libraries of a plan.
pub struct PlanScope<'a, S: Scope<Lib = LibId>, M> {
    loaded: &'a S,
    new: &'a [Planned<M>],
    /// Whether the new libraries join the global scope.
    global: bool,
}

impl<'a, S: Scope<Lib = LibId>, M: AsRef<ModuleInfo>> PlanScope<'a, S, M> {
    /// The scope of a load of `new` into `loaded`; `global` when the load
    /// adds its libraries to the global scope (RTLD_GLOBAL).
    pub fn new(loaded: &'a S, new: &'a [Planned<M>], global: bool) -> Self {
        PlanScope {
            loaded,
            new,
            global,
        }
    }

    /// The names the plan's libraries add to the global scope (for "did
    /// you mean" hints).
    pub fn new_global_names(&self) -> Vec<&str> {
        if !self.global {
            return Vec::new();
        }
        self.new
            .iter()
            .flat_map(|p| {
                let info = p.module.as_ref();
                info.exports
                    .iter()
                    .map(|(n, _)| &**n)
                    .filter(|n| symbols::defines(info, n))
            })
            .collect()
    }
}

impl<S: Scope<Lib = LibId>, M: AsRef<ModuleInfo>> Scope for PlanScope<'_, S, M> {
    type Lib = LibRef;

    fn global(&self, name: &str) -> Option<LibRef> {
        if let Some(id) = self.loaded.global(name) {
            return Some(LibRef::Loaded(id));
        }
        if !self.global {
            return None;
        }
        (0..self.new.len())
            .find(|&k| symbols::defines(self.new[k].module.as_ref(), name))
            .map(LibRef::New)
    }

    fn defines(&self, lib: LibRef, name: &str) -> bool {
        match lib {
            LibRef::Loaded(id) => self.loaded.defines(id, name),
            LibRef::New(k) => symbols::defines(self.new[k].module.as_ref(), name),
        }
    }

    fn deps(&self, lib: LibRef) -> Vec<LibRef> {
        match lib {
            LibRef::Loaded(id) => self
                .loaded
                .deps(id)
                .into_iter()
                .map(LibRef::Loaded)
                .collect(),
            LibRef::New(k) => self.new[k].needs.clone(),
        }
    }
}

/// Where every import of new library `k` binds; `now` for RTLD_NOW (an
/// undefined strong function is then [`Binding::Undefined`], not lazy).
pub fn bindings<S: Scope<Lib = LibId>, M: AsRef<ModuleInfo>>(
    scope: &PlanScope<'_, S, M>,
    host: &(impl Host + ?Sized),
    k: usize,
    now: bool,
) -> Vec<Bound> {
    let info = scope.new[k].module.as_ref();
    info.imports
        .iter()
        .map(|import| {
            let (module, name) = (import.module.as_str(), import.name.as_str());
            let binding = binding(scope, host, k, info, module, name, &import.kind, now);
            Bound {
                module: module.to_string(),
                name: name.to_string(),
                binding,
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn binding<S: Scope<Lib = LibId>, M: AsRef<ModuleInfo>>(
    scope: &PlanScope<'_, S, M>,
    host: &(impl Host + ?Sized),
    k: usize,
    info: &ModuleInfo,
    module: &str,
    name: &str,
    kind: &ImportKind,
    now: bool,
) -> Binding {
    match (kind, name) {
        (ImportKind::Memory { .. } | ImportKind::Table { .. }, _) => return Binding::Loader,
        (
            ImportKind::Global { .. },
            "__stack_pointer" | "__memory_base" | "__table_base" | "__tls_base",
        ) if module != "GOT.mem" => return Binding::Loader,
        _ => {}
    }
    if host.owns_module(module) {
        return if host.provides(module, name) {
            Binding::Host
        } else {
            Binding::Undefined
        };
    }
    if let Some(owner) = resolve(scope, LibRef::New(k), name) {
        return Binding::Lib(owner);
    }
    let is_func = module == "GOT.func" || matches!(kind, ImportKind::Func(_));
    if host.provides(module, name) || (module == "GOT.func" && host.provides("env", name)) {
        return Binding::Host;
    }
    if module != "GOT.func" && host.linker_defines(name) {
        return Binding::Linker;
    }
    if info.dylink.is_weak_import(module, name) {
        return Binding::WeakNull;
    }
    if is_func && !now {
        return Binding::Lazy;
    }
    Binding::Undefined
}

/// Whether the module `info` describes defines function `name` with type
/// `sig` (as its plain, maybe i64-legalized, export or as the `orig$`
/// twin), or why not.
pub fn callable_as(info: &ModuleInfo, name: &str, sig: &Sig) -> Result<(), String> {
    if !matches!(info.export(name), Some(ExportKind::Func(_))) {
        return Err(format!("{name} is data, but is imported as a function"));
    }
    let twin = format!("{ORIG_PREFIX}{name}");
    let fits = [name, twin.as_str()].into_iter().any(
        |e| matches!(info.export(e), Some(ExportKind::Func(i)) if info.func_sig(i) == Some(sig)),
    );
    if fits {
        Ok(())
    } else {
        Err(format!(
            "type mismatch: defines {name} with another type than the {sig} it is imported as"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_import_binds_only_a_function_of_its_type() {
        let wasm = wat::parse_str(
            r#"(module
                (@dylink.0 (mem-info (memory 8 2)))
                (global (export "counter") i32 (i32.const 0))
                (func (export "add") (param i32 i32) (result i32) local.get 0)
                (func (export "big") (param i32 i32) (result i32) i32.const 0)
                (func (export "orig$big") (param i64) (result i64) local.get 0))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse_with(&wasm, true).unwrap();
        let sig = |p: &[wasmparser::ValType], r: &[wasmparser::ValType]| Sig {
            params: p.to_vec(),
            results: r.to_vec(),
        };
        use wasmparser::ValType::{F32, I32, I64};
        assert_eq!(callable_as(&info, "add", &sig(&[I32, I32], &[I32])), Ok(()));
        // i64-legalized: the plain export for legalized importers, the
        // orig$ twin for the others.
        assert_eq!(callable_as(&info, "big", &sig(&[I32, I32], &[I32])), Ok(()));
        assert_eq!(callable_as(&info, "big", &sig(&[I64], &[I64])), Ok(()));
        let e = callable_as(&info, "add", &sig(&[I64], &[F32])).unwrap_err();
        assert!(
            e.contains("type mismatch") && e.contains("(i64) -> f32"),
            "{e}"
        );
        let e = callable_as(&info, "counter", &sig(&[], &[])).unwrap_err();
        assert!(e.contains("counter is data"), "{e}");
    }
    use crate::modinfo::{ExportKind, Import, Sig};
    use std::path::PathBuf;

    /// Loaded libraries: what each defines and needs, and the global scope.
    #[derive(Default)]
    struct Loaded {
        defs: Vec<Vec<&'static str>>,
        deps: Vec<Vec<LibId>>,
        global: Vec<LibId>,
    }

    impl Scope for Loaded {
        type Lib = LibId;
        fn global(&self, name: &str) -> Option<LibId> {
            self.global
                .iter()
                .copied()
                .find(|&l| self.defs[l].contains(&name))
        }
        fn defines(&self, lib: LibId, name: &str) -> bool {
            self.defs[lib].contains(&name)
        }
        fn deps(&self, lib: LibId) -> Vec<LibId> {
            self.deps[lib].clone()
        }
    }

    struct TestHost;

    impl Host for TestHost {
        fn provides(&self, module: &str, name: &str) -> bool {
            module == "env" && name == "host_fn"
        }
        fn owns_module(&self, module: &str) -> bool {
            module == "wasi_snapshot_preview1"
        }
        fn linker_defines(&self, name: &str) -> bool {
            name == "__heap_base"
        }
    }

    struct Info(ModuleInfo);

    impl AsRef<ModuleInfo> for Info {
        fn as_ref(&self) -> &ModuleInfo {
            &self.0
        }
    }

    fn func_import(module: &str, name: &str) -> Import {
        Import {
            module: module.into(),
            name: name.into(),
            kind: ImportKind::Func(Sig {
                params: vec![],
                results: vec![],
            }),
        }
    }

    fn got(module: &str, name: &str) -> Import {
        Import {
            module: module.into(),
            name: name.into(),
            kind: ImportKind::Global {
                ty: wasmparser::ValType::I32,
                mutable: true,
            },
        }
    }

    /// A new library exporting functions `exports`, importing `imports`,
    /// needing `needs`.
    fn lib(exports: &[&str], imports: Vec<Import>, needs: Vec<LibRef>) -> Planned<Info> {
        let info = ModuleInfo {
            exports: exports
                .iter()
                .enumerate()
                .map(|(i, n)| (crate::modinfo::Name::from(*n), ExportKind::Func(i as u32)))
                .collect(),
            imports,
            ..ModuleInfo::default()
        };
        Planned {
            name: "lib.so".into(),
            path: PathBuf::from("/lib.so"),
            module: Info(info),
            needs,
            depth: 1,
            needed_by: None,
        }
    }

    fn where_bound(b: &[Bound], name: &str) -> Binding {
        b.iter().find(|x| x.name == name).unwrap().binding
    }

    #[test]
    fn the_global_scope_wins_in_load_order_then_the_local_scope() {
        // main (0) defines f and g globally; lib 1 (loaded locally) defines g and h.
        let loaded = Loaded {
            defs: vec![vec!["f", "g"], vec!["g", "h"]],
            deps: vec![vec![], vec![]],
            global: vec![0],
        };
        let new = vec![lib(
            &[],
            vec![func_import("env", "g"), func_import("env", "h")],
            vec![LibRef::Loaded(1)],
        )];
        let scope = PlanScope::new(&loaded, &new, false);
        let b = bindings(&scope, &TestHost, 0, true);
        assert_eq!(where_bound(&b, "g"), Binding::Lib(LibRef::Loaded(0)));
        assert_eq!(where_bound(&b, "h"), Binding::Lib(LibRef::Loaded(1)));
    }

    #[test]
    fn a_global_load_sees_its_own_libraries_first_definition_wins() {
        let loaded = Loaded {
            defs: vec![vec![]],
            deps: vec![vec![]],
            global: vec![0],
        };
        let new = vec![
            lib(&[], vec![func_import("env", "dup")], vec![LibRef::New(2)]),
            lib(&["dup"], vec![], vec![]),
            lib(&["dup"], vec![], vec![]),
        ];
        let global = PlanScope::new(&loaded, &new, true);
        let b = bindings(&global, &TestHost, 0, true);
        assert_eq!(where_bound(&b, "dup"), Binding::Lib(LibRef::New(1)));
        // RTLD_LOCAL: only its own dependency is seen.
        let local = PlanScope::new(&loaded, &new, false);
        let b = bindings(&local, &TestHost, 0, true);
        assert_eq!(where_bound(&b, "dup"), Binding::Lib(LibRef::New(2)));
    }

    #[test]
    fn weak_lazy_host_linker_and_undefined() {
        let loaded = Loaded {
            defs: vec![vec![]],
            deps: vec![vec![]],
            global: vec![0],
        };
        let mut weak = lib(
            &[],
            vec![
                func_import("env", "host_fn"),
                func_import("env", "nowhere"),
                got("GOT.mem", "__heap_base"),
                got("GOT.mem", "no_data"),
                got("GOT.func", "host_fn"),
                func_import("wasi_snapshot_preview1", "fd_close"),
                got("env", "__stack_pointer"),
            ],
            vec![],
        );
        let lazy = bindings(
            &PlanScope::new(&loaded, std::slice::from_ref(&weak), false),
            &TestHost,
            0,
            false,
        );
        assert_eq!(where_bound(&lazy, "host_fn"), Binding::Host);
        assert_eq!(where_bound(&lazy, "nowhere"), Binding::Lazy);
        assert_eq!(where_bound(&lazy, "__heap_base"), Binding::Linker);
        assert_eq!(where_bound(&lazy, "no_data"), Binding::Undefined);
        assert_eq!(lazy[4].binding, Binding::Host);
        assert_eq!(where_bound(&lazy, "fd_close"), Binding::Undefined);
        assert_eq!(where_bound(&lazy, "__stack_pointer"), Binding::Loader);
        let now = bindings(
            &PlanScope::new(&loaded, std::slice::from_ref(&weak), false),
            &TestHost,
            0,
            true,
        );
        assert_eq!(where_bound(&now, "nowhere"), Binding::Undefined);
        weak.module.0.dylink.import_flags.push((
            "env".into(),
            "nowhere".into(),
            wasmparser::SymbolFlags::BINDING_WEAK,
        ));
        let now = bindings(
            &PlanScope::new(&loaded, std::slice::from_ref(&weak), false),
            &TestHost,
            0,
            true,
        );
        assert_eq!(where_bound(&now, "nowhere"), Binding::WeakNull);
    }

    #[test]
    fn i64_legalized_exports_bind_by_their_plain_name() {
        let loaded = Loaded {
            defs: vec![vec![]],
            deps: vec![vec![]],
            global: vec![0],
        };
        let new = vec![
            lib(&[], vec![func_import("env", "wide")], vec![LibRef::New(1)]),
            lib(&["wide", "orig$wide"], vec![], vec![]),
        ];
        let b = bindings(&PlanScope::new(&loaded, &new, false), &TestHost, 0, true);
        assert_eq!(where_bound(&b, "wide"), Binding::Lib(LibRef::New(1)));
        assert!(!PlanScope::new(&loaded, &new, false).defines(LibRef::New(1), "orig$wide"));
    }

    #[test]
    fn resolution_through_a_cycle_ends() {
        let loaded = Loaded {
            defs: vec![vec![], vec![], vec!["deep"]],
            deps: vec![vec![1], vec![0, 2], vec![1]],
            global: vec![],
        };
        assert_eq!(resolve(&loaded, 0, "deep"), Some(2));
        assert_eq!(resolve(&loaded, 0, "absent"), None);
    }
}
