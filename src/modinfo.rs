//! What the loader needs to know about one module before instantiating it,
//! read in a single pass with wasmparser: its dylink metadata, imports and
//! exports with their types, the constant values of its exported globals, and
//! where its element segments put its functions in the table.

use foldhash::HashMap;
use std::sync::Arc;

use wasmparser::{
    Chunk, DataKind, ElementItems, ElementKind, ExternalKind, Operator, Parser, Payload, TypeRef,
    ValType,
};

use crate::dylink::{self, DylinkError, DylinkInfo};

pub(crate) mod index;
mod name;
pub(crate) mod stored;

pub use name::Name;

use serde::{Deserialize, Serialize};

/// A function signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sig {
    /// Parameter types, in order.
    #[serde(with = "stored::val_types")]
    pub params: Vec<ValType>,
    /// Result types, in order.
    #[serde(with = "stored::val_types")]
    pub results: Vec<ValType>,
}

/// A signature as C programmers read it: `(i64, i32) -> f32`.
impl std::fmt::Display for Sig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::value::write_signature(f, &self.params, &self.results)
    }
}

impl Sig {
    /// The signature as `engine`'s function type.
    pub fn func_type(&self, engine: &wasmtime::Engine) -> wasmtime::FuncType {
        let conv = |t: &ValType| match t {
            ValType::I32 => wasmtime::ValType::I32,
            ValType::I64 => wasmtime::ValType::I64,
            ValType::F32 => wasmtime::ValType::F32,
            ValType::F64 => wasmtime::ValType::F64,
            ValType::V128 => wasmtime::ValType::V128,
            ValType::Ref(r) if r.is_func_ref() => wasmtime::ValType::FUNCREF,
            ValType::Ref(_) => wasmtime::ValType::EXTERNREF,
        };
        wasmtime::FuncType::new(
            engine,
            self.params.iter().map(conv),
            self.results.iter().map(conv),
        )
    }
}

/// Prefix of the unlegalized twin of an i64-legalized export (emcc 3.1
/// without WASM_BIGINT exports `orig$NAME` beside the legalized `NAME`).
pub const ORIG_PREFIX: &str = "orig$";

/// What an import asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ImportKind {
    /// A function of this signature.
    Func(Sig),
    /// A global of this type.
    Global {
        /// Its value type.
        #[serde(with = "stored::val_type")]
        ty: ValType,
        /// Whether the module may write it.
        mutable: bool,
    },
    /// A linear memory (normally the shared `env.memory`).
    Memory {
        /// Minimum size, in pages.
        min: u64,
        /// Maximum size in pages, if bounded.
        max: Option<u64>,
        /// Whether it is a shared (threads) memory.
        shared: bool,
        /// Whether it uses 64-bit addresses.
        memory64: bool,
    },
    /// A table (normally the shared `env.__indirect_function_table`).
    Table {
        /// Minimum number of entries.
        min: u64,
        /// Maximum number of entries, if bounded.
        max: Option<u64>,
    },
    /// An exception tag (native wasm exceptions, which the loader refuses).
    Tag,
}

/// One import of the module, in declaration order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Import {
    /// The import's module name (`env`, `GOT.mem`, `GOT.func`, `wasi_snapshot_preview1`, ...).
    pub module: String,
    /// The import's field name.
    pub name: String,
    /// What it asks for.
    pub kind: ImportKind,
}

/// What an export refers to, by index in its index space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportKind {
    /// A function, by function index.
    Func(u32),
    /// A global, by global index.
    Global(u32),
    /// The module's memory.
    Memory,
    /// The module's table.
    Table,
    /// An exception tag.
    Tag,
}

/// A constant expression the loader can evaluate before instantiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConstAddr {
    /// A plain constant.
    Absolute(i64),
    /// `global.get <imported base>` plus a constant: relative to the
    /// module's `__memory_base` or `__table_base`.
    Relative(i64),
}

