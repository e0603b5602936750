//! Loading a group of libraries, as one story: find every file the root
//! needs -> map each into memory and the table -> bind imports and
//! instantiate (dependencies first) -> relocate -> run constructors. A
//! failure at any step leaves nothing of the group visible.
//!
//! What a load reads and compiles is in `module`, where each import binds
//! and why a load is refused in `check`, how each import gets its value in
//! `imports`, what dlclose frees in `unload`, and how other threads realize
//! a load in `journal`.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use wasmtime::{
    AsContextMut, Extern, Func, FuncType, Global, GlobalType, Instance, Module, Mutability,
    StoreContextMut, Val, ValType,
};

use crate::cache::Cache;
use crate::compiled::{Compiled, Modules};
use crate::finalize;
use crate::modinfo::{ExportKind, ImportKind, ModuleInfo, Sig};
use crate::naming::{About, ModuleName};
use crate::plan::{self, bind};
use crate::plt;
use crate::process::{Library, Process, Waiting, Wants, slots};
use crate::search::Located;
use crate::source::Source;
use crate::symbols::{self, LibId, Sym, Symbols};

mod check;
mod host;
mod imports;
pub mod journal;
mod module;
mod order;
mod unload;

pub use host::Host;
pub use journal::{Replay, Taken};

use check::check;
use imports::{LateGot, bind, fill_late_got};
use module::compile_all;
pub use module::{Candidate, Parsed};
pub use unload::collect;
use unload::forget;

/// How a group is loaded (the dlopen mode bits that matter to the loader).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    /// Symbols join the global scope (RTLD_GLOBAL; always at startup).
    pub global: bool,
    /// Never unloaded (RTLD_NODELETE; always at startup).
    pub nodelete: bool,
    /// Every strong symbol must resolve now (RTLD_NOW).
    pub now: bool,
}

/// What to load: a library name, or the main module already compiled.
pub enum Root<'a> {
    /// A library to find and load by name, as `requester` asks for it.
    Name {
        /// The name to look up (a NEEDED entry or dlopen argument).
        name: &'a str,
        /// The library asking: its RUNPATH and directory (`$ORIGIN`) take
        /// part in the search.
        requester: LibId,
    },
    /// The main module, already compiled (with fixed bases).
    Main(Candidate),
}

/// Loads `root` and everything it needs; returns the root's id. Libraries
/// already loaded are shared, not loaded twice.
pub fn load(
    cx: &mut StoreContextMut<'_, Process>,
    root: Root<'_>,
    mode: Mode,
) -> wasmtime::Result<LibId> {
    let first_new = cx.data().libs.len();
    let is_main = matches!(root, Root::Main(_));
    journal::begin(cx);
    let group = match find(cx, root, mode) {
        Ok(group) => group,
        Err(e) => {
            journal::abandon(cx);
            return Err(e);
        }
    };
    let (root_id, order) = (group.root, group.order.clone());
    let recorded = journal::recording(cx).then(|| group.clone());
    let linked =
        map(cx, group.libs, mode).and_then(|deferred| link(cx, root_id, &order, &deferred));
    if let Err(e) = linked {
        journal::abandon(cx);
        forget(cx, first_new);
        return Err(e);
    }
    let tls = match &recorded {
        Some(_) => premake_thread_locals(cx, &order),
        None => Ok(Vec::new()),
    };
    let tls = match tls {
        Ok(tls) => tls,
        Err(e) => {
            journal::abandon(cx);
            forget(cx, first_new);
            return Err(e);
        }
    };
    journal::end(cx, |taken| {
        recorded.map(|group| journal::Op::Load {
            group,
            mode,
            taken,
            tls,
        })
    });
    if let Err(e) = init(cx, root_id, &order, is_main) {
        journal::begin(cx);
        forget(cx, first_new);
        journal::end(cx, |taken| {
            Some(journal::Op::Forget {
                first: first_new,
                taken,
            })
        });
        return Err(e);
    }
    if mode.global {
        promote(cx.data_mut(), root_id);
    }
    Ok(root_id)
}

