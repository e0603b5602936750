//! A module with its function exports trimmed. An Emscripten
//! `-sMAIN_MODULE` main exports its whole libc (6000 exports of 4700
//! functions for a hello world) and a side module every function it does
//! not hide; a run reaches few of them from outside. Each export costs in
//! two ways, and each compiler's code is trimmed in the [`Form`] that
//! removes its cost:
//!
//! - Winch's first run: wasmtime compiles an entry trampoline for every
//!   function that escapes its module, two thirds of compiling a main.
//!   The module exports instead one dispatcher per function type, which
//!   calls any of the removed functions by its position (a `br_table`, so
//!   the functions do not escape). Another module's calls reach them
//!   through its routers ([`crate::route`]); a function an import that is
//!   not routed binds to, or the host asks for, is reached through a
//!   thunk, one small module per batch, made when asked for ([`reach`]).
//! - Cranelift's code, loaded from the cache by every later run: wasmtime
//!   reads every export name each time it loads the code (a fifth of a
//!   warm start). The module exports instead one table holding the
//!   removed functions, each reached as its entry: a call through it costs
//!   what a call through the export did.
//!
//! Nothing else in the module changes: what trimming adds comes after all
//! else of its kind (but for the table's element segment, which comes
//! first: see `table.rs`), so no index the code uses moves and the
//! module's metadata, read from the original bytes, still holds. Function
//! pointers keep their identity: a function the module's table holds is
//! reached as that table entry, one in the table of exports as itself,
//! and every other one through one thunk per process.
//!
//! This module says where each function goes ([`Layout`]); the two forms'
//! rewrites are `dispatchers.rs` and `table.rs`, and reaching the
//! functions of a trimmed library in a process is `reach.rs`.

mod dispatchers;
mod reach;
mod table;

use foldhash::{HashMap, HashMapExt as _};

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};

use crate::modinfo::{ExportKind, ImportKind, ModuleInfo, Sig};

pub(crate) use dispatchers::dispatcher_type;
pub use reach::{reach, targets, trimmed};

/// What a trimmed module's dispatchers are called: the prefix, then the
/// dispatcher's number.
pub const DISPATCH: &str = "dlrun.dispatch.";

/// What a module trimmed into a table calls that table.
pub const TABLE: &str = "dlrun.exports";

/// How a trimmed module reaches the functions it no longer exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// One dispatcher per function type: the functions no longer escape.
    Dispatchers,
    /// One table of them, [`TABLE`]: they escape as before, with fewer
    /// names.
    Table,
}

/// Exports a trimmed module keeps: the functions the loader calls itself (a
/// thunk each would cost more than the trampoline, and the host looks some
/// up on the instance directly).
pub const KEPT: &[&str] = &[
    "__wasm_call_ctors",
    "__wasm_apply_data_relocs",
    "__wasm_call_dtors",
    "_start",
    "main",
    "__main_argc_argv",
    "stackSave",
    "stackRestore",
    "malloc",
    "free",
    "emscripten_builtin_malloc",
    "emscripten_builtin_memalign",
    "emscripten_stack_init",
    "emscripten_stack_set_limits",
    "setThrew",
    "__cxa_can_catch",
    "__cxa_is_pointer_type",
    "__cxa_atexit",
    "__errno_location",
    "fflush",
    "exit",
    "raise",
    "dlerror",
    "__dl_seterr",
    "__stdio_exit",
    "__funcs_on_exit",
];

/// Where a trimmed module puts each function it no longer exports.
#[derive(Debug)]
pub struct Layout {
    /// One dispatcher per signature, in order: the functions it calls, by
    /// position ([`Form::Dispatchers`]).
    dispatchers: Vec<(Sig, Vec<u32>)>,
    /// The functions of the table of exports, by position ([`Form::Table`]).
    tabled: Vec<u32>,
    /// Function index -> where it went.
    routes: HashMap<u32, Place>,
    /// Function index -> a name the trimmed module still exports it as
    /// (one of [`KEPT`], or an imported function it passes on: no
    /// trampoline is compiled for those).
    kept: HashMap<u32, String>,
}

