//! Bind: one value for each import of a library being instantiated (a
//! library's export, a GOT entry, a host function, a stand-in for a
//! definition instantiated later in the same load).

use super::*;
use foldhash::HashMapExt as _;

/// Bind: one value for each import of `lib`.
pub(super) fn bind(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
) -> wasmtime::Result<(Vec<Extern>, Vec<LateGot>)> {
    let info = cx.data().libs[lib].info.clone();
    let planned = cx.data().libs[lib].planned.clone();
    let me = cx.data().libs[lib].names();
    let mut out: Vec<Option<Extern>> = Vec::with_capacity(info.imports.len());
    let mut late = Vec::new();
    let mut later: Vec<(usize, Sig, LibId, String)> = Vec::new();
    let mut trimmed: Vec<(usize, LibId, u32, String)> = Vec::new();
    let l = &cx.data().libs[lib];
    let routes = if l.routed {
        let plan = || Ok(crate::route::Plan::of(&info));
        Some(cx.data().modules.derived("routed imports", &l.path, plan)?)
    } else {
        None
    };
    let mut dispatched: Vec<(usize, LibId, u32)> = Vec::new();
    reach_pointers(cx, &me, &info, &planned)?;
    for (k, import) in info.imports.iter().enumerate() {
        let name = import.name.as_str();
        let planned = planned.get(k).copied().unwrap_or(bind::Binding::Undefined);
        if cx.data().trace.bindings {
            crate::note!(
                "dlrun: binding {}: {}.{name} -> {}",
                me.host.display(),
                import.module,
                describe_binding(cx.data(), lib, import)
            );
        }
        let tls = match (&import.kind, import.module.as_str()) {
            (ImportKind::Global { .. }, "GOT.mem") => thread_local(cx.data(), planned, name),
            _ => None,
        };
        let ext: Extern = match (&import.kind, import.module.as_str()) {
            (ImportKind::Memory { .. }, _) => cx.data().memory()?.to_extern(&*cx),
            (ImportKind::Table { .. }, _) => cx.data().table()?.into(),
            (ImportKind::Global { ty, mutable }, "GOT.mem" | "GOT.func")
                if *ty != wasmparser::ValType::I32 || !*mutable =>
            {
                wasmtime::bail!(About::new(
                    &me,
                    format!(
                        "imports {}.{name} as {} {ty}, but a GOT entry is a mutable i32 global",
                        import.module,
                        if *mutable { "mutable" } else { "immutable" }
                    )
                ))
            }
            // A main that defines its memory and table (a non-relocatable
            // Emscripten main) cannot know an address or a slot before
            // they exist: its GOT is filled once it is instantiated, as
            // Emscripten's JS does (updateGOT, reportUndefinedSymbols).
            (ImportKind::Global { .. }, module @ ("GOT.mem" | "GOT.func"))
                if cx.data().memory.is_none() =>
            {
                let global = got_global(cx, 0)?;
                late.push(LateGot {
                    global,
                    func: module == "GOT.func",
                    name: name.to_string(),
                    planned,
                });
                global.into()
            }
            // The address of a thread-local object differs per thread: the
            // entry follows this thread's block of the owner.
            (ImportKind::Global { .. }, "GOT.mem") if let Some((owner, offset)) = tls => {
                cx.data_mut().depend(lib, owner);
                let value = cx.data().tls.address(owner, offset).unwrap_or(0);
                let global = got_global(cx, value)?;
                cx.data_mut().tls.got.push((owner, offset, global));
                global.into()
            }
            (ImportKind::Global { .. }, "GOT.mem") if name == "__heap_base" && lib == 0 => cx
                .data()
                .heap_base
                .ok_or_else(|| About::new(&me, "imports __heap_base but has no heap"))?
                .into(),
            (ImportKind::Global { .. }, "GOT.mem") => {
                let value = got_mem(cx, lib, planned, name)
                    .map_err(|e| e.context(About::new(&me, format!("binding GOT.mem.{name}"))))?;
                got_global(cx, value)?.into()
            }
            (ImportKind::Global { .. }, "GOT.func") => {
                let value = got_func(cx, lib, planned, name)
                    .map_err(|e| e.context(About::new(&me, format!("binding GOT.func.{name}"))))?;
                got_global(cx, value)?.into()
            }
            (ImportKind::Global { ty, mutable }, _) => {
                env_global(cx, lib, planned, name, *ty, *mutable)
                    .map_err(|e| {
                        e.context(About::new(
                            &me,
                            format!("binding global {}.{name}", import.module),
                        ))
                    })?
                    .into()
            }
            (ImportKind::Func(sig), module) => {
                match func_import(cx, lib, planned, module, name, sig)
                    .map_err(|e| e.context(About::new(&me, format!("binding {module}.{name}"))))?
                {
                    Binding::Now(f) if lib != 0 => {
                        finalize::hook(cx, lib, name, f)?.unwrap_or(f).into()
                    }
                    Binding::Now(f) => f.into(),
                    Binding::Later { lib: d, export } => {
                        later.push((out.len(), sig.clone(), d, export));
                        out.push(None);
                        continue;
                    }
                    // Calls go to the dispatcher unless the function
                    // itself is wrapped.
                    Binding::Trimmed { lib: d, index }
                        if routes.as_ref().is_some_and(|r| r.routes(k))
                            && (lib == 0 || !finalize::hooks(name)) =>
                    {
                        dispatched.push((k, d, index));
                        out.push(None);
                        continue;
                    }
                    Binding::Trimmed { lib: d, index } => {
                        trimmed.push((out.len(), d, index, name.to_string()));
                        out.push(None);
                        continue;
                    }
                }
            }
            (ImportKind::Tag, module) => wasmtime::bail!(About::new(
                &me,
                format!("imports tag {module}.{name}: native wasm exceptions are not supported")
            )),
        };
        out.push(Some(ext));
    }
    reach_trimmed(cx, lib, &me, trimmed, &mut out)?;
    if !later.is_empty() {
        let sigs: Vec<Sig> = later.iter().map(|(_, sig, _, _)| sig.clone()).collect();
        let (funcs, table) = plt::stand_ins(cx, &sigs)
            .map_err(|e| e.context(About::new(&me, "building stand-ins")))?;
        for (k, ((at, _, d, export), f)) in later.into_iter().zip(funcs).enumerate() {
            out[at] = Some(f.into());
            cx.data_mut().waiting.push(Waiting {
                table,
                slot: k as u64,
                wants: Wants::Export {
                    lib: d,
                    export,
                    pointer: false,
                },
            });
        }
    }
    if let Some(routes) = routes {
        let mut targets = foldhash::HashMap::with_capacity(dispatched.len());
        dispatched.sort_by_key(|&(_, d, _)| d);
        for group in dispatched.chunk_by(|a, b| a.1 == b.1) {
            let indices: Vec<u32> = group.iter().map(|&(_, _, index)| index).collect();
            let found = crate::trim::targets(cx, group[0].1, &indices)
                .map_err(|e| e.context(About::new(&me, "binding its imports")))?;
            targets.extend(group.iter().map(|&(at, _, _)| at).zip(found));
        }
        crate::route::bind(cx, &routes, &info, &mut out, targets)
            .map_err(|e| e.context(About::new(&me, "routing its calls")))?;
    }
    let mut out: Vec<Extern> = out
        .into_iter()
        .map(|e| e.expect("every import is bound"))
        .collect();
    let module = cx.data().libs[lib].module.clone();
    if module.imports().len() > out.len() {
        // The table its waits were routed through (crate::waits).
        out.push(crate::threads::waits_table(cx)?.into());
    }
    Ok((out, late))
}

