//! Loading a group of libraries, as one story: find every file the root
//! needs -> map each into memory and the table -> bind imports and
//! instantiate (dependencies first) -> relocate -> run constructors. A
//! failure at any step leaves nothing of the group visible.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use wasmtime::{
    AsContextMut, Extern, Func, FuncType, Global, GlobalType, Instance, Module, Mutability,
    StoreContextMut, Val, ValType,
};

use crate::abi;
use crate::compiled::{Compiled, Modules};
use crate::finalize;
use crate::modinfo::{ExportKind, ImportKind, ModuleInfo, Sig};
use crate::naming::{About, ModuleName};
use crate::plan::{self, bind};
use crate::plt;
use crate::process::{Library, Process, StandIn, slots};
use crate::search::Found;
use crate::symbols::{self, LibId, Sym, exported_symbols};

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

/// A module read and understood, not yet compiled.
pub struct Parsed {
    /// The name it was requested by.
    pub name: String,
    /// Canonical host path of the file.
    pub path: PathBuf,
    /// What the program calls it (see [`ModuleName::guest`]).
    pub guest: String,
    /// The module's bytes, to compile.
    pub bytes: Vec<u8>,
    /// Its parsed metadata.
    pub info: Arc<ModuleInfo>,
    /// Its code, when an earlier load of the program compiled it.
    pub module: Option<Module>,
}

impl Parsed {
    /// Reads the metadata of a library read from `found`.
    pub fn library(name: &str, found: Found) -> wasmtime::Result<Parsed> {
        Self::read(name, found, true)
    }

    /// Like [`Parsed::library`] for a main module, which may lack dylink
    /// metadata when it is a static wasi-libc program.
    pub fn main(name: &str, found: Found) -> wasmtime::Result<Parsed> {
        Self::read(name, found, false)
    }

    fn read(name: &str, found: Found, require_dylink: bool) -> wasmtime::Result<Parsed> {
        let info = ModuleInfo::parse_with(&found.bytes, require_dylink)
            .map_err(|e| About::new(&found.name(), e.to_string()))?;
        if info.uses_threads() {
            wasmtime::bail!(About::new(
                &found.name(),
                "built with threads (shared memory), which dlrun does not support"
            ));
        }
        Ok(Parsed {
            name: name.to_string(),
            path: found.path,
            guest: found.guest,
            bytes: found.bytes,
            info: Arc::new(info),
            module: None,
        })
    }

    /// A library an earlier load found at `path` (known to the program as
    /// `guest`) and compiled: nothing to read or parse.
    pub fn known(name: &str, path: PathBuf, guest: String, compiled: Compiled) -> Parsed {
        Parsed {
            name: name.to_string(),
            path,
            guest,
            bytes: Vec::new(),
            info: compiled.info,
            module: Some(compiled.module),
        }
    }

    /// Compiles the module (or takes it from memory or the cache).
    pub fn compile(self, modules: &Modules) -> wasmtime::Result<Candidate> {
        let module = match self.module {
            Some(m) => m,
            None => modules
                .cache()
                .module(modules.engine(), &self.bytes)
                .map_err(|e| {
                    let names = ModuleName::new(&self.path, &self.guest);
                    e.context(About::new(&names, "invalid module"))
                })?,
        };
        Ok(Candidate {
            name: self.name,
            path: self.path,
            guest: self.guest,
            info: self.info,
            module,
            bases: None,
        })
    }
}

/// Compiles modules side by side, one thread per core.
fn compile_all(modules: &Modules, parsed: Vec<Parsed>) -> wasmtime::Result<Vec<Candidate>> {
    let to_compile = parsed.iter().filter(|p| p.module.is_none()).count();
    if to_compile <= 1 {
        return parsed.into_iter().map(|p| p.compile(modules)).collect();
    }
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(to_compile);
    let mut slots: Vec<Option<wasmtime::Result<Candidate>>> = parsed.iter().map(|_| None).collect();
    let queue = std::sync::Mutex::new(parsed.into_iter().enumerate().collect::<Vec<_>>());
    let done = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some((k, p)) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    let result = p.compile(modules);
                    if let Ok(mut d) = done.lock() {
                        d.push((k, result));
                    }
                }
            });
        }
    });
    for (k, result) in done.into_inner().unwrap_or_default() {
        slots[k] = Some(result);
    }
    slots
        .into_iter()
        .map(|s| s.unwrap_or_else(|| Err(wasmtime::format_err!("a compile worker failed"))))
        .collect()
}

