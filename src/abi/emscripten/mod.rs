//! The Emscripten 3.1 ABI: how a `-sMAIN_MODULE` program expects its address
//! space laid out, started and ended, and the `env`/WASI functions its JS
//! glue would provide.

mod dl;
pub mod eh;
mod emjs;
pub(in crate::abi) mod env;
pub(in crate::abi) mod fs;
pub mod jslib;
pub mod pthread;
mod sjlj;
pub(in crate::abi) mod time;

use wasmtime::{
    Func, Global, GlobalType, Memory, MemoryType, Mutability, RefType, SharedMemory,
    StoreContextMut, Table, TableType, Val, ValType,
};

use super::table::FuncTable;
use crate::mem::Mem;
use crate::modinfo::{ImportKind, ModuleInfo, Sig};
use crate::process::Process;
use crate::symbols::LibId;

/// Where emcc places the main module's static data.
pub const GLOBAL_BASE: u32 = 1024;
/// emcc 3.1's default stack size (TOTAL_STACK).
pub const STACK_SIZE: u32 = 5 * 1024 * 1024;
const PAGE: u64 = 65536;

/// Where a relocatable main module `info` is placed, as emcc's JS glue
/// places it: every run of it, so its code may have them compiled in
/// ([`crate::prelink`]).
pub fn main_bases(info: &ModuleInfo) -> crate::prelink::Bases {
    crate::prelink::Bases {
        memory: GLOBAL_BASE.next_multiple_of(1 << info.dylink.mem_align.min(16)),
        table: 1,
    }
}

/// Creates memory, table, stack and heap as emcc's JS glue would for the
/// main module `info` read from `path`; returns its (memory, table) bases.
pub fn prepare(
    cx: &mut StoreContextMut<'_, Process>,
    info: &ModuleInfo,
    path: &std::path::Path,
) -> wasmtime::Result<(u32, u32)> {
    let d = &info.dylink;
    let crate::prelink::Bases {
        memory: memory_base,
        table: table_base,
    } = main_bases(info);
    let (stack_low, stack_high) = memory_base
        .checked_add(d.mem_size)
        .and_then(|end| end.checked_next_multiple_of(16))
        .and_then(|low| Some((low, low.checked_add(STACK_SIZE)?)))
        .ok_or_else(|| {
            wasmtime::format_err!(
                "{}: its static data ({} bytes) and stack do not fit in a 32-bit memory",
                path.display(),
                d.mem_size
            )
        })?;
    let table_size = crate::process::check_table_size(
        path,
        u64::from(table_base) + u64::from(d.table_size),
        cx.data().max_table,
    )?;
    let (min, max) = match memory_import_limits(info) {
        Some(l) => l,
        None => (256, None),
    };
    let need = u64::from(stack_high).div_ceil(PAGE);
    if max.is_some_and(|m| m < need) {
        wasmtime::bail!(
            "{}: its memory (at most {} pages) cannot hold its data and stack ({} pages)",
            path.display(),
            max.unwrap_or(0),
            need
        );
    }
    let pages = min.max(need);
    let made = |e: wasmtime::Error| {
        e.context(format!(
            "{}: creating its memory of {} MiB (is --max-memory too small?)",
            path.display(),
            pages * PAGE / (1 << 20)
        ))
    };
    let memory = if cx.data().shared_memory.is_some() {
        // A new thread of a run: the memory is the first thread's.
        Mem::Shared
    } else if shared_memory_import(info) {
        // Threads share it: every thread's store imports this one memory.
        let max = max.unwrap_or(pages).max(pages);
        let ty = MemoryType::shared(pages as u32, max as u32);
        let shared = SharedMemory::new(cx.engine(), ty).map_err(made)?;
        cx.data_mut().shared_memory = Some(shared);
        Mem::Shared
    } else {
        Mem::Own(
            Memory::new(
                &mut *cx,
                MemoryType::new(pages as u32, max.map(|m| m as u32)),
            )
            .map_err(made)?,
        )
    };
    let table = Table::new(
        &mut *cx,
        TableType::new(RefType::FUNCREF, table_size, None),
        wasmtime::Ref::Func(None),
    )?;
    let i32_var = GlobalType::new(ValType::I32, Mutability::Var);
    let sp = Global::new(&mut *cx, i32_var.clone(), Val::I32(stack_high as i32))?;
    let heap = Global::new(&mut *cx, i32_var, Val::I32(stack_high as i32))?;
    let data = cx.data_mut();
    data.memory = Some(memory);
    data.table = Some(table);
    data.stack_pointer = Some(crate::stack::StackPointer::Global(sp));
    data.heap_base = Some(heap);
    data.stack = (stack_low, stack_high);
    Ok((memory_base, table_base))
}

