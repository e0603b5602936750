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
//! else of its kind, so no index moves and the module's metadata, read
//! from the original bytes, still holds. Function pointers keep their
//! identity: a function the module's table holds is reached as that table
//! entry, one in the table of exports as itself, and every other one
//! through one thunk per process.

use std::collections::HashMap;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Encode as _, Instruction};
use wasmparser::Payload;
use wasmtime::{Func, Instance, StoreContextMut};

use crate::modinfo::{ExportKind, ImportKind, ModuleInfo, Sig};
use crate::naming::About;
use crate::process::Process;
use crate::sections::{
    At, ELEMENTS, TABLES, encoded, entries_of, extend, module, rank, switch, walk,
};
use crate::symbols::LibId;

/// What a trimmed module's dispatchers are called: the prefix, then the
/// dispatcher's number.
pub const DISPATCH: &str = "dlrun.dispatch.";

/// What a module trimmed into a table calls that table.
pub const TABLE: &str = "dlrun.exports";

/// The most tables and element segments a module may have, as wasmtime
/// validates it: a module at either limit has no room for the table of
/// exports and is not trimmed into one.
const MOST_TABLES: u32 = 100;
const MOST_SEGMENTS: u32 = 100_000;

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
        Form::Dispatchers => with_dispatchers(wasm, info, &layout).map(Some),
        Form::Table => with_table(wasm, &layout),
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

/// The module with a dispatcher exported per signature. A module that
/// routes any export defines functions, so it has the type, function,
/// code and export sections this extends.
fn with_dispatchers(wasm: &[u8], info: &ModuleInfo, layout: &Layout) -> Result<Vec<u8>, String> {
    let added = layout.dispatchers.len() as u32;
    let funcs = info.func_sigs.len() as u32;
    let mut types = 0;
    let mut out = Vec::with_capacity(wasm.len());
    out.extend_from_slice(&wasm[..8]);
    for section in walk(wasm) {
        let (id, payload, range, whole) = section?;
        let entries = match &payload {
            Payload::TypeSection(s) => {
                types = s.count();
                dispatcher_types(layout)
            }
            Payload::FunctionSection(_) => {
                let mut bytes = Vec::new();
                for n in 0..added {
                    (types + n).encode(&mut bytes);
                }
                bytes
            }
            Payload::CodeSectionStart { .. } => dispatcher_bodies(layout),
            Payload::ExportSection(s) => {
                let section = exports_without(s.clone(), layout, |section| {
                    for n in 0..added {
                        section.export(
                            &format!("{DISPATCH}{n}"),
                            wasm_encoder::ExportKind::Func,
                            funcs + n,
                        );
                    }
                })?;
                wasm_encoder::Section::append_to(&section, &mut out);
                continue;
            }
            _ => {
                out.extend_from_slice(&wasm[whole]);
                continue;
            }
        };
        extend(&mut out, id, &wasm[range], added, &entries, At::End)?;
    }
    Ok(out)
}

