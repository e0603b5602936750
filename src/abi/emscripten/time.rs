//! The time part of Emscripten 3.1's host ABI: clocks, the `struct tm`
//! conversions Emscripten's libc hands to JS (`_tzset_js`,
//! `_localtime_js`, `_gmtime_js`, `_mktime_js`, `_timegm_js`), and
//! `strftime`/`strptime`, which it implements in JS.
//!
//! All of these compute what glibc computes (see [`crate::abi::time`]),
//! with Emscripten 3.1.6's 32-bit `time_t`: as glibc on i386, `mktime` and
//! `timegm` fail with EOVERFLOW past 2038 and before 1901, leaving the
//! `struct tm` alone. Emscripten's libc sets `tm_zone` of a local time
//! from `tzname[tm_isdst]`; glibc's `localtime` keeps `tzname` pointing at
//! the names around the time it converts, so `tzname` in the program's
//! memory is kept as glibc keeps it, and `tm_zone` comes out right.
//!
//! Clocks follow glibc where node falls short: CLOCK_PROCESS_CPUTIME_ID and
//! CLOCK_THREAD_CPUTIME_ID work (node says EINVAL) and `clock()` is process
//! CPU time (node: wall time since its first call).

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use wasmtime::{AsContextMut, Caller, Func, StoreContextMut, Val};

use crate::abi::table::Build::{Fixed, Shaped};
use crate::abi::table::FuncTable;
use crate::abi::time::calendar::{self, TM_ZONE, Tm};
use crate::abi::time::{State, gmtime, state, strftime, strptime, timegm};
use crate::mem;
use crate::process::Process;

use super::env::errno::INVAL as EINVAL;

/// EOVERFLOW in Emscripten's (and WASI's) numbering.
const EOVERFLOW: i32 = 61;

/// When the program's monotonic clock reads 0.
static START: OnceLock<Instant> = OnceLock::new();

/// Starts the program's monotonic clock, if nothing has yet.
fn start_clock() {
    START.get_or_init(Instant::now);
}

fn realtime_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Nanoseconds since the program started (`performance.now()` under node).
fn monotonic_ns() -> u64 {
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

fn cpu_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// A clock's reading in nanoseconds; `None` for an unknown clock. Ids are
/// musl's (the first four are WASI's too).
pub(in crate::abi) fn clock_ns(id: i32) -> Option<u64> {
    Some(match id {
        0 | 5 => realtime_ns(),          // REALTIME, REALTIME_COARSE
        1 | 4 | 6 | 7 => monotonic_ns(), // MONOTONIC, _RAW, _COARSE, BOOTTIME
        2 => cpu_ns(libc::CLOCK_PROCESS_CPUTIME_ID),
        3 => cpu_ns(libc::CLOCK_THREAD_CPUTIME_ID),
        _ => return None,
    })
}

fn memory(c: &Caller<'_, Process>) -> wasmtime::Result<crate::mem::Mem> {
    c.data().memory()
}

/// Writes a `struct timespec` (two i32s) of `ns` nanoseconds.
fn write_timespec(
    c: &mut Caller<'_, Process>,
    at: i32,
    ns: u64,
    what: &str,
) -> wasmtime::Result<()> {
    let m = memory(c)?;
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&((ns / 1_000_000_000) as u32).to_le_bytes());
    b[4..].copy_from_slice(&((ns % 1_000_000_000) as u32).to_le_bytes());
    mem::write(c, m, at as u32, &b, what)
}

/// `clock_gettime`: 0, or -1 with errno EINVAL.
fn clock_gettime(c: &mut Caller<'_, Process>, clock: i32, tp: i32) -> wasmtime::Result<i32> {
    match clock_ns(clock) {
        Some(ns) => {
            write_timespec(c, tp, ns, "clock_gettime")?;
            Ok(0)
        }
        None => {
            super::set_errno(&mut *c, EINVAL)?;
            Ok(-1)
        }
    }
}