/// Whether the module imports a shared memory (it was built with threads).
fn shared_memory_import(info: &ModuleInfo) -> bool {
    info.memory_import()
        .is_some_and(|i| matches!(i.kind, ImportKind::Memory { shared: true, .. }))
}

/// (min, max) pages of the memory the module imports.
fn memory_import_limits(info: &ModuleInfo) -> Option<(u64, Option<u64>)> {
    info.memory_import().and_then(|i| match i.kind {
        ImportKind::Memory { min, max, .. } => Some((min, max)),
        _ => None,
    })
}

/// The tables of `env` functions (besides `fs`'s and `jslib`'s, which
/// have builders of their own types): [`func`] builds from them,
/// [`provides`] reads their names.
static TABLES: [&FuncTable; 6] = [
    &env::FUNCS,
    &pthread::FUNCS,
    &time::FUNCS,
    &eh::FUNCS,
    &dl::FUNCS,
    &sjlj::FUNCS,
];

/// Every name of the `env` tables.
fn table_names() -> impl Iterator<Item = &'static str> {
    TABLES
        .iter()
        .flat_map(|t| t.names())
        .chain(fs::names())
        .chain(jslib::FUNCS.names())
}

/// Builds `name` from the `env` tables.
fn build_from_tables(
    cx: &mut StoreContextMut<'_, Process>,
    name: &str,
    sig: Option<&Sig>,
) -> Option<Func> {
    TABLES
        .iter()
        .find_map(|t| t.build(cx, name, sig))
        .or_else(|| fs::build(cx, name, sig))
        .or_else(|| jslib::FUNCS.build(cx, name))
}

/// Whether the host defines `module.name` (for RTLD_NOW checks): the `env`
/// functions of Emscripten's JS library (WASI is `wasi::p1`'s to say).
pub fn provides(name: &str) -> bool {
    // Asked for every import of every module loaded: one hash lookup, not
    // a scan of each module's names.
    static NAMED: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| {
            table_names()
                .chain(sjlj::UNBUILT.iter().copied())
                .chain(emjs::NAMES.iter().copied())
                .collect()
        });
    name.starts_with("invoke_")
        || name.starts_with("__cxa_find_matching_catch_")
        || NAMED.contains(name)
}

/// Whether `name` is a data symbol the linker or JS glue defines rather
/// than any module.
pub fn linker_defines(name: &str) -> bool {
    matches!(
        name,
        "__heap_base" | "__data_end" | "__stack_low" | "__stack_high" | "__dso_handle"
    )
}

/// The value of a data symbol the linker or JS glue defines rather than
/// any module, as seen by library `lib`.
pub fn linker_data_value(data: &Process, lib: LibId, name: &str) -> Option<u32> {
    if !linker_defines(name) {
        return None;
    }
    match name {
        "__heap_base" => Some(data.stack.1),
        "__data_end" => Some(data.stack.0),
        "__stack_low" => Some(data.stack.0),
        "__stack_high" => Some(data.stack.1),
        "__dso_handle" => Some(data.libs[lib].memory_base),
        _ => None,
    }
}

