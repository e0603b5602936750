//! A module's calls to its imported functions routed through one import per
//! signature, for a first run. A trimmed module ([`crate::trim`]) is
//! reached by position through its dispatchers, but an import is bound to a
//! function, and the function that calls a dispatcher with a position is a
//! thunk escaping its own module: wasmtime compiles an entry trampoline for
//! each, one per import bound this way (`big`'s main imports 4000 functions
//! of its library, whose trampolines were half of compiling it with Winch).
//! A routed module calls instead, for each signature, one imported router
//! with the import's number as a last argument. Each load instantiates the
//! routers of the modules it binds ([`bind`]): a `br_table` on the number,
//! each target calling the function the import is bound to, or the
//! dispatcher of a trimmed library with the function's position.
//!
//! Like trimming, routing moves no index: each router is an import the
//! module already had (the first of its signature, retyped), the other
//! routed imports are retyped to `() -> ()` and no longer called, and the
//! module's metadata, read from the original bytes, still holds.

use foldhash::{HashMap, HashMapExt as _, HashSet};

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Encode as _, Instruction};
use wasmparser::{Operator, Payload};
use wasmtime::{Extern, Func, Instance, StoreContextMut};

use crate::modinfo::{ExportKind, ImportKind, ModuleInfo, Sig};
use crate::process::Process;
use crate::sections::{At, encoded, entries_of, extend, module, switch, walk};
use crate::trim::dispatcher_type;

/// The export a routed module adds (its first router, passed on: no
/// trampoline), by which a compiled module is known to be routed.
pub const ROUTED: &str = "dlrun.routed";

/// The module name of a routed module's router imports.
const ROUTERS: &str = "dlrun.route";

/// The module name of the routed imports it no longer calls.
const UNCALLED: &str = "dlrun.uncalled";

/// Which function imports of a module are routed, by signature; the first
/// of each signature becomes its router.
#[derive(Debug)]
pub struct Plan {
    groups: Vec<(Sig, Vec<Member>)>,
    /// Import position -> the group of a routed function import.
    group_at: Vec<Option<u32>>,
}

/// A routed import: its function index and its position among imports.
#[derive(Debug, Clone, Copy)]
struct Member {
    func: u32,
    at: usize,
}

impl Plan {
    /// The plan for a module described by `info`: every function import
    /// but those it exports, starts with or puts in its table, which must
    /// stay the functions they are bound to, and those the host provides,
    /// bound to host functions without a trampoline each (unless a library
    /// defines one too: then it is reached through a thunk, as before).
    pub fn of(info: &ModuleInfo) -> Plan {
        let exported: HashSet<u32> = info
            .exports
            .iter()
            .filter_map(|(_, kind)| match kind {
                ExportKind::Func(index) => Some(*index),
                _ => None,
            })
            .collect();
        let mut plan = Plan {
            groups: Vec::new(),
            group_at: vec![None; info.imports.len()],
        };
        let mut by_sig: HashMap<&Sig, u32> = HashMap::new();
        let funcs = info
            .imports
            .iter()
            .enumerate()
            .filter_map(|(at, i)| match &i.kind {
                ImportKind::Func(sig) => Some((at, i, sig)),
                _ => None,
            });
        for (func, (at, import, sig)) in (0u32..).zip(funcs) {
            if crate::abi::provides(&import.module, &import.name)
                || exported.contains(&func)
                || info.start == Some(func)
                || info.table_positions.contains_key(&func)
            {
                continue;
            }
            let group = *by_sig.entry(sig).or_insert_with(|| {
                plan.groups.push((sig.clone(), Vec::new()));
                plan.groups.len() as u32 - 1
            });
            plan.groups[group as usize].1.push(Member { func, at });
            plan.group_at[at] = Some(group);
        }
        plan
    }

    /// Whether the import at position `at` is routed.
    pub fn routes(&self, at: usize) -> bool {
        self.group_at.get(at).is_some_and(Option::is_some)
    }

    /// The first routed import's function index, which the mark exports.
    fn first(&self) -> u32 {
        self.groups[0].1[0].func
    }