impl ConstAddr {
    /// The table slot of a function at this position in the element
    /// segments of a module whose table base is `table_base`. A position
    /// past 32 bits wraps as wasm's i32 arithmetic does: such a module fails
    /// to instantiate, and the slot is never used.
    pub fn slot(self, table_base: u32) -> u32 {
        match self {
            ConstAddr::Relative(p) => table_base.wrapping_add(p as u32),
            ConstAddr::Absolute(p) => p as u32,
        }
    }
}

/// Everything the loader plans with. The cache keeps it beside the
/// module's file ([`ModuleInfo::to_stored`]): what `parse` derives from
/// other fields is left out and derived again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModuleInfo {
    /// Its dylink metadata (sizes, alignments, NEEDED list, symbol flags).
    pub dylink: DylinkInfo,
    /// Imports, in declaration order.
    pub imports: Vec<Import>,
    /// Export name -> what it refers to, in declaration order.
    #[serde(with = "stored::exports")]
    pub exports: Vec<(Name, ExportKind)>,
    /// The same exports by name (filled by `parse`; a hand-built value
    /// without it is searched in order).
    #[serde(skip)]
    pub export_index: index::ExportIndex,
    /// Plain names of the functions exported as `orig$NAME` (the i64
    /// twins of legalized exports), filled by `parse` with the index:
    /// resolution asks for plain names, and building `orig$NAME` for every
    /// name a module does not define was most of planning a large main.
    #[serde(skip)]
    pub orig_names: std::collections::HashSet<String>,
    /// Signature of every function, imported ones first.
    #[serde(with = "stored::shared_sigs")]
    pub func_sigs: Vec<Arc<Sig>>,
    /// Defined globals whose initializer is constant: global index -> value.
    pub global_inits: HashMap<u32, ConstAddr>,
    /// Function index -> its first position in the element segments.
    pub table_positions: HashMap<u32, ConstAddr>,
    /// The start function, if any (LLVM 14 side modules relocate data there).
    pub start: Option<u32>,
    /// Whether the module imports `__memory_base`: its exported data
    /// addresses are then offsets from that base.
    pub relocatable: bool,
    /// Whether the exported `_start` itself calls the exported
    /// `__wasm_call_ctors` (newer wasi-libc crt1 does; older crt1 leaves it
    /// to wasm-ld's command wrappers, which exporting it turns off, so then
    /// the loader must call it).
    pub start_calls_ctors: bool,
    /// A relocatable module's TLS image (`.tdata`), when it is its first
    /// data segment, as wasm-ld lays it out with threads (first in the
    /// module's static data, a passive segment `__wasm_init_tls` copies).
    pub tls_image: Option<Arc<[u8]>>,
    /// The index of a relocatable module's `__tls_base`: the one mutable
    /// global it defines (its stack pointer is imported). LLVM 14 places
    /// the thread-locals a side module uses but does not define (libc's
    /// `__THREW__`) at offset 0 from it.
    pub tls_base: Option<u32>,
    /// Whether the module defines thread-locals (its `emscripten_tls_init`
    /// makes a block of nonzero size).
    pub own_thread_locals: bool,
}

impl AsRef<ModuleInfo> for ModuleInfo {
    fn as_ref(&self) -> &ModuleInfo {
        self
    }
}

/// The data segment (index, bytes) `emscripten_tls_init` copies into a new
/// TLS block: the `memory.init` in it or in a function it calls
/// (`__wasm_init_tls`). None for a module without a TLS image (no
/// thread-locals, or only zero-initialized ones, which it fills).
fn tls_segment(
    info: &ModuleInfo,
    bytes: &[u8],
    bodies: &[std::ops::Range<usize>],
    imported_funcs: u32,
) -> Option<(u32, u32)> {
    let Some(ExportKind::Func(init)) = info.export("emscripten_tls_init") else {
        return None;
    };
    let body = |f: u32| body_of(f, bytes, bodies, imported_funcs);
    // The segment a body copies: `i32.const LEN; memory.init SEG`.
    let copies = |b: &wasmparser::FunctionBody<'_>, calls: &mut Vec<u32>| -> Option<(u32, u32)> {
        let mut ops = b.get_operators_reader().ok()?;
        let mut last_const = None;
        while !ops.eof() {
            match ops.read().ok()? {
                Operator::MemoryInit { data_index, .. } => return Some((data_index, last_const?)),
                Operator::I32Const { value } => last_const = u32::try_from(value).ok(),
                Operator::Call { function_index } => calls.push(function_index),
                _ => last_const = None,
            }
        }
        None
    };
    let mut calls = Vec::new();
    if let Some(found) = copies(&body(init)?, &mut calls) {
        return Some(found);
    }
    calls
        .into_iter()
        .find_map(|f| copies(&body(f)?, &mut Vec::new()))
}

