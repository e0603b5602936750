//! The host ABIs programs are built against, and the one place that picks
//! the host function for an import.

pub mod dlrun;
pub mod emscripten;
pub mod state;
pub mod table;
pub mod time;
pub mod wasi;

use wasmtime::{Func, StoreContextMut};

use crate::modinfo::{ExportKind, ImportKind, ModuleInfo, Sig};
use crate::process::Process;

/// The kinds of main module dlrun runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// emcc -sMAIN_MODULE up to 4.0.18 (Debian's 3.1.6): relocatable,
    /// imports its memory and table, Emscripten's JS ABI.
    Emscripten,
    /// emcc -sMAIN_MODULE from 4.0.19 on (Emscripten PR #25522): not
    /// relocatable; defines and exports its memory, its growable table and
    /// `__stack_pointer`, exports its data symbols at absolute addresses;
    /// Emscripten's JS ABI.
    EmscriptenStatic,
    /// clang -pie against a PIC wasi-libc: imports its memory, WASI ABI.
    WasiPie,
    /// clang static against wasi-libc: defines and exports its memory.
    WasiStatic,
}

impl Flavour {
    /// Whether dlrun creates the memory (the main imports it).
    pub fn host_memory(self) -> bool {
        matches!(self, Flavour::Emscripten | Flavour::WasiPie)
    }

    /// Whether the program was built against Emscripten's JS ABI (its
    /// `main` is called with argv on the stack, its exit handlers are the
    /// host's to run; it has no WASI preopens).
    pub fn emscripten(self) -> bool {
        matches!(self, Flavour::Emscripten | Flavour::EmscriptenStatic)
    }
}

/// Whether the module imports functions only Emscripten's JS glue defines.
pub fn has_emscripten_imports(info: &ModuleInfo) -> bool {
    info.imports.iter().any(|i| {
        i.module == "env"
            && (i.name.starts_with("emscripten_")
                || i.name.starts_with("_emscripten_")
                || i.name.starts_with("__syscall_")
                || i.name == "_dlopen_js"
                || i.name == "setTempRet0")
    })
}

/// Which kind of main module the module at `path` is, or why it is none.
pub fn flavour_of(info: &ModuleInfo, path: &std::path::Path) -> Result<Flavour, String> {
    let imports_memory = info
        .imports
        .iter()
        .any(|i| matches!(i.kind, ImportKind::Memory { .. }));
    let exports_memory = info.exports.iter().any(|(_, k)| *k == ExportKind::Memory);
    let has_heap = info.imports.iter().any(|i| i.name == "__heap_base")
        || info.export("__heap_base").is_some()
        || info.export("_start").is_some();
    match (imports_memory, exports_memory) {
        (true, _) if !has_heap && info.export("main").is_none() => Err(format!(
            "{}: this is a shared library (side module), not a main module; run the program's main module instead",
            path.display()
        )),
        (true, _)
            if has_emscripten_imports(info)
                || !info
                    .imports
                    .iter()
                    .any(|i| i.module == "wasi_snapshot_preview1") =>
        {
            Ok(Flavour::Emscripten)
        }
        (true, _) => Ok(Flavour::WasiPie),
        (false, true) if has_emscripten_imports(info) => Ok(Flavour::EmscriptenStatic),
        (false, true) => Ok(Flavour::WasiStatic),
        (false, false) => Err(format!(
            "{}: neither imports nor exports a memory: not a main module dlrun can run",
            path.display()
        )),
    }
}

/// The host ABIs as a load plan sees them.
pub struct Abi;

impl crate::loader::Host for Abi {
    fn func(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        module: &str,
        name: &str,
        sig: Option<&Sig>,
    ) -> wasmtime::Result<Option<Func>> {
        host_func(cx, module, name, sig)
    }

