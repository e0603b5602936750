//! Check: where every import of a load's new libraries binds, decided
//! before anything is compiled, placed or instantiated, and the reasons a
//! load cannot go on (a strong symbol nothing defines, a function of
//! another type, a library whose memory the main module's cannot be).

use super::*;

/// Strong symbols nothing defines, one line each: "MODULE: undefined
/// symbol: NAME".
#[derive(Debug)]
struct Unresolved(Vec<About>);

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, line) in self.0.iter().enumerate() {
            if k > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Unresolved {}

/// Where every import of the new libraries binds (libraries named by
/// the ids they will have, the first new one `base`). Fails the load,
/// before anything is compiled, placed or instantiated, when a strong
/// symbol binds to nothing: data always (its address is needed now),
/// functions only under RTLD_NOW.
pub(super) fn check(
    data: &Process,
    new: &[plan::Planned<Piece>],
    mode: Mode,
    base: LibId,
) -> wasmtime::Result<Vec<Planned>> {
    let scope = bind::PlanScope::new(data, new, mode.global);
    let mut unresolved = Vec::new();
    let mut planned = Vec::with_capacity(new.len());
    // Every module of a program shares its memory: all built with threads
    // (a shared memory) or none.
    let threaded = match (data.libs.first(), new.first()) {
        (Some(main), _) => main.info.uses_threads(),
        (None, Some(main)) => main.module.as_ref().uses_threads(),
        (None, None) => false,
    };
    for (k, lib) in new.iter().enumerate() {
        let info = lib.module.as_ref();
        if !matches!(lib.module, Piece::Main(_)) {
            plan::layout::needs(&info.dylink)
                .map_err(|e| wasmtime::Error::new(About::new(&lib.module.module_name(), e)))?;
            // A library that imports no memory fits either.
            if info.memory_import().is_some() && info.uses_threads() != threaded {
                let why = if threaded {
                    "built without threads, but the main module was built with them (build it with -pthread too)"
                } else {
                    "built with threads (a shared memory), but the main module was not (build both with -pthread)"
                };
                wasmtime::bail!(About::new(&lib.module.module_name(), why));
            }
            if threaded && info.own_thread_locals && info.imports.iter().any(is_invoke) {
                wasmtime::bail!(About::new(
                    &lib.module.module_name(),
                    "built with threads, and has thread-locals of its own and C++ exceptions or \
                     setjmp: LLVM 14 (emcc 3.1.6) compiled its reads of libc's __THREW__ as its \
                     first thread-local, which every call that may throw overwrites; move its \
                     thread-locals to another library or the main module"
                ));
            }
        }
        let imports = &info.imports;
        let bound = bind::bindings(&scope, data.host, k, mode.now);
        planned.push(
            bound
                .iter()
                .map(|b| match b.binding {
                    bind::Binding::Lib(plan::LibRef::New(d)) => {
                        bind::Binding::Lib(plan::LibRef::Loaded(base + d))
                    }
                    other => other,
                })
                .collect(),
        );
        for (import, bound) in imports.iter().zip(bound) {
            if let (bind::Binding::Lib(owner), ImportKind::Func(sig)) =
                (bound.binding, &import.kind)
            {
                let info = match owner {
                    plan::LibRef::Loaded(id) => &*data.libs[id].info,
                    plan::LibRef::New(d) => new[d].module.as_ref(),
                };
                if let Err(why) = bind::callable_as(info, &bound.name, sig) {
                    // Named only when it fails: this runs for every import.
                    let names = match owner {
                        plan::LibRef::Loaded(id) => data.libs[id].names(),
                        plan::LibRef::New(d) => new[d].module.module_name(),
                    };
                    return Err(
                        wasmtime::Error::new(About::new(&names, why)).context(About::new(
                            &lib.module.module_name(),
                            format!("binding {}.{}", bound.module, bound.name),
                        )),
                    );
                }
            }
            // A tag or a mistyped GOT entry is refused when bound, with its reason.
            if bound.binding != bind::Binding::Undefined || matches!(import.kind, ImportKind::Tag) {
                continue;
            }
            let known = data.global.names().chain(
                scope
                    .new_global_names()
                    .into_iter()
                    .map(symbols::Name::from),
            );
            let hint = if let Some(lacks) = data.host.lacks(data, &bound.name) {
                format!(" ({lacks})")
            } else {
                symbols::suggest(&bound.name, known)
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default()
            };
            unresolved.push(About::new(
                &lib.module.module_name(),
                format!("undefined symbol: {}{hint}", bound.name),
            ));
        }
    }
    if unresolved.is_empty() {
        Ok(planned)
    } else {
        Err(wasmtime::Error::new(Unresolved(unresolved)))
    }
}

/// An emcc import that calls a function which may throw or longjmp, then
/// reads `__THREW__`.
fn is_invoke(import: &crate::modinfo::Import) -> bool {
    import.module == "env"
        && import.name.starts_with("invoke_")
        && matches!(import.kind, ImportKind::Func(_))
}
