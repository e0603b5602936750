//! The import module `dlrun`: the host half of `libc-shim`, which gives
//! wasi-libc programs `<dlfcn.h>` (here) and local time
//! ([`crate::abi::time::shim`]). Handles are library ids plus one (0 is
//! RTLD_DEFAULT, -1 RTLD_NEXT); the pending error message is kept here, one
//! per process, set by a failing call and cleared by a successful one or by
//! reading it, as glibc does.

use wasmtime::{AsContextMut, Caller, Func, StoreContextMut};

use crate::abi::table::{FixedFn, FuncTable};
use crate::dlfcn::{self, Scope};
use crate::mem;
use crate::process::Process;
use crate::symbols::{LibId, Sym};

/// The import module name.
pub const MODULE: &str = "dlrun";

fn handle_of(lib: LibId) -> i32 {
    lib as i32 + 1
}

fn lib_of(data: &Process, handle: i32) -> Option<LibId> {
    let lib = usize::try_from(handle).ok()?.checked_sub(1)?;
    data.libs.get(lib).filter(|l| l.alive).map(|_| lib)
}

fn fail(c: &mut Caller<'_, Process>, msg: String) -> i32 {
    c.data_mut().dl.error = Some(msg);
    0
}

/// The `<dlfcn.h>` functions of module `dlrun`.
static FUNCS: FuncTable<FixedFn> = FuncTable::new(&[
    ("open", |cx| {
        Func::wrap(
            cx,
            |mut c: Caller<'_, Process>, name: i32, mode: i32| -> wasmtime::Result<i32> {
                if name == 0 {
                    c.data_mut().dl.error = None;
                    return Ok(handle_of(0));
                }
                let m = c.data().memory()?;
                let file = mem::read_name(&c, m, name as u32, "dlopen file name")?;
                let mut cx = c.as_context_mut();
                match dlfcn::open(&mut cx, &file, mode, 0)? {
                    Ok(lib) => {
                        c.data_mut().dl.error = None;
                        Ok(handle_of(lib))
                    }
                    Err(refusal) => {
                        c.data_mut().dl.error = refusal.dlerror();
                        Ok(0)
                    }
                }
            },
        )
    }),
    ("sym", |cx| {
        Func::wrap(
            cx,
            |mut c: Caller<'_, Process>,
             handle: i32,
             name: i32,
             out: i32|
             -> wasmtime::Result<i32> {
                let m = c.data().memory()?;
                let symbol = mem::read_name(&c, m, name as u32, "dlsym symbol name")?;
                let scope = match handle {
                    0 | -1 => Scope::Global,
                    h => match lib_of(c.data(), h) {
                        Some(0) => Scope::Global,
                        Some(lib) => Scope::Handle(lib),
                        None => {
                            fail(&mut c, format!("invalid handle {h}"));
                            return Ok(-1);
                        }
                    },
                };
                let mut cx = c.as_context_mut();
                match dlfcn::sym(&mut cx, scope, &symbol) {
                    Ok(addr) => {
                        mem::write_u32(&mut c, m, out as u32, addr, "dlsym result")?;
                        c.data_mut().dl.error = None;
                        Ok(0)
                    }
                    Err(msg) => {
                        fail(&mut c, msg);
                        Ok(-1)
                    }
                }
            },
        )
    }),
    ("close", |cx| {
        Func::wrap(
            cx,
            |mut c: Caller<'_, Process>, handle: i32| -> wasmtime::Result<i32> {
                let Some(lib) = lib_of(c.data(), handle) else {
                    fail(&mut c, format!("invalid handle {handle}"));
                    return Ok(-1);
                };
                let mut cx = c.as_context_mut();
                match dlfcn::close(&mut cx, lib)? {
                    Ok(()) => Ok(0),
                    Err(msg) => {
                        fail(&mut c, msg);
                        Ok(-1)
                    }
                }
            },
        )
    }),
    ("error", |cx| {
        Func::wrap(
            cx,
            |mut c: Caller<'_, Process>, buf: i32, len: i32| -> wasmtime::Result<i32> {
                let Some(msg) = c.data_mut().dl.error.take() else {
                    return Ok(0);
                };
                if len <= 0 {
                    return Ok(0);
                }
                let mut bytes = msg.into_bytes();
                bytes.truncate(len as usize - 1);
                bytes.push(0);
                let m = c.data().memory()?;
                mem::write(&mut c, m, buf as u32, &bytes, "dlerror buffer")?;
                Ok(1)
            },
        )
    }),
    ("addr", |cx| {
        Func::wrap(
            cx,
            |mut c: Caller<'_, Process>,
             addr: i32,
             fname: i32,
             flen: i32,
             sname: i32,
             slen: i32,
             fbase: i32,
             saddr: i32|
             -> wasmtime::Result<i32> {
                let Some(found) = describe(c.data(), addr as u32) else {
                    return Ok(0);
                };
                let m = c.data().memory()?;
                let put = |c: &mut Caller<'_, Process>,
                           at: i32,
                           len: i32,
                           s: &str|
                 -> wasmtime::Result<()> {
                    if len <= 0 {
                        return Ok(());
                    }
                    let mut bytes = s.as_bytes().to_vec();
                    bytes.truncate(len as usize - 1);
                    bytes.push(0);
                    mem::write(c, m, at as u32, &bytes, "dladdr buffer")
                };
                put(&mut c, fname, flen, &found.file)?;
                put(&mut c, sname, slen, &found.symbol)?;
                mem::write_u32(&mut c, m, fbase as u32, found.base, "dladdr")?;
                mem::write_u32(&mut c, m, saddr as u32, found.symbol_addr, "dladdr")?;
                Ok(1)
            },
        )
    }),
]);

