//! Host functions as tables of (name, builder): each name is written once,
//! and both what a module provides (for load planning) and the functions it
//! builds come from its table.

use std::collections::HashMap;
use std::sync::OnceLock;

use wasmtime::{Func, StoreContextMut};

use crate::modinfo::Sig;
use crate::process::Process;

/// Builds a host function of one type, whatever the import says.
pub type FixedFn = fn(&mut StoreContextMut<'_, Process>) -> Func;

/// Builds a host function shaped to the signature the module imports it
/// with (i64-legalized or not, any number of parameters); `None` when no
/// shape fits, or when there is no signature to go by.
pub type ShapedFn = fn(&mut StoreContextMut<'_, Process>, Option<&Sig>) -> Option<Func>;

/// How a table builds one function.
#[derive(Clone, Copy)]
pub enum Build {
    /// The same function for every import.
    Fixed(FixedFn),
    /// A function shaped to the import's signature.
    Shaped(ShapedFn),
}

impl Build {
    /// The function for an import with signature `sig`.
    pub fn make(self, cx: &mut StoreContextMut<'_, Process>, sig: Option<&Sig>) -> Option<Func> {
        match self {
            Build::Fixed(make) => Some(make(cx)),
            Build::Shaped(make) => make(cx, sig),
        }
    }
}

/// A host module's functions: (name, builder) entries, looked up by name
/// through an index made on first use (a lookup happens for every import of
/// every module loaded, so never a scan of the names).
pub struct FuncTable<B: 'static = Build> {
    entries: &'static [(&'static str, B)],
    /// Run before any of the table's functions is built.
    setup: Option<fn()>,
    index: OnceLock<HashMap<&'static str, B>>,
}

impl<B: Copy> FuncTable<B> {
    /// The table of `entries`.
    pub const fn new(entries: &'static [(&'static str, B)]) -> Self {
        FuncTable {
            entries,
            setup: None,
            index: OnceLock::new(),
        }
    }

    /// The table, running `setup` before it builds a function (for state
    /// its functions share from the first one built on).
    pub const fn with_setup(mut self, setup: fn()) -> Self {
        self.setup = Some(setup);
        self
    }

    /// Every name in the table.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + use<B> {
        self.entries.iter().map(|(name, _)| *name)
    }

    /// The builder of `name`, if the table has it.
    pub fn get(&self, name: &str) -> Option<B> {
        self.index
            .get_or_init(|| self.entries.iter().copied().collect())
            .get(name)
            .copied()
    }

    /// The builder of `name`, ready to build: the table's setup done.
    fn ready(&self, name: &str) -> Option<B> {
        let build = self.get(name)?;
        if let Some(setup) = self.setup {
            setup();
        }
        Some(build)
    }
}

impl FuncTable<Build> {
    /// Builds `name` for an import with signature `sig`; `None` when the
    /// table has no such name or no function of that shape.
    pub fn build(
        &self,
        cx: &mut StoreContextMut<'_, Process>,
        name: &str,
        sig: Option<&Sig>,
    ) -> Option<Func> {
        self.ready(name)?.make(cx, sig)
    }
}

impl FuncTable<FixedFn> {
    /// Builds `name`, if the table has it.
    pub fn build(&self, cx: &mut StoreContextMut<'_, Process>, name: &str) -> Option<Func> {
        self.ready(name).map(|make| make(cx))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use wasmtime::AsContextMut;

    use super::*;

    /// A store of a new process, to build host functions in.
    pub(crate) fn store() -> wasmtime::Store<Process> {
        let modules = std::sync::Arc::new(crate::compiled::Modules::default());
        let engine = modules.engine().clone();
        let process = Process::new(
            Default::default(),
            Default::default(),
            modules,
            &crate::abi::Abi,
        );
        wasmtime::Store::new(&engine, process)
    }

    /// Panics naming the first name `names` holds twice.
    pub(crate) fn assert_unique(names: impl IntoIterator<Item = &'static str>) {
        let mut seen = std::collections::HashSet::new();
        for name in names {
            assert!(seen.insert(name), "{name} is named twice");
        }
    }

    static SETUPS: AtomicUsize = AtomicUsize::new(0);

    static COUNTED: FuncTable = FuncTable::new(&[
        ("fixed", Build::Fixed(|cx| Func::wrap(cx, || 0i32))),
        (
            "shaped",
            Build::Shaped(|cx, sig| sig.map(|_| Func::wrap(cx, || {}))),
        ),
    ])
    .with_setup(|| _ = SETUPS.fetch_add(1, Ordering::Relaxed));

    #[test]
    fn a_table_builds_its_names_and_sets_up_only_to_build() {
        let mut store = store();
        let mut cx = store.as_context_mut();
        assert_eq!(COUNTED.names().collect::<Vec<_>>(), ["fixed", "shaped"]);
        assert!(COUNTED.get("shaped").is_some() && COUNTED.get("other").is_none());
        assert_eq!(SETUPS.load(Ordering::Relaxed), 0);
        assert!(COUNTED.build(&mut cx, "other", None).is_none());
        assert_eq!(SETUPS.load(Ordering::Relaxed), 0);
        assert!(COUNTED.build(&mut cx, "fixed", None).is_some());
        assert!(COUNTED.build(&mut cx, "shaped", None).is_none());
        let sig = Sig {
            params: vec![],
            results: vec![],
        };
        assert!(COUNTED.build(&mut cx, "shaped", Some(&sig)).is_some());
        assert_eq!(SETUPS.load(Ordering::Relaxed), 3);
    }
}