/// The module with the table of exports, [`TABLE`], exported: a table
/// after the module's others, and an element segment filling it, each in a
/// section of its own when the module has none. `None` when the module has
/// element segments other than active ones of functions.
///
/// The segment comes first: wasmtime fills a table lazily, as its entries
/// are used, only from the segments before the first it cannot (one into
/// an imported table, as an Emscripten main's is); it fills the others at
/// each instantiation, which for a main's thousands of functions cost more
/// than the names did. Active segments are dropped once applied, so moving
/// them one index later changes nothing the code can see; a passive or
/// declared one could be named by `table.init`, and the module is left
/// alone.
fn with_table(wasm: &[u8], layout: &Layout) -> Result<Option<Vec<u8>>, String> {
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let size = layout.tabled.len() as u64;
    let mut table = wasm_encoder::TableSection::new();
    table.table(wasm_encoder::TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: size,
        maximum: Some(size),
        shared: false,
    });
    // Its index: the tables the module imports and defines come first.
    let mut index = 0;
    let segment = |index: u32| {
        let mut elements = wasm_encoder::ElementSection::new();
        elements.active(
            Some(index),
            &wasm_encoder::ConstExpr::i32_const(0),
            wasm_encoder::Elements::Functions(layout.tabled.as_slice().into()),
        );
        elements
    };
    let (mut tabled, mut filled) = (false, false);
    let mut out = Vec::with_capacity(wasm.len() + 4 * layout.tabled.len());
    out.extend_from_slice(&wasm[..8]);
    for section in walk(wasm) {
        let (id, payload, range, whole) = section?;
        let after = |kind: u8| rank(id).is_some_and(|r| r > rank(kind).unwrap_or(0));
        if !tabled && after(TABLES) {
            if index >= MOST_TABLES {
                return Ok(None);
            }
            wasm_encoder::Section::append_to(&table, &mut out);
            tabled = true;
        }
        if !filled && after(ELEMENTS) {
            wasm_encoder::Section::append_to(&segment(index), &mut out);
            filled = true;
        }
        match &payload {
            Payload::ImportSection(s) => {
                for import in s.clone().into_imports() {
                    if let wasmparser::TypeRef::Table(_) = import.map_err(err)?.ty {
                        index += 1;
                    }
                }
            }
            Payload::TableSection(s) => {
                index += s.count();
                if index >= MOST_TABLES {
                    return Ok(None);
                }
                extend(&mut out, id, &wasm[range], 1, &entries_of(&table), At::End)?;
                tabled = true;
                continue;
            }
            Payload::ElementSection(s) => {
                if s.count() >= MOST_SEGMENTS {
                    return Ok(None);
                }
                for element in s.clone() {
                    let element = element.map_err(err)?;
                    let active = matches!(element.kind, wasmparser::ElementKind::Active { .. });
                    let funcs = match element.items {
                        wasmparser::ElementItems::Functions(_) => true,
                        wasmparser::ElementItems::Expressions(ty, _) => ty.is_func_ref(),
                    };
                    if !(active && funcs) {
                        return Ok(None);
                    }
                }
                extend(
                    &mut out,
                    id,
                    &wasm[range],
                    1,
                    &entries_of(&segment(index)),
                    At::Start,
                )?;
                filled = true;
                continue;
            }
            Payload::ExportSection(s) => {
                let section = exports_without(s.clone(), layout, |section| {
                    section.export(TABLE, wasm_encoder::ExportKind::Table, index);
                })?;
                wasm_encoder::Section::append_to(&section, &mut out);
                continue;
            }
            _ => {}
        }
        out.extend_from_slice(&wasm[whole]);
    }
    if !filled {
        wasm_encoder::Section::append_to(&segment(index), &mut out);
    }
    Ok(Some(out))
}

/// The type of the dispatcher for `sig`: the position first, then the
/// parameters of `sig`.
pub(crate) fn dispatcher_type(types: &mut wasm_encoder::TypeSection, sig: &Sig) {
    let mut params = vec![wasm_encoder::ValType::I32];
    params.extend(encoded(&sig.params));
    types.ty().function(params, encoded(&sig.results));
}

/// The dispatchers' types, as type-section entries.
fn dispatcher_types(layout: &Layout) -> Vec<u8> {
    let mut section = wasm_encoder::TypeSection::new();
    for (sig, _) in &layout.dispatchers {
        dispatcher_type(&mut section, sig);
    }
    entries_of(&section)
}

/// The dispatchers' bodies: a `br_table` on the position, each target a
/// direct call of one function.
fn dispatcher_bodies(layout: &Layout) -> Vec<u8> {
    let mut section = wasm_encoder::CodeSection::new();
    for (sig, funcs) in &layout.dispatchers {
        let select = |body: &mut wasm_encoder::Function| {
            body.instruction(&Instruction::LocalGet(0));
        };
        let table = (0..funcs.len() as u32).collect();
        let body = switch(select, table, funcs.len(), |n, body| {
            for k in 0..sig.params.len() as u32 {
                body.instruction(&Instruction::LocalGet(k + 1));
            }
            body.instruction(&Instruction::Call(funcs[n]));
        });
        section.function(&body);
    }
    entries_of(&section)
}