/// Find: the root and its NEEDED closure, as [`plan::load_set`] decides
/// it, checked and bound ([`check`]), then compiled. The start-up load of
/// a program decides the same every run: its group is kept by the
/// program and later runs take it as it is.
fn find(
    cx: &mut StoreContextMut<'_, Process>,
    root: Root<'_>,
    mode: Mode,
) -> wasmtime::Result<Group> {
    let startup = matches!(root, Root::Main(_)) && mode.global && mode.nodelete;
    if startup
        && let Root::Main(main) = &root
        && let Some(kept) = cx.data().modules.startup_group()
    {
        let mut group = (*kept).clone();
        group.libs[0].cand = main.clone();
        return Ok(group);
    }
    let base = cx.data().libs.len();
    let data = cx.data();
    let root = match root {
        Root::Main(c) => plan::Root::Main {
            name: c.name.clone(),
            path: c.path.clone(),
            needed: main_needed(data, &c.info),
            module: Piece::Main(c),
        },
        Root::Name { name, requester } => {
            let lib = &data.libs[requester];
            plan::Root::Name {
                name: name.to_string(),
                origin: lib.origin(),
                runtime_paths: lib.info.dylink.runtime_paths.clone(),
            }
        }
    };
    let set =
        plan::load_set(&mut Loading { data }, root, plan::OnMissing::Fail).map_err(
            |e| match e {
                plan::PlanError::Find(e) => e,
                e @ plan::PlanError::TooMany { .. } => wasmtime::format_err!("{e}"),
            },
        )?;
    let mut planned = check(data, &set.new, mode, base)?.into_iter();
    let id = |r: plan::LibRef| match r {
        plan::LibRef::Loaded(id) => id,
        plan::LibRef::New(k) => base + k,
    };
    let root_id = id(set.root);
    let is_main = matches!(set.new.first(), Some(p) if matches!(p.module, Piece::Main(_)));
    let order = plan::init_order(&set.new, set.root, is_main)
        .into_iter()
        .map(|k| base + k)
        .collect();
    let mut main = None;
    let mut parsed = Vec::new();
    let mut deps = Vec::new();
    for lib in set.new {
        deps.push(lib.needs.into_iter().map(id).collect::<Vec<LibId>>());
        match lib.module {
            Piece::Main(c) => main = Some(c),
            Piece::Lib(p) => parsed.push(p),
        }
    }
    let modules = cx.data().modules.clone();
    let compiled = compile_all(&modules, parsed)?;
    for c in &compiled {
        let kept = Compiled {
            info: c.info.clone(),
            module: c.module.clone(),
        };
        modules.keep_library(&c.path, kept);
    }
    let libs = main
        .into_iter()
        .chain(compiled)
        .zip(deps)
        .map(|(cand, deps)| NewLib {
            cand,
            deps,
            planned: planned.next().unwrap_or_default(),
        })
        .collect();
    let group = Group {
        root: root_id,
        libs,
        order,
    };
    if startup {
        modules.keep_startup_group(Arc::new(group.clone()));
    }
    Ok(group)
}

/// What a load brings in, decided before anything is placed: the root,
/// the new libraries (ids following the current library count) and the
/// order they are linked and initialized in.
#[derive(Clone)]
pub struct Group {
    root: LibId,
    libs: Vec<NewLib>,
    order: Vec<LibId>,
}

impl Group {
    /// How many libraries the load brings in.
    pub fn len(&self) -> usize {
        self.libs.len()
    }

    /// Whether the load brings in nothing new.
    pub fn is_empty(&self) -> bool {
        self.libs.is_empty()
    }
}

/// A library a load brings in: compiled, with the ids of the libraries it
/// needs and where each of its imports binds.
#[derive(Clone)]
struct NewLib {
    cand: Candidate,
    deps: Vec<LibId>,
    planned: Planned,
}

/// Where each import of a library binds, in import order; a library it
/// binds to is named by its id ([`plan::LibRef::Loaded`]).
pub type Planned = Arc<[bind::Binding]>;

/// A module a load plan holds: the main module, compiled already, or a
/// library read.
enum Piece {
    Main(Candidate),
    Lib(Parsed),
}

impl AsRef<ModuleInfo> for Piece {
    fn as_ref(&self) -> &ModuleInfo {
        match self {
            Piece::Main(c) => &c.info,
            Piece::Lib(p) => &p.info,
        }
    }
}

impl plan::Facts for Piece {
    fn needed(&self) -> &[String] {
        let info = match self {
            Piece::Main(c) => &c.info,
            Piece::Lib(p) => &p.info,
        };
        &info.dylink.needed
    }

