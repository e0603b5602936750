//! The loader's one seam to the host ABI the program was built against
//! (`crate::abi` implements it, `Program` hands it over in the process):
//! the host functions imports bind to, how a library's static data is
//! allocated and freed, the values the linker or JS glue would define, and
//! how a main module that brings its own memory starts. The loader knows
//! no ABI by name.

use wasmtime::{Func, StoreContextMut};

use crate::modinfo::Sig;
use crate::process::Process;
use crate::symbols::LibId;

/// What the loader asks of the host ABI.
pub trait Host: crate::plan::bind::Host + Send + Sync {
    /// The host function for import `module.name`, shaped to `sig` where
    /// the ABI has variants; `None` when the host does not define it.
    fn func(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        module: &str,
        name: &str,
        sig: Option<&Sig>,
    ) -> wasmtime::Result<Option<Func>>;

    /// Why the host lacks `name` although the program's toolchain would
    /// have provided it (a note for "undefined symbol" messages), if so.
    fn lacks(&self, data: &Process, name: &str) -> Option<&'static str>;

    /// What a pointer to `name`, a function the host [`lacks`](Host::lacks),
    /// holds: a function that fails naming it when called (for `lib`,
    /// which took its address).
    fn lacking_stub(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        lib: LibId,
        name: &str,
    ) -> Option<Func>;

    /// The value of data symbol `name` that the linker or JS glue defines
    /// for `lib`, if it is one.
    fn linker_data(&self, data: &Process, lib: LibId, name: &str) -> Option<u32>;

    /// Allocates `size` bytes aligned to `align` for a library's static
    /// data: the address, and the allocator's block to free later.
    fn allocate(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        size: u32,
        align: u32,
    ) -> wasmtime::Result<(u32, Option<u32>)>;

    /// Frees a block [`allocate`](Host::allocate) gave.
    fn release(&self, cx: &mut StoreContextMut<'_, Process>, block: u32) -> wasmtime::Result<()>;

    /// Whether library `lib` runs its constructors itself (a WASI main's
    /// `_start`), so the loader must not.
    fn runs_own_ctors(&self, data: &Process, lib: LibId) -> bool;

    /// Takes the memory, table and stack pointer of a main module that
    /// defines its own, once it is instantiated.
    fn adopt(&self, cx: &mut StoreContextMut<'_, Process>) -> wasmtime::Result<()>;

    /// Gives the running thread its thread-local storage in `lib`, loaded
    /// after the thread was set up (before the library's constructors).
    fn thread_locals(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        lib: LibId,
    ) -> wasmtime::Result<()>;

    /// Makes the TLS blocks the program's other threads (`others`, by
    /// token) will have in the libraries of `order`, just loaded on this
    /// thread: they realize the load at any point of their code, where
    /// they could not run the program's allocator themselves. Returns
    /// (token, library, block) for each block made.
    fn premake_thread_locals(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        order: &[LibId],
        others: &[u64],
    ) -> wasmtime::Result<Vec<(u64, LibId, u32)>>;

    /// A function the host puts between a library of a program with
    /// threads and the definition of its import `name` (the allocator TLS
    /// blocks come from, which hands out premade ones); None for most.
    fn interpose(&self, cx: &mut StoreContextMut<'_, Process>, name: &str) -> Option<Func>;

    /// Runs, on the running thread, what the program set up for signal
    /// `sig` (another thread sent it with `pthread_kill`).
    fn raise(&self, cx: &mut StoreContextMut<'_, Process>, sig: u32) -> wasmtime::Result<()>;
}
