//! Reaching the functions of a library instantiated trimmed: as its
//! table's entries, through the exports it kept, as entries of its table
//! of exports, or through thunks calling its dispatchers.

use foldhash::{HashMap, HashMapExt as _};

use wasmtime::{Func, Instance, StoreContextMut};

use super::dispatchers::thunks;
use super::{DISPATCH, Form, Layout, Route, TABLE};
use crate::modinfo::ExportKind;
use crate::naming::About;
use crate::process::Process;
use crate::symbols::LibId;

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
/// entry its table holds, the export it kept, its entry in the table of
/// exports, or a thunk (one module for all those not reached before),
/// each made once per process.
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
/// trimmed, go: each one's dispatcher and position, the export it kept, or
/// its entry in the table of exports.
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
    let mut entries = Entries::of(instance);
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
                crate::route::Target::Func(entries.get(cx, position)?)
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

/// The table of exports of a trimmed instance, looked up once for a batch
/// of functions.
struct Entries {
    instance: Instance,
    table: Option<wasmtime::Table>,
}

impl Entries {
    fn of(instance: Instance) -> Entries {
        Entries {
            instance,
            table: None,
        }
    }

    /// Entry `position`.
    fn get(
        &mut self,
        cx: &mut StoreContextMut<'_, Process>,
        position: u32,
    ) -> wasmtime::Result<Func> {
        let table = match self.table {
            Some(t) => t,
            None => *self.table.insert(
                self.instance
                    .get_table(&mut *cx, TABLE)
                    .ok_or_else(|| wasmtime::format_err!("it does not export {TABLE}"))?,
            ),
        };
        table
            .get(&mut *cx, u64::from(position))
            .and_then(|r| r.as_func().flatten().copied())
            .ok_or_else(|| wasmtime::format_err!("its table of exports has no function {position}"))
    }
}

fn reach_in(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    indices: &[u32],
) -> wasmtime::Result<Vec<Func>> {
    let (instance, layout) = trimmed_instance(cx, lib)?;
    let mut entries = Entries::of(instance);
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
                Some(Route::Table { position }) => Some(entries.get(cx, position)?),
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