    /// Function index -> the router (a function index) that calls of a
    /// routed import go through.
    fn router_by_func(&self) -> Vec<Option<u32>> {
        let funcs = self.groups.iter().flat_map(|(_, m)| m).map(|m| m.func);
        let mut out = vec![None; funcs.max().map_or(0, |f| f as usize + 1)];
        for (_, members) in &self.groups {
            for m in members {
                out[m.func as usize] = Some(members[0].func);
            }
        }
        out
    }
}

/// Whether `module`, described by `info`, was compiled routed.
pub fn is_routed(module: &wasmtime::Module, info: &ModuleInfo) -> bool {
    module.get_export_index(ROUTED).is_some() && info.export(ROUTED).is_none()
}

/// `wasm`, described by `info`, with its calls to the imports [`Plan::of`]
/// routes made through the routers; `None` when it routes none, or when a
/// routed import is used otherwise than called (a reference to it, a tail
/// call), which must reach the function itself.
pub fn route(wasm: &[u8], info: &ModuleInfo) -> Result<Option<Vec<u8>>, String> {
    let plan = Plan::of(info);
    if plan.groups.is_empty() || crate::trim::claims_our_names(info) {
        return Ok(None);
    }
    let router_of = plan.router_by_func();
    let routed = |f: u32| router_of.get(f as usize).copied().flatten();
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut types = 0;
    let mut out = Vec::with_capacity(wasm.len() + wasm.len() / 8);
    let mut marked = false;
    out.extend_from_slice(&wasm[..8]);
    for section in walk(wasm) {
        let (id, payload, range, whole) = section?;
        // A module without exports gets an export section for the mark,
        // where sections after it would begin.
        if !marked && matches!(id, 8..=12) {
            mark(&mut out, &plan, &[0])?;
            marked = true;
        }
        match payload {
            Payload::TypeSection(s) => {
                types = s.count();
                let mut added = wasm_encoder::TypeSection::new();
                for (sig, _) in &plan.groups {
                    router_type(&mut added, sig);
                }
                added.ty().function([], []);
                let count = plan.groups.len() as u32 + 1;
                extend(
                    &mut out,
                    id,
                    &wasm[range],
                    count,
                    &entries_of(&added),
                    At::End,
                )?;
            }
            Payload::ImportSection(s) => {
                let mut section = wasm_encoder::ImportSection::new();
                for (at, import) in s.into_imports().enumerate() {
                    let import = import.map_err(err)?;
                    let group = plan.group_at.get(at).copied().flatten();
                    match group {
                        Some(g) if plan.groups[g as usize].1[0].at == at => section.import(
                            ROUTERS,
                            &g.to_string(),
                            wasm_encoder::EntityType::Function(types + g),
                        ),
                        Some(_) => section.import(
                            UNCALLED,
                            import.name,
                            wasm_encoder::EntityType::Function(types + plan.groups.len() as u32),
                        ),
                        None => {
                            let ty = RoundtripReencoder
                                .entity_type(import.ty)
                                .map_err(|e| e.to_string())?;
                            section.import(import.module, import.name, ty)
                        }
                    };
                }
                wasm_encoder::Section::append_to(&section, &mut out);
            }
            Payload::ExportSection(_) => {
                mark(&mut out, &plan, &wasm[range])?;
                marked = true;
            }
            Payload::GlobalSection(s) => {
                for global in s {
                    let global = global.map_err(err)?;
                    if refers(&global.init_expr, routed)? {
                        return Ok(None);
                    }
                }
                out.extend_from_slice(&wasm[whole]);
            }
            Payload::ElementSection(s) => {
                for element in s {
                    let element = element.map_err(err)?;
                    let uses = match element.items {
                        wasmparser::ElementItems::Functions(r) => r
                            .into_iter()
                            .map(|f| f.map(|f| routed(f).is_some()).map_err(err))
                            .collect::<Result<Vec<bool>, String>>()?,
                        wasmparser::ElementItems::Expressions(_, r) => r
                            .into_iter()
                            .map(|e| refers(&e.map_err(err)?, routed))
                            .collect::<Result<Vec<bool>, String>>()?,
                    };
                    if uses.contains(&true) {
                        return Ok(None);
                    }
                }
                out.extend_from_slice(&wasm[whole]);
            }
            Payload::CodeSectionStart { count, range, .. } => {
                let Some(code) = calls_routed(wasm, count, range, routed)? else {
                    return Ok(None);
                };
                out.push(id);
                code.encode(&mut out);
            }
            _ => out.extend_from_slice(&wasm[whole]),
        }
    }
    if !marked {
        mark(&mut out, &plan, &[0])?;
    }
    Ok(Some(out))
}