/// Copies `bytes` and a NUL into memory from the program's `malloc`, as
/// Emscripten's `allocateUTF8` does (0 if malloc fails).
fn allocate(c: &mut Caller<'_, Process>, bytes: &[u8]) -> wasmtime::Result<u32> {
    let mut cx = c.as_context_mut();
    let malloc = Process::global_func(&mut cx, "malloc")?
        .ok_or_else(|| wasmtime::format_err!("time zone names: the program exports no malloc"))?;
    let mut bytes = bytes.to_vec();
    bytes.push(0);
    let len = i32::try_from(bytes.len())
        .map_err(|_| wasmtime::format_err!("a time zone name of {} bytes", bytes.len()))?;
    let mut out = [Val::I32(0)];
    malloc.call(&mut cx, &[Val::I32(len)], &mut out)?;
    let ptr = crate::abi::as_i32(&out[0], "malloc")? as u32;
    if ptr != 0 {
        let m = cx.data().memory()?;
        mem::write(&mut cx, m, ptr, &bytes, "time zone name")?;
    }
    Ok(ptr)
}

/// The program's copy of zone name `name`, made once (glibc keeps the
/// strings `tzname` and `tm_zone` point at for good, too).
fn name_copy(c: &mut Caller<'_, Process>, name: &str) -> wasmtime::Result<u32> {
    let i = state(c.data_mut()).intern(name);
    if let Some(&ptr) = state(c.data_mut()).copies.get(&i) {
        return Ok(ptr);
    }
    let ptr = allocate(c, name.as_bytes())?;
    if ptr != 0 {
        state(c.data_mut()).copies.insert(i, ptr);
    }
    Ok(ptr)
}

/// Writes `tzname`, `timezone` and `daylight` into libc's variables, once
/// their addresses are known.
fn sync_globals(c: &mut Caller<'_, Process>) -> wasmtime::Result<()> {
    let s: &mut State = state(c.data_mut());
    let Some([timezone, daylight, tzname]) = s.libc_globals else {
        return Ok(());
    };
    let g = s.local.globals().clone();
    let p0 = name_copy(c, &g.tzname[0])?;
    let p1 = name_copy(c, &g.tzname[1])?;
    let m = memory(c)?;
    mem::write_u32(&mut *c, m, timezone, g.timezone as u32, "timezone")?;
    mem::write_u32(&mut *c, m, daylight, u32::from(g.daylight), "daylight")?;
    mem::write_u32(&mut *c, m, tzname, p0, "tzname")?;
    mem::write_u32(&mut *c, m, mem::field(tzname, 4, "tzname")?, p1, "tzname")
}

/// A NUL-terminated string's bytes, however long (the memory bounds it).
fn read_cstr_bytes(c: &Caller<'_, Process>, ptr: u32, what: &str) -> wasmtime::Result<Vec<u8>> {
    let m = memory(c)?;
    let data = m.data(c);
    let tail = data.get(ptr as usize..).unwrap_or_default();
    match tail.iter().position(|&b| b == 0) {
        Some(len) => Ok(tail[..len].to_vec()),
        // Out of bounds or unterminated: the read that faults names it.
        None => mem::read(c, m, ptr, tail.len() as u32 + 1, what),
    }
}

fn read_tm(c: &Caller<'_, Process>, at: i32, len: u32, what: &str) -> wasmtime::Result<Tm> {
    Ok(Tm::from_bytes(&mem::read(
        c,
        memory(c)?,
        at as u32,
        len,
        what,
    )?))
}

fn write_tm(
    c: &mut Caller<'_, Process>,
    at: i32,
    tm: Tm,
    len: usize,
    what: &str,
) -> wasmtime::Result<()> {
    let m = memory(c)?;
    mem::write(c, m, at as u32, &tm.to_bytes()[..len], what)
}

/// Writes the fields of `tm` and its zone name into the `struct tm` at `at`.
fn write_tm_zone(
    c: &mut Caller<'_, Process>,
    at: i32,
    tm: Tm,
    zone: &str,
    what: &str,
) -> wasmtime::Result<()> {
    write_tm(c, at, tm, 40, what)?;
    let ptr = name_copy(c, zone)?;
    let m = memory(c)?;
    mem::write_u32(c, m, mem::field(at as u32, TM_ZONE, what)?, ptr, what)
}

/// `_mktime_js`: glibc's `mktime` with a 32-bit `time_t`.
fn mktime(c: &mut Caller<'_, Process>, at: i32) -> wasmtime::Result<i32> {
    let tm = read_tm(c, at, 36, "mktime")?;
    let found = state(c.data_mut()).local.mktime(&tm);
    sync_globals(c)?;
    match found.and_then(|(t, tm, zone)| Some((i32::try_from(t).ok()?, tm, zone))) {
        Some((t, tm, zone)) => {
            write_tm_zone(c, at, tm, &zone, "mktime")?;
            Ok(t)
        }
        None => {
            super::set_errno(&mut *c, EOVERFLOW)?;
            Ok(-1)
        }
    }
}

