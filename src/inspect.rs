//! `dlrun inspect` and `dlrun ldd`: what a module asks of the loader and how
//! its NEEDED tree would resolve, as text for people and JSON for scripts.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};
use serde_json::Value;
use wasmparser::SymbolFlags;

use crate::modinfo::{ExportKind, ImportKind, ModuleInfo};
use crate::plan;
use crate::search::{Located, SearchPath};

/// What kind of module this is, from its imports and exports alone.
pub fn kind(info: &ModuleInfo) -> &'static str {
    let imports_memory = info
        .imports
        .iter()
        .any(|i| matches!(i.kind, ImportKind::Memory { .. }));
    let exports_memory = info.exports.iter().any(|(_, k)| *k == ExportKind::Memory);
    let emscripten = info.imports.iter().any(|i| {
        i.module == "env"
            && (i.name.starts_with("emscripten_")
                || i.name.starts_with("__syscall_")
                || i.name == "_dlopen_js")
    });
    let heap = info.imports.iter().any(|i| i.name == "__heap_base");
    match (imports_memory, exports_memory) {
        (true, _) if heap && emscripten => "Emscripten main module",
        (true, _) if heap => "clang/wasi-libc PIE main module",
        (true, _) => "side module (shared library)",
        (false, true) => "clang/wasi-libc static main module",
        (false, false) => "module without memory",
    }
}

fn flag_names(flags: SymbolFlags) -> Vec<&'static str> {
    [
        (SymbolFlags::BINDING_WEAK, "weak"),
        (SymbolFlags::TLS, "tls"),
        (SymbolFlags::UNDEFINED, "undefined"),
    ]
    .into_iter()
    .filter(|(flag, _)| flags.contains(*flag))
    .map(|(_, name)| name)
    .collect()
}

/// What `dlrun inspect` reports about one module. `--json` prints it as
/// one object with these fields, in this order; the text form lists the
/// same fields, skipping empty lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The module's flavour (see [`kind`]).
    pub kind: &'static str,
    /// Bytes of static data the module needs at `__memory_base`.
    pub memory_size: u32,
    /// The alignment of `__memory_base`, in bytes.
    pub memory_align: u64,
    /// Table slots the module needs at `__table_base`.
    pub table_size: u32,
    /// The alignment of `__table_base`, in slots.
    pub table_align: u64,
    /// NEEDED libraries, in link order.
    pub needed: Vec<String>,
    /// RUNTIME_PATH entries, as written (`$ORIGIN` unexpanded).
    pub runtime_paths: Vec<String>,
    /// Exports dylink.0 gives flags (weak, TLS).
    pub export_flags: Vec<Flagged>,
    /// Imports dylink.0 gives flags, as `module.field`.
    pub import_flags: Vec<Flagged>,
    /// Functions imported from `env`.
    pub imports_env_functions: Vec<String>,
    /// Data addresses imported through `GOT.mem`.
    pub imports_got_mem: Vec<String>,
    /// Function pointers imported through `GOT.func`.
    pub imports_got_func: Vec<String>,
    /// WASI functions imported (any `wasi*` module).
    pub imports_wasi: Vec<String>,
    /// Every other import, as `module.field` (memory, table, globals).
    pub imports_other: Vec<String>,
    /// Exported functions.
    pub exports_functions: Vec<String>,
    /// Exported globals.
    pub exports_globals: Vec<String>,
}

/// A symbol and the dylink.0 flags it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flagged {
    /// The symbol.
    pub name: String,
    /// `weak`, `tls`, `undefined`: the flags set.
    pub flags: Vec<&'static str>,
}

