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
    /// The module's bytes, to compile; None when its code is known.
    pub source: Option<Source>,
    /// Its parsed metadata.
    pub info: Arc<ModuleInfo>,
    /// Its code, when an earlier load of the program compiled it.
    pub module: Option<Module>,
    /// Where it will be placed, when that is known before it is compiled
    /// (an Emscripten main's bases), so that they are compiled in.
    pub bases: Option<crate::prelink::Bases>,
    /// Whether it is a library (a main is never compiled in pieces).
    pub library: bool,
}

impl Parsed {
    /// The library `located` finds, read (or recalled from `cache`) and
    /// understood; a read that passes `deadline` ends the program.
    pub fn library(
        name: &str,
        located: Located,
        cache: &Cache,
        deadline: Option<Instant>,
    ) -> wasmtime::Result<Parsed> {
        let path = located.path.clone();
        let guest = located.guest.clone();
        let (source, info) = crate::source::open(located, true, cache, deadline)?;
        let mut parsed = Parsed::of(name, path, guest, source, info);
        parsed.library = true;
        Ok(parsed)
    }

    /// The module at `path` (known to the program as `guest`), whose bytes
    /// are `source` and metadata `info`.
    pub fn of(
        name: &str,
        path: PathBuf,
        guest: String,
        source: Source,
        info: ModuleInfo,
    ) -> Parsed {
        Parsed {
            name: name.to_string(),
            path,
            guest,
            source: Some(source),
            info: Arc::new(info),
            module: None,
            bases: None,
            library: false,
        }
    }

    /// A library an earlier load found at `path` (known to the program as
    /// `guest`) and compiled: nothing to read or parse.
    pub fn known(name: &str, path: PathBuf, guest: String, compiled: Compiled) -> Parsed {
        Parsed {
            name: name.to_string(),
            path,
            guest,
            source: None,
            info: compiled.info,
            module: Some(compiled.module),
            bases: None,
            library: true,
        }
    }

    /// The module's size in bytes (0 when its code is known).
    pub fn size(&self) -> u64 {
        self.source.as_ref().map_or(0, |s| s.size)
    }

    /// The module's code, if the cache holds it for `modules`' engine.
    pub fn cached(&self, modules: &Modules) -> Option<Module> {
        let source = self.source.as_ref()?;
        modules.cached(&source.digest, self.bases)
    }

    /// Compiles the module (or takes it from memory or the cache).
    pub fn compile(mut self, modules: &Modules) -> wasmtime::Result<Candidate> {
        let names = ModuleName::new(&self.path, &self.guest);
        let module = match (self.module, self.source.as_mut()) {
            (Some(m), _) => m,
            (None, Some(source)) => modules
                .module(source, &self.info, self.bases, self.library)
                .map_err(|e| e.context(About::new(&names, "invalid module")))?,
            (None, None) => wasmtime::bail!(About::new(&names, "nothing to compile")),
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
    crate::compiled::side_by_side(parsed, to_compile, |p| p.compile(modules))
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(wasmtime::format_err!("a compile worker failed"))))
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