/// A module exporting, as `0`, `1`, ..., a function calling each of
/// `wanted` (dispatcher, position) through its dispatcher, which it
/// imports from module `d` by number.
fn thunks(layout: &Layout, wanted: &[(u32, u32)]) -> (Vec<u8>, Vec<u32>) {
    let mut used: Vec<u32> = wanted.iter().map(|&(d, _)| d).collect();
    used.sort_unstable();
    used.dedup();
    let mut types = wasm_encoder::TypeSection::new();
    let mut imports = wasm_encoder::ImportSection::new();
    for (k, &d) in used.iter().enumerate() {
        let sig = &layout.dispatchers[d as usize].0;
        dispatcher_type(&mut types, sig);
        imports.import(
            "d",
            &d.to_string(),
            wasm_encoder::EntityType::Function(2 * k as u32),
        );
        types
            .ty()
            .function(encoded(&sig.params), encoded(&sig.results));
    }
    let mut functions = wasm_encoder::FunctionSection::new();
    let mut exports = wasm_encoder::ExportSection::new();
    let mut code = wasm_encoder::CodeSection::new();
    for (n, &(d, position)) in wanted.iter().enumerate() {
        let k = used.binary_search(&d).expect("a dispatcher imported") as u32;
        functions.function(2 * k + 1);
        exports.export(
            &n.to_string(),
            wasm_encoder::ExportKind::Func,
            used.len() as u32 + n as u32,
        );
        let mut body = wasm_encoder::Function::new([]);
        body.instruction(&Instruction::I32Const(position as i32));
        for p in 0..layout.dispatchers[d as usize].0.params.len() as u32 {
            body.instruction(&Instruction::LocalGet(p));
        }
        body.instruction(&Instruction::Call(k));
        body.instruction(&Instruction::End);
        code.function(&body);
    }
    let wasm = module(&types, &imports, &functions, &exports, &code);
    (wasm, used)
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

/// The index of function export `name` of library `lib` when the library is
/// instantiated trimmed: to be reached with [`reach`] (which also finds
/// the ones it kept).
pub fn trimmed(data: &Process, lib: LibId, name: &str) -> Option<u32> {
    let l = data
        .libs
        .get(lib)
        .filter(|l| l.trimmed.is_some() && l.instance.is_some())?;
    match l.info.export(name)? {
        ExportKind::Func(index) => Some(index),
        _ => None,
    }
}

/// Functions `indices` of library `lib`, instantiated trimmed: each the
/// entry its table holds, the export it kept, or a thunk (one module for
/// all those not reached before), each made once per process.
pub fn reach(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    indices: &[u32],
) -> wasmtime::Result<Vec<Func>> {
    reach_in(cx, lib, indices).map_err(|e| {
        e.context(About::new(
            &cx.data().libs[lib].names(),
            "reaching functions it was compiled without exporting",
        ))
    })
}

/// Where calls of functions `indices` of library `lib`, instantiated
/// trimmed, go: each one's dispatcher and position, or the export it kept.
pub fn targets(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    indices: &[u32],
) -> wasmtime::Result<Vec<crate::route::Target>> {
    targets_in(cx, lib, indices).map_err(|e| {
        e.context(About::new(
            &cx.data().libs[lib].names(),
            "reaching functions it was compiled without exporting",
        ))
    })
}

fn targets_in(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    indices: &[u32],
) -> wasmtime::Result<Vec<crate::route::Target>> {
    let (instance, layout) = trimmed_instance(cx, lib)?;
    let mut dispatchers: HashMap<u32, Func> = HashMap::new();
    let mut out = Vec::with_capacity(indices.len());
    for &index in indices {
        let export = |cx: &mut StoreContextMut<'_, Process>, name: &str| {
            instance
                .get_func(&mut *cx, name)
                .ok_or_else(|| wasmtime::format_err!("it does not export {name}"))
        };
        out.push(match layout.route(index) {
            Some(Route::Export(name)) => crate::route::Target::Func(export(cx, name)?),
            Some(Route::Dispatch {
                dispatcher,
                position,
            }) => {
                let func = match dispatchers.get(&dispatcher) {
                    Some(&f) => f,
                    None => {
                        let f = export(cx, &format!("{DISPATCH}{dispatcher}"))?;
                        dispatchers.insert(dispatcher, f);
                        f
                    }
                };
                crate::route::Target::Dispatch {
                    dispatcher: func,
                    key: (lib, dispatcher),
                    position,
                }
            }
            Some(Route::Table { position }) => {
                crate::route::Target::Func(table_entry(cx, instance, position)?)
            }
            None => wasmtime::bail!("function {index} is not one it exported"),
        });
    }
    Ok(out)
}

