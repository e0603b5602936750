//! clang/wasi-libc programs: a main module that defines its own memory,
//! table and stack pointer (static, or PIE against a PIC wasi-libc) and
//! starts through `_start`, with dlopen from `libc-shim`, and its system
//! interface, WASI preview 1 ([`p1`]).

pub mod p1;

use wasmtime::StoreContextMut;

use crate::process::Process;
use crate::stack::StackPointer;

/// Takes the memory, table and stack pointer the main module defines as the
/// process's own, right after it is instantiated.
pub fn adopt(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()> {
    let instance = cx.data().libs[0]
        .instance
        .ok_or_else(|| wasmtime::format_err!("the main module is not instantiated"))?;
    let memory = instance
        .get_memory(&mut *cx, "memory")
        .ok_or_else(|| wasmtime::format_err!("the main module exports no memory"))?;
    // A plain WASI command keeps its table to itself: it runs, but cannot
    // share function pointers with libraries (Process::table says so).
    let table = instance.get_table(&mut *cx, "__indirect_function_table");
    let sp = match instance.get_global(&mut *cx, "__stack_pointer") {
        Some(g) => Some(StackPointer::Global(g)),
        None => instance
            .get_func(&mut *cx, "stackSave")
            .zip(instance.get_func(&mut *cx, "stackRestore"))
            .map(|(save, restore)| StackPointer::Funcs { save, restore }),
    };
    let mut value = |name: &str| {
        instance
            .get_global(&mut *cx, name)
            .and_then(|g| g.get(&mut *cx).i32())
            .map(|v| v as u32)
    };
    let data_end = value("__data_end");
    let heap_base = value("__heap_base");
    let top = sp.and_then(|s| s.get(&mut *cx).ok());
    let data = cx.data_mut();
    data.memory = Some(crate::mem::Mem::Own(memory));
    data.table = table;
    data.stack_pointer = sp;
    data.stack = (data_end.unwrap_or(0), heap_base.or(top).unwrap_or(0));
    Ok(())
}

/// Runs the program: `_start` (which runs `main`, and `exit` when it
/// returns non-zero), or `main` itself for modules built without an entry
/// point. When the loader ran main's constructors, wasm-ld left the
/// destructors (atexit handlers, stdio flush) to it too: they run after a
/// `_start` that returns.
pub fn call_start(cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<i32> {
    let Some(start) = Process::export_func(cx, 0, "_start")? else {
        return super::emscripten::call_main(cx);
    };
    start.call(&mut *cx, &[], &mut [])?;
    if !runs_own_ctors(cx.data(), 0) && Process::export_func(cx, 0, "__wasm_call_ctors")?.is_some()
    {
        if let Some(dtors) = Process::export_func(cx, 0, "__wasm_call_dtors")? {
            dtors.call(&mut *cx, &[], &mut [])?;
        } else if let Some(exit) = Process::export_func(cx, 0, "exit")? {
            // Built without the destructors exported: libc's exit runs
            // the same handlers, then ends the program with status 0.
            exit.call(&mut *cx, &[wasmtime::Val::I32(0)], &mut [])?;
        }
    }
    Ok(0)
}

/// Whether the main module runs its own constructors (its `_start` calls
/// `__wasm_call_ctors`). Debian's wasi-libc crt1 does not: it counts on
/// wasm-ld's command export wrappers, which dlcc's export of
/// `__wasm_call_ctors` turns off, so the loader calls them, before `_start`
/// (wasi-libc's own constructors find the preopens and the environment).
pub fn runs_own_ctors(data: &Process, lib: usize) -> bool {
    lib == 0 && data.libs[0].info.start_calls_ctors
}
