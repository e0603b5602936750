//! Trimming for Winch's first run ([`Form::Dispatchers`]): one dispatcher
//! per function type calls the removed functions by position, so they no
//! longer escape and wasmtime compiles no trampoline for them; thunks
//! reach them from outside.

use wasm_encoder::{Encode as _, Instruction};
use wasmparser::Payload;

use super::{DISPATCH, Layout, exports_without};
use crate::modinfo::{ModuleInfo, Sig};
use crate::sections::{At, encoded, entries_of, extend, module, switch, walk};

/// The module with a dispatcher exported per signature. A module that
/// routes any export defines functions, so it has the type, function,
/// code and export sections this extends.
pub(super) fn with_dispatchers(
    wasm: &[u8],
    info: &ModuleInfo,
    layout: &Layout,
) -> Result<Vec<u8>, String> {
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
pub(super) fn thunks(layout: &Layout, wanted: &[(u32, u32)]) -> (Vec<u8>, Vec<u32>) {
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

#[cfg(test)]
mod tests {
    use super::super::tests::{MODULE, exports, trimmed_module};
    use super::super::{Form, Route, trim};
    use super::*;
    use wasmtime::{Engine, Instance, Store, Val};

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
}