/// The instance of library `lib`, instantiated trimmed, and its layout.
fn trimmed_instance(
    cx: &StoreContextMut<'_, Process>,
    lib: LibId,
) -> wasmtime::Result<(Instance, std::sync::Arc<Layout>)> {
    let l = &cx.data().libs[lib];
    let instance = l
        .instance
        .ok_or_else(|| wasmtime::format_err!("not instantiated"))?;
    let form = l
        .trimmed
        .ok_or_else(|| wasmtime::format_err!("not compiled trimmed"))?;
    let what = match form {
        Form::Dispatchers => "exports trimmed to dispatchers",
        Form::Table => "exports trimmed to a table",
    };
    let info = l.info.clone();
    let layout = cx
        .data()
        .modules
        .derived(what, &l.path, || Ok(Layout::of(&info, form)))?;
    Ok((instance, layout))
}

/// Entry `position` of the table of exports of `instance`.
fn table_entry(
    cx: &mut StoreContextMut<'_, Process>,
    instance: Instance,
    position: u32,
) -> wasmtime::Result<Func> {
    instance
        .get_table(&mut *cx, TABLE)
        .and_then(|t| t.get(&mut *cx, u64::from(position)))
        .and_then(|r| r.as_func().flatten().copied())
        .ok_or_else(|| wasmtime::format_err!("its table of exports has no function {position}"))
}

