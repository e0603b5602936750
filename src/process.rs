//! The address space of one running program: the shared memory, table and
//! stack pointer, the loaded libraries, and the table slots that give every
//! function exactly one pointer value.

use foldhash::{HashMap, HashMapExt as _};
use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::{Func, Global, Instance, Module, Ref, SharedMemory, StoreContextMut, Table};

use crate::mem::Mem;

use crate::compiled::Modules;
use crate::dlfcn::DlState;
use crate::modinfo::ModuleInfo;
use crate::naming::ModuleName;
use crate::search::SearchPath;
use crate::symbols::{GlobalScope, LibId, Sym};
use crate::vfs::Vfs;

mod waits;
pub use waits::{Waiting, Waits, Wants};

/// `slots` as a table size, or an error naming the module at `path` when
/// it is past `max` (`--max-table`).
pub fn check_table_size(path: &std::path::Path, slots: u64, max: u32) -> wasmtime::Result<u32> {
    match u32::try_from(slots) {
        Ok(n) if n <= max => Ok(n),
        _ => wasmtime::bail!(
            "{}: needs a function table of {slots} entries, past the limit of {max} (--max-table)",
            path.display()
        ),
    }
}

/// The program's arguments and environment as it sees them.
#[derive(Debug, Clone, Default)]
pub struct Guest {
    /// `argv`, program name first.
    pub args: Vec<String>,
    /// `environ`, as `KEY=VALUE`.
    pub env: Vec<String>,
}

/// One loaded module: the main module or a shared library.
pub struct Library {
    /// The name it was requested by (NEEDED entry or dlopen argument).
    pub name: String,
    /// Canonical host path: two names for one file are one library.
    pub path: PathBuf,
    /// What the program calls it (see [`ModuleName::guest`]).
    pub guest: String,
    /// The module's parsed metadata (dylink info, imports, exports).
    pub info: Arc<ModuleInfo>,
    /// Its compiled code.
    pub module: Module,
    /// The code was compiled trimmed of its function exports, in this
    /// form ([`crate::trim`]).
    pub trimmed: Option<crate::trim::Form>,
    /// Its calls to imported functions go through routers
    /// ([`crate::route`]).
    pub routed: bool,
    /// `None` until instantiated.
    pub instance: Option<Instance>,
    /// Where its static data starts in linear memory (`__memory_base`).
    pub memory_base: u32,
    /// Where its functions start in the table (`__table_base`).
    pub table_base: u32,
    /// What the library defines, relocated.
    pub syms: crate::symbols::Symbols,
    /// Libraries named by its NEEDED list, in order. They and theirs,
    /// breadth first, are its local lookup scope.
    pub deps: Vec<LibId>,
    /// Where each of its imports binds, as its load planned it.
    pub planned: crate::loader::Planned,
    /// dlopen handles open on it (what dlclose counts down; dependencies
    /// are kept by being reachable, see `loader::collect`).
    pub opens: u32,
    /// Never unloaded (startup libraries, RTLD_NODELETE).
    pub nodelete: bool,
    /// Cleared when unloaded; its id is never reused.
    pub alive: bool,
    /// The block of the program's allocator holding its static data, freed
    /// when the library is unloaded.
    pub heap_block: Option<u32>,
    /// Libraries it bound symbols from beyond its NEEDED closure; like
    /// glibc's relocation dependencies, they stay loaded while it does.
    pub reldeps: Vec<LibId>,
}

impl Library {
    /// Its names, for messages.
    pub fn names(&self) -> ModuleName {
        ModuleName::new(&self.path, &self.guest)
    }

    /// The library's directory, for `$ORIGIN`.
    pub fn origin(&self) -> PathBuf {
        self.path
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default()
    }
}

impl Library {
    /// The libraries this one keeps loaded: its NEEDED ones and those it
    /// bound symbols from.
    pub fn holds(&self) -> Vec<LibId> {
        self.deps.iter().chain(&self.reldeps).copied().collect()
    }
}