/// `_timegm_js`: glibc's `timegm` with a 32-bit `time_t`.
fn timegm_js(c: &mut Caller<'_, Process>, at: i32) -> wasmtime::Result<i32> {
    let tm = read_tm(c, at, 36, "timegm")?;
    match timegm(&tm).and_then(|(t, tm)| Some((i32::try_from(t).ok()?, tm))) {
        Some((t, tm)) => {
            write_tm_zone(c, at, tm, "GMT", "timegm")?;
            Ok(t)
        }
        None => {
            super::set_errno(&mut *c, EOVERFLOW)?;
            Ok(-1)
        }
    }
}

/// What strftime and strptime reach of the rest of libc: the process's
/// local time, with a 32-bit `time_t`.
struct Libc<'a> {
    state: &'a mut State,
    /// The zone name `%s` of strptime set `tm_zone` to.
    zone: Option<String>,
}

impl strftime::Env for Libc<'_> {
    fn mktime(&mut self, tm: &Tm) -> i64 {
        let found = self.state.local.mktime(tm);
        found
            .and_then(|(t, ..)| i32::try_from(t).ok())
            .map_or(-1, i64::from)
    }

    fn tzname(&mut self, dst: usize) -> Vec<u8> {
        self.state.local.globals().tzname[dst].as_bytes().to_vec()
    }
}

impl strptime::Env for Libc<'_> {
    fn localtime(&mut self, t: i64) -> Option<Tm> {
        let (tm, zone) = self.state.local.localtime(i64::from(t as i32))?;
        self.zone = Some(zone);
        Some(tm)
    }
}

/// `strftime(s, maxsize, format, tm)`: the length written, or 0 when the
/// result and its NUL do not fit.
fn strftime(
    c: &mut Caller<'_, Process>,
    s: i32,
    maxsize: i32,
    format: i32,
    tm: i32,
) -> wasmtime::Result<i32> {
    let m = memory(c)?;
    let raw = mem::read(&*c, m, tm as u32, TM_ZONE + 4, "strftime")?;
    let fields = Tm::from_bytes(&raw);
    let zone = match u32::from_le_bytes([raw[40], raw[41], raw[42], raw[43]]) {
        0 => None,
        p => Some(read_cstr_bytes(c, p, "strftime tm_zone")?),
    };
    let format = read_cstr_bytes(c, format as u32, "strftime format")?;
    let maxsize = maxsize as u32 as usize;
    if maxsize == 0 {
        return Ok(0);
    }
    // A result longer than the memory past `s` could not be written: cap
    // the work there rather than build it.
    let room = m.data_size(&*c).saturating_sub(s as u32 as usize);
    let max = maxsize.min(room.saturating_add(1));
    let mut libc = Libc {
        state: state(c.data_mut()),
        zone: None,
    };
    let out = strftime::strftime(&format, &fields, zone.as_deref(), max, &mut libc);
    sync_globals(c)?;
    let Some(mut bytes) = out else {
        return Ok(0);
    };
    let len = bytes.len();
    bytes.push(0);
    mem::write(&mut *c, m, s as u32, &bytes, "strftime")?;
    Ok(len as i32)
}

/// `strptime(buf, format, tm)`: the address after what was parsed, or 0.
fn strptime(c: &mut Caller<'_, Process>, buf: i32, format: i32, tm: i32) -> wasmtime::Result<i32> {
    let input = read_cstr_bytes(c, buf as u32, "strptime input")?;
    let format = read_cstr_bytes(c, format as u32, "strptime format")?;
    let mut fields = read_tm(c, tm, 40, "strptime")?;
    let mut libc = Libc {
        state: state(c.data_mut()),
        zone: None,
    };
    let parsed = strptime::strptime(&input, &format, &mut fields, &mut libc);
    let zone = libc.zone.take();
    match zone {
        Some(zone) => write_tm_zone(c, tm, fields, &zone, "strptime")?,
        None => write_tm(c, tm, fields, 40, "strptime")?,
    }
    sync_globals(c)?;
    Ok(parsed.map_or(0, |n| buf.wrapping_add(n as i32)))
}