/// The `inspect` report of one module.
pub fn inspect(info: &ModuleInfo) -> Report {
    let d = &info.dylink;
    let group = |module: &str| -> Vec<String> {
        info.imports
            .iter()
            .filter(|i| match module {
                "env" => i.module == "env" && matches!(i.kind, ImportKind::Func(_)),
                "wasi" => i.module.starts_with("wasi"),
                m => i.module == m,
            })
            .map(|i| i.name.clone())
            .collect()
    };
    let other = info
        .imports
        .iter()
        .filter(|i| {
            !(i.module == "GOT.mem"
                || i.module == "GOT.func"
                || i.module.starts_with("wasi")
                || (i.module == "env" && matches!(i.kind, ImportKind::Func(_))))
        })
        .map(|i| format!("{}.{}", i.module, i.name))
        .collect();
    let exports = |want_func: bool| -> Vec<String> {
        info.exports
            .iter()
            .filter(|(_, k)| matches!(k, ExportKind::Func(_)) == want_func)
            .filter(|(_, k)| want_func || matches!(k, ExportKind::Global(_)))
            .map(|(n, _)| n.to_string())
            .collect()
    };
    Report {
        kind: kind(info),
        memory_size: d.mem_size,
        memory_align: 1 << d.mem_align,
        table_size: d.table_size,
        table_align: 1 << d.table_align,
        needed: d.needed.clone(),
        runtime_paths: d.runtime_paths.clone(),
        export_flags: d
            .export_flags
            .iter()
            .map(|(n, f)| Flagged {
                name: n.clone(),
                flags: flag_names(*f),
            })
            .collect(),
        import_flags: d
            .import_flags
            .iter()
            .map(|(m, n, f)| Flagged {
                name: format!("{m}.{n}"),
                flags: flag_names(*f),
            })
            .collect(),
        imports_env_functions: group("env"),
        imports_got_mem: group("GOT.mem"),
        imports_got_func: group("GOT.func"),
        imports_wasi: group("wasi"),
        imports_other: other,
        exports_functions: exports(true),
        exports_globals: exports(false),
    }
}

/// A report as one line of JSON.
pub fn json(report: &impl Serialize) -> String {
    // Reports hold only strings, numbers and lists: serializing cannot fail.
    serde_json::to_string(report).expect("a report serializes")
}

/// Renders a report as indented text.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let Ok(Value::Object(fields)) = serde_json::to_value(report) else {
        unreachable!("a report serializes to an object");
    };
    for (k, v) in fields {
        match v {
            Value::Array(items) if items.is_empty() => {}
            Value::Array(items) => {
                let _ = writeln!(out, "{k} ({}):", items.len());
                for item in &items {
                    let _ = writeln!(out, "  {}", item_text(item));
                }
            }
            v => {
                let _ = writeln!(out, "{k}: {}", item_text(&v));
            }
        }
    }
    out
}

fn item_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        Value::Array(items) => items.iter().map(item_text).collect::<Vec<_>>().join(", "),
        Value::Object(fields) => fields.values().map(item_text).collect::<Vec<_>>().join(" "),
        v => v.to_string(),
    }
}

/// One line of the `ldd` tree; `--json` prints the tree as a list of
/// objects with these fields, in this order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Needed {
    /// The name as the NEEDED entry gives it.
    pub name: String,
    /// Nesting level in the tree (direct NEEDED entries are 1).
    pub depth: usize,
    /// Where it resolves, or `None` when not found.
    #[serde(serialize_with = "lossy_path")]
    pub path: Option<PathBuf>,
    /// The directories searched for it.
    #[serde(serialize_with = "lossy_paths")]
    pub searched: Vec<PathBuf>,
}

// serde refuses a path that is not UTF-8; ldd lists it as the text form
// shows it instead.
fn lossy_path<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => s.serialize_some(&p.to_string_lossy()),
        None => s.serialize_none(),
    }
}

fn lossy_paths<S: Serializer>(paths: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(paths.iter().map(|p| p.to_string_lossy()))
}

/// The libraries loading the module at `path` brings in, from the same
/// plan a load makes, breadth first (each once), then those not found.
pub fn ldd(path: &Path, info: &ModuleInfo, search: &SearchPath) -> Vec<Needed> {
    let (set, world) = ldd_plan(path, info, search);
    let searched = |by: usize| {
        let lib = &set.new[by];
        let origin = lib.path.parent().map(Path::to_path_buf).unwrap_or_default();
        search.dirs(&origin, &lib.module.dylink.runtime_paths, &world.fs)
    };
    let mut out: Vec<Needed> = set
        .new
        .iter()
        .filter_map(|lib| {
            Some(Needed {
                depth: lib.depth,
                name: lib.name.clone(),
                path: Some(lib.path.clone()),
                searched: searched(lib.needed_by?),
            })
        })
        .collect();
    out.extend(set.missing.iter().map(|m| Needed {
        depth: m.depth,
        name: m.name.clone(),
        path: None,
        searched: searched(m.needed_by),
    }));
    out
}