    fn lacks(&self, data: &Process, name: &str) -> Option<&'static str> {
        emscripten::jslib::is_unprovided(data, name).then_some(emscripten::jslib::NOT_PROVIDED)
    }

    fn lacking_stub(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        lib: crate::symbols::LibId,
        name: &str,
    ) -> Option<Func> {
        emscripten::jslib::unprovided_stub(cx, lib, name)
    }

    fn linker_data(&self, data: &Process, lib: crate::symbols::LibId, name: &str) -> Option<u32> {
        emscripten::linker_data_value(data, lib, name)
    }

    fn allocate(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        size: u32,
        align: u32,
    ) -> wasmtime::Result<(u32, Option<u32>)> {
        emscripten::allocate(cx, size, align)
    }

    fn release(&self, cx: &mut StoreContextMut<'_, Process>, block: u32) -> wasmtime::Result<()> {
        emscripten::release(cx, block)
    }

    fn runs_own_ctors(&self, data: &Process, lib: crate::symbols::LibId) -> bool {
        wasi::runs_own_ctors(data, lib)
    }

    fn adopt(&self, cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()> {
        wasi::adopt(cx)
    }

    fn thread_locals(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        lib: crate::symbols::LibId,
    ) -> wasmtime::Result<()> {
        emscripten::pthread::init_block(cx, lib)
    }

    fn premake_thread_locals(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        order: &[crate::symbols::LibId],
        others: &[u64],
    ) -> wasmtime::Result<Vec<(u64, crate::symbols::LibId, u32)>> {
        emscripten::pthread::premake_blocks(cx, order, others)
    }

    fn interpose(&self, cx: &mut StoreContextMut<'_, Process>, name: &str) -> Option<Func> {
        (name == "emscripten_builtin_memalign").then(|| emscripten::pthread::tls_memalign(cx))
    }

    fn raise(&self, cx: &mut StoreContextMut<'_, Process>, sig: u32) -> wasmtime::Result<()> {
        emscripten::pthread::raise(cx, sig)
    }
}

impl crate::plan::bind::Host for Abi {
    fn provides(&self, module: &str, name: &str) -> bool {
        provides(module, name)
    }

    fn owns_module(&self, module: &str) -> bool {
        is_host_module(module)
    }

    fn linker_defines(&self, name: &str) -> bool {
        emscripten::linker_defines(name)
    }
}

/// The host function for import `module.name`, shaped to `sig` where the
/// ABI has variants; `None` when the host does not define it.
pub fn host_func(
    cx: &mut StoreContextMut<'_, Process>,
    module: &str,
    name: &str,
    sig: Option<&Sig>,
) -> wasmtime::Result<Option<Func>> {
    if module == dlrun::MODULE {
        return Ok(dlrun::build(cx, name));
    }
    if module == wasi::p1::MODULE {
        // Both flavours: Emscripten's libc imports its WASI functions from
        // here too.
        return wasi::p1::func(cx, name, sig);
    }
    if module != "env" {
        return Ok(None);
    }
    emscripten::func(cx, name, sig)
}

/// Checks that host function `f` has the type the module imports `name`
/// with, and keeps it under `key` for the next import of the same shape.
fn remember(
    cx: &mut StoreContextMut<'_, Process>,
    key: crate::process::HostKey,
    name: &str,
    f: Func,
    sig: Option<&Sig>,
) -> wasmtime::Result<Func> {
    if let Some(sig) = sig {
        let want = cx.data().modules.func_type(sig);
        if !wasmtime::FuncType::eq(&f.ty(&*cx), &want) {
            wasmtime::bail!(
                "host function {name} has type {}, but the module imports it as {want}",
                f.ty(&*cx)
            );
        }
    }
    cx.data_mut().host_funcs.insert(key, f);
    Ok(f)
}

/// Import modules only the host serves: their names never bind to a
/// library's export of the same name.
pub fn is_host_module(module: &str) -> bool {
    matches!(
        module,
        dlrun::MODULE | "wasi_snapshot_preview1" | "wasi_unstable"
    )
}

/// The i32 in `v`: a guest function or global of another type is an error
/// naming `what`, never a panic.
pub fn as_i32(v: &wasmtime::Val, what: &str) -> wasmtime::Result<i32> {
    v.i32()
        .ok_or_else(|| wasmtime::format_err!("{what}: expected an i32 value"))
}

/// Whether the host defines `module.name` (for RTLD_NOW checks).
pub fn provides(module: &str, name: &str) -> bool {
    if module == dlrun::MODULE {
        return dlrun::provides(name);
    }
    if module == wasi::p1::MODULE {
        return wasi::p1::provides(name);
    }
    module == "env" && emscripten::provides(name)
}