/// A module compiled, not yet placed in the process.
#[derive(Clone)]
pub struct Candidate {
    /// The name it was requested by.
    pub name: String,
    /// Canonical host path of the file.
    pub path: PathBuf,
    /// What the program calls it (see [`ModuleName::guest`]).
    pub guest: String,
    /// Its parsed metadata.
    pub info: Arc<ModuleInfo>,
    /// Its compiled code.
    pub module: Module,
    /// Fixed bases (the main module's); `None` to allocate.
    pub bases: Option<(u32, u32)>,
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
    let (root_id, new, order) = find(cx, root, mode)?;
    let result =
        map(cx, new, mode).and_then(|deferred| link(cx, root_id, &order, is_main, &deferred));
    match result {
        Ok(()) => {
            if mode.global {
                promote(cx.data_mut(), root_id);
            }
            Ok(root_id)
        }
        Err(e) => {
            forget(cx, first_new);
            Err(e)
        }
    }
}

/// Find: the root and its NEEDED closure, as [`plan::load_set`] decides
/// it, then compiled. Returns the root's id and the new candidates with the
/// ids of their NEEDED libraries (ids follow the current library count).
fn find(
    cx: &mut StoreContextMut<'_, Process>,
    root: Root<'_>,
    mode: Mode,
) -> wasmtime::Result<(LibId, NewLibs, Vec<LibId>)> {
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
    check(data, &set.new, mode)?;
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
    let new = main.into_iter().chain(compiled).zip(deps).collect();
    Ok((root_id, new, order))
}

/// The libraries a load found, each with the ids of those it needs.
type NewLibs = Vec<(Candidate, Vec<LibId>)>;

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
    ) -> Option<PathBuf> {
        let data = self.data;
        let (path, _) = data
            .search
            .locate(name, origin, runtime_paths, &data.fs)
            .ok()?;
        Some(path)
    }

    fn read(
        &mut self,
        name: &str,
        requester: Option<&Piece>,
        origin: &std::path::Path,
        runtime_paths: &[String],
    ) -> wasmtime::Result<(PathBuf, Piece)> {
        let data = self.data;
        // Compiled by an earlier run of the program: nothing to read.
        if let Ok((path, guest)) = data.search.locate(name, origin, runtime_paths, &data.fs)
            && let Some(compiled) = data.modules.library(&path)
        {
            let known = Parsed::known(name, path.clone(), guest, compiled);
            return Ok((path, Piece::Lib(known)));
        }
        let deadline = data.deadline.as_ref().map(|t| t.expires());
        let found = data
            .search
            .find(name, origin, runtime_paths, &data.fs, deadline)
            .map_err(|mut e| {
                if let (Some(missing), Some(r)) =
                    (e.downcast_mut::<crate::search::NotFound>(), requester)
                {
                    missing.needed_by = Some(r.module_name());
                }
                e
            })?;
        let parsed = Parsed::library(name, found)?;
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
    let (found, _) = data.search.locate(
        name,
        &lib.origin(),
        &lib.info.dylink.runtime_paths,
        &data.fs,
    )?;
    Ok(data.by_path.get(&found).copied())
}