/// The body of function `f`, from the ranges the parse kept.
fn body_of<'a>(
    f: u32,
    bytes: &'a [u8],
    bodies: &[std::ops::Range<usize>],
    imported_funcs: u32,
) -> Option<wasmparser::FunctionBody<'a>> {
    let range = bodies.get(f.checked_sub(imported_funcs)? as usize)?.clone();
    let reader = wasmparser::BinaryReader::new(bytes.get(range.clone())?, range.start);
    Some(wasmparser::FunctionBody::new(reader))
}

/// The size of the TLS block `emscripten_tls_init` makes: the global it
/// reads first (`__tls_size`, which it tests for zero).
fn tls_size(
    info: &ModuleInfo,
    bytes: &[u8],
    bodies: &[std::ops::Range<usize>],
    imported_funcs: u32,
) -> Option<i64> {
    let Some(ExportKind::Func(init)) = info.export("emscripten_tls_init") else {
        return None;
    };
    let body = body_of(init, bytes, bodies, imported_funcs)?;
    let mut ops = body.get_operators_reader().ok()?;
    while !ops.eof() {
        if let Operator::GlobalGet { global_index } = ops.read().ok()? {
            return match info.global_inits.get(&global_index)? {
                ConstAddr::Absolute(n) => Some(*n),
                ConstAddr::Relative(_) => None,
            };
        }
    }
    None
}

impl ModuleInfo {
    /// Parses `bytes`; fails if it is not wasm or has no dylink metadata.
    pub fn parse(bytes: &[u8]) -> Result<ModuleInfo, DylinkError> {
        Self::parse_with(bytes, true)
    }

