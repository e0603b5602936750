//! Compiled modules kept in memory for as long as a [`Program`] lives, so
//! that its second and later runs neither read, parse nor compile anything:
//! libraries by canonical path (found once, then served from here), and
//! the generated stand-in modules by their text. Shared by every run of the
//! program, from any thread.
//!
//! A library file changed on disk after the first run that loaded it is not
//! read again: a program is a template of what it was linked against.
//!
//! [`Program`]: crate::Program

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use wasmtime::{Engine, Module};

use crate::cache::Cache;
use crate::modinfo::ModuleInfo;

/// A library as a later run takes it: metadata and compiled code.
#[derive(Clone)]
pub struct Compiled {
    /// The library's parsed metadata.
    pub info: Arc<ModuleInfo>,
    /// Its code, compiled for [`Modules::engine`].
    pub module: Module,
}

/// The engine every run of a program uses, and what was compiled for it.
pub struct Modules {
    engine: Engine,
    cache: Cache,
    libs: Mutex<HashMap<PathBuf, Compiled>>,
    stand_ins: Mutex<HashMap<String, Module>>,
}

impl Modules {
    /// Nothing compiled yet; modules not yet in memory come from (and go
    /// to) `cache`.
    pub fn new(engine: Engine, cache: Cache) -> Modules {
        Modules {
            engine,
            cache,
            libs: Mutex::default(),
            stand_ins: Mutex::default(),
        }
    }

    /// The engine the modules are compiled for; every store of the program
    /// must use it.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The on-disk cache of compiled modules.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The library at `path`, if an earlier load compiled it.
    pub fn library(&self, path: &Path) -> Option<Compiled> {
        // A poisoned map only means a thread panicked between two plain
        // inserts: its contents are still whole.
        let libs = self.libs.lock().unwrap_or_else(PoisonError::into_inner);
        libs.get(path).cloned()
    }

    /// Keeps the library at `path` for later loads. Two runs that found it
    /// at once may both have compiled it; the first kept is the one served.
    pub fn keep_library(&self, path: &Path, compiled: Compiled) {
        let mut libs = self.libs.lock().unwrap_or_else(PoisonError::into_inner);
        libs.entry(path.to_path_buf()).or_insert(compiled);
    }

    /// The stand-in module whose text is `text`, compiled on first use.
    pub fn stand_in(&self, text: &str) -> wasmtime::Result<Module> {
        if let Some(m) = self
            .stand_ins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(text)
        {
            return Ok(m.clone());
        }
        let module = self
            .cache
            .module_from(&self.engine, text.as_bytes(), || Ok(wat::parse_str(text)?))?;
        self.stand_ins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(text.to_string(), module.clone());
        Ok(module)
    }
}

impl Default for Modules {
    /// A default engine with no on-disk cache.
    fn default() -> Modules {
        Modules::new(Engine::default(), Cache::disabled())
    }
}