    fn runtime_paths(&self) -> &[String] {
        let info = match self {
            Piece::Main(c) => &c.info,
            Piece::Lib(p) => &p.info,
        };
        &info.dylink.runtime_paths
    }
}

impl Piece {
    /// The names the module goes by, for errors about what it needs.
    fn module_name(&self) -> ModuleName {
        match self {
            Piece::Main(c) => ModuleName::new(&c.path, &c.guest),
            Piece::Lib(p) => ModuleName::new(&p.path, &p.guest),
        }
    }
}

/// The process as a load plan sees it: what is loaded, the search path,
/// and what earlier runs of the program compiled.
struct Loading<'a> {
    data: &'a Process,
}

impl plan::World for Loading<'_> {
    type Module = Piece;
    type Error = wasmtime::Error;
    type Located = Located;

    fn by_name(&self, name: &str) -> Option<LibId> {
        self.data.by_name.get(name).copied()
    }

    fn by_path(&self, path: &std::path::Path) -> Option<LibId> {
        self.data.by_path.get(path).copied()
    }

    fn locate(
        &self,
        name: &str,
        origin: &std::path::Path,
        runtime_paths: &[String],
    ) -> Option<Located> {
        let data = self.data;
        data.search
            .locate(name, origin, runtime_paths, &data.vfs())
            .ok()
    }

    fn path_of(located: &Located) -> &std::path::Path {
        &located.path
    }

    fn read(
        &mut self,
        name: &str,
        requester: Option<&Piece>,
        located: Option<Located>,
        origin: &std::path::Path,
        runtime_paths: &[String],
    ) -> wasmtime::Result<(PathBuf, Piece)> {
        let data = self.data;
        let deadline = data.deadline.as_ref().map(|t| t.expires());
        let located = match located {
            // Compiled by an earlier run of the program: nothing to read.
            Some(located) if let Some(compiled) = data.modules.library(&located.path) => {
                let path = located.path.clone();
                let known = Parsed::known(name, located.path, located.guest, compiled);
                return Ok((path, Piece::Lib(known)));
            }
            Some(located) => located,
            // Searched again only for the error that names where.
            None => data
                .search
                .locate(name, origin, runtime_paths, &data.vfs())
                .map_err(|mut missing| {
                    missing.needed_by = requester.map(Piece::module_name);
                    wasmtime::Error::new(missing)
                })?,
        };
        let parsed = Parsed::library(name, located, data.modules.cache(), deadline)?;
        Ok((parsed.path.clone(), Piece::Lib(parsed)))
    }

    fn live(&self) -> usize {
        self.data.by_path.len()
    }

    fn max_libraries(&self) -> usize {
        self.data.max_libraries
    }
}

/// The main module's NEEDED list, preloaded libraries first (after main
/// itself in the search order, as with LD_PRELOAD).
fn main_needed(data: &Process, info: &ModuleInfo) -> Vec<String> {
    data.preload
        .iter()
        .chain(info.dylink.needed.iter())
        .cloned()
        .collect()
}

/// The loaded library `name` refers to for `requester`, if any: by the name
/// it was loaded under, or by the file the name finds (an error when no
/// file is found).
pub fn find_loaded(
    data: &Process,
    name: &str,
    requester: LibId,
) -> Result<Option<LibId>, crate::search::NotFound> {
    if let Some(&id) = data.by_name.get(name) {
        return Ok(Some(id));
    }
    let lib = &data.libs[requester];
    let found = data.search.locate(
        name,
        &lib.origin(),
        &lib.info.dylink.runtime_paths,
        &data.vfs(),
    )?;
    Ok(data.by_path.get(&found.path).copied())
}