/// Where a function trimming removed from the exports went.
#[derive(Clone, Copy, Debug)]
enum Place {
    Dispatch(u32, u32),
    Table(u32),
}

/// How function `index` of a trimmed module is reached from outside.
#[derive(Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// Through the export of that name, which it kept.
    Export(&'a str),
    /// Through dispatcher `dispatcher`, at `position`.
    Dispatch { dispatcher: u32, position: u32 },
    /// As entry `position` of the table of exports.
    Table { position: u32 },
}

impl Layout {
    /// The layout trimming in `form` gives a module described by `info`.
    pub fn of(info: &ModuleInfo, form: Form) -> Layout {
        let mut layout = Layout {
            dispatchers: Vec::new(),
            tabled: Vec::new(),
            routes: HashMap::new(),
            kept: HashMap::new(),
        };
        let imported = info
            .imports
            .iter()
            .filter(|i| matches!(i.kind, ImportKind::Func(_)))
            .count() as u32;
        for (name, kind) in &info.exports {
            if let ExportKind::Func(index) = *kind
                && (index < imported || KEPT.contains(&&**name))
            {
                layout.kept.entry(index).or_insert_with(|| name.to_string());
            }
        }
        let mut by_sig: HashMap<&Sig, u32> = HashMap::new();
        for (_, kind) in &info.exports {
            let ExportKind::Func(index) = *kind else {
                continue;
            };
            if layout.kept.contains_key(&index) || layout.routes.contains_key(&index) {
                continue;
            }
            if form == Form::Table {
                let position = layout.tabled.len() as u32;
                layout.routes.insert(index, Place::Table(position));
                layout.tabled.push(index);
                continue;
            }
            let Some(sig) = info.func_sig(index) else {
                continue;
            };
            let dispatcher = *by_sig.entry(sig).or_insert_with(|| {
                layout.dispatchers.push((sig.clone(), Vec::new()));
                layout.dispatchers.len() as u32 - 1
            });
            let funcs = &mut layout.dispatchers[dispatcher as usize].1;
            layout
                .routes
                .insert(index, Place::Dispatch(dispatcher, funcs.len() as u32));
            funcs.push(index);
        }
        layout
    }

    /// How function `index` is reached, if the module exported it.
    pub fn route(&self, index: u32) -> Option<Route<'_>> {
        if let Some(name) = self.kept.get(&index) {
            return Some(Route::Export(name));
        }
        Some(match *self.routes.get(&index)? {
            Place::Dispatch(dispatcher, position) => Route::Dispatch {
                dispatcher,
                position,
            },
            Place::Table(position) => Route::Table { position },
        })
    }

    /// Whether trimming removes any export.
    pub fn trims(&self) -> bool {
        !self.routes.is_empty()
    }
}

/// `wasm`, described by `info`, with the function exports [`Layout::of`]
/// routes removed, in `form`; `None` when it has nothing to trim.
pub fn trim(wasm: &[u8], info: &ModuleInfo, form: Form) -> Result<Option<Vec<u8>>, String> {
    let layout = Layout::of(info, form);
    if !layout.trims() || claims_our_names(info) {
        return Ok(None);
    }
    match form {
        Form::Dispatchers => dispatchers::with_dispatchers(wasm, info, &layout).map(Some),
        Form::Table => table::with_table(wasm, &layout),
    }
}

/// The exports of a module whose function exports `layout` routes are
/// removed, with `added` appended.
fn exports_without(
    s: wasmparser::ExportSectionReader<'_>,
    layout: &Layout,
    added: impl FnOnce(&mut wasm_encoder::ExportSection),
) -> Result<wasm_encoder::ExportSection, String> {
    let mut section = wasm_encoder::ExportSection::new();
    for export in s {
        let export = export.map_err(|e| e.to_string())?;
        let routed = export.kind == wasmparser::ExternalKind::Func
            && layout.routes.contains_key(&export.index);
        if !routed {
            let kind = RoundtripReencoder
                .export_kind(export.kind)
                .map_err(|e| e.to_string())?;
            section.export(export.name, kind, export.index);
        }
    }
    added(&mut section);
    Ok(section)
}