/// The load set of running the module at `path`, as a start-up load plans
/// it, going on past libraries that are missing.
fn ldd_plan<'a>(
    path: &Path,
    info: &ModuleInfo,
    search: &'a SearchPath,
) -> (plan::LoadSet<ModuleInfo>, Disk<'a>) {
    let mut world = Disk {
        search,
        fs: crate::vfs::Vfs::default(),
    };
    let root = plan::Root::Main {
        name: path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        path: path.to_path_buf(),
        module: info.clone(),
        needed: info.dylink.needed.clone(),
    };
    // A main module's plan that records what is missing has nothing left
    // to fail on.
    let set = plan::load_set(&mut world, root, plan::OnMissing::Record).unwrap_or(plan::LoadSet {
        root: plan::LibRef::New(0),
        new: Vec::new(),
        missing: Vec::new(),
    });
    (set, world)
}

/// Where the imports of one library of the load bind (`ldd --bindings`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibBindings {
    /// The library's name (the main module's file name for the main).
    pub name: String,
    /// Its path.
    #[serde(serialize_with = "lossy_path")]
    pub path: Option<PathBuf>,
    /// Each import, in the module's order.
    pub imports: Vec<ImportBinding>,
}

/// One import and where it binds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportBinding {
    /// `module.name` as imported.
    pub import: String,
    /// `library`, `host`, `loader`, `linker`, `weak-null`, `lazy` or
    /// `undefined`.
    pub binds: &'static str,
    /// The library defining it, when `binds` is `library`.
    pub library: Option<String>,
}

/// Where every import of every library of the start-up load binds, decided
/// by the plan a run makes (the global scope in load order, then each
/// library's own dependencies); functions nothing defines are `lazy`, as a
/// run binds them, data nothing defines `undefined`.
pub fn ldd_bindings(path: &Path, info: &ModuleInfo, search: &SearchPath) -> Vec<LibBindings> {
    use plan::bind::{self, Binding};
    let (set, _) = ldd_plan(path, info, search);
    let scope = bind::PlanScope::new(&NothingLoaded, &set.new, true);
    (0..set.new.len())
        .map(|k| {
            let imports = bind::bindings(&scope, &crate::abi::Abi, k, false)
                .into_iter()
                .map(|b| {
                    let (binds, library) = match b.binding {
                        Binding::Lib(plan::LibRef::New(d)) => {
                            ("library", Some(set.new[d].name.clone()))
                        }
                        Binding::Lib(plan::LibRef::Loaded(_)) => ("library", None),
                        Binding::Loader => ("loader", None),
                        Binding::Host => ("host", None),
                        Binding::Linker => ("linker", None),
                        Binding::WeakNull => ("weak-null", None),
                        Binding::Lazy => ("lazy", None),
                        Binding::Undefined => ("undefined", None),
                    };
                    ImportBinding {
                        import: format!("{}.{}", b.module, b.name),
                        binds,
                        library,
                    }
                })
                .collect();
            LibBindings {
                name: set.new[k].name.clone(),
                path: Some(set.new[k].path.clone()),
                imports,
            }
        })
        .collect()
}

/// The bindings as text: each library, then its imports and where they go.
pub fn bindings_text(libs: &[LibBindings]) -> String {
    let mut out = String::new();
    for lib in libs {
        let _ = writeln!(out, "{}", lib.name);
        for i in &lib.imports {
            match &i.library {
                Some(l) => {
                    let _ = writeln!(out, "  {} -> {l}", i.import);
                }
                None => {
                    let _ = writeln!(out, "  {} -> {}", i.import, i.binds);
                }
            }
        }
    }
    out
}

/// A process with nothing loaded yet: what `ldd` plans against.
struct NothingLoaded;

impl plan::bind::Scope for NothingLoaded {
    type Lib = crate::symbols::LibId;

    fn global(&self, _: &str) -> Option<Self::Lib> {
        None
    }

    fn defines(&self, _: Self::Lib, _: &str) -> bool {
        false
    }

    fn deps(&self, _: Self::Lib) -> Vec<Self::Lib> {
        Vec::new()
    }
}

/// The file system as `ldd` sees it: nothing loaded, libraries read from
/// the search path.
struct Disk<'a> {
    search: &'a SearchPath,
    fs: crate::vfs::Vfs,
}