/// Map: place each new library in memory and the table, compute its
/// symbols, and record it (not yet instantiated). Libraries of a main that
/// defines its own memory are placed once it is instantiated; their ids are
/// returned.
fn map(
    cx: &mut StoreContextMut<'_, Process>,
    new: Vec<NewLib>,
    mode: Mode,
) -> wasmtime::Result<Vec<LibId>> {
    let mut deferred = Vec::new();
    let base = cx.data().libs.len();
    for (
        k,
        NewLib {
            cand,
            deps,
            planned,
        },
    ) in new.into_iter().enumerate()
    {
        let id = base + k;
        let placed = match cand.bases {
            Some((memory_base, table_base)) => Placed {
                memory_base,
                table_base,
                heap_block: None,
            },
            None if cx.data().memory.is_none() => {
                deferred.push(id);
                Placed::default()
            }
            None => place(cx, &cand.info, &ModuleName::new(&cand.path, &cand.guest))?,
        };
        let Placed {
            memory_base,
            table_base,
            heap_block,
        } = placed;
        let syms = Symbols::of(cand.info.clone(), id, memory_base);
        let trimmed = crate::trim::is_trimmed(&cand.module, &cand.info);
        let routed = crate::route::is_routed(&cand.module, &cand.info);
        cx.data_mut().libs.push(Library {
            name: cand.name,
            path: cand.path,
            guest: cand.guest,
            info: cand.info,
            trimmed,
            routed,
            module: cand.module,
            instance: None,
            memory_base,
            table_base,
            syms,
            deps,
            planned,
            opens: 0,
            nodelete: mode.nodelete,
            alive: true,
            heap_block,
            reldeps: Vec::new(),
        });
    }
    let data = cx.data_mut();
    for id in base..data.libs.len() {
        data.index(id);
    }
    if mode.global {
        join_global(data, base, mode);
    }
    Ok(deferred)
}

/// Adds libraries `base..` to the global scope. The start-up load of a
/// program gives the same scope every run: its first definitions are kept
/// by the program and shared, not indexed again.
fn join_global(data: &mut Process, base: LibId, mode: Mode) {
    let startup = mode.nodelete && data.global.libs().is_empty();
    let ids: Vec<LibId> = (base..data.libs.len()).collect();
    let key: Vec<(PathBuf, LibId)> = if startup {
        ids.iter()
            .map(|&id| (data.libs[id].path.clone(), id))
            .collect()
    } else {
        Vec::new()
    };
    if startup && let Some(index) = data.modules.startup_global(&key) {
        let front = ids.first().map(|&id| data.libs[id].syms.clone());
        data.global = symbols::GlobalScope::with_first_definitions(&ids, front, index);
        return;
    }
    for &id in &ids {
        let syms = data.libs[id].syms.clone();
        data.global.push_table(id, &syms);
    }
    if startup {
        let index = data.global.first_definitions();
        data.modules.keep_startup_global(key, index);
    }
}

/// Places libraries whose placement waited for the main module's memory,
/// and relocates their symbols.
fn place_deferred(
    cx: &mut StoreContextMut<'_, Process>,
    deferred: &[LibId],
) -> wasmtime::Result<()> {
    for &id in deferred {
        let (info, names) = {
            let l = &cx.data().libs[id];
            (l.info.clone(), l.names())
        };
        let placed = place(cx, &info, &names)?;
        let memory_base = placed.memory_base;
        let l = &mut cx.data_mut().libs[id];
        l.memory_base = memory_base;
        l.table_base = placed.table_base;
        l.heap_block = placed.heap_block;
        l.syms = Symbols::of(info, id, memory_base);
    }
    Ok(())
}

/// Allocates a library's static data (zeroed, aligned as MEM_INFO asks) and
/// its table slots.
fn place(
    cx: &mut StoreContextMut<'_, Process>,
    info: &ModuleInfo,
    module: &ModuleName,
) -> wasmtime::Result<Placed> {
    let needs = plan::layout::needs(&info.dylink).map_err(|e| About::new(module, e))?;
    let replayed = cx.data_mut().replay.as_mut().map(|r| r.placement());
    let (memory_base, heap_block) = if let Some(placed) = replayed {
        placed.ok_or_else(|| About::new(module, "placed by no other thread"))?
    } else {
        let placed = if needs.memory == 0 {
            (0, None)
        } else {
            let host = cx.data().host;
            host.allocate(cx, needs.memory, needs.memory_align)
                .map_err(|e| e.context(About::new(module, "allocating its memory")))?
        };
        journal::placed(cx.data_mut(), placed.0, placed.1);
        placed
    };
    let table_base = if needs.table == 0 {
        0
    } else {
        let table = needs.table.into();
        Process::table_space(cx, table, needs.table_align, wasmtime::Ref::Func(None))
            .map_err(|e| e.context(About::new(module, "growing the table")))? as u32
    };
    Ok(Placed {
        memory_base,
        table_base,
        heap_block,
    })
}

/// Where a library's static data and table entries went.
#[derive(Default)]
struct Placed {
    memory_base: u32,
    table_base: u32,
    heap_block: Option<u32>,
}