    /// Parses `bytes`; without dylink metadata the module gets empty
    /// metadata unless `require_dylink`.
    pub fn parse_with(bytes: &[u8], require_dylink: bool) -> Result<ModuleInfo, DylinkError> {
        if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
            return Err(DylinkError::NotWasm);
        }
        let malformed = |e: wasmparser::BinaryReaderError| DylinkError::Malformed {
            section: "module",
            reason: e.to_string(),
        };
        let mut info = ModuleInfo::default();
        let mut bodies: Vec<std::ops::Range<usize>> = Vec::new();
        let mut with_tls = false;
        let mut first_passive: Option<&[u8]> = None;
        let mut dylink = None;
        let mut types: Vec<Arc<Sig>> = Vec::new();
        let mut import_globals: Vec<(String, String)> = Vec::new();
        let mut imported_funcs = 0u32;
        let mut next_body = 0u32;
        // The body whose calls tell whether `_start` runs the constructors.
        let mut start_and_ctors = None;
        let mut parser = Parser::new(0);
        let mut rest = bytes;
        loop {
            let Chunk::Parsed { consumed, payload } =
                parser.parse(rest, true).map_err(malformed)?
            else {
                return Err(DylinkError::Malformed {
                    section: "module",
                    reason: "unexpected end".into(),
                });
            };
            rest = &rest[consumed..];
            match payload {
                Payload::CustomSection(reader) if dylink.is_none() => {
                    dylink = dylink::from_custom(&reader);
                }
                Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        let ty = ty.map_err(malformed)?;
                        types.push(Arc::new(Sig {
                            params: ty.params().to_vec(),
                            results: ty.results().to_vec(),
                        }));
                    }
                }
                Payload::ImportSection(reader) => {
                    info.imports.reserve(room(reader.count(), reader.range()));
                    for import in reader.into_imports() {
                        let import = import.map_err(malformed)?;
                        let kind = match import.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                imported_funcs += 1;
                                let sig = sig_at(&types, t)?;
                                info.func_sigs.push(sig.clone());
                                ImportKind::Func(Sig::clone(&sig))
                            }
                            TypeRef::Global(g) => {
                                if import.name == "__memory_base" {
                                    info.relocatable = true;
                                }
                                import_globals
                                    .push((import.module.to_string(), import.name.to_string()));
                                ImportKind::Global {
                                    ty: g.content_type,
                                    mutable: g.mutable,
                                }
                            }
                            TypeRef::Memory(m) => ImportKind::Memory {
                                min: m.initial,
                                max: m.maximum,
                                shared: m.shared,
                                memory64: m.memory64,
                            },
                            TypeRef::Table(t) => ImportKind::Table {
                                min: t.initial,
                                max: t.maximum,
                            },
                            TypeRef::Tag(_) => ImportKind::Tag,
                        };
                        info.imports.push(Import {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            kind,
                        });
                    }
                }
                Payload::FunctionSection(reader) => {
                    info.func_sigs.reserve(room(reader.count(), reader.range()));
                    for t in reader {
                        info.func_sigs.push(sig_at(&types, t.map_err(malformed)?)?);
                    }
                }
                Payload::GlobalSection(reader) => {
                    let first = import_globals.len() as u32;
                    let mut mutable = Vec::new();
                    for (i, global) in reader.into_iter().enumerate() {
                        let global = global.map_err(malformed)?;
                        if global.ty.mutable {
                            mutable.push(first + i as u32);
                        }
                        if let Some(v) =
                            eval_const(&global.init_expr, &import_globals, "__memory_base")
                        {
                            info.global_inits.insert(first + i as u32, v);
                        }
                    }
                    if let [base] = mutable[..] {
                        info.tls_base = Some(base);
                    }
                }
                Payload::ExportSection(reader) => {
                    info.exports.reserve(room(reader.count(), reader.range()));
                    for export in reader {
                        let export = export.map_err(malformed)?;
                        let kind = match export.kind {
                            ExternalKind::Func | ExternalKind::FuncExact => {
                                ExportKind::Func(export.index)
                            }
                            ExternalKind::Global => ExportKind::Global(export.index),
                            ExternalKind::Memory => ExportKind::Memory,
                            ExternalKind::Table => ExportKind::Table,
                            ExternalKind::Tag => ExportKind::Tag,
                        };
                        info.exports.push((Name::from(export.name), kind));
                    }
                    info.index_exports();
                }
                Payload::StartSection { func, .. } => info.start = Some(func),
                Payload::CodeSectionStart { count, range, size } => {
                    with_tls = info.export("emscripten_tls_init").is_some();
                    if with_tls {
                        bodies.reserve(room(count, range));
                    }
                    if let (Some(ExportKind::Func(start)), Some(ExportKind::Func(ctors))) =
                        (info.export("_start"), info.export("__wasm_call_ctors"))
                    {
                        start_and_ctors = Some((start, ctors));
                    }
                    // Most modules need no function body read: their
                    // thousands are stepped over at once.
                    if !with_tls && start_and_ctors.is_none() {
                        parser.skip_section();
                        rest = rest
                            .get(size as usize..)
                            .ok_or_else(|| DylinkError::Malformed {
                                section: "code",
                                reason: "section runs past the end of the module".into(),
                            })?;
                    }
                }
                Payload::DataSection(reader) if info.relocatable => {
                    if let Some(first) = reader.into_iter().next() {
                        let first = first.map_err(malformed)?;
                        if matches!(first.kind, DataKind::Passive) {
                            first_passive = Some(first.data);
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let index = imported_funcs + next_body;
                    next_body += 1;
                    // Only a module with thread-locals has its TLS set-up
                    // read back (tls_segment, tls_base).
                    if with_tls {
                        bodies.push(body.range());
                    }
                    if let Some((start, ctors)) = start_and_ctors
                        && index == start
                    {
                        let mut ops = body.get_operators_reader().map_err(malformed)?;
                        while !ops.eof() {
                            if let Operator::Call { function_index } =
                                ops.read().map_err(malformed)?
                                && function_index == ctors
                            {
                                info.start_calls_ctors = true;
                            }
                        }
                    }
                }
                Payload::ElementSection(reader) => {
                    for elem in reader {
                        let elem = elem.map_err(malformed)?;
                        let ElementKind::Active { offset_expr, .. } = elem.kind else {
                            continue;
                        };
                        let Some(base) = eval_const(&offset_expr, &import_globals, "__table_base")
                        else {
                            continue;
                        };
                        let funcs: Vec<u32> = match elem.items {
                            ElementItems::Functions(r) => {
                                r.into_iter().collect::<Result<_, _>>().map_err(malformed)?
                            }
                            ElementItems::Expressions(_, r) => {
                                let mut v = Vec::new();
                                for e in r {
                                    let e = e.map_err(malformed)?;
                                    let mut ops = e.get_operators_reader();
                                    if let Ok(Operator::RefFunc { function_index }) = ops.read() {
                                        v.push(function_index);
                                    }
                                }
                                v
                            }
                        };
                        for (k, f) in funcs.into_iter().enumerate() {
                            // Such a segment fails to instantiate; until
                            // then its positions past i64 are not recorded.
                            let pos = match base {
                                ConstAddr::Absolute(b) => {
                                    b.checked_add(k as i64).map(ConstAddr::Absolute)
                                }
                                ConstAddr::Relative(b) => {
                                    b.checked_add(k as i64).map(ConstAddr::Relative)
                                }
                            };
                            if let Some(pos) = pos {
                                info.table_positions.entry(f).or_insert(pos);
                            }
                        }
                    }
                }
                Payload::End(_) => break,
                _ => {}
            }
        }
        info.dylink = match dylink {
            Some(d) => d?,
            None if !require_dylink => DylinkInfo::default(),
            None => return Err(DylinkError::Missing),
        };
        if !(info.relocatable && info.export("emscripten_tls_init").is_some()) {
            info.tls_base = None;
        }
        info.own_thread_locals = tls_size(&info, bytes, &bodies, imported_funcs) > Some(0);
        if let Some(first) = first_passive
            && let Some((0, len)) = tls_segment(&info, bytes, &bodies, imported_funcs)
        {
            info.tls_image = first.get(..len as usize).map(Into::into);
        }
        Ok(info)
    }

    /// Fills the export index and the plain names of `orig$` exports from
    /// the exports; the first of two exports of one name is the one found.
    fn index_exports(&mut self) {
        self.export_index = index::ExportIndex::of(&self.exports);
        for (name, kind) in &self.exports {
            if let (ExportKind::Func(_), Some(plain)) = (kind, name.strip_prefix(ORIG_PREFIX)) {
                self.orig_names.insert(plain.to_string());
            }
        }
    }

    /// The export named `name`.
    pub fn export(&self, name: &str) -> Option<ExportKind> {
        self.export_entry(name).map(|(_, kind)| *kind)
    }

    /// The export named `name`, with the module's own copy of the name.
    pub fn export_entry(&self, name: &str) -> Option<&(Name, ExportKind)> {
        if self.export_index.is_empty() {
            return self.exports.iter().find(|(n, _)| &**n == name);
        }
        let at = self.export_index.position(&self.exports, name)?;
        self.exports.get(at)
    }

    /// Signature of function `index`.
    pub fn func_sig(&self, index: u32) -> Option<&Sig> {
        self.func_sigs.get(index as usize).map(|s| &**s)
    }

    /// Whether the module imports its memory as shared (built with threads).
    pub fn uses_threads(&self) -> bool {
        self.imports
            .iter()
            .any(|i| matches!(i.kind, ImportKind::Memory { shared: true, .. }))
    }

    /// The memory import, if the module imports its memory.
    pub fn memory_import(&self) -> Option<&Import> {
        self.imports
            .iter()
            .find(|i| matches!(i.kind, ImportKind::Memory { .. }))
    }
}