/// Every function this module defines. Building any of them starts the
/// program's monotonic clock, if nothing has yet.
pub static FUNCS: FuncTable = FuncTable::new(&[
    (
        "_tzset_js",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 timezone: i32,
                 daylight: i32,
                 tzname: i32|
                 -> wasmtime::Result<()> {
                    // glibc sets the globals when it first reads TZ; later
                    // calls leave them as localtime and mktime last set them.
                    let s = state(c.data_mut());
                    if s.libc_globals.is_some() {
                        return Ok(());
                    }
                    s.libc_globals = Some([timezone as u32, daylight as u32, tzname as u32]);
                    sync_globals(&mut c)
                },
            )
        }),
    ),
    (
        "_localtime_js",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, time: i32, tm: i32| -> wasmtime::Result<()> {
                    let t = mem::read_u32(&c, memory(&c)?, time as u32, "localtime")? as i32;
                    let (fields, _) = state(c.data_mut())
                        .local
                        .localtime(t.into())
                        .ok_or_else(|| wasmtime::format_err!("localtime: {t} out of range"))?;
                    write_tm(&mut c, tm, fields, 40, "localtime")?;
                    sync_globals(&mut c)
                },
            )
        }),
    ),
    (
        "_gmtime_js",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, time: i32, tm: i32| -> wasmtime::Result<()> {
                    let t = mem::read_u32(&c, memory(&c)?, time as u32, "gmtime")? as i32;
                    let fields = gmtime(t.into())
                        .ok_or_else(|| wasmtime::format_err!("gmtime: {t} out of range"))?;
                    write_tm(&mut c, tm, fields, 32, "gmtime")
                },
            )
        }),
    ),
    (
        "_mktime_js",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, tm: i32| -> wasmtime::Result<i32> {
                    mktime(&mut c, tm)
                },
            )
        }),
    ),
    (
        "_timegm_js",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, tm: i32| -> wasmtime::Result<i32> {
                    timegm_js(&mut c, tm)
                },
            )
        }),
    ),
    (
        "strftime",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 s: i32,
                 maxsize: i32,
                 format: i32,
                 tm: i32|
                 -> wasmtime::Result<i32> {
                    strftime(&mut c, s, maxsize, format, tm)
                },
            )
        }),
    ),
    // The C locale is the only one: the same as strftime.
    (
        "strftime_l",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 s: i32,
                 maxsize: i32,
                 format: i32,
                 tm: i32,
                 _locale: i32|
                 -> wasmtime::Result<i32> {
                    strftime(&mut c, s, maxsize, format, tm)
                },
            )
        }),
    ),
    (
        "strptime",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 buf: i32,
                 format: i32,
                 tm: i32|
                 -> wasmtime::Result<i32> { strptime(&mut c, buf, format, tm) },
            )
        }),
    ),
    (
        "strptime_l",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>,
                 buf: i32,
                 format: i32,
                 tm: i32,
                 _locale: i32|
                 -> wasmtime::Result<i32> { strptime(&mut c, buf, format, tm) },
            )
        }),
    ),
    (
        "time",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, out: i32| -> wasmtime::Result<i32> {
                    let secs = (realtime_ns() / 1_000_000_000) as i32;
                    if out != 0 {
                        let m = memory(&c)?;
                        mem::write_u32(&mut c, m, out as u32, secs as u32, "time")?;
                    }
                    Ok(secs)
                },
            )
        }),
    ),
    ("clock_gettime", Fixed(build_clock_gettime)),
    ("__clock_gettime", Fixed(build_clock_gettime)),
    (
        "clock_getres",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, clock: i32, res: i32| -> wasmtime::Result<i32> {
                    if clock_ns(clock).is_none() {
                        super::set_errno(&mut c, EINVAL)?;
                        return Ok(-1);
                    }
                    if res != 0 {
                        write_timespec(&mut c, res, 1, "clock_getres")?;
                    }
                    Ok(0)
                },
            )
        }),
    ),
    (
        "clock_time_get",
        Shaped(|cx, sig| {
            // (id, precision: i64 or legalized to two i32s, out) -> errno
            let ty = super::env::returns_i32(sig)?.func_type(cx.engine());
            Some(Func::new(cx, ty, |mut c, params, results| {
                let first = params
                    .first()
                    .ok_or_else(|| wasmtime::format_err!("clock_time_get: no parameters"))?;
                let clock = crate::abi::as_i32(first, "clock_time_get")?;
                let last = params
                    .last()
                    .ok_or_else(|| wasmtime::format_err!("clock_time_get: no parameters"))?;
                let out = crate::abi::as_i32(last, "clock_time_get")? as u32;
                results[0] = Val::I32(match clock_ns(clock) {
                    Some(ns) => {
                        let m = memory(&c)?;
                        mem::write_u64(&mut c, m, out, ns, "clock_time_get")?;
                        0
                    }
                    None => EINVAL,
                });
                Ok(())
            }))
        }),
    ),
    (
        "clock_res_get",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, clock: i32, out: i32| -> wasmtime::Result<i32> {
                    if clock_ns(clock).is_none() {
                        return Ok(EINVAL);
                    }
                    let m = memory(&c)?;
                    mem::write_u64(&mut c, m, out as u32, 1, "clock_res_get")?;
                    Ok(0)
                },
            )
        }),
    ),
    // Process CPU time in microseconds (CLOCKS_PER_SEC), as glibc.
    (
        "clock",
        Fixed(|cx| {
            Func::wrap(cx, || -> i32 {
                (cpu_ns(libc::CLOCK_PROCESS_CPUTIME_ID) / 1000) as i32
            })
        }),
    ),
    (
        "gettimeofday",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, tv: i32, _tz: i32| -> wasmtime::Result<i32> {
                    // A null tv asks for nothing (glibc); JS would write at 0.
                    if tv == 0 {
                        return Ok(0);
                    }
                    let ns = realtime_ns();
                    let m = memory(&c)?;
                    let mut b = [0u8; 8];
                    b[..4].copy_from_slice(&((ns / 1_000_000_000) as u32).to_le_bytes());
                    b[4..].copy_from_slice(&((ns % 1_000_000_000 / 1000) as u32).to_le_bytes());
                    mem::write(&mut c, m, tv as u32, &b, "gettimeofday")?;
                    Ok(0)
                },
            )
        }),
    ),
    (
        "timespec_get",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, ts: i32, base: i32| -> wasmtime::Result<i32> {
                    // TIME_UTC is the only base.
                    if base != 1 {
                        super::set_errno(&mut c, EINVAL)?;
                        return Ok(0);
                    }
                    write_timespec(&mut c, ts, realtime_ns(), "timespec_get")?;
                    Ok(base)
                },
            )
        }),
    ),
    (
        "ftime",
        Fixed(|cx| {
            Func::wrap(
                cx,
                |mut c: Caller<'_, Process>, p: i32| -> wasmtime::Result<i32> {
                    // struct timeb: time_t time; unsigned short millitm;
                    // short timezone, dstflag (always 0, as in Emscripten).
                    let ms = realtime_ns() / 1_000_000;
                    let mut b = [0u8; 10];
                    b[..4].copy_from_slice(&((ms / 1000) as u32).to_le_bytes());
                    b[4..6].copy_from_slice(&((ms % 1000) as u16).to_le_bytes());
                    let m = memory(&c)?;
                    mem::write(&mut c, m, p as u32, &b, "ftime")?;
                    Ok(0)
                },
            )
        }),
    ),
    (
        "difftime",
        Fixed(|cx| {
            Func::wrap(cx, |t1: i32, t0: i32| -> f64 {
                f64::from(t1) - f64::from(t0)
            })
        }),
    ),
    (
        "dysize",
        Fixed(|cx| {
            Func::wrap(cx, |year: i32| -> i32 {
                if calendar::is_leap(year.into()) {
                    366
                } else {
                    365
                }
            })
        }),
    ),
    (
        "emscripten_get_now",
        Fixed(|cx| Func::wrap(cx, || monotonic_ns() as f64 / 1e6)),
    ),
    (
        "emscripten_get_now_res",
        Fixed(|cx| Func::wrap(cx, || 1.0f64)),
    ),
    (
        "emscripten_date_now",
        Fixed(|cx| Func::wrap(cx, || (realtime_ns() / 1_000_000) as f64)),
    ),
])
.with_setup(start_clock);

/// `clock_gettime` (musl's and its internal alias).
fn build_clock_gettime(cx: &mut StoreContextMut<'_, Process>) -> Func {
    Func::wrap(
        cx,
        |mut c: Caller<'_, Process>, clock: i32, tp: i32| -> wasmtime::Result<i32> {
            clock_gettime(&mut c, clock, tp)
        },
    )
}