/// Map: place each new library in memory and the table, compute its
/// symbols, and record it (not yet instantiated). Libraries of a main that
/// defines its own memory are placed once it is instantiated; their ids are
/// returned.
fn map(
    cx: &mut StoreContextMut<'_, Process>,
    new: NewLibs,
    mode: Mode,
) -> wasmtime::Result<Vec<LibId>> {
    let mut deferred = Vec::new();
    let base = cx.data().libs.len();
    for (k, (cand, deps)) in new.into_iter().enumerate() {
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
        let syms = symbols_of(cx.data(), &cand.path, &cand.info, id, memory_base, mode);
        cx.data_mut().libs.push(Library {
            name: cand.name,
            path: cand.path,
            guest: cand.guest,
            info: cand.info,
            module: cand.module,
            instance: None,
            memory_base,
            table_base,
            syms,
            deps,
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
        data.global = symbols::GlobalScope::with_first_definitions(&ids, index);
        return;
    }
    for &id in &ids {
        let syms = data.libs[id].syms.clone();
        data.global.push(id, syms.keys());
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
        l.syms = Arc::new(exported_symbols(&info, id, memory_base));
    }
    Ok(())
}

/// The symbol table of library `id` placed at `memory_base`: for the
/// start-up load, the one every run shares.
fn symbols_of(
    data: &Process,
    path: &std::path::Path,
    info: &ModuleInfo,
    id: LibId,
    memory_base: u32,
    mode: Mode,
) -> crate::symbols::Symbols {
    if mode.nodelete && mode.global {
        data.modules.startup_symbols(path, info, id, memory_base)
    } else {
        Arc::new(exported_symbols(info, id, memory_base))
    }
}

/// Allocates a library's static data (zeroed, aligned as MEM_INFO asks) and
/// its table slots.
fn place(
    cx: &mut StoreContextMut<'_, Process>,
    info: &ModuleInfo,
    module: &ModuleName,
) -> wasmtime::Result<Placed> {
    let d = &info.dylink;
    let align = 1u32
        .checked_shl(d.mem_align.max(4))
        .filter(|&a| a <= 1 << 16)
        .ok_or_else(|| {
            About::new(
                module,
                format!("memory alignment 2^{} is absurd", d.mem_align),
            )
        })?;
    let (memory_base, heap_block) = if d.mem_size == 0 {
        (0, None)
    } else {
        abi::allocate(cx, d.mem_size, align)
            .map_err(|e| e.context(About::new(module, "allocating its memory")))?
    };
    let table_base = if d.table_size == 0 {
        0
    } else {
        let align = 1u64
            .checked_shl(d.table_align)
            .filter(|&a| a <= 1 << 16)
            .ok_or_else(|| {
                About::new(
                    module,
                    format!("table alignment 2^{} is absurd", d.table_align),
                )
            })?;
        Process::table_space(cx, d.table_size.into(), align, wasmtime::Ref::Func(None))
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

/// Link: bind, instantiate and relocate every new library (dependencies
/// first; the main module before all, as its libc is everyone's), then run
/// constructors in the same order.
fn link(
    cx: &mut StoreContextMut<'_, Process>,
    root: LibId,
    order: &[LibId],
    is_main: bool,
    deferred: &[LibId],
) -> wasmtime::Result<()> {
    for &id in order {
        let late = instantiate(cx, id)?;
        if !deferred.is_empty() && id == root {
            place_deferred(cx, deferred)?;
        }
        fill_late_got(cx, id, late)?;
    }
    for &id in order {
        if abi::wasi::runs_own_ctors(cx.data(), id) {
            continue;
        }
        if let Some(ctors) = Process::export_func(cx, id, "__wasm_call_ctors") {
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

/// Strong symbols nothing defines, one line each: "MODULE: undefined
/// symbol: NAME".
#[derive(Debug)]
struct Unresolved(Vec<About>);

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, line) in self.0.iter().enumerate() {
            if k > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Unresolved {}

/// Fails the load, before anything is compiled, placed or instantiated,
/// when a strong symbol of the new libraries binds to nothing: data always
/// (its address is needed now), functions only under RTLD_NOW.
fn check(data: &Process, new: &[plan::Planned<Piece>], mode: Mode) -> wasmtime::Result<()> {
    let scope = bind::PlanScope::new(data, new, mode.global);
    let mut unresolved = Vec::new();
    for (k, lib) in new.iter().enumerate() {
        let imports = &lib.module.as_ref().imports;
        for (import, bound) in imports
            .iter()
            .zip(bind::bindings(&scope, &abi::Abi, k, mode.now))
        {
            // A tag or a mistyped GOT entry is refused when bound, with its reason.
            if bound.binding != bind::Binding::Undefined || matches!(import.kind, ImportKind::Tag) {
                continue;
            }
            let known = data.global.names().chain(scope.new_global_names());
            let hint = if abi::is_unprovided(data, &bound.name) {
                format!(" ({})", abi::NOT_PROVIDED)
            } else {
                symbols::suggest(&bound.name, known)
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default()
            };
            unresolved.push(About::new(
                &lib.module.module_name(),
                format!("undefined symbol: {}{hint}", bound.name),
            ));
        }
    }
    if unresolved.is_empty() {
        Ok(())
    } else {
        Err(wasmtime::Error::new(Unresolved(unresolved)))
    }
}

/// Instantiates `lib` with its imports bound, then settles its table slots
/// and applies LLVM 19 style data relocations.
fn instantiate(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
) -> wasmtime::Result<Vec<LateGot>> {
    let (imports, late) = bind(cx, lib)?;
    let module = cx.data().libs[lib].module.clone();
    let instance = Instance::new(&mut *cx, &module, &imports).map_err(|e| {
        e.context(About::new(
            &cx.data().libs[lib].names(),
            "instantiation failed",
        ))
    })?;
    cx.data_mut().libs[lib].instance = Some(instance);
    if cx.data().trace.libs {
        let l = &cx.data().libs[lib];
        crate::note!(
            "dlrun: loaded {} ({}) memory_base={:#x} size={} table_base={} slots={}",
            l.name,
            l.path.display(),
            l.memory_base,
            l.info.dylink.mem_size,
            l.table_base,
            l.info.dylink.table_size
        );
    }
    if cx.data().memory.is_none() {
        abi::wasi::adopt(cx)?;
    }
    slots::settle(cx, lib)?;
    fill_stand_ins(cx, lib)?;
    fill_unresolved(cx, lib)?;
    if let Some(relocs) = instance.get_func(&mut *cx, "__wasm_apply_data_relocs") {
        relocs.call(&mut *cx, &[], &mut [])?;
    }
    Ok(late)
}

/// Points the stand-ins waiting for `lib` at its functions.
fn fill_stand_ins(cx: &mut StoreContextMut<'_, Process>, lib: LibId) -> wasmtime::Result<()> {
    let waiting: Vec<StandIn> = {
        let data = cx.data_mut();
        let (mine, rest) = data.stand_ins.drain(..).partition(|s| s.lib == lib);
        data.stand_ins = rest;
        mine
    };
    for s in waiting {
        let func = Process::export_func(cx, lib, &s.export)
            .ok_or_else(|| wasmtime::format_err!("{} vanished from its library", s.export))?;
        s.table
            .set(&mut *cx, s.slot, wasmtime::Ref::Func(Some(func)))?;
    }
    Ok(())
}

/// Puts functions of a newly instantiated global library into the slots
/// handed out earlier for names nothing defined then.
fn fill_unresolved(cx: &mut StoreContextMut<'_, Process>, lib: LibId) -> wasmtime::Result<()> {
    if !cx.data().global.contains(lib) || cx.data().unresolved_slots.is_empty() {
        return Ok(());
    }
    let ready: Vec<(String, String, u32)> = {
        let data = cx.data();
        data.unresolved_slots
            .iter()
            .filter_map(|(name, &slot)| match data.libs[lib].syms.get(name) {
                Some(Sym::Func { pointer, .. }) => Some((name.clone(), pointer.clone(), slot)),
                _ => None,
            })
            .collect()
    };
    let table = cx.data().table()?;
    for (name, pointer, slot) in ready {
        if let Some(func) = Process::export_func(cx, lib, &pointer) {
            table.set(&mut *cx, u64::from(slot), wasmtime::Ref::Func(Some(func)))?;
            let raw = func.to_raw(&mut *cx) as usize;
            let data = cx.data_mut();
            data.slots.entry(raw).or_insert(slot);
            data.unresolved_slots.remove(&name);
        }
    }
    Ok(())
}

/// Bind: one value for each import of `lib`.
fn bind(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
) -> wasmtime::Result<(Vec<Extern>, Vec<LateGot>)> {
    let info = cx.data().libs[lib].info.clone();
    let me = cx.data().libs[lib].names();
    let mut out: Vec<Option<Extern>> = Vec::with_capacity(info.imports.len());
    let mut late = Vec::new();
    let mut later: Vec<(usize, Sig, LibId, String)> = Vec::new();
    for import in &info.imports {
        let name = import.name.as_str();
        if cx.data().trace.bindings {
            crate::note!(
                "dlrun: binding {}: {}.{name} -> {}",
                me.host.display(),
                import.module,
                describe_binding(cx.data(), lib, import)
            );
        }
        let ext: Extern = match (&import.kind, import.module.as_str()) {
            (ImportKind::Memory { .. }, _) => cx.data().memory()?.into(),
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
                });
                global.into()
            }
            (ImportKind::Global { .. }, "GOT.mem") if name == "__heap_base" && lib == 0 => cx
                .data()
                .heap_base
                .ok_or_else(|| About::new(&me, "imports __heap_base but has no heap"))?
                .into(),
            (ImportKind::Global { .. }, "GOT.mem") => {
                let value = got_mem(cx, lib, name)
                    .map_err(|e| e.context(About::new(&me, format!("binding GOT.mem.{name}"))))?;
                got_global(cx, value)?.into()
            }
            (ImportKind::Global { .. }, "GOT.func") => {
                let value = got_func(cx, lib, name)
                    .map_err(|e| e.context(About::new(&me, format!("binding GOT.func.{name}"))))?;
                got_global(cx, value)?.into()
            }
            (ImportKind::Global { ty, mutable }, _) => env_global(cx, lib, name, *ty, *mutable)
                .map_err(|e| {
                    e.context(About::new(
                        &me,
                        format!("binding global {}.{name}", import.module),
                    ))
                })?
                .into(),
            (ImportKind::Func(sig), module) => {
                match func_import(cx, lib, module, name, sig)
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
                }
            }
            (ImportKind::Tag, module) => wasmtime::bail!(About::new(
                &me,
                format!("imports tag {module}.{name}: native wasm exceptions are not supported")
            )),
        };
        out.push(Some(ext));
    }
    if !later.is_empty() {
        let sigs: Vec<Sig> = later.iter().map(|(_, sig, _, _)| sig.clone()).collect();
        let (funcs, table) = plt::stand_ins(cx, &sigs)
            .map_err(|e| e.context(About::new(&me, "building stand-ins")))?;
        for (k, ((at, _, d, export), f)) in later.into_iter().zip(funcs).enumerate() {
            out[at] = Some(f.into());
            cx.data_mut().stand_ins.push(StandIn {
                table,
                slot: k as u64,
                lib: d,
                export,
            });
        }
    }
    let out = out
        .into_iter()
        .map(|e| e.expect("every import is bound"))
        .collect();
    Ok((out, late))
}

/// A GOT entry bound before the memory and table it points into existed.
struct LateGot {
    global: Global,
    /// A `GOT.func` entry (a table slot), else `GOT.mem` (an address).
    func: bool,
    name: String,
}

/// Fills the GOT entries of `lib` that waited for its own memory and table.
fn fill_late_got(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    late: Vec<LateGot>,
) -> wasmtime::Result<()> {
    for g in late {
        let value = if g.func {
            got_func(cx, lib, &g.name)
        } else {
            got_mem(cx, lib, &g.name)
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
fn describe_binding(data: &Process, lib: LibId, import: &crate::modinfo::Import) -> String {
    let (module, name) = (import.module.as_str(), import.name.as_str());
    match (&import.kind, name) {
        (ImportKind::Memory { .. }, _) => return "the shared memory".into(),
        (ImportKind::Table { .. }, _) => return "the shared table".into(),
        (ImportKind::Global { .. }, "__stack_pointer" | "__memory_base" | "__table_base") => {
            return "loader".into();
        }
        _ => {}
    }
    if abi::is_host_module(module) {
        return "host".into();
    }
    match data.resolve(lib, name) {
        Some(Sym::Data(addr)) => format!("data {addr:#x}"),
        Some(Sym::Tls(off)) => format!("tls offset {off:#x}"),
        Some(Sym::Func { lib: d, export, .. }) => {
            format!("{}:{export}", data.libs[*d].name)
        }
        None => match module {
            "GOT.mem" if abi::linker_data_value(data, lib, name).is_some() => "loader".into(),
            "GOT.mem" | "GOT.func" => "unresolved".into(),
            _ if abi::provides(module, name) => "host".into(),
            _ => "unresolved (looked up again when called)".into(),
        },
    }
}

/// How a function import is satisfied.
enum Binding {
    /// By this function, now.
    Now(Func),
    /// By an export of a library instantiated later in this load.
    Later { lib: LibId, export: String },
}

fn got_global(cx: &mut StoreContextMut<'_, Process>, value: u32) -> wasmtime::Result<Global> {
    Global::new(
        &mut *cx,
        GlobalType::new(ValType::I32, Mutability::Var),
        Val::I32(value as i32),
    )
}

/// The definition `lib`'s import `name` binds to, recording the dependency
/// that binding creates.
fn resolve_for(cx: &mut StoreContextMut<'_, Process>, lib: LibId, name: &str) -> Option<Sym> {
    let (owner, sym) = cx
        .data()
        .resolve_owner(lib, name)
        .map(|(o, s)| (o, s.clone()))?;
    cx.data_mut().depend(lib, owner);
    Some(sym)
}

/// The address a `GOT.mem` entry holds.
fn got_mem(cx: &mut StoreContextMut<'_, Process>, lib: LibId, name: &str) -> wasmtime::Result<u32> {
    match resolve_for(cx, lib, name) {
        Some(Sym::Data(addr)) => Ok(addr),
        Some(Sym::Func {
            lib: d,
            pointer,
            index,
            ..
        }) => slots::of_export(cx, d, &pointer, index),
        Some(Sym::Tls(_)) => wasmtime::bail!("thread-local {name} reached through GOT.mem"),
        None => {
            if let Some(addr) = abi::linker_data_value(cx.data(), lib, name) {
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
fn got_func(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    name: &str,
) -> wasmtime::Result<u32> {
    match resolve_for(cx, lib, name) {
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
            if let Some(func) = abi::host_func(cx, "env", name, None)? {
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
            let stub = abi::unprovided_stub(cx, lib, name);
            let slot = slots::reserve(cx, stub)?;
            cx.data_mut()
                .unresolved_slots
                .insert(name.to_string(), slot);
            Ok(slot)
        }
    }
}

/// A plain global import: the loader's own (`__stack_pointer`, bases) or a
/// data symbol's address.
fn env_global(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
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
                .ok_or_else(|| wasmtime::format_err!("no stack pointer"));
        }
        "__memory_base" => memory_base,
        "__table_base" => table_base,
        _ => got_mem(cx, lib, name)?,
    };
    if ty != wasmparser::ValType::I32 {
        wasmtime::bail!("expected an i32 global, the module asks for {ty}");
    }
    let mutability = if mutable {
        Mutability::Var
    } else {
        Mutability::Const
    };
    Global::new(
        &mut *cx,
        GlobalType::new(ValType::I32, mutability),
        Val::I32(value as i32),
    )
}

/// A function import: the defining library's function when it is already
/// instantiated, a stand-in when it will be, a host function, or a stub
/// that resolves on first call and traps naming the symbol if nothing
/// defines it by then.
fn func_import(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    module: &str,
    name: &str,
    sig: &Sig,
) -> wasmtime::Result<Binding> {
    let ty = cx.data().modules.func_type(sig);
    if module != "env" && !abi::is_host_module(module) {
        wasmtime::bail!(
            "no module \"{module}\" to import {name} from: libraries and dlrun provide functions under \"env\" (and WASI's)"
        );
    }
    if abi::is_host_module(module) {
        return match abi::host_func(cx, module, name, Some(sig))? {
            Some(func) => Ok(Binding::Now(func)),
            None => Ok(Binding::Now(late_bound(cx, ty, lib, module, name))),
        };
    }
    if let Some(sym) = resolve_for(cx, lib, name) {
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
                    abi::func_type(cx.engine(), sig)
                )
            ));
        };
        if let Some(func) = Process::export_func(cx, d, &export) {
            return Ok(Binding::Now(func));
        }
        return Ok(Binding::Later { lib: d, export });
    }
    if let Some(func) = abi::host_func(cx, module, name, Some(sig))? {
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
                    && let Some(inst) = caller.data().libs[d].instance
                {
                    for e in [export, pointer] {
                        if let Some(f) = inst.get_func(&mut caller, &e)
                            && FuncType::eq(&f.ty(&caller), &sig_ty)
                        {
                            found = Some(f);
                            break;
                        }
                    }
                }
                let Some(f) = found else {
                    let who = caller.data().libs[lib].names();
                    let host = if abi::provides(&module, &name) {
                        " (a host function dlrun does not implement yet)".to_string()
                    } else if module == "env" && abi::is_unprovided(caller.data(), &name) {
                        format!(", {}", abi::NOT_PROVIDED)
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
            let names: Vec<String> = data.libs[id].syms.keys().cloned().collect();
            data.global.push(id, names.iter());
        }
    }
}

/// Unloads every library nothing holds any more, as glibc's dlclose does:
/// a library stays while a dlopen handle on it is open, it is NODELETE (or
/// a startup library), or a library that stays needs it or bound one of
/// its symbols. What is left, cycles included, goes: destructors first,
/// dependents before their dependencies, then symbols leave every scope
/// and memory and table entries go back to be reused.
pub fn collect(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()> {
    let gone = unreachable_libraries(cx.data());
    for &l in &gone {
        finalize::run_for(cx, l)?;
    }
    let data = cx.data_mut();
    for &l in &gone {
        data.libs[l].alive = false;
        data.unindex(l);
        remove_from_scope(data, l);
        data.dl.handles.retain(|_, h| *h != l);
    }
    for l in gone {
        release(cx, l)?;
    }
    Ok(())
}

/// The alive libraries no root reaches, dependents before dependencies.
fn unreachable_libraries(data: &Process) -> Vec<LibId> {
    let libs = &data.libs;
    let mut kept = vec![false; libs.len()];
    let mut work: Vec<LibId> = (0..libs.len())
        .filter(|&l| libs[l].alive && (libs[l].nodelete || libs[l].opens > 0))
        .collect();
    while let Some(l) = work.pop() {
        if !std::mem::replace(&mut kept[l], true) {
            work.extend(libs[l].holds());
        }
    }
    let gone = |l: LibId| libs[l].alive && !kept[l];
    // Reverse post-order of a depth-first walk over the dependencies.
    let mut order = Vec::new();
    let mut visited = vec![false; libs.len()];
    for start in (0..libs.len()).filter(|&l| gone(l)) {
        let mut stack = vec![(start, false)];
        while let Some((l, done)) = stack.pop() {
            if done {
                order.push(l);
                continue;
            }
            if std::mem::replace(&mut visited[l], true) {
                continue;
            }
            stack.push((l, true));
            stack.extend(
                libs[l]
                    .holds()
                    .into_iter()
                    .filter(|&d| gone(d))
                    .map(|d| (d, false)),
            );
        }
    }
    order.reverse();
    order
}

/// Gives back what a library that left took: its table entries (its own
/// range and the slots its functions were given) and its static data.
fn release(cx: &mut StoreContextMut<'_, Process>, lib: LibId) -> wasmtime::Result<()> {
    let (instance, info, table_base, heap_block) = {
        let l = &cx.data().libs[lib];
        (
            l.instance,
            l.info.clone(),
            u64::from(l.table_base),
            l.heap_block,
        )
    };
    let mut funcs = std::collections::HashSet::new();
    if let Some(instance) = instance {
        for (name, kind) in &info.exports {
            if let ExportKind::Func(_) = kind
                && let Some(f) = instance.get_func(&mut *cx, name)
            {
                funcs.insert(f.to_raw(&mut *cx) as usize);
            }
        }
    }
    let own = table_base..table_base + u64::from(info.dylink.table_size);
    let data = cx.data_mut();
    let mut slots = Vec::new();
    data.slots.retain(|raw, slot| {
        let in_own_range = own.contains(&u64::from(*slot));
        let mine = funcs.contains(raw);
        if mine && !in_own_range {
            slots.push(*slot);
        }
        // Functions its element segments placed in its own range are known
        // by slot, exported or not.
        !mine && !in_own_range
    });
    data.reserved.retain(|(l, _), _| *l != lib);
    data.pending.retain(|(l, _, _)| *l != lib);
    data.stand_ins.retain(|s| s.lib != lib);
    for slot in slots {
        Process::free_table_space(cx, slot.into(), 1)?;
    }
    if !own.is_empty() && table_base != 0 {
        Process::free_table_space(cx, own.start, own.end - own.start)?;
    }
    if let Some(block) = heap_block {
        cx.data_mut().libs[lib].heap_block = None;
        abi::release(cx, block)?;
    }
    Ok(())
}

fn remove_from_scope(data: &mut Process, lib: LibId) {
    let libs = &data.libs;
    data.global
        .remove(lib, |other| libs[other].syms.keys().cloned().collect());
}

/// Undoes a failed load: every library from `first` on disappears and
/// gives back what it took.
fn forget(cx: &mut StoreContextMut<'_, Process>, first: LibId) {
    let data = cx.data_mut();
    let last = data.libs.len();
    for id in first..last {
        data.libs[id].alive = false;
        data.unindex(id);
        if data.global.contains(id) {
            remove_from_scope(data, id);
        }
    }
    for id in first..last {
        finalize::discard(cx.data_mut(), id);
        // The load already failed with the error that matters; a library
        // whose space cannot be given back just keeps it.
        let _ = release(cx, id);
    }
}