/// Room for the `count` entries a section of `range` says it holds: no
/// more than its bytes, so a count no file could hold reserves nothing
/// unreasonable.
fn room(count: u32, range: std::ops::Range<usize>) -> usize {
    (count as usize).min(range.len())
}

fn sig_at(types: &[Arc<Sig>], index: u32) -> Result<Arc<Sig>, DylinkError> {
    types
        .get(index as usize)
        .cloned()
        .ok_or_else(|| DylinkError::Malformed {
            section: "module",
            reason: format!("type index {index} out of range"),
        })
}

/// Evaluates `i32.const N`, `global.get BASE` and `global.get BASE;
/// i32.const N; i32.add` (extended-const), where BASE is the imported global
/// named `base`.
fn eval_const(
    expr: &wasmparser::ConstExpr<'_>,
    import_globals: &[(String, String)],
    base: &str,
) -> Option<ConstAddr> {
    let mut relative = false;
    let mut value: i64 = 0;
    for op in expr.get_operators_reader() {
        match op.ok()? {
            // A sum past i64 is no address anything could use.
            Operator::I32Const { value: v } => value = value.checked_add(i64::from(v))?,
            Operator::I64Const { value: v } => value = value.checked_add(v)?,
            Operator::GlobalGet { global_index } => {
                let (_, name) = import_globals.get(global_index as usize)?;
                if name != base || relative {
                    return None;
                }
                relative = true;
            }
            Operator::I32Add | Operator::I64Add | Operator::End => {}
            _ => return None,
        }
    }
    Some(if relative {
        ConstAddr::Relative(value)
    } else {
        ConstAddr::Absolute(value)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A side module with something in most fields the parse fills.
    pub(super) const SIDE: &str = r#"
        (module
          (@dylink.0 (mem-info (memory 32 3) (table 2 0)) (needed "libdep.so"))
          (import "env" "memory" (memory 1))
          (import "env" "__indirect_function_table" (table 0 funcref))
          (import "env" "__memory_base" (global $mb i32))
          (import "env" "__table_base" (global $tb i32))
          (import "GOT.mem" "other" (global (mut i32)))
          (import "env" "puts" (func $puts (param i32) (result i32)))
          (global $data i32 (i32.const 16))
          (func $reloc)
          (func $f (param i64) (result i64) local.get 0)
          (func $g)
          (elem (global.get $tb) func $g $f)
          (start $reloc)
          (export "data" (global $data))
          (export "f" (func $f))
          (export "g" (func $g)))
    "#;

    #[test]
    fn reads_imports_exports_inits_and_table_positions() {
        let bytes = wat::parse_str(SIDE).unwrap();
        let info = ModuleInfo::parse(&bytes).unwrap();
        assert_eq!(info.dylink.mem_size, 32);
        assert_eq!(info.dylink.needed, ["libdep.so"]);
        assert!(info.relocatable);
        assert_eq!(info.imports.len(), 6);
        assert_eq!(info.export("data"), Some(ExportKind::Global(3)));
        assert_eq!(info.global_inits.get(&3), Some(&ConstAddr::Absolute(16)));
        assert_eq!(info.export("f"), Some(ExportKind::Func(2)));
        assert_eq!(info.func_sig(2).unwrap().params, [ValType::I64]);
        assert_eq!(info.table_positions.get(&3), Some(&ConstAddr::Relative(0)));
        assert_eq!(info.table_positions.get(&2), Some(&ConstAddr::Relative(1)));
        assert_eq!(info.start, Some(1));
        assert!(!info.uses_threads());
    }

    #[test]
    fn whether_start_calls_the_constructors() {
        let module = |start_body: &str| {
            let text = format!(
                r#"(module
                    (import "env" "f" (func $f))
                    (func $ctors)
                    (func $start {start_body})
                    (export "__wasm_call_ctors" (func $ctors))
                    (export "_start" (func $start)))"#
            );
            ModuleInfo::parse_with(&wat::parse_str(text).unwrap(), false).unwrap()
        };
        assert!(module("call $f call $ctors").start_calls_ctors);
        assert!(!module("call $f").start_calls_ctors);
        let hidden = wat::parse_str(
            r#"(module (func $ctors) (func $start call $ctors)
                (export "_start" (func $start)))"#,
        )
        .unwrap();
        assert!(
            !ModuleInfo::parse_with(&hidden, false)
                .unwrap()
                .start_calls_ctors
        );
    }

    #[test]
    fn constant_expressions_that_overflow_are_not_evaluated() {
        // Parsing does not validate: an i64 sum past i64::MAX reaches
        // eval_const, and so does an element offset that far.
        let bytes = wat::parse_str(
            r#"(module
                (import "env" "__table_base" (global $tb i32))
                (global (export "g") i64
                  (i64.add (i64.const 0x7fffffffffffffff) (i64.const 0x7fffffffffffffff)))
                (table 1 funcref)
                (func $f)
                (elem (offset (i64.const 0x7fffffffffffffff)) func $f $f))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse_with(&bytes, false).unwrap();
        assert_eq!(info.global_inits.get(&1), None);
        assert_eq!(
            info.table_positions.get(&0),
            Some(&ConstAddr::Absolute(i64::MAX))
        );
    }

    #[test]
    fn slots_of_positions_past_32_bits_wrap() {
        assert_eq!(ConstAddr::Relative(3).slot(5), 8);
        assert_eq!(ConstAddr::Absolute(7).slot(5), 7);
        assert_eq!(ConstAddr::Relative(i64::MAX).slot(u32::MAX), u32::MAX - 1);
        assert_eq!(ConstAddr::Absolute(-1).slot(0), u32::MAX);
    }

    /// A `-pthread` side module as LLVM 14 lays out its TLS set-up: its one
    /// mutable global is `__tls_base`, and `emscripten_tls_init` reads
    /// `__tls_size` first.
    fn threaded_side(tls_size: u32) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(module
              (@dylink.0 (mem-info (memory 4 2)))
              (import "env" "memory" (memory 1 1 shared))
              (import "env" "__memory_base" (global $mb i32))
              (import "env" "__stack_pointer" (global $sp (mut i32)))
              (import "env" "emscripten_builtin_memalign" (func $memalign (param i32 i32) (result i32)))
              (global $tls_base (mut i32) (i32.const 0))
              (global $tls_size i32 (i32.const {tls_size}))
              (global $tls_align i32 (i32.const 4))
              (func $init_tls (param i32) local.get 0 global.set $tls_base)
              (func (export "emscripten_tls_init") (result i32)
                (local i32)
                block
                  global.get $tls_size
                  local.tee 0
                  br_if 0
                  i32.const 0
                  return
                end
                global.get $tls_align
                local.get 0
                call $memalign
                local.tee 0
                call $init_tls
                local.get 0))"#
        ))
        .unwrap()
    }

    #[test]
    fn finds_the_tls_base_of_a_threaded_side_module_and_whether_it_has_thread_locals() {
        let info = ModuleInfo::parse(&threaded_side(0)).unwrap();
        assert_eq!(info.tls_base, Some(2));
        assert!(!info.own_thread_locals);
        let info = ModuleInfo::parse(&threaded_side(8)).unwrap();
        assert!(info.own_thread_locals);
        let plain = ModuleInfo::parse(&wat::parse_str(SIDE).unwrap()).unwrap();
        assert_eq!(plain.tls_base, None, "no emscripten_tls_init");
    }

    #[test]
    fn a_module_without_dylink_is_refused() {
        let bytes = wat::parse_str("(module)").unwrap();
        assert_eq!(ModuleInfo::parse(&bytes).unwrap_err(), DylinkError::Missing);
    }

    #[test]
    fn a_section_count_past_its_bytes_reserves_nothing_unreasonable() {
        for id in [2u8, 3, 7, 10] {
            let mut bytes = b"\0asm\x01\0\0\0".to_vec();
            bytes.extend([id, 5, 0xff, 0xff, 0xff, 0xff, 0x0f]);
            assert!(matches!(
                ModuleInfo::parse_with(&bytes, false),
                Err(DylinkError::Malformed { .. })
            ));
        }
    }
}