/// A host function for import `name`, shaped to `sig` where the ABI has
/// variants (i64 legalized or not) or is generic (`invoke_*`); `None` when
/// the host does not define it.
pub fn func(
    cx: &mut StoreContextMut<'_, Process>,
    name: &str,
    sig: Option<&Sig>,
) -> wasmtime::Result<Option<Func>> {
    let key = ("env", name.to_string(), sig.cloned());
    if let Some(f) = cx.data().host_funcs.get(&key) {
        return Ok(Some(*f));
    }
    let built = match sjlj::build_invoke(cx, name, sig)? {
        Some(f) => Some(f),
        None => match eh::build_matching_catch(cx, name, sig)
            .or_else(|| build_from_tables(cx, name, sig))
        {
            Some(f) => Some(f),
            None => emjs::build(cx, name, sig)?,
        },
    };
    let Some(f) = built else {
        return Ok(None);
    };
    super::remember(cx, key, name, f, sig).map(Some)
}

/// The signature Emscripten's letters spell (LLVM's `getInvokeSig`, the
/// JS library's `__sig`): a result letter (`v` for none), then a letter
/// for each parameter, of `i` i32, `j` i64, `f` f32, `d` f64, `V` v128,
/// `F` funcref, `X` externref; `None` for other letters.
fn letters_sig(letters: &str) -> Option<Sig> {
    use wasmparser::ValType as T;
    let ty = |c: char| match c {
        'i' => Some(T::I32),
        'j' => Some(T::I64),
        'f' => Some(T::F32),
        'd' => Some(T::F64),
        'V' => Some(T::V128),
        'F' => Some(T::FUNCREF),
        'X' => Some(T::EXTERNREF),
        _ => None,
    };
    let mut chars = letters.chars();
    let results = match chars.next()? {
        'v' => vec![],
        c => vec![ty(c)?],
    };
    let params = chars.map(ty).collect::<Option<Vec<_>>>()?;
    Some(Sig { params, results })
}

/// Sets the program's `errno` through its `__errno_location` (a main that
/// exports none keeps its errno).
pub(super) fn set_errno(
    mut cx: impl wasmtime::AsContextMut<Data = Process>,
    value: i32,
) -> wasmtime::Result<()> {
    let mut cx = cx.as_context_mut();
    let Some(loc) = Process::global_func(&mut cx, "__errno_location")? else {
        return Ok(());
    };
    let mut out = [Val::I32(0)];
    loc.call(&mut cx, &[], &mut out)?;
    let m = cx.data().memory()?;
    let at = crate::abi::as_i32(&out[0], "__errno_location")? as u32;
    crate::mem::write_u32(&mut cx, m, at, value as u32, "errno")
}

/// Memory for a library's static data: bumped from `__heap_base` before the
/// program's allocator runs, from the program's `memalign` after (or, in a
/// main that exports only `malloc`, a block `align` larger, aligned within).
/// Returns the address and the allocator's block to [`release`] on unload.
pub fn allocate(
    cx: &mut StoreContextMut<'_, Process>,
    size: u32,
    align: u32,
) -> wasmtime::Result<(u32, Option<u32>)> {
    if !cx.data().runtime_ready && cx.data().heap_base.is_some() {
        let heap = cx
            .data()
            .heap_base
            .ok_or_else(|| wasmtime::format_err!("no heap to allocate from"))?;
        let cur = crate::abi::as_i32(&heap.get(&mut *cx), "__heap_base")? as u32;
        let (base, end) = cur
            .checked_next_multiple_of(align)
            .and_then(|base| Some((base, base.checked_add(size)?.checked_next_multiple_of(16)?)))
            .ok_or_else(|| wasmtime::format_err!("{size} bytes do not fit in a 32-bit memory"))?;
        ensure_memory(cx, end)?;
        heap.set(&mut *cx, Val::I32(end as i32))?;
        return Ok((base, None));
    }
    let memalign = Process::first_global_func(
        cx,
        &["emscripten_builtin_memalign", "memalign", "aligned_alloc"],
    )?;
    let mut out = [Val::I32(0)];
    let block = if let Some(memalign) = memalign {
        memalign.call(
            &mut *cx,
            &[Val::I32(align as i32), Val::I32(size as i32)],
            &mut out,
        )?;
        crate::abi::as_i32(&out[0], "memalign")? as u32
    } else {
        let malloc = Process::first_global_func(cx, &["emscripten_builtin_malloc", "malloc"])?
            .ok_or_else(|| {
                wasmtime::format_err!(
                    "the program exports neither memalign nor malloc to allocate library memory with"
                )
            })?;
        let padded = size
            .checked_add(align)
            .ok_or_else(|| wasmtime::format_err!("{size} bytes of static data is too much"))?;
        malloc.call(&mut *cx, &[Val::I32(padded as i32)], &mut out)?;
        crate::abi::as_i32(&out[0], "malloc")? as u32
    };
    if block == 0 {
        wasmtime::bail!("out of memory allocating {size} bytes for static data");
    }
    let base = block.next_multiple_of(align);
    let memory = cx.data().memory()?;
    crate::mem::write(
        &mut *cx,
        memory,
        base,
        &vec![0; size as usize],
        "zeroing library memory",
    )?;
    Ok((base, Some(block)))
}