/// The tables of module `dlrun`: [`build`] builds from them, [`provides`]
/// reads their names.
static TABLES: [&FuncTable<FixedFn>; 2] = [&FUNCS, &crate::abi::time::shim::FUNCS];

/// Whether module `dlrun` has function `name`.
pub fn provides(name: &str) -> bool {
    TABLES.iter().any(|t| t.get(name).is_some())
}

/// Builds host function `name` of module `dlrun`.
pub fn build(cx: &mut StoreContextMut<'_, Process>, name: &str) -> Option<Func> {
    TABLES.iter().find_map(|t| t.build(cx, name))
}

/// What dladdr reports for an address.
#[derive(Debug, PartialEq, Eq)]
pub struct AddrInfo {
    /// The library holding the address, as the program knows it
    /// (`dli_fname`).
    pub file: String,
    /// Its memory base (`dli_fbase`).
    pub base: u32,
    /// Name of the nearest symbol at or below the address (`dli_sname`).
    pub symbol: String,
    /// That symbol's address (`dli_saddr`).
    pub symbol_addr: u32,
}

/// The library whose static data or table range holds `addr`, and its
/// nearest exported symbol at or below it.
pub fn describe(data: &Process, addr: u32) -> Option<AddrInfo> {
    for lib in data.libs.iter().filter(|l| l.alive) {
        let d = &lib.info.dylink;
        let in_data =
            d.mem_size > 0 && (lib.memory_base..lib.memory_base + d.mem_size).contains(&addr);
        let in_table =
            d.table_size > 0 && (lib.table_base..lib.table_base + d.table_size).contains(&addr);
        if !in_data && !in_table {
            continue;
        }
        let mut best: Option<(crate::symbols::Name, u32)> = None;
        for (name, sym) in lib.syms.iter() {
            let at = match sym {
                Sym::Data(a) if in_data => a,
                Sym::Func { index, .. } if in_table => match lib.info.table_positions.get(&index) {
                    Some(pos) => pos.slot(lib.table_base),
                    None => continue,
                },
                _ => continue,
            };
            if at <= addr && best.as_ref().is_none_or(|(_, b)| at > *b) {
                best = Some((name, at));
            }
        }
        let (symbol, symbol_addr) = best.map(|(n, a)| (n.to_string(), a)).unwrap_or_default();
        return Some(AddrInfo {
            file: lib.guest.clone(),
            base: lib.memory_base,
            symbol,
            symbol_addr,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_is_named_once_and_builds() {
        let names = || TABLES.iter().flat_map(|t| t.names());
        crate::abi::table::tests::assert_unique(names());
        let mut store = crate::abi::table::tests::store();
        let mut cx = store.as_context_mut();
        for name in names() {
            assert!(provides(name), "{name}");
            assert!(build(&mut cx, name).is_some(), "{name}");
        }
    }
}