/// Link: bind, instantiate and relocate every new library, each after
/// the libraries it binds to where it can be ([`order`]).
fn link(
    cx: &mut StoreContextMut<'_, Process>,
    root: LibId,
    order: &[LibId],
    deferred: &[LibId],
) -> wasmtime::Result<()> {
    for id in order::instantiation(cx.data(), order) {
        let late = instantiate(cx, id)?;
        if !deferred.is_empty() && id == root {
            place_deferred(cx, deferred)?;
        }
        fill_late_got(cx, id, late)?;
    }
    Ok(())
}

/// The TLS blocks the program's other threads get in the new libraries,
/// made here where the program's allocator may run.
fn premake_thread_locals(
    cx: &mut StoreContextMut<'_, Process>,
    order: &[LibId],
) -> wasmtime::Result<Vec<(u64, LibId, u32)>> {
    let Some(threads) = cx.data().threads.clone() else {
        return Ok(Vec::new());
    };
    let others = threads.others(cx.data().tls.token);
    let host = cx.data().host;
    host.premake_thread_locals(cx, order, &others)
}

/// Init: the running thread's thread-locals in each new library, then
/// constructors in link order (not when replaying a load another thread
/// made: it ran them).
fn init(
    cx: &mut StoreContextMut<'_, Process>,
    root: LibId,
    order: &[LibId],
    is_main: bool,
) -> wasmtime::Result<()> {
    if cx.data().tls.pthread != 0 {
        let host = cx.data().host;
        for &id in order {
            host.thread_locals(cx, id)?;
        }
    }
    if cx.data().replay.is_some() {
        return Ok(());
    }
    for &id in order {
        if cx.data().host.runs_own_ctors(cx.data(), id) {
            continue;
        }
        if let Some(ctors) = Process::export_func(cx, id, "__wasm_call_ctors")? {
            ctors.call(&mut *cx, &[], &mut []).map_err(|e| {
                e.context(About::new(
                    &cx.data().libs[id].names(),
                    "constructor failed",
                ))
            })?;
        }
        if is_main && id == root {
            cx.data_mut().runtime_ready = true;
        }
    }
    Ok(())
}

/// Instantiates `lib` with its imports bound, then settles its table slots
/// and applies LLVM 19 style data relocations.
fn instantiate(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
) -> wasmtime::Result<Vec<LateGot>> {
    let (imports, late) = bind(cx, lib)?;
    let module = cx.data().libs[lib].module.clone();
    let failed = |cx: &StoreContextMut<'_, Process>, e: wasmtime::Error| {
        e.context(About::new(
            &cx.data().libs[lib].names(),
            "instantiation failed",
        ))
    };
    let instance = Instance::new(&mut *cx, &module, &imports).map_err(|e| failed(cx, e))?;
    let split = cx.data().modules.split_of(&module);
    if let Some(split) = &split {
        crate::split::realize(cx, instance, split).map_err(|e| failed(cx, e))?;
    }
    cx.data_mut().libs[lib].instance = Some(instance);
    if cx.data().trace.libs {
        let l = &cx.data().libs[lib];
        let pieces = split.map_or(String::new(), |s| format!(" pieces={}", s.pieces()));
        crate::note!(
            "dlrun: loaded {} ({}) memory_base={:#x} size={} table_base={} slots={}{pieces} code={}",
            l.name,
            l.path.display(),
            l.memory_base,
            l.info.dylink.mem_size,
            l.table_base,
            l.info.dylink.table_size,
            cx.data().modules.compiler().name()
        );
    }
    if cx.data().memory.is_none() {
        let host = cx.data().host;
        host.adopt(cx)?;
    }
    slots::fill(cx, lib)?;
    slots::settle(cx, lib)?;
    if cx.data().replay.is_none()
        && let Some(relocs) = instance.get_func(&mut *cx, "__wasm_apply_data_relocs")
    {
        relocs.call(&mut *cx, &[], &mut [])?;
    }
    Ok(late)
}

/// Makes `root` and its dependencies globally visible (RTLD_GLOBAL, also
/// when reopening a library first opened RTLD_LOCAL).
pub fn promote(data: &mut Process, root: LibId) {
    let mut scope = Vec::new();
    data.find_breadth_first(root, |l| {
        scope.push(l);
        None::<()>
    });
    for id in scope {
        if data.libs[id].alive && !data.global.contains(id) {
            let syms = data.libs[id].syms.clone();
            data.global.push_table(id, &syms);
        }
    }
}
