//! The host half of `libc-shim/time.c`, which gives wasi-libc programs
//! local time (wasi-libc itself knows only UTC). Imports of module
//! `dlrun`; zone names travel as indices the shim turns into strings once,
//! through `tz_name`:
//!
//! ```text
//! void tz_globals(int out[4])              tzname[0], tzname[1] (indices), timezone, daylight
//! void tz_local(i64 t, int out[7])         isdst, gmtoff, zone, then the globals as above
//! i64  tz_mktime(struct tm *tm, int out[6])  overflow (0/1), zone, then the globals;
//!                                          on success the fields of *tm are normalised
//! int  tz_name(int index, char *buf, int len)  copies up to len bytes (no NUL);
//!                                          the name's length, -1 for no such index
//! ```
//!
//! `struct tm` is wasi-libc's: nine `int`s, `int tm_gmtoff`, the zone
//! pointer (which the shim sets).

use wasmtime::{Caller, Func};

use super::calendar::Tm;
use super::{State, state};
use crate::abi::table::{FixedFn, FuncTable};
use crate::mem;
use crate::process::Process;

/// The globals as the shim receives them.
fn globals(s: &mut State) -> [i32; 4] {
    let g = s.local.globals().clone();
    [
        s.intern(&g.tzname[0]) as i32,
        s.intern(&g.tzname[1]) as i32,
        g.timezone,
        i32::from(g.daylight),
    ]
}

fn write_ints(
    c: &mut Caller<'_, Process>,
    at: i32,
    ints: &[i32],
    what: &str,
) -> wasmtime::Result<()> {
    let bytes: Vec<u8> = ints.iter().flat_map(|i| i.to_le_bytes()).collect();
    let m = c.data().memory()?;
    mem::write(c, m, at as u32, &bytes, what)
}

/// The functions this module adds to module `dlrun`.
pub static FUNCS: FuncTable<FixedFn> = FuncTable::new(&[
    ("tz_globals", |cx| {
        Func::wrap(
            cx,
            |mut c: Caller<'_, Process>, out: i32| -> wasmtime::Result<()> {
                let g = globals(state(c.data_mut()));
                write_ints(&mut c, out, &g, "tz_globals")
            },
        )
    }),
    ("tz_local", |cx| {
        Func::wrap(
            cx,
            |mut c: Caller<'_, Process>, t: i64, out: i32| -> wasmtime::Result<()> {
                let s = state(c.data_mut());
                let local = s.local.at(t);
                let zone = s.intern(&local.abbrev) as i32;
                let [a, b, tz, dl] = globals(s);
                let ints = [i32::from(local.isdst), local.offset, zone, a, b, tz, dl];
                write_ints(&mut c, out, &ints, "tz_local")
            },
        )
    }),
    ("tz_mktime", |cx| {
        Func::wrap(
            cx,
            |mut c: Caller<'_, Process>, tm: i32, out: i32| -> wasmtime::Result<i64> {
                let m = c.data().memory()?;
                let fields = Tm::from_bytes(&mem::read(&c, m, tm as u32, 36, "mktime")?);
                let s = state(c.data_mut());
                let found = s.local.mktime(&fields);
                let zone = found.as_ref().map_or(0, |(_, _, z)| s.intern(z) as i32);
                let [a, b, tz, dl] = globals(s);
                let ints = [i32::from(found.is_none()), zone, a, b, tz, dl];
                write_ints(&mut c, out, &ints, "mktime")?;
                let Some((t, norm, _)) = found else {
                    return Ok(-1);
                };
                mem::write(&mut c, m, tm as u32, &norm.to_bytes(), "mktime")?;
                Ok(t)
            },
        )
    }),
    ("tz_name", |cx| {
        Func::wrap(
            cx,
            |mut c: Caller<'_, Process>, index: i32, buf: i32, len: i32| -> wasmtime::Result<i32> {
                let s = state(c.data_mut());
                let Some(name) = s.name(index as u32).map(|n| n.as_bytes().to_vec()) else {
                    return Ok(-1);
                };
                let n = name.len().min(usize::try_from(len).unwrap_or(0));
                if n > 0 {
                    let m = c.data().memory()?;
                    mem::write(&mut c, m, buf as u32, &name[..n], "tz_name")?;
                }
                Ok(i32::try_from(name.len()).unwrap_or(i32::MAX))
            },
        )
    }),
]);