/// A host function as the program imports it: module, name, and the
/// signature it is imported with (none for a function pointer).
pub type HostKey = (&'static str, String, Option<crate::modinfo::Sig>);

/// Everything the host functions reach through `Caller::data`.
pub struct Process {
    /// Every library ever loaded, indexed by [`LibId`]; unloaded ones stay, not alive.
    pub libs: Vec<Library>,
    /// Libraries loaded RTLD_GLOBAL (and at startup), seen by every lookup.
    pub global: GlobalScope,
    /// The shared linear memory (`env.memory`), once created.
    pub memory: Option<Mem>,
    /// The memory every thread shares, for a program built with threads.
    pub shared_memory: Option<SharedMemory>,
    /// The shared function table (`env.__indirect_function_table`), once created.
    pub table: Option<Table>,
    /// The stack pointer, once made or found.
    pub stack_pointer: Option<crate::stack::StackPointer>,
    /// The stack's (low, high) bounds.
    pub stack: (u32, u32),
    /// Top of static allocations before `malloc` takes over (emcc's
    /// `GOT.mem.__heap_base`).
    pub heap_base: Option<Global>,
    /// Set once main's constructors ran: later library memory comes from the
    /// program's own allocator.
    pub runtime_ready: bool,
    /// The main module was built against Emscripten's JS library: names
    /// of it that dlrun lacks get stubs that fail when called.
    pub js_library: bool,
    /// Alive libraries by the name they were loaded under, and by file.
    pub by_name: HashMap<String, LibId>,
    /// The same libraries by canonical host path.
    pub by_path: HashMap<PathBuf, LibId>,
    /// Function identity -> its table slot.
    pub slots: rustc_hash::FxHashMap<usize, u32>,
    /// Slots reserved for functions of libraries not yet instantiated.
    pub reserved: HashMap<(LibId, u32), u32>,
    /// Functions of trimmed libraries reached so far, by (library,
    /// function index): one per function, so that pointers compare equal.
    pub reached: HashMap<(LibId, u32), Func>,
    /// Slots handed out for names nothing defines yet.
    pub unresolved_slots: HashMap<String, u32>,
    /// Table entries waiting for their function.
    pub waiting: Waits,
    /// Where libraries are searched for (LD_LIBRARY_PATH-like, RUNPATH, `$ORIGIN`).
    pub search: SearchPath,
    /// The engine and the modules compiled for it, shared by every run of
    /// the program.
    pub modules: Arc<Modules>,
    /// What to report on stderr.
    pub trace: crate::trace::Trace,
    /// Libraries loaded right after the main module (`--preload`).
    pub preload: Vec<String>,
    /// Resource limits (memory size, table entries).
    pub limits: wasmtime::StoreLimits,
    /// How far the program's table extends and the entries unloaded
    /// libraries gave back: one record for every thread's store.
    pub table_use: Arc<std::sync::Mutex<TableSpace>>,
    /// Exit handlers libraries registered, to run when they are unloaded.
    pub exit_handlers: crate::finalize::ExitHandlers,
    /// Interrupts the program once `--timeout` passes; dropped with it.
    pub deadline: Option<crate::timer::Timer>,
    /// Most entries the table may hold (also in `limits`, named in errors).
    pub max_table: u32,
    /// Most libraries alive at once.
    pub max_libraries: usize,
    /// The program's arguments and environment.
    pub guest: Guest,
    /// High half of i64 values crossing legalized boundaries.
    pub temp_ret0: i32,
    /// dlopen/dlerror bookkeeping (handles, the pending error).
    pub dl: DlState,
    /// C++ exception bookkeeping (Emscripten's `__cxa_*` runtime).
    pub eh: crate::abi::state::EhState,
    /// Local time: the zone from `TZ` and glibc's state between calls,
    /// made on first use.
    pub time: Option<Box<crate::abi::state::TimeState>>,
    /// Host functions already created, by import name.
    pub host_funcs: HashMap<HostKey, Func>,
    /// The failing functions made for the pointers each library takes to
    /// JS library functions dlrun lacks.
    pub lacking: HashMap<LibId, crate::abi::emscripten::jslib::Lacking>,
    /// Files, directories and descriptors the program sees.
    pub fs: Arc<std::sync::Mutex<Vfs>>,
    /// The globals the loader made for imports (GOT entries, bases), for
    /// a template to put back.
    pub made_globals: Vec<Global>,
    /// The host ABI the program was built against, as the loader sees it.
    pub host: &'static dyn crate::loader::Host,
    /// The program's JavaScript (EM_JS and EM_ASM code), once it ran some;
    /// its type is the ABI's own.
    pub js: Option<Arc<dyn std::any::Any + Send + Sync>>,
    /// The program's threads, when it was built with them.
    pub threads: Option<Arc<crate::threads::Threads>>,
    /// While this store replays a link operation another thread performed:
    /// the placements and table slots it took.
    pub replay: Option<crate::loader::Replay>,
    /// What the link operations this store is performing take (nested
    /// when a constructor dlopens), for the other threads to replay.
    pub taking: Vec<crate::loader::Taken>,
    /// How many of the program's link operations this store has realized.
    pub applied: usize,
    /// Thread-local storage of this thread: each module's block.
    pub tls: crate::threads::Tls,
}

impl Process {
    /// A process with nothing loaded yet, whose modules come from (and are
    /// compiled into) `modules`.
    pub fn new(
        search: SearchPath,
        guest: Guest,
        modules: Arc<Modules>,
        host: &'static dyn crate::loader::Host,
    ) -> Process {
        Process {
            libs: Vec::new(),
            global: GlobalScope::default(),
            memory: None,
            shared_memory: None,
            table: None,
            stack_pointer: None,
            stack: (0, 0),
            heap_base: None,
            runtime_ready: false,
            js_library: false,
            by_name: HashMap::new(),
            by_path: HashMap::new(),
            slots: Default::default(),
            reserved: HashMap::new(),
            reached: HashMap::new(),
            waiting: Waits::default(),
            unresolved_slots: HashMap::new(),
            search,
            modules,
            trace: Default::default(),
            limits: Default::default(),
            table_use: Default::default(),
            deadline: None,
            exit_handlers: Default::default(),
            max_table: u32::MAX,
            max_libraries: usize::MAX,
            preload: Vec::new(),
            guest,
            temp_ret0: 0,
            dl: DlState::default(),
            eh: Default::default(),
            time: None,
            host_funcs: HashMap::new(),
            lacking: HashMap::new(),
            fs: Default::default(),
            made_globals: Vec::new(),
            host,
            js: None,
            threads: None,
            replay: None,
            taking: Vec::new(),
            applied: 0,
            tls: Default::default(),
        }
    }

    /// Takes the host's side of `fresh` (arguments, files, limits, time,
    /// dlopen and exception state) and keeps this process's link: its
    /// libraries, memory, table, slots and the functions made for it.
    pub fn renew(&mut self, fresh: Process) {
        let old = std::mem::replace(self, fresh);
        self.libs = old.libs;
        self.global = old.global;
        self.memory = old.memory;
        self.shared_memory = old.shared_memory;
        self.table = old.table;
        self.stack_pointer = old.stack_pointer;
        self.stack = old.stack;
        self.heap_base = old.heap_base;
        self.runtime_ready = old.runtime_ready;
        self.by_name = old.by_name;
        self.by_path = old.by_path;
        self.slots = old.slots;
        self.reserved = old.reserved;
        self.waiting = old.waiting;
        self.unresolved_slots = old.unresolved_slots;
        self.table_use = old.table_use;
        self.exit_handlers = old.exit_handlers;
        self.host_funcs = old.host_funcs;
        self.lacking = old.lacking;
        self.made_globals = old.made_globals;
    }

    /// The file system and descriptors, which every thread shares.
    pub fn vfs(&self) -> std::sync::MutexGuard<'_, Vfs> {
        // A thread that panicked holding it left no half-made change that
        // matters more than the program going on.
        self.fs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A function defined in the global scope (main's libc, usually); an
    /// error only when reaching a function trimmed from main failed.
    pub fn global_func(
        cx: &mut StoreContextMut<'_, Process>,
        name: &str,
    ) -> wasmtime::Result<Option<Func>> {
        let (lib, export) = match cx
            .data()
            .global
            .find(name)
            .and_then(|d| cx.data().libs[d].syms.get(name))
        {
            Some(crate::symbols::Sym::Func { lib, pointer, .. }) => (lib, pointer),
            _ => return Ok(None),
        };
        Process::export_func(cx, lib, &export)
    }

    /// The global scope's function of the first of `names` it defines.
    pub fn first_global_func(
        cx: &mut StoreContextMut<'_, Process>,
        names: &[&str],
    ) -> wasmtime::Result<Option<Func>> {
        for name in names {
            if let Some(f) = Process::global_func(cx, name)? {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    /// Records a newly mapped library in the name and file indexes.
    pub fn index(&mut self, lib: LibId) {
        let l = &self.libs[lib];
        self.by_name.entry(l.name.clone()).or_insert(lib);
        self.by_path.entry(l.path.clone()).or_insert(lib);
    }

    /// Takes a library that left the process out of the indexes.
    pub fn unindex(&mut self, lib: LibId) {
        self.by_name.retain(|_, l| *l != lib);
        self.by_path.retain(|_, l| *l != lib);
    }

    /// The one symbol resolver: the global scope in load order, then the
    /// library itself and its dependencies, breadth first (its RTLD_LOCAL
    /// scope).
    pub fn resolve(&self, lib: LibId, name: &str) -> Option<Sym> {
        self.resolve_owner(lib, name).map(|(_, sym)| sym)
    }

    /// [`Process::resolve`], also saying which library the definition
    /// belongs to.
    pub fn resolve_owner(&self, lib: LibId, name: &str) -> Option<(LibId, Sym)> {
        let owner = crate::plan::bind::resolve(self, lib, name)?;
        self.libs[owner].syms.get(name).map(|sym| (owner, sym))
    }

    /// Records that `lib` bound a symbol of `owner`: a dlopened library
    /// outside `lib`'s own dependencies then stays loaded as long as `lib`
    /// does (glibc's relocation dependencies), so no binding ever dangles.
    pub fn depend(&mut self, lib: LibId, owner: LibId) {
        if owner == lib
            || self.libs[owner].nodelete
            || self.libs[lib].reldeps.contains(&owner)
            || self
                .find_breadth_first(lib, |l| (l == owner).then_some(()))
                .is_some()
        {
            return;
        }
        self.libs[lib].reldeps.push(owner);
    }

    /// Looks `name` up in the scope of a dlopen handle: the library and its
    /// dependencies, breadth first (glibc's dlsym on a handle).
    pub fn resolve_in_handle(&self, lib: LibId, name: &str) -> Option<Sym> {
        self.find_breadth_first(lib, |l| self.libs[l].syms.get(name))
    }

    /// The first answer of `look` over `lib` and its dependencies, breadth
    /// first. The scope is walked per lookup rather than kept per library:
    /// kept, a chain of n libraries would hold n^2/2 entries.
    pub fn find_breadth_first<T>(
        &self,
        lib: LibId,
        mut look: impl FnMut(LibId) -> Option<T>,
    ) -> Option<T> {
        let mut queue = std::collections::VecDeque::from([lib]);
        let mut seen = std::collections::HashSet::from([lib]);
        while let Some(l) = queue.pop_front() {
            if let Some(sym) = look(l) {
                return Some(sym);
            }
            for &d in &self.libs[l].deps {
                if seen.insert(d) {
                    queue.push_back(d);
                }
            }
        }
        None
    }

    /// The shared memory (created with the main module).
    pub fn memory(&self) -> wasmtime::Result<Mem> {
        self.memory
            .ok_or_else(|| wasmtime::format_err!("the program has no memory yet"))
    }

    /// The shared table (created with the main module).
    pub fn table(&self) -> wasmtime::Result<Table> {
        self.table
            .ok_or_else(|| {
                wasmtime::format_err!(
                    "the main module exports no function table for libraries to share (link it with --export-table)"
                )
            })
    }

    /// The function a function pointer (table index) refers to; a null or
    /// out-of-range pointer is an error naming `what`.
    pub fn func_at(
        mut cx: impl wasmtime::AsContextMut<Data = Process>,
        index: u32,
        what: &str,
    ) -> wasmtime::Result<Func> {
        let table = cx.as_context_mut().data().table()?;
        table
            .get(&mut cx, u64::from(index))
            .and_then(|r| r.as_func().flatten().copied())
            .ok_or_else(|| wasmtime::format_err!("{what}: {index} is not a function pointer"))
    }

    /// `n` table entries in a row, starting at a multiple of `align`, all
    /// holding `init`: entries unloaded libraries gave back if a run fits,
    /// else new ones at the end. Past `max_table` this is an error that
    /// names the limit.
    pub fn table_space(
        cx: &mut StoreContextMut<'_, Process>,
        n: u64,
        align: u64,
        init: Ref,
    ) -> wasmtime::Result<u64> {
        let table = cx.data().table()?;
        if let Some(replay) = cx.data_mut().replay.as_mut() {
            let start = replay.slot().ok_or_else(|| {
                wasmtime::format_err!("a replayed link took more table slots than recorded")
            })?;
            Process::reach(cx, table, start + n)?;
            table.fill(&mut *cx, start, init, n)?;
            return Ok(start);
        }
        let own = table.size(&mut *cx);
        let max = u64::from(cx.data().max_table);
        let start = {
            let mut space = cx
                .data()
                .table_use
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match space.free.take(n, align) {
                Some(start) => start,
                None => {
                    let size = space.size.max(own);
                    let start = size.next_multiple_of(align);
                    if start.saturating_add(n) > max {
                        wasmtime::bail!(
                            "the function table is full: {size} entries + {n} would pass the limit of {max} (--max-table)"
                        );
                    }
                    space.free.give(size, start - size);
                    space.size = start + n;
                    start
                }
            }
        };
        Process::reach(cx, table, start + n)?;
        table.fill(&mut *cx, start, init, n)?;
        crate::loader::journal::slot(cx.data_mut(), start);
        Ok(start)
    }

    /// Grows this store's table to `end` entries (other threads may have
    /// given the program's table more).
    fn reach(
        cx: &mut StoreContextMut<'_, Process>,
        table: Table,
        end: u64,
    ) -> wasmtime::Result<()> {
        let size = table.size(&mut *cx);
        if end > size {
            table.grow(&mut *cx, end - size, Ref::Func(None))?;
        }
        Ok(())
    }

    /// Empties `n` table entries from `start` and keeps them for reuse.
    pub fn free_table_space(
        cx: &mut StoreContextMut<'_, Process>,
        start: u64,
        n: u64,
    ) -> wasmtime::Result<()> {
        let table = cx.data().table()?;
        table.fill(&mut *cx, start, Ref::Func(None), n)?;
        if cx.data().replay.is_none() {
            let mut space = cx
                .data()
                .table_use
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            space.free.give(start, n);
        }
        Ok(())
    }

    /// An exported function of an instantiated library (reached through
    /// a thunk when the library was trimmed of it, see [`crate::trim`]; an
    /// error when making that thunk failed).
    pub fn export_func(
        cx: &mut StoreContextMut<'_, Process>,
        lib: LibId,
        name: &str,
    ) -> wasmtime::Result<Option<Func>> {
        if let Some(f) = Process::own_export(cx, lib, name) {
            return Ok(Some(f));
        }
        let Some(index) = crate::trim::trimmed(cx.data(), lib, name) else {
            return Ok(None);
        };
        Ok(crate::trim::reach(cx, lib, &[index])?.pop())
    }

    /// A function the instance of `lib` itself exports as `name`.
    pub fn own_export(
        cx: &mut StoreContextMut<'_, Process>,
        lib: LibId,
        name: &str,
    ) -> Option<Func> {
        let instance = cx.data().libs.get(lib)?.instance?;
        instance.get_func(&mut *cx, name)
    }
}

/// The program's function table as every thread's store shares it: the
/// entries given back for reuse, and how far it extends.
#[derive(Debug, Default)]
pub struct TableSpace {
    /// Entries unloaded libraries gave back.
    pub free: crate::freelist::FreeList,
    /// Entries handed out so far (a store's own table may lag behind).
    pub size: u64,
}

/// Table slots: one per function, so that a function's pointer compares
/// equal whichever module takes its address.
pub mod slots {
    use super::*;

    /// The slot of an instantiated function, adding one if it has none.
    pub fn of_func(cx: &mut StoreContextMut<'_, Process>, func: Func) -> wasmtime::Result<u32> {
        let raw = func.to_raw(&mut *cx) as usize;
        if let Some(&slot) = cx.data().slots.get(&raw) {
            return Ok(slot);
        }
        let slot = Process::table_space(cx, 1, 1, Ref::Func(Some(func)))? as u32;
        cx.data_mut().slots.insert(raw, slot);
        Ok(slot)
    }

    /// A fresh slot holding `init`, which stands in for a function to come
    /// and is not that function's slot.
    pub fn reserve(
        cx: &mut StoreContextMut<'_, Process>,
        init: Option<Func>,
    ) -> wasmtime::Result<u32> {
        Ok(Process::table_space(cx, 1, 1, Ref::Func(init))? as u32)
    }

    /// The slot of function `index` of library `lib`, exported as `export`,
    /// whether or not the library is instantiated yet.
    pub fn of_export(
        cx: &mut StoreContextMut<'_, Process>,
        lib: LibId,
        export: &str,
        index: u32,
    ) -> wasmtime::Result<u32> {
        // A function the library's element segments place has that slot.
        let l = &cx.data().libs[lib];
        if let Some(pos) = l.info.table_positions.get(&index) {
            return Ok(pos.slot(l.table_base));
        }
        if let Some(func) = Process::export_func(cx, lib, export)? {
            return of_func(cx, func);
        }
        if let Some(&slot) = cx.data().reserved.get(&(lib, index)) {
            return Ok(slot);
        }
        let slot = reserve(cx, None)?;
        let table = cx.data().table()?;
        let data = cx.data_mut();
        data.reserved.insert((lib, index), slot);
        data.waiting.push(Waiting {
            table,
            slot: slot.into(),
            wants: Wants::Export {
                lib,
                export: export.to_string(),
                pointer: true,
            },
        });
        Ok(slot)
    }

    /// After `lib` is instantiated: fills the entries waiting for it (its
    /// exports; names it defines, when it is global).
    pub fn fill(cx: &mut StoreContextMut<'_, Process>, lib: LibId) -> wasmtime::Result<()> {
        let ready = {
            let data = cx.data_mut();
            let global = data.global.contains(lib);
            let syms = data.libs[lib].syms.clone();
            data.waiting.take_ready(lib, global, &syms)
        };
        for w in ready {
            let (export, pointer) = match &w.wants {
                Wants::Export {
                    export, pointer, ..
                } => (export.clone(), *pointer),
                Wants::Name(name) => match cx.data().libs[lib].syms.get(name.as_str()) {
                    Some(Sym::Func { pointer, .. }) => (pointer.to_string(), true),
                    _ => continue,
                },
            };
            let func = Process::export_func(cx, lib, &export)?.ok_or_else(|| {
                crate::naming::About::new(
                    &cx.data().libs[lib].names(),
                    format!("{export} vanished from its exports"),
                )
            })?;
            w.table.set(&mut *cx, w.slot, Ref::Func(Some(func)))?;
            if pointer {
                let raw = func.to_raw(&mut *cx) as usize;
                let data = cx.data_mut();
                data.slots.entry(raw).or_insert(w.slot as u32);
                if let Wants::Name(name) = &w.wants {
                    data.unresolved_slots.remove(name);
                }
            }
        }
        Ok(())
    }

    /// After `lib` is instantiated and its waiting entries filled: record
    /// the slots its element segments gave the functions it imports.
    pub fn settle(cx: &mut StoreContextMut<'_, Process>, lib: LibId) -> wasmtime::Result<()> {
        // The module's element segments put its address-taken functions at
        // these slots. Its own functions are found by index (of_export);
        // the functions it imports (host functions, another library's)
        // are read back from the table, to be known by identity.
        let placed: Vec<u32> = {
            let l = &cx.data().libs[lib];
            let imported = l
                .info
                .imports
                .iter()
                .filter(|i| matches!(i.kind, crate::modinfo::ImportKind::Func(_)))
                .count() as u32;
            l.info
                .table_positions
                .iter()
                .filter(|&(&index, _)| index < imported)
                .map(|(_, pos)| pos.slot(l.table_base))
                .collect()
        };
        let Ok(table) = cx.data().table() else {
            return Ok(());
        };
        for slot in placed {
            if let Some(Ref::Func(Some(func))) = table.get(&mut *cx, u64::from(slot)) {
                let raw = func.to_raw(&mut *cx) as usize;
                cx.data_mut().slots.entry(raw).or_insert(slot);
            }
        }
        Ok(())
    }
}

/// The loaded libraries as the one resolver sees them.
impl crate::plan::bind::Scope for Process {
    type Lib = LibId;

    fn global(&self, name: &str) -> Option<LibId> {
        self.global
            .find(name)
            .filter(|&d| self.libs[d].syms.contains_key(name))
    }

    fn defines(&self, lib: LibId, name: &str) -> bool {
        let l = &self.libs[lib];
        l.alive && l.syms.contains_key(name)
    }

    fn deps(&self, lib: LibId) -> Vec<LibId> {
        self.libs[lib].deps.clone()
    }
}
