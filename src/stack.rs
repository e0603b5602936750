//! The program's stack pointer, which host functions move to pass data on
//! the guest's stack (argv, dlerror's message, exception names) and put
//! back when a longjmp or exception unwinds through them.

use wasmtime::{AsContextMut, Func, Global, Val};

/// Where the stack pointer lives. A dynamically linked main imports it
/// (dlrun makes the global) and a newer static main exports it; an emcc
/// 3.1.6 program linked without `-sMAIN_MODULE` keeps it to itself and
/// exports only the `stackSave`/`stackRestore` functions its JS glue uses.
#[derive(Clone, Copy)]
pub enum StackPointer {
    /// The `__stack_pointer` global itself.
    Global(Global),
    /// Read and written through the program's own functions.
    Funcs {
        /// `stackSave()`: the stack pointer.
        save: Func,
        /// `stackRestore(sp)`: sets it.
        restore: Func,
    },
}

impl StackPointer {
    /// Its value.
    pub fn get(self, mut cx: impl AsContextMut) -> wasmtime::Result<u32> {
        let value = match self {
            StackPointer::Global(g) => g.get(&mut cx),
            StackPointer::Funcs { save, .. } => {
                let mut out = [Val::I32(0)];
                save.call(&mut cx, &[], &mut out)?;
                out[0]
            }
        };
        Ok(crate::abi::as_i32(&value, "__stack_pointer")? as u32)
    }

    /// Sets it to `value`.
    pub fn set(self, mut cx: impl AsContextMut, value: u32) -> wasmtime::Result<()> {
        let value = Val::I32(value as i32);
        match self {
            StackPointer::Global(g) => g.set(&mut cx, value),
            StackPointer::Funcs { restore, .. } => restore.call(&mut cx, &[value], &mut []),
        }
    }

    /// The global, which libraries import and templates restore; none when
    /// only the program's functions reach it.
    pub fn global(self) -> Option<Global> {
        match self {
            StackPointer::Global(g) => Some(g),
            StackPointer::Funcs { .. } => None,
        }
    }
}
