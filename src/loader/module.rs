//! Modules read, understood and compiled: what a load finds before it
//! places anything.

use super::*;

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
    /// Where it will be placed, when that is known before it is compiled
    /// (an Emscripten main's bases), so that they are compiled in.
    pub bases: Option<crate::prelink::Bases>,
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
        Ok(Parsed {
            name: name.to_string(),
            path: found.path,
            guest: found.guest,
            bytes: found.bytes,
            info: Arc::new(info),
            module: None,
            bases: None,
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
            bases: None,
        }
    }

    /// The module's code, if the cache holds it for `modules`' engine.
    pub fn cached(&self, modules: &Modules) -> Option<Module> {
        modules.cached(&self.bytes, self.bases)
    }

    /// Compiles the module (or takes it from memory or the cache).
    pub fn compile(self, modules: &Modules) -> wasmtime::Result<Candidate> {
        let module = match self.module {
            Some(m) => m,
            None => modules
                .module(&self.bytes, &self.info, self.bases)
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
pub(super) fn compile_all(
    modules: &Modules,
    parsed: Vec<Parsed>,
) -> wasmtime::Result<Vec<Candidate>> {
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