fn reach_in(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    indices: &[u32],
) -> wasmtime::Result<Vec<Func>> {
    let (instance, layout) = trimmed_instance(cx, lib)?;
    let info = cx.data().libs[lib].info.clone();
    let table_base = cx.data().libs[lib].table_base;
    let mut out: Vec<Option<Func>> = Vec::with_capacity(indices.len());
    let mut wanted: Vec<(usize, (u32, u32))> = Vec::new();
    for (k, &index) in indices.iter().enumerate() {
        if let Some(&f) = cx.data().reached.get(&(lib, index)) {
            out.push(Some(f));
            continue;
        }
        let func = if let Some(pos) = info.table_positions.get(&index) {
            let table = cx.data().table()?;
            table
                .get(&mut *cx, u64::from(pos.slot(table_base)))
                .and_then(|r| r.as_func().flatten().copied())
        } else {
            match layout.route(index) {
                Some(Route::Export(name)) => instance.get_func(&mut *cx, name),
                Some(Route::Dispatch {
                    dispatcher,
                    position,
                }) => {
                    wanted.push((k, (dispatcher, position)));
                    None
                }
                Some(Route::Table { position }) => Some(table_entry(cx, instance, position)?),
                None => wasmtime::bail!("function {index} is not one it exported"),
            }
        };
        if let Some(f) = func {
            cx.data_mut().reached.insert((lib, index), f);
        }
        out.push(func);
    }
    if !wanted.is_empty() {
        let routes: Vec<(u32, u32)> = wanted.iter().map(|&(_, r)| r).collect();
        let (wasm, used) = thunks(&layout, &routes);
        let module = cx.data().modules.generated(&wasm)?;
        let mut imports = Vec::with_capacity(used.len());
        for d in used {
            let name = format!("{DISPATCH}{d}");
            let f = instance
                .get_func(&mut *cx, &name)
                .ok_or_else(|| wasmtime::format_err!("it does not export {name}"))?;
            imports.push(f.into());
        }
        let thunks = Instance::new(&mut *cx, &module, &imports)?;
        for (n, (k, _)) in wanted.into_iter().enumerate() {
            let f = thunks
                .get_func(&mut *cx, &n.to_string())
                .ok_or_else(|| wasmtime::format_err!("thunk {n} is missing"))?;
            cx.data_mut().reached.insert((lib, indices[k]), f);
            out[k] = Some(f);
        }
    }
    out.into_iter()
        .zip(indices)
        .map(|(f, index)| f.ok_or_else(|| wasmtime::format_err!("function {index} is unreachable")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Store, Val};

    const MODULE: &str = r#"(module
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

    fn exports(wasm: &[u8]) -> Vec<String> {
        let info = ModuleInfo::parse_with(wasm, false).unwrap();
        info.exports.iter().map(|(n, _)| n.to_string()).collect()
    }

    /// [`MODULE`] trimmed in `form`, validated: its metadata (before),
    /// its layout and its bytes.
    fn trimmed_module(form: Form) -> (ModuleInfo, Layout, Vec<u8>) {
        let wasm = wat::parse_str(MODULE).unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let layout = Layout::of(&info, form);
        let trimmed = trim(&wasm, &info, form).unwrap().unwrap();
        wasmparser::validate(&trimmed).unwrap();
        (info, layout, trimmed)
    }

    fn dispatch(store: &mut Store<()>, instance: &Instance, route: Route, args: &[Val]) -> Val {
        let Route::Dispatch {
            dispatcher,
            position,
        } = route
        else {
            panic!("{route:?} is not dispatched")
        };
        let f = instance
            .get_func(&mut *store, &format!("{DISPATCH}{dispatcher}"))
            .unwrap();
        let mut all = vec![Val::I32(position as i32)];
        all.extend_from_slice(args);
        let mut out = [Val::I32(0)];
        f.call(&mut *store, &all, &mut out).unwrap();
        out[0]
    }

    #[test]
    fn trimming_keeps_other_exports_and_dispatches_to_every_function() {
        let (_, layout, trimmed) = trimmed_module(Form::Dispatchers);
        assert_eq!(
            exports(&trimmed),
            [
                "memory",
                "g",
                "malloc",
                "dlrun.dispatch.0",
                "dlrun.dispatch.1"
            ]
        );
        assert_eq!(layout.route(3), Some(Route::Export("malloc")));
        let engine = Engine::default();
        let module = wasmtime::Module::new(&engine, &trimmed).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let (twice, inc, mix, other) = (0, 1, 2, 4);
        let call = |store: &mut Store<()>, f: u32, args: &[Val]| {
            dispatch(store, &instance, layout.route(f).unwrap(), args)
        };
        assert_eq!(call(&mut store, twice, &[Val::I32(21)]).unwrap_i32(), 42);
        assert_eq!(call(&mut store, inc, &[Val::I32(41)]).unwrap_i32(), 42);
        assert_eq!(call(&mut store, other, &[Val::I32(7)]).unwrap_i32(), 7);
        let mixed = call(&mut store, mix, &[Val::I64(40), Val::F64(2.5f64.to_bits())]);
        assert_eq!(mixed.unwrap_f64(), 42.5);
    }

    #[test]
    fn thunks_call_through_the_dispatchers() {
        let wasm = wat::parse_str(MODULE).unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let layout = Layout::of(&info, Form::Dispatchers);
        let engine = Engine::default();
        let main = wasmtime::Module::new(
            &engine,
            trim(&wasm, &info, Form::Dispatchers).unwrap().unwrap(),
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &main, &[]).unwrap();
        let routes: Vec<(u32, u32)> = [2, 1]
            .iter()
            .map(|&f| match layout.route(f).unwrap() {
                Route::Dispatch {
                    dispatcher,
                    position,
                } => (dispatcher, position),
                other => panic!("{other:?}"),
            })
            .collect();
        let (thunk_wasm, used) = thunks(&layout, &routes);
        wasmparser::validate(&thunk_wasm).unwrap();
        let imports: Vec<wasmtime::Extern> = used
            .iter()
            .map(|d| {
                instance
                    .get_func(&mut store, &format!("{DISPATCH}{d}"))
                    .unwrap()
                    .into()
            })
            .collect();
        let module = wasmtime::Module::new(&engine, &thunk_wasm).unwrap();
        let thunks = Instance::new(&mut store, &module, &imports).unwrap();
        let mix = thunks
            .get_typed_func::<(i64, f64), f64>(&mut store, "0")
            .unwrap();
        assert_eq!(mix.call(&mut store, (1, 0.5)).unwrap(), 1.5);
        let inc = thunks.get_typed_func::<i32, i32>(&mut store, "1").unwrap();
        assert_eq!(inc.call(&mut store, 9).unwrap(), 10);
    }

    #[test]
    fn imported_functions_passed_on_stay_exported() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "puts" (func $puts (param i32) (result i32)))
                (export "puts" (func $puts))
                (func (export "own") (param i32) (result i32) (local.get 0)))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let layout = Layout::of(&info, Form::Dispatchers);
        assert_eq!(layout.route(0), Some(Route::Export("puts")));
        assert!(matches!(layout.route(1), Some(Route::Dispatch { .. })));
        let trimmed = trim(&wasm, &info, Form::Dispatchers).unwrap().unwrap();
        wasmparser::validate(&trimmed).unwrap();
        assert_eq!(exports(&trimmed), ["puts", "dlrun.dispatch.0"]);
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

    /// The table of exports of `instance`, entry `position`, called with
    /// one i32.
    fn call_entry(store: &mut Store<()>, instance: &Instance, position: u32, arg: i32) -> i32 {
        let table = instance.get_table(&mut *store, TABLE).unwrap();
        let entry = table.get(&mut *store, u64::from(position)).unwrap();
        let f = entry.as_func().flatten().unwrap();
        f.typed::<i32, i32>(&*store)
            .unwrap()
            .call(store, arg)
            .unwrap()
    }

    #[test]
    fn tabling_keeps_other_exports_and_holds_every_function_once() {
        let (info, layout, tabled) = trimmed_module(Form::Table);
        assert_eq!(exports(&tabled), ["memory", "g", "malloc", TABLE]);
        assert_eq!(layout.route(3), Some(Route::Export("malloc")));
        let (twice, inc, other) = (0, 1, 4);
        let position = |f| match layout.route(f) {
            Some(Route::Table { position }) => position,
            other => panic!("{other:?}"),
        };
        assert_eq!(layout.tabled.len(), 4, "an alias takes no second entry");
        let engine = Engine::default();
        let module = wasmtime::Module::new(&engine, &tabled).unwrap();
        assert_eq!(is_trimmed(&module, &info), Some(Form::Table));
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        assert_eq!(call_entry(&mut store, &instance, position(twice), 21), 42);
        assert_eq!(call_entry(&mut store, &instance, position(inc), 41), 42);
        assert_eq!(call_entry(&mut store, &instance, position(other), 7), 7);
    }

    /// `wasm` trimmed into a table, validated and compiled.
    fn tabled_module(wasm: &[u8]) -> (Engine, wasmtime::Module) {
        let info = ModuleInfo::parse_with(wasm, false).unwrap();
        let tabled = trim(wasm, &info, Form::Table).unwrap().unwrap();
        wasmparser::validate(&tabled).unwrap();
        let engine = Engine::default();
        let module = wasmtime::Module::new(&engine, &tabled).unwrap();
        (engine, module)
    }

    #[test]
    fn the_table_of_exports_comes_after_the_tables_its_segment_before_the_segments() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "t" (table 1 funcref))
                (table $own 2 funcref)
                (func $f (export "f") (param i32) (result i32) (local.get 0))
                (func $g (export "g") (param i32) (result i32)
                    (call_indirect $own (param i32) (result i32) (local.get 0) (i32.const 1)))
                (elem (table $own) (i32.const 1) func $f))"#,
        )
        .unwrap();
        let (engine, module) = tabled_module(&wasm);
        let mut store = Store::new(&engine, ());
        let t = wasmtime::Table::new(
            &mut store,
            wasmtime::TableType::new(wasmtime::RefType::FUNCREF, 1, None),
            wasmtime::Ref::Func(None),
        )
        .unwrap();
        let instance = Instance::new(&mut store, &module, &[t.into()]).unwrap();
        let table = instance.get_table(&mut store, TABLE).unwrap();
        assert_eq!(table.size(&store), 2);
        assert_eq!(call_entry(&mut store, &instance, 1, 5), 5, "g calls f");
    }

    #[test]
    fn a_module_without_tables_or_segments_gets_both() {
        let wasm = wat::parse_str(
            r#"(module
                (memory (export "memory") 1)
                (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
                (data (i32.const 0) "x"))"#,
        )
        .unwrap();
        let (engine, module) = tabled_module(&wasm);
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        assert_eq!(call_entry(&mut store, &instance, 0, 1), 2);
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
        let module = wasmtime::Module::new(&Engine::default(), &wasm).unwrap();
        assert_eq!(is_trimmed(&module, &info), None);
    }

    #[test]
    fn a_module_with_a_passive_segment_is_not_tabled() {
        let wasm = wat::parse_str(
            r#"(module (table 1 funcref)
                (func $f (export "f"))
                (elem func $f))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        assert_eq!(trim(&wasm, &info, Form::Table).unwrap(), None);
        assert!(trim(&wasm, &info, Form::Dispatchers).unwrap().is_some());
    }

    #[test]
    fn a_module_with_all_the_tables_wasm_allows_is_not_tabled() {
        let tables = "(table 0 funcref)".repeat(MOST_TABLES as usize);
        let wasm = wat::parse_str(format!("(module {tables} (func (export \"f\")))")).unwrap();
        wasmparser::validate(&wasm).unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        assert_eq!(trim(&wasm, &info, Form::Table).unwrap(), None);
        let fewer = "(table 0 funcref)".repeat(MOST_TABLES as usize - 1);
        let wasm = wat::parse_str(format!("(module {fewer} (func (export \"f\")))")).unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let tabled = trim(&wasm, &info, Form::Table).unwrap().unwrap();
        wasmparser::validate(&tabled).unwrap();
    }
}