/// Gives a library's static data, allocated by [`allocate`] from the
/// program's allocator, back to it.
/// A program that exports no `free` keeps the block.
pub fn release(cx: &mut StoreContextMut<'_, Process>, base: u32) -> wasmtime::Result<()> {
    match Process::first_global_func(cx, &["emscripten_builtin_free", "free"])? {
        Some(free) => free.call(&mut *cx, &[Val::I32(base as i32)], &mut []),
        None => Ok(()),
    }
}

/// Grows memory so that `end` bytes are addressable.
fn ensure_memory(cx: &mut StoreContextMut<'_, Process>, end: u32) -> wasmtime::Result<()> {
    let memory = cx.data().memory()?;
    let have = memory.data_size(&*cx) as u64;
    if u64::from(end) > have {
        let pages = (u64::from(end) - have).div_ceil(PAGE);
        memory
            .grow(&mut *cx, pages)
            .map_err(|_| wasmtime::format_err!("memory is full: cannot grow to {end} bytes"))?;
    }
    Ok(())
}

/// Pushes `bytes` onto the guest stack; returns their address.
pub fn stack_push(cx: &mut StoreContextMut<'_, Process>, bytes: &[u8]) -> wasmtime::Result<u32> {
    let sp = cx.data().stack_pointer.ok_or_else(|| {
        wasmtime::format_err!(
            "the main module exports neither __stack_pointer nor stackSave/stackRestore"
        )
    })?;
    let cur = sp.get(&mut *cx)?;
    let addr = cur
        .checked_sub(bytes.len() as u32)
        .map(|a| a & !15)
        .filter(|&a| a >= cx.data().stack.0)
        .ok_or_else(|| wasmtime::format_err!("stack overflow"))?;
    let memory = cx.data().memory()?;
    crate::mem::write(&mut *cx, memory, addr, bytes, "stack")?;
    sp.set(&mut *cx, addr)?;
    Ok(addr)
}