/// Reaches at once the functions of trimmed libraries whose pointers the
/// `GOT.func` imports of library `me`, described by `info` (bound as
/// `planned`), hold, rather than one thunk module each.
fn reach_pointers(
    cx: &mut StoreContextMut<'_, Process>,
    me: &ModuleName,
    info: &ModuleInfo,
    planned: &[bind::Binding],
) -> wasmtime::Result<()> {
    let data = cx.data();
    let mut wanted: Vec<(LibId, u32)> = Vec::new();
    for (import, &planned) in info.imports.iter().zip(planned) {
        if import.module != "GOT.func" {
            continue;
        }
        if let Some(Sym::Func { lib, pointer, .. }) = planned_sym(data, planned, &import.name)
            && let Some(index) = crate::trim::trimmed(data, lib, &pointer)
        {
            wanted.push((lib, index));
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    for group in wanted.chunk_by(|a, b| a.0 == b.0) {
        let indices: Vec<u32> = group.iter().map(|&(_, index)| index).collect();
        crate::trim::reach(cx, group[0].0, &indices)
            .map_err(|e| e.context(About::new(me, "binding its function pointers")))?;
    }
    Ok(())
}

/// Binds the imports `trimmed` (position, defining library, function
/// index, name) of `lib`, each library's at once.
fn reach_trimmed(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    me: &ModuleName,
    mut trimmed: Vec<(usize, LibId, u32, String)>,
    out: &mut [Option<Extern>],
) -> wasmtime::Result<()> {
    trimmed.sort_by_key(|&(_, d, _, _)| d);
    for group in trimmed.chunk_by(|a, b| a.1 == b.1) {
        let d = group[0].1;
        let indices: Vec<u32> = group.iter().map(|&(_, _, index, _)| index).collect();
        let funcs = crate::trim::reach(cx, d, &indices)
            .map_err(|e| e.context(About::new(me, "binding its imports")))?;
        for ((at, _, _, name), f) in group.iter().zip(funcs) {
            let f = if lib != 0 {
                finalize::hook(cx, lib, name, f)?.unwrap_or(f)
            } else {
                f
            };
            out[*at] = Some(f.into());
        }
    }
    Ok(())
}

/// A GOT entry bound before the memory and table it points into existed.
pub(super) struct LateGot {
    global: Global,
    /// A `GOT.func` entry (a table slot), else `GOT.mem` (an address).
    func: bool,
    name: String,
    /// Where the load planned it to bind.
    planned: bind::Binding,
}

/// Fills the GOT entries of `lib` that waited for its own memory and table.
pub(super) fn fill_late_got(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    late: Vec<LateGot>,
) -> wasmtime::Result<()> {
    for g in late {
        let value = if g.func {
            got_func(cx, lib, g.planned, &g.name)
        } else {
            got_mem(cx, lib, g.planned, &g.name)
        };
        let me = cx.data().libs[lib].names();
        let module = if g.func { "GOT.func" } else { "GOT.mem" };
        let value = value
            .map_err(|e| e.context(About::new(&me, format!("binding {module}.{}", g.name))))?;
        g.global.set(&mut *cx, Val::I32(value as i32))?;
    }
    Ok(())
}

/// Where an import's definition comes from, for tracing.
pub(super) fn describe_binding(
    data: &Process,
    lib: LibId,
    import: &crate::modinfo::Import,
) -> String {
    let (module, name) = (import.module.as_str(), import.name.as_str());
    match (&import.kind, name) {
        (ImportKind::Memory { .. }, _) => return "the shared memory".into(),
        (ImportKind::Table { .. }, _) => return "the shared table".into(),
        (ImportKind::Global { .. }, "__stack_pointer" | "__memory_base" | "__table_base") => {
            return "loader".into();
        }
        _ => {}
    }
    if data.host.owns_module(module) {
        return "host".into();
    }
    match data.resolve(lib, name) {
        Some(Sym::Data(addr)) => format!("data {addr:#x}"),
        Some(Sym::Tls(off)) => format!("tls offset {off:#x}"),
        Some(Sym::Func { lib: d, export, .. }) => {
            format!("{}:{export}", data.libs[d].name)
        }
        None => match module {
            "GOT.mem" if data.host.linker_data(data, lib, name).is_some() => "loader".into(),
            "GOT.mem" | "GOT.func" => "unresolved".into(),
            _ if data.host.provides(module, name) => "host".into(),
            _ => "unresolved (looked up again when called)".into(),
        },
    }
}

/// How a function import is satisfied.
pub(super) enum Binding {
    /// By this function, now.
    Now(Func),
    /// By an export of a library instantiated later in this load.
    Later { lib: LibId, export: String },
    /// By function `index` of library `lib`, instantiated trimmed of its
    /// export (reached with the others of the same library at once).
    Trimmed { lib: LibId, index: u32 },
}

/// A GOT entry holding `value`.
pub(super) fn got_global(
    cx: &mut StoreContextMut<'_, Process>,
    value: u32,
) -> wasmtime::Result<Global> {
    made_global(cx, value, Mutability::Var)
}

/// An i32 global the loader makes for an import, kept in the process's
/// list for templates to put back.
fn made_global(
    cx: &mut StoreContextMut<'_, Process>,
    value: u32,
    mutability: Mutability,
) -> wasmtime::Result<Global> {
    let global = Global::new(
        &mut *cx,
        GlobalType::new(ValType::I32, mutability),
        Val::I32(value as i32),
    )?;
    cx.data_mut().made_globals.push(global);
    Ok(global)
}

/// The definition `lib`'s import `name` binds to, recording the dependency
/// that binding creates.
pub(super) fn resolve_for(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    name: &str,
) -> Option<Sym> {
    let (owner, sym) = cx
        .data()
        .resolve_owner(lib, name)
        .map(|(o, s)| (o, s.clone()))?;
    cx.data_mut().depend(lib, owner);
    Some(sym)
}

/// The definition of `name` in the library the load planned `lib`'s
/// import of it to bind to, recording the dependency that creates.
/// The owner and offset of thread-local object `name`, when that is what
/// the plan bound it to.
fn thread_local(data: &Process, planned: bind::Binding, name: &str) -> Option<(LibId, u32)> {
    let bind::Binding::Lib(plan::LibRef::Loaded(owner)) = planned else {
        return None;
    };
    match data.libs[owner].syms.get(name)? {
        Sym::Tls(offset) => Some((owner, offset)),
        _ => None,
    }
}

fn definition(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    planned: bind::Binding,
    name: &str,
) -> Option<Sym> {
    let bind::Binding::Lib(plan::LibRef::Loaded(owner)) = planned else {
        return None;
    };
    let sym = planned_sym(cx.data(), planned, name)?;
    cx.data_mut().depend(lib, owner);
    Some(sym)
}

/// The definition of `name` an import was planned to bind to, if it is in
/// a loaded library.
fn planned_sym(data: &Process, planned: bind::Binding, name: &str) -> Option<Sym> {
    let bind::Binding::Lib(plan::LibRef::Loaded(owner)) = planned else {
        return None;
    };
    data.libs[owner].syms.get(name)
}

/// The address a `GOT.mem` entry holds.
pub(super) fn got_mem(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    planned: bind::Binding,
    name: &str,
) -> wasmtime::Result<u32> {
    match definition(cx, lib, planned, name) {
        Some(Sym::Data(addr)) => Ok(addr),
        Some(Sym::Func {
            lib: d,
            pointer,
            index,
            ..
        }) => slots::of_export(cx, d, &pointer, index),
        Some(Sym::Tls(_)) => wasmtime::bail!("thread-local {name} reached through GOT.mem"),
        None => {
            if let Some(addr) = cx.data().host.linker_data(cx.data(), lib, name) {
                return Ok(addr);
            }
            let l = &cx.data().libs[lib];
            if l.info.dylink.is_weak_import("GOT.mem", name) {
                Ok(0)
            } else {
                wasmtime::bail!("undefined symbol: {name}")
            }
        }
    }
}

/// The table index a `GOT.func` entry holds.
pub(super) fn got_func(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    planned: bind::Binding,
    name: &str,
) -> wasmtime::Result<u32> {
    match definition(cx, lib, planned, name) {
        Some(Sym::Func {
            lib: d,
            pointer,
            index,
            ..
        }) => slots::of_export(cx, d, &pointer, index),
        Some(Sym::Data(_)) | Some(Sym::Tls(_)) => {
            wasmtime::bail!("{name} is data, but is used as a function")
        }
        None => {
            if planned == bind::Binding::Host
                && let Some(func) = cx.data().host.func(cx, "env", name, None)?
            {
                return slots::of_func(cx, func);
            }
            if cx.data().libs[lib]
                .info
                .dylink
                .is_weak_import("GOT.func", name)
            {
                return Ok(0);
            }
            if let Some(&slot) = cx.data().unresolved_slots.get(name) {
                return Ok(slot);
            }
            // A JS library function dlrun lacks: a call through the slot
            // raises a symbol lookup error naming it.
            let host = cx.data().host;
            let stub = host.lacking_stub(cx, lib, name);
            let slot = slots::reserve(cx, stub)?;
            let table = cx.data().table()?;
            let data = cx.data_mut();
            data.unresolved_slots.insert(name.to_string(), slot);
            data.waiting.push(Waiting {
                table,
                slot: slot.into(),
                wants: Wants::Name(name.to_string()),
            });
            Ok(slot)
        }
    }
}

/// A plain global import: the loader's own (`__stack_pointer`, bases) or a
/// data symbol's address.
pub(super) fn env_global(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    planned: bind::Binding,
    name: &str,
    ty: wasmparser::ValType,
    mutable: bool,
) -> wasmtime::Result<Global> {
    let (memory_base, table_base) = {
        let l = &cx.data().libs[lib];
        (l.memory_base, l.table_base)
    };
    let value = match name {
        "__stack_pointer" => {
            return cx
                .data()
                .stack_pointer
                .and_then(crate::stack::StackPointer::global)
                .ok_or_else(|| wasmtime::format_err!("the main module shares no stack pointer"));
        }
        "__memory_base" => memory_base,
        "__table_base" => table_base,
        _ => got_mem(cx, lib, planned, name)?,
    };
    if ty != wasmparser::ValType::I32 {
        wasmtime::bail!("expected an i32 global, the module asks for {ty}");
    }
    let mutability = if mutable {
        Mutability::Var
    } else {
        Mutability::Const
    };
    made_global(cx, value, mutability)
}

/// A function import: the defining library's function when it is already
/// instantiated, a stand-in when it will be, a host function, or a stub
/// that resolves on first call and traps naming the symbol if nothing
/// defines it by then.
pub(super) fn func_import(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    planned: bind::Binding,
    module: &str,
    name: &str,
    sig: &Sig,
) -> wasmtime::Result<Binding> {
    let ty = cx.data().modules.func_type(sig);
    let host = cx.data().host;
    if module != "env" && !host.owns_module(module) {
        wasmtime::bail!(
            "no module \"{module}\" to import {name} from: libraries and dlrun provide functions under \"env\" (and WASI's)"
        );
    }
    if host.owns_module(module) {
        return match host.func(cx, module, name, Some(sig))? {
            Some(func) => Ok(Binding::Now(func)),
            None => Ok(Binding::Now(late_bound(cx, ty, lib, module, name))),
        };
    }
    if lib != 0
        && cx.data().threads.is_some()
        && let Some(func) = host.interpose(cx, name)
    {
        return Ok(Binding::Now(func));
    }
    if let Some(sym) = definition(cx, lib, planned, name) {
        let Sym::Func { lib: d, .. } = &sym else {
            wasmtime::bail!("{name} is data, but is imported as a function");
        };
        let d = *d;
        let export = {
            let data = cx.data();
            let info = &data.libs[d].info;
            symbols::export_for_import(&sym, sig, |e| match info.export(e)? {
                ExportKind::Func(i) => info.func_sig(i).cloned(),
                _ => None,
            })
            .map(str::to_string)
        };
        let Some(export) = export else {
            wasmtime::bail!(About::new(
                &cx.data().libs[d].names(),
                format!(
                    "type mismatch: defines {name} with another type than the {} it is imported as",
                    sig.func_type(cx.engine())
                )
            ));
        };
        if let Some(func) = Process::own_export(cx, d, &export) {
            return Ok(Binding::Now(func));
        }
        if let Some(index) = crate::trim::trimmed(cx.data(), d, &export) {
            return Ok(Binding::Trimmed { lib: d, index });
        }
        return Ok(Binding::Later { lib: d, export });
    }
    if let Some(func) = host.func(cx, module, name, Some(sig))? {
        return Ok(Binding::Now(func));
    }
    Ok(Binding::Now(late_bound(cx, ty, lib, module, name)))
}

/// A stub for a symbol nothing defines at load time: it looks again when
/// called (a library loaded later may define it) and traps naming the
/// symbol and the module that needs it otherwise.
fn late_bound(
    cx: &mut StoreContextMut<'_, Process>,
    ty: FuncType,
    lib: LibId,
    module: &str,
    name: &str,
) -> Func {
    let name = name.to_string();
    let module = module.to_string();
    let sig_ty = ty.clone();
    let target: Arc<OnceLock<Func>> = Arc::new(OnceLock::new());
    Func::new(&mut *cx, ty, move |mut caller, params, results| {
        let func = match target.get() {
            Some(f) => *f,
            None => {
                let mut found = None;
                if let Some(Sym::Func {
                    lib: d,
                    export,
                    pointer,
                    ..
                }) = resolve_for(&mut caller.as_context_mut(), lib, &name)
                {
                    for e in [export, pointer] {
                        if let Some(f) = Process::export_func(&mut caller.as_context_mut(), d, &e)?
                            && FuncType::eq(&f.ty(&caller), &sig_ty)
                        {
                            found = Some(f);
                            break;
                        }
                    }
                }
                let Some(f) = found else {
                    let who = caller.data().libs[lib].names();
                    let data = caller.data();
                    let host = if data.host.provides(&module, &name) {
                        " (a host function dlrun does not implement yet)".to_string()
                    } else if let Some(lacks) =
                        data.host.lacks(data, &name).filter(|_| module == "env")
                    {
                        format!(", {lacks}")
                    } else {
                        symbols::suggest(&name, caller.data().global.names())
                            .map(|s| format!(" (did you mean {s}?)"))
                            .unwrap_or_default()
                    };
                    return Err(wasmtime::Error::new(crate::unwind::SymbolLookup {
                        module: who,
                        import: format!("import {module}.{name}{host}"),
                        symbol: name.clone(),
                    }));
                };
                *target.get_or_init(|| f)
            }
        };
        func.call(&mut caller, params, results)
    })
}