/// The prefix of the names the first-run rewrites add to a module.
const OURS: &str = "dlrun.";

/// Whether a module described by `info` exports a name of the kind the
/// rewrites add: such a module is neither trimmed nor routed, and its
/// exports are never taken for the rewrites' own.
pub fn claims_our_names(info: &ModuleInfo) -> bool {
    info.exports.iter().any(|(name, _)| name.starts_with(OURS))
}

/// The form `module`, described by `info`, was compiled trimmed in, if it
/// was.
pub fn is_trimmed(module: &wasmtime::Module, info: &ModuleInfo) -> Option<Form> {
    if claims_our_names(info) {
        return None;
    }
    if module.get_export_index(TABLE).is_some() {
        return Some(Form::Table);
    }
    let first = format!("{DISPATCH}0");
    module.get_export_index(&first).map(|_| Form::Dispatchers)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(super) const MODULE: &str = r#"(module
        (memory (export "memory") 1)
        (global (export "g") i32 (i32.const 5))
        (func $twice (export "twice") (export "twice_alias") (param i32) (result i32)
            (i32.mul (local.get 0) (i32.const 2)))
        (func $inc (export "inc") (param i32) (result i32)
            (i32.add (local.get 0) (i32.const 1)))
        (func $mix (export "mix") (param i64 f64) (result f64)
            (f64.add (f64.convert_i64_s (local.get 0)) (local.get 1)))
        (func $malloc (export "malloc") (param i32) (result i32) (local.get 0))
        (func (export "main_alias_of_malloc") (param i32) (result i32) (call $malloc (local.get 0))))"#;

    pub(super) fn exports(wasm: &[u8]) -> Vec<String> {
        let info = ModuleInfo::parse_with(wasm, false).unwrap();
        info.exports.iter().map(|(n, _)| n.to_string()).collect()
    }

    /// [`MODULE`] trimmed in `form`, validated: its metadata (before),
    /// its layout and its bytes.
    pub(crate) fn trimmed_module(form: Form) -> (ModuleInfo, Layout, Vec<u8>) {
        let wasm = wat::parse_str(MODULE).unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let layout = Layout::of(&info, form);
        let trimmed = trim(&wasm, &info, form).unwrap().unwrap();
        wasmparser::validate(&trimmed).unwrap();
        (info, layout, trimmed)
    }

    #[test]
    fn modules_exporting_no_other_functions_are_left_alone() {
        let wasm = wat::parse_str(
            r#"(module (memory (export "memory") 1)
                (func (export "malloc") (param i32) (result i32) (local.get 0)))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        assert_eq!(trim(&wasm, &info, Form::Dispatchers).unwrap(), None);
        assert_eq!(trim(&wasm, &info, Form::Table).unwrap(), None);
    }

    #[test]
    fn damaged_modules_are_errors_not_panics() {
        let wasm = wat::parse_str(MODULE).unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        for cut in [9, 20, wasm.len() / 2, wasm.len() - 1] {
            for form in [Form::Dispatchers, Form::Table] {
                assert!(trim(&wasm[..cut], &info, form).is_err(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn a_module_exporting_our_names_is_not_taken_for_trimmed() {
        let wasm = wat::parse_str(
            r#"(module (table (export "dlrun.exports") 1 funcref)
                (func (export "f")))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        assert_eq!(trim(&wasm, &info, Form::Table).unwrap(), None);
        let module = wasmtime::Module::new(&wasmtime::Engine::default(), &wasm).unwrap();
        assert_eq!(is_trimmed(&module, &info), None);
    }
}