/// Calls the program's entry point with `argv`; returns main's result.
pub fn call_main(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<i32> {
    let (low, high) = cx.data().stack;
    // A main that defines its own memory knows its stack from the linker,
    // as Emscripten's JS trusts it to for non-relocatable mains.
    let own_stack = cx.data().heap_base.is_none();
    if own_stack && let Some(init) = Process::global_func(cx, "emscripten_stack_init")? {
        init.call(&mut *cx, &[], &mut [])?;
    } else if let Some(limits) = Process::global_func(cx, "emscripten_stack_set_limits")? {
        limits.call(
            &mut *cx,
            &[Val::I32(high as i32), Val::I32(low as i32)],
            &mut [],
        )?;
    }
    let entry = entry_point(cx)?
        .ok_or_else(|| wasmtime::format_err!("no main() in the program or its libraries"))?;
    let args = cx.data().guest.args.clone();
    let mut ptrs = Vec::with_capacity(args.len() + 1);
    for a in &args {
        let mut s = a.as_bytes().to_vec();
        s.push(0);
        ptrs.push(stack_push(cx, &s)?);
    }
    ptrs.push(0);
    let argv_bytes: Vec<u8> = ptrs.iter().flat_map(|p| p.to_le_bytes()).collect();
    let argv = stack_push(cx, &argv_bytes)?;
    let ty = entry.ty(&*cx);
    let params: Vec<Val> = match ty.params().len() {
        0 => vec![],
        _ => vec![Val::I32(args.len() as i32), Val::I32(argv as i32)],
    };
    let mut results = vec![Val::I32(0); ty.results().len()];
    entry.call(&mut *cx, &params, &mut results)?;
    match results.first() {
        Some(v) => crate::abi::as_i32(v, "main's result"),
        None => Ok(0),
    }
}

/// The program's `main`, under the first of the names C compilers give
/// it: main module's own, else the global scope's.
fn entry_point(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<Option<Func>> {
    for name in ["main", "__main_argc_argv", "__original_main"] {
        if let Some(f) = Process::export_func(cx, 0, name)? {
            return Ok(Some(f));
        }
        if let Some(f) = Process::global_func(cx, name)? {
            return Ok(Some(f));
        }
    }
    Ok(None)
}

/// What exit does after the program asked for it, as glibc's exit: run
/// atexit handlers and destructors (their list exists when the program was
/// built with -sEXIT_RUNTIME=1; otherwise emcc compiled them out), then
/// flush stdio (emcc's JS would leave a partial last line unwritten), and
/// write shared file mappings back.
pub fn at_exit(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()> {
    if let Some(funcs_on_exit) = Process::global_func(cx, "__funcs_on_exit")? {
        funcs_on_exit.call(&mut *cx, &[], &mut [])?;
    }
    if let Some(stdio_exit) = Process::global_func(cx, "__stdio_exit")? {
        stdio_exit.call(&mut *cx, &[], &mut [])?;
    } else if let Some(fflush) = Process::global_func(cx, "fflush")? {
        fflush.call(&mut *cx, &[Val::I32(0)], &mut [Val::I32(0)])?;
    }
    fs::at_exit(cx);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::ValType::{F32, F64, I32, I64};

    fn sig(params: &[wasmparser::ValType], results: &[wasmparser::ValType]) -> Sig {
        Sig {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }

    #[test]
    fn env_names_are_unique_across_tables() {
        let names: Vec<&str> = table_names().chain(sjlj::UNBUILT.iter().copied()).collect();
        crate::abi::table::tests::assert_unique(names.iter().copied());
        // `func` asks the families first: a name they claim would never be
        // built from its table.
        for name in names {
            assert!(!name.starts_with("invoke_"), "{name}");
            assert!(
                !name.starts_with("__cxa_find_matching_catch")
                    || name == "__cxa_find_matching_catch",
                "{name}"
            );
        }
    }

    #[test]
    fn every_env_table_entry_builds() {
        let mut store = crate::abi::table::tests::store();
        let mut cx = wasmtime::AsContextMut::as_context_mut(&mut store);
        // What a shaped function is built for: every one here returns an
        // i32, whatever its parameters.
        let shaped = sig(&[], &[I32]);
        for name in table_names() {
            assert!(provides(name), "{name}");
            let f = match func(&mut cx, name, None) {
                Ok(None) => func(&mut cx, name, Some(&shaped)),
                f => f,
            };
            assert!(matches!(f, Ok(Some(_))), "{name}: {f:?}");
        }
        for name in sjlj::UNBUILT {
            assert!(provides(name), "{name}");
            assert!(matches!(func(&mut cx, name, None), Ok(None)), "{name}");
        }
    }

    #[test]
    fn letters_spell_the_target_signature() {
        assert_eq!(letters_sig("v"), Some(sig(&[], &[])));
        assert_eq!(
            letters_sig("jdjfi"),
            Some(sig(&[F64, I64, F32, I32], &[I64]))
        );
        assert_eq!(letters_sig("dj"), Some(sig(&[I64], &[F64])));
        assert_eq!(letters_sig(""), None);
        assert_eq!(letters_sig("vq"), None);
        assert_eq!(letters_sig("viv"), None);
    }
}
