//! `dlrun inspect` and `dlrun ldd`: what a module asks of the loader and how
//! its NEEDED tree would resolve, as text for people and JSON for scripts.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use wasmparser::SymbolFlags;

use crate::modinfo::{ExportKind, ImportKind, ModuleInfo};
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

/// Resolves the NEEDED tree of the module at `path` as loading would, each
/// library listed once (at its first appearance).
pub fn ldd(path: &Path, info: &ModuleInfo, search: &SearchPath) -> Vec<Needed> {
    let mut out = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let origin = path.parent().map(Path::to_path_buf).unwrap_or_default();
    walk(&origin, info, search, 1, &mut seen, &mut out);
    out
}

fn walk(
    origin: &Path,
    info: &ModuleInfo,
    search: &SearchPath,
    depth: usize,
    seen: &mut Vec<PathBuf>,
    out: &mut Vec<Needed>,
) {
    let fs = crate::vfs::Vfs::default();
    let rpaths = &info.dylink.runtime_paths;
    for name in &info.dylink.needed {
        let searched = search.dirs(origin, rpaths, &fs);
        match search.locate(name, origin, rpaths, &fs) {
            Ok((path, _)) => {
                let again = seen.contains(&path);
                out.push(Needed {
                    depth,
                    name: name.clone(),
                    path: Some(path.clone()),
                    searched,
                });
                if again {
                    continue;
                }
                seen.push(path.clone());
                // A file that cannot be read or parsed is listed, without
                // the libraries it would need.
                let child = search
                    .find(name, origin, rpaths, &fs, None)
                    .ok()
                    .and_then(|found| ModuleInfo::parse(&found.bytes).ok());
                if let Some(child) = child {
                    let child_origin = path.parent().map(Path::to_path_buf).unwrap_or_default();
                    walk(&child_origin, &child, search, depth + 1, seen, out);
                }
            }
            Err(_) => out.push(Needed {
                depth,
                name: name.clone(),
                path: None,
                searched,
            }),
        }
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