impl plan::World for Disk<'_> {
    type Module = ModuleInfo;
    type Error = String;
    type Located = Located;

    fn by_name(&self, _: &str) -> Option<crate::symbols::LibId> {
        None
    }

    fn by_path(&self, _: &Path) -> Option<crate::symbols::LibId> {
        None
    }

    fn locate(&self, name: &str, origin: &Path, runtime_paths: &[String]) -> Option<Located> {
        self.search
            .locate(name, origin, runtime_paths, &self.fs)
            .ok()
    }

    fn path_of(located: &Located) -> &Path {
        &located.path
    }

    fn read(
        &mut self,
        name: &str,
        _: Option<&ModuleInfo>,
        located: Option<Located>,
        origin: &Path,
        runtime_paths: &[String],
    ) -> Result<(PathBuf, ModuleInfo), String> {
        let found = match located {
            Some(located) => located.read(None),
            None => self
                .search
                .find(name, origin, runtime_paths, &self.fs, None),
        }
        .map_err(|e| format!("{e:#}"))?;
        let info = ModuleInfo::parse(&found.bytes)
            .map_err(|e| format!("{}: {e}", found.path.display()))?;
        Ok((found.path, info))
    }

    fn live(&self) -> usize {
        0
    }

    fn max_libraries(&self) -> usize {
        usize::MAX
    }
}

/// The ldd tree as text, like glibc's ldd.
pub fn ldd_text(tree: &[Needed]) -> String {
    let mut out = String::new();
    for n in tree {
        let indent = "  ".repeat(n.depth);
        match &n.path {
            Some(p) => {
                let _ = writeln!(out, "{indent}{} => {}", n.name, p.display());
            }
            None => {
                let dirs: Vec<String> =
                    n.searched.iter().map(|d| d.display().to_string()).collect();
                let _ = writeln!(
                    out,
                    "{indent}{} => not found (searched {})",
                    n.name,
                    dirs.join(":")
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_reports_missing_libraries_with_the_search_path() {
        let info = ModuleInfo {
            dylink: crate::dylink::DylinkInfo {
                needed: vec!["libnowhere.so".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let main = Path::new("/nonexistent/main.wasm");
        let search = SearchPath::new(main, &["/nonexistent-lib-dir".into()], &[]);
        let tree = ldd(main, &info, &search);
        assert_eq!(tree.len(), 1);
        assert!(tree[0].path.is_none());
        let text = ldd_text(&tree);
        assert!(text.contains("libnowhere.so => not found"), "{text}");
        assert!(text.contains("/nonexistent-lib-dir"), "{text}");
    }

    #[test]
    fn ldd_json_lists_paths_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let odd = PathBuf::from(std::ffi::OsStr::from_bytes(b"/lib\xff"));
        let tree = [Needed {
            name: "libx.so".into(),
            depth: 1,
            path: Some(odd.join("libx.so")),
            searched: vec![odd],
        }];
        assert_eq!(
            json(&tree),
            r#"[{"name":"libx.so","depth":1,"path":"/lib�/libx.so","searched":["/lib�"]}]"#
        );
    }

    #[test]
    fn the_text_form_lists_what_the_json_holds() {
        let report = Report {
            kind: "side module (shared library)",
            memory_size: 16,
            memory_align: 4,
            table_size: 0,
            table_align: 1,
            needed: vec!["liba.so".into()],
            runtime_paths: Vec::new(),
            export_flags: vec![Flagged {
                name: "t".into(),
                flags: vec!["weak", "tls"],
            }],
            import_flags: Vec::new(),
            imports_env_functions: vec!["puts".into(), "malloc".into()],
            imports_got_mem: Vec::new(),
            imports_got_func: Vec::new(),
            imports_wasi: Vec::new(),
            imports_other: Vec::new(),
            exports_functions: Vec::new(),
            exports_globals: Vec::new(),
        };
        assert_eq!(
            text(&report),
            "kind: side module (shared library)\nmemory_size: 16\nmemory_align: 4\n\
             table_size: 0\ntable_align: 1\nneeded (1):\n  liba.so\n\
             export_flags (1):\n  t weak, tls\nimports_env_functions (2):\n  puts\n  malloc\n"
        );
    }
}
