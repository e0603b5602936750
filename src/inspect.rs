//! `dlrun inspect` and `dlrun ldd`: what a module asks of the loader and how
//! its NEEDED tree would resolve, as text for people and JSON for scripts.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use wasmparser::SymbolFlags;

use crate::modinfo::{ExportKind, ImportKind, ModuleInfo};
use crate::plan;
use crate::search::SearchPath;

/// A JSON value, enough for these reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// A JSON number (integers only).
    Num(i64),
    /// A JSON string.
    Str(String),
    /// A JSON boolean.
    Bool(bool),
    /// JSON `null`.
    Null,
    /// A JSON array.
    List(Vec<Json>),
    /// A JSON object, fields in order.
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn obj(fields: Vec<(&str, Json)>) -> Json {
        Json::Obj(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    fn strs<'a>(items: impl IntoIterator<Item = &'a String>) -> Json {
        Json::List(items.into_iter().map(|s| Json::Str(s.clone())).collect())
    }

    /// Serializes the value.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Num(n) => {
                let _ = write!(out, "{n}");
            }
            Json::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Json::Null => out.push_str("null"),
            Json::Str(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        c if (c as u32) < 0x20 => {
                            let _ = write!(out, "\\u{:04x}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Json::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    Json::Str(k.clone()).write(out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

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

fn flag_names(flags: SymbolFlags) -> Vec<String> {
    let mut v = Vec::new();
    if flags.contains(SymbolFlags::BINDING_WEAK) {
        v.push("weak".to_string());
    }
    if flags.contains(SymbolFlags::TLS) {
        v.push("tls".to_string());
    }
    if flags.contains(SymbolFlags::UNDEFINED) {
        v.push("undefined".to_string());
    }
    v
}

/// The `inspect` report of one module.
pub fn inspect(info: &ModuleInfo) -> Json {
    let d = &info.dylink;
    let group = |module: &str| -> Json {
        Json::List(
            info.imports
                .iter()
                .filter(|i| match module {
                    "env" => i.module == "env" && matches!(i.kind, ImportKind::Func(_)),
                    "wasi" => i.module.starts_with("wasi"),
                    m => i.module == m,
                })
                .map(|i| Json::Str(i.name.clone()))
                .collect(),
        )
    };
    let other: Vec<Json> = info
        .imports
        .iter()
        .filter(|i| {
            !(i.module == "GOT.mem"
                || i.module == "GOT.func"
                || i.module.starts_with("wasi")
                || (i.module == "env" && matches!(i.kind, ImportKind::Func(_))))
        })
        .map(|i| Json::Str(format!("{}.{}", i.module, i.name)))
        .collect();
    let exports = |want_func: bool| -> Json {
        Json::List(
            info.exports
                .iter()
                .filter(|(_, k)| matches!(k, ExportKind::Func(_)) == want_func)
                .filter(|(_, k)| want_func || matches!(k, ExportKind::Global(_)))
                .map(|(n, _)| Json::Str(n.clone()))
                .collect(),
        )
    };
    Json::obj(vec![
        ("kind", Json::Str(kind(info).to_string())),
        ("memory_size", Json::Num(d.mem_size.into())),
        ("memory_align", Json::Num(1i64 << d.mem_align)),
        ("table_size", Json::Num(d.table_size.into())),
        ("table_align", Json::Num(1i64 << d.table_align)),
        ("needed", Json::strs(&d.needed)),
        ("runtime_paths", Json::strs(&d.runtime_paths)),
        (
            "export_flags",
            Json::List(
                d.export_flags
                    .iter()
                    .map(|(n, f)| {
                        Json::obj(vec![
                            ("name", Json::Str(n.clone())),
                            (
                                "flags",
                                Json::List(flag_names(*f).into_iter().map(Json::Str).collect()),
                            ),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "import_flags",
            Json::List(
                d.import_flags
                    .iter()
                    .map(|(m, n, f)| {
                        Json::obj(vec![
                            ("name", Json::Str(format!("{m}.{n}"))),
                            (
                                "flags",
                                Json::List(flag_names(*f).into_iter().map(Json::Str).collect()),
                            ),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("imports_env_functions", group("env")),
        ("imports_got_mem", group("GOT.mem")),
        ("imports_got_func", group("GOT.func")),
        ("imports_wasi", group("wasi")),
        ("imports_other", Json::List(other)),
        ("exports_functions", exports(true)),
        ("exports_globals", exports(false)),
    ])
}

/// Renders a report as indented text.
pub fn text(report: &Json) -> String {
    let mut out = String::new();
    if let Json::Obj(fields) = report {
        for (k, v) in fields {
            match v {
                Json::List(items) if items.is_empty() => {}
                Json::List(items) => {
                    let _ = writeln!(out, "{k} ({}):", items.len());
                    for item in items {
                        let _ = writeln!(out, "  {}", item_text(item));
                    }
                }
                v => {
                    let _ = writeln!(out, "{k}: {}", item_text(v));
                }
            }
        }
    }
    out
}

fn item_text(v: &Json) -> String {
    match v {
        Json::Str(s) => s.clone(),
        Json::Num(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Null => "-".into(),
        Json::List(items) => items.iter().map(item_text).collect::<Vec<_>>().join(", "),
        Json::Obj(fields) => fields
            .iter()
            .map(|(_, v)| item_text(v))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// One line of the `ldd` tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Needed {
    /// Nesting level in the tree (direct NEEDED entries are 1).
    pub depth: usize,
    /// The name as the NEEDED entry gives it.
    pub name: String,
    /// Where it resolves, or `None` when not found.
    pub path: Option<PathBuf>,
    /// The directories searched for it.
    pub searched: Vec<PathBuf>,
}

/// The libraries loading the module at `path` brings in, from the same
/// plan a load makes, breadth first (each once), then those not found.
pub fn ldd(path: &Path, info: &ModuleInfo, search: &SearchPath) -> Vec<Needed> {
    let mut world = Disk {
        search,
        fs: crate::vfs::Vfs::default(),
    };
    let root = plan::Root::Main {
        name: path.display().to_string(),
        path: path.to_path_buf(),
        module: info.clone(),
        needed: info.dylink.needed.clone(),
    };
    // A main module's plan that records what is missing has nothing left
    // to fail on.
    let Ok(set) = plan::load_set(&mut world, root, plan::OnMissing::Record) else {
        return Vec::new();
    };
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

/// The file system as `ldd` sees it: nothing loaded, libraries read from
/// the search path.
struct Disk<'a> {
    search: &'a SearchPath,
    fs: crate::vfs::Vfs,
}

impl plan::World for Disk<'_> {
    type Module = ModuleInfo;
    type Error = String;

    fn by_name(&self, _: &str) -> Option<crate::symbols::LibId> {
        None
    }

    fn by_path(&self, _: &Path) -> Option<crate::symbols::LibId> {
        None
    }

    fn locate(&self, name: &str, origin: &Path, runtime_paths: &[String]) -> Option<PathBuf> {
        self.search
            .locate(name, origin, runtime_paths, &self.fs)
            .ok()
            .map(|(path, _)| path)
    }

    fn read(
        &mut self,
        name: &str,
        _: Option<&ModuleInfo>,
        origin: &Path,
        runtime_paths: &[String],
    ) -> Result<(PathBuf, ModuleInfo), String> {
        let found = self
            .search
            .find(name, origin, runtime_paths, &self.fs, None)
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

/// The ldd tree as JSON.
pub fn ldd_json(tree: &[Needed]) -> Json {
    Json::List(
        tree.iter()
            .map(|n| {
                Json::obj(vec![
                    ("name", Json::Str(n.name.clone())),
                    ("depth", Json::Num(n.depth as i64)),
                    (
                        "path",
                        n.path
                            .as_ref()
                            .map(|p| Json::Str(p.display().to_string()))
                            .unwrap_or(Json::Null),
                    ),
                    (
                        "searched",
                        Json::List(
                            n.searched
                                .iter()
                                .map(|d| Json::Str(d.display().to_string()))
                                .collect(),
                        ),
                    ),
                ])
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_and_nests() {
        let j = Json::obj(vec![
            ("a", Json::Str("x\"y\n".into())),
            (
                "b",
                Json::List(vec![Json::Num(1), Json::Null, Json::Bool(true)]),
            ),
        ]);
        assert_eq!(j.render(), r#"{"a":"x\"y\n","b":[1,null,true]}"#);
    }

    #[test]
    fn ldd_reports_missing_libraries_with_the_search_path() {
        let info = ModuleInfo {
            dylink: crate::dylink::DylinkInfo {
                needed: vec!["libnowhere.so".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let search = SearchPath {
            cli_dirs: vec!["/nonexistent-lib-dir".into()],
            ..Default::default()
        };
        let tree = ldd(Path::new("/nonexistent/main.wasm"), &info, &search);
        assert_eq!(tree.len(), 1);
        assert!(tree[0].path.is_none());
        let text = ldd_text(&tree);
        assert!(text.contains("libnowhere.so => not found"), "{text}");
        assert!(text.contains("/nonexistent-lib-dir"), "{text}");
    }
}