/// Appends to `out` the export section whose contents are `exports`
/// (a count, then entries) with the [`ROUTED`] mark added. The entries are
/// copied as they are: a trimmed main still exports thousands.
fn mark(out: &mut Vec<u8>, plan: &Plan, exports: &[u8]) -> Result<(), String> {
    let mut added = wasm_encoder::ExportSection::new();
    added.export(ROUTED, wasm_encoder::ExportKind::Func, plan.first());
    extend(out, 7, exports, 1, &entries_of(&added), At::End)
}

/// Whether constant expression `expr` refers to a function for which
/// `routed` gives a router.
fn refers(
    expr: &wasmparser::ConstExpr<'_>,
    routed: impl Fn(u32) -> Option<u32>,
) -> Result<bool, String> {
    for op in expr.get_operators_reader() {
        if let Operator::RefFunc { function_index } = op.map_err(|e| e.to_string())?
            && routed(function_index).is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The code section's contents with each call of a function for which
/// `routed` gives a router made a call of that router, the function's
/// index pushed first; `None` when a body uses a routed import otherwise.
fn calls_routed(
    wasm: &[u8],
    count: u32,
    section: std::ops::Range<usize>,
    routed: impl Fn(u32) -> Option<u32> + Copy,
) -> Result<Option<Vec<u8>>, String> {
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut contents = Vec::with_capacity(section.len() + section.len() / 8);
    count.encode(&mut contents);
    let mut body_bytes = Vec::new();
    let reader = wasmparser::BinaryReader::new(&wasm[section.clone()], section.start);
    for body in wasmparser::CodeSectionReader::new(reader).map_err(err)? {
        let body = body.map_err(err)?;
        let range = body.range();
        if !mentions(&wasm[range.clone()], routed) {
            wasm[range].encode(&mut contents);
            continue;
        }
        let mut ops = body.get_operators_reader().map_err(err)?;
        let mut copied = range.start;
        body_bytes.clear();
        while !ops.eof() {
            let at = ops.original_position();
            match ops.read().map_err(err)? {
                Operator::Call { function_index } => {
                    if let Some(router) = routed(function_index) {
                        body_bytes.extend_from_slice(&wasm[copied..at]);
                        Instruction::I32Const(function_index as i32).encode(&mut body_bytes);
                        Instruction::Call(router).encode(&mut body_bytes);
                        copied = ops.original_position();
                    }
                }
                Operator::RefFunc { function_index } | Operator::ReturnCall { function_index }
                    if routed(function_index).is_some() =>
                {
                    return Ok(None);
                }
                _ => {}
            }
        }
        body_bytes.extend_from_slice(&wasm[copied..range.end]);
        body_bytes.encode(&mut contents);
    }
    Ok(Some(contents))
}

/// Whether function body `code` may call or refer to a function for which
/// `routed` says yes: whether one of the opcodes that take a function
/// index is followed by such an index. Most bodies call no import, and a
/// byte scan is far cheaper than decoding their instructions.
fn mentions(code: &[u8], routed: impl Fn(u32) -> Option<u32>) -> bool {
    const CALL: u8 = 0x10;
    const RETURN_CALL: u8 = 0x12;
    const REF_FUNC: u8 = 0xd2;
    memchr::memchr3_iter(CALL, RETURN_CALL, REF_FUNC, code).any(|at| {
        wasmparser::BinaryReader::new(&code[at + 1..], 0)
            .read_var_u32()
            .is_ok_and(|f| routed(f).is_some())
    })
}

/// The type of the router for `sig`: the parameters of `sig`, then the
/// routed import's number.
fn router_type(types: &mut wasm_encoder::TypeSection, sig: &Sig) {
    let mut params = encoded(&sig.params);
    params.push(wasm_encoder::ValType::I32);
    types.ty().function(params, encoded(&sig.results));
}

/// Where a routed import's calls go.
pub enum Target {
    /// To this function.
    Func(Func),
    /// To function `position` of a trimmed library's dispatcher.
    Dispatch {
        /// The dispatcher.
        dispatcher: Func,
        /// Its number in its library, which tells dispatchers apart.
        key: (crate::symbols::LibId, u32),
        /// The function's position.
        position: u32,
    },
}

/// Binds the routed imports of a module described by `info`, routed as
/// `plan` says: `out` holds the function each routed import is bound to,
/// or `None` where `targets` (import position -> target) says where it
/// goes. The routers replace the first import of each signature and a
/// function never called the others.
pub fn bind(
    cx: &mut StoreContextMut<'_, Process>,
    plan: &Plan,
    info: &ModuleInfo,
    out: &mut [Option<Extern>],
    mut targets: HashMap<usize, Target>,
) -> wasmtime::Result<()> {
    let mut routed: Vec<Vec<Target>> = Vec::with_capacity(plan.groups.len());
    for (_, members) in &plan.groups {
        let mut group = Vec::with_capacity(members.len());
        for m in members {
            let target = match (out[m.at].take(), targets.remove(&m.at)) {
                (_, Some(target)) => target,
                (Some(Extern::Func(f)), None) => Target::Func(f),
                _ => wasmtime::bail!(
                    "routed import {} is bound to no function",
                    info.imports[m.at].name
                ),
            };
            group.push(target);
        }
        routed.push(group);
    }
    let (wasm, imports) = routers(plan, &routed);
    let module = cx.data().modules.generated(&wasm)?;
    let instance = Instance::new(&mut *cx, &module, &imports)?;
    let uncalled = Func::wrap(&mut *cx, || -> wasmtime::Result<()> {
        wasmtime::bail!("a routed import was called directly")
    });
    for (g, (_, members)) in plan.groups.iter().enumerate() {
        let router = instance
            .get_func(&mut *cx, &g.to_string())
            .ok_or_else(|| wasmtime::format_err!("router {g} is missing"))?;
        out[members[0].at] = Some(router.into());
        for m in &members[1..] {
            out[m.at] = Some(uncalled.into());
        }
    }
    Ok(())
}

/// The module of the routers of `plan`, each routed import going to its
/// target in `routed` (by group, in the plan's order), and what it
/// imports: each function target, and each dispatcher once.
fn routers(plan: &Plan, routed: &[Vec<Target>]) -> (Vec<u8>, Vec<Extern>) {
    let mut types = wasm_encoder::TypeSection::new();
    let mut imports = wasm_encoder::ImportSection::new();
    let mut externs: Vec<Extern> = Vec::new();
    let mut dispatchers: HashMap<(crate::symbols::LibId, u32), u32> = HashMap::new();
    let mut called: Vec<Vec<(u32, Option<u32>)>> = Vec::with_capacity(routed.len());
    for ((sig, _), group) in plan.groups.iter().zip(routed) {
        // Per group: its router's type, the signature's, its dispatchers'.
        let base = types.len();
        router_type(&mut types, sig);
        types
            .ty()
            .function(encoded(&sig.params), encoded(&sig.results));
        dispatcher_type(&mut types, sig);
        let mut calls = Vec::with_capacity(group.len());
        for target in group {
            calls.push(match target {
                Target::Func(f) => (import(&mut imports, &mut externs, *f, base + 1), None),
                Target::Dispatch {
                    dispatcher,
                    key,
                    position,
                } => {
                    let f = *dispatchers.entry(*key).or_insert_with(|| {
                        import(&mut imports, &mut externs, *dispatcher, base + 2)
                    });
                    (f, Some(*position))
                }
            });
        }
        called.push(calls);
    }
    let imported = externs.len() as u32;
    let mut functions = wasm_encoder::FunctionSection::new();
    let mut exports = wasm_encoder::ExportSection::new();
    let mut code = wasm_encoder::CodeSection::new();
    for (g, ((sig, members), calls)) in plan.groups.iter().zip(&called).enumerate() {
        functions.function(3 * g as u32);
        exports.export(
            &g.to_string(),
            wasm_encoder::ExportKind::Func,
            imported + g as u32,
        );
        code.function(&router_body(sig, members, calls));
    }
    let wasm = module(&types, &imports, &functions, &exports, &code);
    (wasm, externs)
}

/// Imports `f`, of type `ty`, into the routers' module as the next of
/// `externs`; its function index.
fn import(
    imports: &mut wasm_encoder::ImportSection,
    externs: &mut Vec<Extern>,
    f: Func,
    ty: u32,
) -> u32 {
    let index = externs.len() as u32;
    imports.import(
        "t",
        &index.to_string(),
        wasm_encoder::EntityType::Function(ty),
    );
    externs.push(f.into());
    index
}

/// A router's body: a `br_table` on the routed import's number (its last
/// parameter, less the first member's), each target calling the import's
/// function, or its dispatcher with the position first.
fn router_body(
    sig: &Sig,
    members: &[Member],
    calls: &[(u32, Option<u32>)],
) -> wasm_encoder::Function {
    let number = sig.params.len() as u32;
    let low = members[0].func;
    let high = members.last().expect("a group has members").func;
    let mut table = vec![members.len() as u32; (high - low + 1) as usize];
    for (case, m) in members.iter().enumerate() {
        table[(m.func - low) as usize] = case as u32;
    }
    let select = |body: &mut wasm_encoder::Function| {
        body.instruction(&Instruction::LocalGet(number));
        body.instruction(&Instruction::I32Const(low as i32));
        body.instruction(&Instruction::I32Sub);
    };
    switch(select, table, calls.len(), |n, body| {
        let (func, position) = calls[n];
        if let Some(position) = position {
            body.instruction(&Instruction::I32Const(position as i32));
        }
        for k in 0..number {
            body.instruction(&Instruction::LocalGet(k));
        }
        body.instruction(&Instruction::Call(func));
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Module, Store};

    /// Calls two imports of one signature and one of another; exports
    /// one, puts one in its table and calls a fourth only by reference:
    /// those three stay themselves.
    const CALLER: &str = r#"(module
        (import "env" "twice" (func $twice (param i32) (result i32)))
        (import "env" "kept" (func $kept (param i32) (result i32)))
        (import "env" "inc" (func $inc (param i32) (result i32)))
        (import "env" "seven" (func $seven (result i32)))
        (import "env" "in_table" (func $in_table (result i32)))
        (import "env" "memory" (memory 1))
        (table 1 funcref)
        (elem (i32.const 0) $in_table)
        (export "kept" (func $kept))
        (func (export "run") (param i32) (result i32)
            (i32.add
                (call $inc (call $twice (call $kept (local.get 0))))
                (i32.add (call $seven) (call $in_table)))))"#;

    fn info(wasm: &[u8]) -> ModuleInfo {
        ModuleInfo::parse_with(wasm, false).unwrap()
    }

    #[test]
    fn imports_exported_started_or_in_the_table_are_not_routed() {
        let wasm = wat::parse_str(CALLER).unwrap();
        let plan = Plan::of(&info(&wasm));
        let i32_i32 = Sig {
            params: vec![wasmparser::ValType::I32],
            results: vec![wasmparser::ValType::I32],
        };
        let to_i32 = Sig {
            params: vec![],
            results: vec![wasmparser::ValType::I32],
        };
        let groups: Vec<(Sig, Vec<u32>)> = plan
            .groups
            .iter()
            .map(|(sig, members)| (sig.clone(), members.iter().map(|m| m.func).collect()))
            .collect();
        assert_eq!(groups, vec![(i32_i32, vec![0, 2]), (to_i32, vec![3])]);
    }

    /// Host functions for `CALLER`'s function imports but `twice`, in
    /// order, with `()` as the store's data.
    fn host(store: &mut Store<()>) -> [Func; 4] {
        [
            Func::wrap(&mut *store, |x: i32| x + 100),
            Func::wrap(&mut *store, |x: i32| x + 1),
            Func::wrap(&mut *store, || 7),
            Func::wrap(&mut *store, || 1000),
        ]
    }

    #[test]
    fn routed_calls_reach_functions_and_dispatchers() {
        let wasm = wat::parse_str(CALLER).unwrap();
        let info = info(&wasm);
        let routed = route(&wasm, &info).unwrap().unwrap();
        wasmparser::validate(&routed).unwrap();
        let engine = Engine::default();
        let module = Module::new(&engine, &routed).unwrap();
        assert!(is_routed(&module, &info));
        let mut store = Store::new(&engine, ());
        // `twice` lives in a trimmed library, reached by its dispatcher.
        let lib = wat::parse_str(
            r#"(module
                (func (export "other") (param i32) (result i32) (local.get 0))
                (func (export "twice") (param i32) (result i32)
                    (i32.mul (local.get 0) (i32.const 2))))"#,
        )
        .unwrap();
        let lib_info = ModuleInfo::parse_with(&lib, false).unwrap();
        let layout = crate::trim::Layout::of(&lib_info, crate::trim::Form::Dispatchers);
        let trimmed = crate::trim::trim(&lib, &lib_info, crate::trim::Form::Dispatchers)
            .unwrap()
            .unwrap();
        let lib = Instance::new(&mut store, &Module::new(&engine, trimmed).unwrap(), &[]).unwrap();
        let Some(crate::trim::Route::Dispatch {
            dispatcher,
            position,
        }) = layout.route(1)
        else {
            panic!("twice is dispatched")
        };
        let dispatcher_func = lib
            .get_func(
                &mut store,
                &format!("{}{dispatcher}", crate::trim::DISPATCH),
            )
            .unwrap();
        let [kept, inc, seven, in_table] = host(&mut store);
        let plan = Plan::of(&info);
        let targets = vec![
            vec![
                Target::Dispatch {
                    dispatcher: dispatcher_func,
                    key: (1, dispatcher),
                    position,
                },
                Target::Func(inc),
            ],
            vec![Target::Func(seven)],
        ];
        let (routers_wasm, externs) = routers(&plan, &targets);
        wasmparser::validate(&routers_wasm).unwrap();
        let routers = Instance::new(
            &mut store,
            &Module::new(&engine, &routers_wasm).unwrap(),
            &externs,
        )
        .unwrap();
        let router =
            |store: &mut Store<()>, g: u32| routers.get_func(store, &g.to_string()).unwrap();
        let uncalled = Func::wrap(&mut store, || {});
        let memory = wasmtime::Memory::new(&mut store, wasmtime::MemoryType::new(1, None)).unwrap();
        let imports: Vec<Extern> = vec![
            router(&mut store, 0).into(),
            kept.into(),
            uncalled.into(),
            router(&mut store, 1).into(),
            in_table.into(),
            memory.into(),
        ];
        let instance = Instance::new(&mut store, &module, &imports).unwrap();
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        // inc(twice(kept(1))) + seven() + in_table() = 203 + 7 + 1000.
        assert_eq!(run.call(&mut store, 1).unwrap(), 1210);
    }

    #[test]
    fn modules_referring_to_a_routed_import_are_left_alone() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "f" (func $f (result i32)))
                (elem declare func $f)
                (func (export "run") (result i32) (call $f))
                (func (export "pointer") (result funcref) (ref.func $f)))"#,
        )
        .unwrap();
        assert_eq!(route(&wasm, &info(&wasm)).unwrap(), None);
    }

    #[test]
    fn modules_without_exports_are_marked_routed() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "f" (func $f (result i32)))
                (start $run)
                (func $run (drop (call $f))))"#,
        )
        .unwrap();
        let info = info(&wasm);
        let routed = route(&wasm, &info).unwrap().unwrap();
        wasmparser::validate(&routed).unwrap();
        let module = Module::new(&Engine::default(), &routed).unwrap();
        assert!(is_routed(&module, &info));
    }

    #[test]
    fn a_module_exporting_the_mark_itself_is_not_taken_for_routed() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "f" (func $f (result i32)))
                (func (export "dlrun.routed") (result i32) (call $f)))"#,
        )
        .unwrap();
        let info = info(&wasm);
        assert_eq!(route(&wasm, &info).unwrap(), None);
        let module = Module::new(&Engine::default(), &wasm).unwrap();
        assert!(!is_routed(&module, &info));
    }

    #[test]
    fn modules_importing_no_functions_are_left_alone() {
        let wasm = wat::parse_str(r#"(module (func (export "f")))"#).unwrap();
        assert_eq!(route(&wasm, &info(&wasm)).unwrap(), None);
    }

    #[test]
    fn damaged_modules_are_errors_not_panics() {
        let wasm = wat::parse_str(CALLER).unwrap();
        let info = info(&wasm);
        for cut in [9, 21, wasm.len() / 2, wasm.len() - 1] {
            assert!(route(&wasm[..cut], &info).is_err(), "cut at {cut}");
        }
    }
}
