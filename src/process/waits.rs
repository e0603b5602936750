//! Table entries bound before their function existed, kept by what fills
//! them: a library's instantiation takes only its own entries, where
//! scanning every waiting entry cost each dlopen a hash lookup per pointer
//! a main took to a name nothing defines (the ~260 WebGL functions of an
//! emcc MAIN_MODULE=1 main).

use foldhash::HashMap;
use wasmtime::Table;

use crate::symbols::{LibId, Sym, Symbols};

/// A table entry filled once what it waits for exists: the one mechanism
/// for everything bound before its definition was instantiated (a pointer
/// to a function of a library later in the same load, an import such a
/// library defines, a pointer to a name nothing defined yet).
pub struct Waiting {
    /// The table holding the entry: the shared one, or a stand-in
    /// module's own.
    pub table: Table,
    /// The entry.
    pub slot: u64,
    /// What fills it.
    pub wants: Wants,
}

/// What fills a [`Waiting`] entry.
pub enum Wants {
    /// Export `export` of library `lib`, once it is instantiated. When
    /// `pointer`, the entry is the function's slot in the shared table
    /// (its pointer value); else a stand-in import forwards through it.
    Export {
        /// The library.
        lib: LibId,
        /// Its export.
        export: String,
        /// The entry is the function's pointer.
        pointer: bool,
    },
    /// The function `name` of the first global library instantiated that
    /// defines it: a pointer taken to a name nothing defined then.
    Name(String),
}

/// Every waiting entry, by the library or name it waits for. Entries keep
/// the order they were added in: the first entry filled with a function
/// becomes its pointer.
#[derive(Default)]
pub struct Waits {
    by_lib: HashMap<LibId, Vec<(u64, Waiting)>>,
    by_name: HashMap<String, Vec<(u64, Waiting)>>,
    added: u64,
}

impl Waits {
    /// Adds `w`.
    pub fn push(&mut self, w: Waiting) {
        let entry = match &w.wants {
            Wants::Export { lib, .. } => self.by_lib.entry(*lib).or_default(),
            Wants::Name(name) => self.by_name.entry(name.clone()).or_default(),
        };
        entry.push((self.added, w));
        self.added += 1;
    }

    /// How many entries wait.
    pub fn len(&self) -> usize {
        self.by_lib
            .values()
            .chain(self.by_name.values())
            .map(Vec::len)
            .sum()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the entries `lib`, just instantiated, fills, in the order
    /// they were added: those waiting for its exports and, when it is
    /// `global`, for names its symbols `syms` define as functions.
    pub fn take_ready(&mut self, lib: LibId, global: bool, syms: &Symbols) -> Vec<Waiting> {
        let mut ready = self.by_lib.remove(&lib).unwrap_or_default();
        if global && !self.by_name.is_empty() {
            let defines = |name: &str| matches!(syms.get(name), Some(Sym::Func { .. }));
            // Whichever side is smaller is walked: a library of a few
            // functions against hundreds of waiting names, or the reverse.
            let names: Vec<String> = if self.by_name.len() <= syms.len() {
                self.by_name
                    .keys()
                    .filter(|n| defines(n))
                    .cloned()
                    .collect()
            } else {
                syms.names()
                    .filter(|n| self.by_name.contains_key(&**n) && defines(n))
                    .map(|n| n.to_string())
                    .collect()
            };
            for name in names {
                ready.extend(self.by_name.remove(&name).unwrap_or_default());
            }
        }
        ready.sort_unstable_by_key(|(added, _)| *added);
        ready.into_iter().map(|(_, w)| w).collect()
    }

    /// Drops the entries waiting for `lib`'s exports: it is unloaded.
    pub fn forget(&mut self, lib: LibId) {
        self.by_lib.remove(&lib);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Ref, RefType, Store, TableType};

    #[test]
    fn a_library_takes_its_own_entries_and_the_names_it_defines_in_order() {
        let mut store = Store::new(&Engine::default(), ());
        let ty = TableType::new(RefType::FUNCREF, 8, None);
        let table = Table::new(&mut store, ty, Ref::Func(None)).unwrap();
        let (a, b): (LibId, LibId) = (1, 2);
        let mut waits = Waits::default();
        let export = |lib, slot| Waiting {
            table,
            slot,
            wants: Wants::Export {
                lib,
                export: "e".into(),
                pointer: true,
            },
        };
        let name = |n: &str, slot| Waiting {
            table,
            slot,
            wants: Wants::Name(n.into()),
        };
        waits.push(name("glFoo", 0));
        waits.push(export(a, 1));
        waits.push(export(b, 2));
        waits.push(name("glBar", 3));
        waits.push(export(a, 4));
        assert_eq!(waits.len(), 5);

        let defines_foo = crate::symbols::functions(a, &["glFoo"]);
        let slots = |ready: Vec<Waiting>| ready.iter().map(|w| w.slot).collect::<Vec<_>>();
        // Not global: only its exports.
        assert_eq!(slots(waits.take_ready(a, false, &defines_foo)), [1, 4]);
        // Global: the names it defines too, in the order they were added.
        waits.push(export(a, 5));
        assert_eq!(slots(waits.take_ready(a, true, &defines_foo)), [0, 5]);
        assert_eq!(waits.len(), 2);

        waits.forget(b);
        assert_eq!(waits.len(), 1);
        let mut names: Vec<String> = (0..10).map(|i| format!("g{i}")).collect();
        names.push("glBar".into());
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let many = crate::symbols::functions(b, &names);
        assert_eq!(slots(waits.take_ready(b, true, &many)), [3]);
        assert!(waits.is_empty());
    }
}
