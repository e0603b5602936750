//! The time part of Emscripten 3.1's host ABI: clocks, the `struct tm`
//! conversions libc delegates to JS (`_tzset_js`, `_localtime_js`,
//! `_gmtime_js`, `_mktime_js`, `_timegm_js`), and `strftime`/`strptime`,
//! which Emscripten implements in JS (see [`format`], [`parse`]).
//!
//! The conversions compute exactly what `library.js` computes with JS
//! `Date`s, quirks included (see [`jsdate`], [`format`]), so output matches
//! Emscripten under node. Local time is the zone in the program's `TZ`
//! (`--env TZ=...`), UTC when unset, never the machine's: see [`zone`] for
//! what `TZ` may say.
//!
//! Clocks follow glibc where node falls short: CLOCK_PROCESS_CPUTIME_ID and
//! CLOCK_THREAD_CPUTIME_ID work (node says EINVAL) and `clock()` is process
//! CPU time (node: wall time since its first call).

mod format;
mod jsdate;
mod parse;
mod regex;
mod zone;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use wasmtime::{AsContextMut, Caller, Func, StoreContextMut, Val};

use crate::abi::mem;
use crate::modinfo::Sig;
use crate::process::Process;
use jsdate::{Date, MS_PER_DAY, to_int32};
use zone::Zone;

/// Names this module defines.
pub const NAMES: &[&str] = &[
    "_tzset_js",
    "_localtime_js",
    "_gmtime_js",
    "_mktime_js",
    "_timegm_js",
    "strftime",
    "strftime_l",
    "strptime",
    "strptime_l",
    "time",
    "clock_gettime",
    "__clock_gettime",
    "clock_getres",
    "clock_time_get",
    "clock_res_get",
    "clock",
    "gettimeofday",
    "timespec_get",
    "ftime",
    "difftime",
    "dysize",
    "emscripten_get_now",
    "emscripten_get_now_res",
    "emscripten_date_now",
];

use super::env::errno::INVAL as EINVAL;

/// The first ten fields of `struct tm` (wasm32: i32 each, in this order);
/// `tm_zone`, a pointer, follows at [`TM_ZONE`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tm {
    sec: i32,
    min: i32,
    hour: i32,
    mday: i32,
    mon: i32,
    year: i32,
    wday: i32,
    yday: i32,
    isdst: i32,
    gmtoff: i32,
}

const TM_ZONE: u32 = 40;

impl Tm {
    /// Reads the fields from the bytes there are (at least 36: up to
    /// `tm_isdst`); missing ones are 0.
    fn from_bytes(b: &[u8]) -> Tm {
        let f = |i: usize| {
            b.get(4 * i..4 * i + 4)
                .map(|w| i32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                .unwrap_or(0)
        };
        Tm {
            sec: f(0),
            min: f(1),
            hour: f(2),
            mday: f(3),
            mon: f(4),
            year: f(5),
            wday: f(6),
            yday: f(7),
            isdst: f(8),
            gmtoff: f(9),
        }
    }

    fn to_bytes(self) -> [u8; 40] {
        let v = [
            self.sec,
            self.min,
            self.hour,
            self.mday,
            self.mon,
            self.year,
            self.wday,
            self.yday,
            self.isdst,
            self.gmtoff,
        ];
        let mut out = [0u8; 40];
        for (i, x) in v.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&x.to_le_bytes());
        }
        out
    }
}

/// Whole days between two time values, as `((a - b) / 86400000)|0`.
fn days_between(a: f64, b: f64) -> i32 {
    to_int32((a - b) / MS_PER_DAY)
}

/// JS `Math.min`/`Math.max` (NaN wins).
fn js_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}
fn js_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// `_localtime_js`: every field but `tm_zone`, which libc sets from
/// `tzname[tm_isdst]`.
fn localtime(zone: &Zone, t: i32) -> Tm {
    let date = Date::at(zone, f64::from(t) * 1000.0);
    let f = date.fields();
    let start = Date::ymd(zone, f.year, 0.0, 1.0);
    let summer = Date::ymd(zone, f.year, 6.0, 1.0).timezone_offset();
    let winter = start.timezone_offset();
    let dst = summer != winter && date.timezone_offset() == js_min(winter, summer);
    Tm {
        sec: to_int32(f.seconds),
        min: to_int32(f.minutes),
        hour: to_int32(f.hours),
        mday: to_int32(f.date),
        mon: to_int32(f.month),
        year: to_int32(f.year - 1900.0),
        wday: to_int32(f.day),
        yday: days_between(date.time(), start.time()),
        isdst: i32::from(dst),
        gmtoff: to_int32(-(date.timezone_offset() * 60.0)),
    }
}

/// `_gmtime_js`: the fields up to `tm_yday` (libc sets the rest).
fn gmtime(t: i32) -> Tm {
    let ms = f64::from(t) * 1000.0;
    let f = jsdate::Date::at(&UTC, ms).utc_fields();
    let start = jsdate::utc(f.year, 0.0, 1.0, 0.0, 0.0, 0.0);
    Tm {
        sec: to_int32(f.seconds),
        min: to_int32(f.minutes),
        hour: to_int32(f.hours),
        mday: to_int32(f.date),
        mon: to_int32(f.month),
        year: to_int32(f.year - 1900.0),
        wday: to_int32(f.day),
        yday: days_between(ms, start),
        ..Tm::default()
    }
}

/// A UTC zone for computations that never consult one.
static UTC: std::sync::LazyLock<Zone> = std::sync::LazyLock::new(Zone::utc);

/// `_mktime_js`: the time `tm` means in local time. Sets `tm_isdst` when it
/// is negative, `tm_wday`, `tm_yday`, and normalises the fields from
/// `tm_sec` to `tm_mon` — not `tm_year`, as in Emscripten.
fn mktime(zone: &Zone, tm: &mut Tm) -> i32 {
    let mut date = Date::local(
        zone,
        f64::from(tm.year) + 1900.0,
        tm.mon.into(),
        tm.mday.into(),
        tm.hour.into(),
        tm.min.into(),
        tm.sec.into(),
    );
    let guessed = date.timezone_offset();
    let start = Date::ymd(zone, date.full_year(), 0.0, 1.0);
    let summer = Date::ymd(zone, date.full_year(), 6.0, 1.0).timezone_offset();
    let winter = start.timezone_offset();
    let dst_offset = js_min(winter, summer);
    if tm.isdst < 0 {
        tm.isdst = i32::from(summer != winter && dst_offset == guessed);
    } else if (tm.isdst > 0) != (dst_offset == guessed) {
        let true_offset = if tm.isdst > 0 {
            dst_offset
        } else {
            js_max(winter, summer)
        };
        date.set_time(date.time() + (true_offset - guessed) * 60_000.0);
    }
    let f = date.fields();
    tm.wday = to_int32(f.day);
    tm.yday = days_between(date.time(), start.time());
    tm.sec = to_int32(f.seconds);
    tm.min = to_int32(f.minutes);
    tm.hour = to_int32(f.hours);
    tm.mday = to_int32(f.date);
    tm.mon = to_int32(f.month);
    to_int32(date.time() / 1000.0)
}

/// `_timegm_js`: the time `tm` means in UTC. Sets only `tm_wday` and
/// `tm_yday`, as in Emscripten.
fn timegm(tm: &mut Tm) -> i32 {
    let time = jsdate::utc(
        f64::from(tm.year) + 1900.0,
        tm.mon.into(),
        tm.mday.into(),
        tm.hour.into(),
        tm.min.into(),
        tm.sec.into(),
    );
    let f = jsdate::Date::at(&UTC, time).utc_fields();
    tm.wday = to_int32(f.day);
    tm.yday = days_between(time, jsdate::utc(f.year, 0.0, 1.0, 0.0, 0.0, 0.0));
    to_int32(time / 1000.0)
}

/// What `_tzset_js` stores in libc's `timezone`, `daylight` and `tzname`,
/// judged from January 1 and July 1 of `year`.
#[derive(Debug, PartialEq)]
struct TzGlobals {
    timezone: i32,
    daylight: i32,
    tzname: [String; 2],
}

fn tzset(zone: &Zone, year: f64) -> TzGlobals {
    let winter = Date::ymd(zone, year, 0.0, 1.0);
    let summer = Date::ymd(zone, year, 6.0, 1.0);
    let (wo, so) = (winter.timezone_offset(), summer.timezone_offset());
    let name = |d: &Date| {
        zone.period_at((d.time() / 1000.0).floor() as i64)
            .name
            .clone()
    };
    let (wn, sn) = (name(&winter), name(&summer));
    TzGlobals {
        timezone: to_int32(js_max(wo, so) * 60.0),
        daylight: i32::from(wo != so),
        tzname: if so < wo { [wn, sn] } else { [sn, wn] },
    }
}

/// The zone the program's `TZ` names, and why it was not understood.
fn local_zone(p: &Process) -> (Zone, Option<String>) {
    let tz = p.guest.env.iter().find_map(|e| e.strip_prefix("TZ="));
    Zone::from_tz(tz)
}

fn start_time() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

fn realtime_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Nanoseconds since the program started (`performance.now()` under node).
fn monotonic_ns() -> u64 {
    start_time().elapsed().as_nanos() as u64
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

fn memory(c: &Caller<'_, Process>) -> wasmtime::Result<wasmtime::Memory> {
    c.data().memory()
}

/// Sets the program's `errno` (through its `__errno_location`).
fn set_errno(c: &mut Caller<'_, Process>, value: i32) -> wasmtime::Result<()> {
    let mut cx = c.as_context_mut();
    let Some(loc) = super::global_func(&mut cx, "__errno_location") else {
        return Ok(());
    };
    let mut out = [Val::I32(0)];
    loc.call(&mut cx, &[], &mut out)?;
    let m = cx.data().memory()?;
    mem::write_u32(
        &mut cx,
        m,
        crate::abi::as_i32(&out[0], "__errno_location")? as u32,
        value as u32,
        "errno",
    )
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
            set_errno(c, EINVAL)?;
            Ok(-1)
        }
    }
}

/// Copies `s` and a NUL into memory from the program's `malloc`, as
/// Emscripten's `allocateUTF8` does (0 if malloc fails).
fn allocate_utf8(c: &mut Caller<'_, Process>, s: &str) -> wasmtime::Result<u32> {
    let mut cx = c.as_context_mut();
    let malloc = super::global_func(&mut cx, "malloc")
        .ok_or_else(|| wasmtime::format_err!("tzset: the program exports no malloc"))?;
    let mut bytes = s.as_bytes().to_vec();
    bytes.push(0);
    let mut out = [Val::I32(0)];
    malloc.call(&mut cx, &[Val::I32(bytes.len() as i32)], &mut out)?;
    let ptr = crate::abi::as_i32(&out[0], "malloc")? as u32;
    if ptr != 0 {
        let m = cx.data().memory()?;
        mem::write(&mut cx, m, ptr, &bytes, "tzset")?;
    }
    Ok(ptr)
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

/// `strftime(s, maxsize, format, tm)`: the length written, or 0 when the
/// result and its NUL do not fit.
fn strftime(
    c: &mut Caller<'_, Process>,
    zone: &Zone,
    s: i32,
    maxsize: i32,
    format: i32,
    tm: i32,
) -> wasmtime::Result<i32> {
    let m = memory(c)?;
    let raw = mem::read(&*c, m, tm as u32, TM_ZONE + 4, "strftime")?;
    let t = Tm::from_bytes(&raw);
    let zone_ptr = u32::from_le_bytes([raw[40], raw[41], raw[42], raw[43]]);
    let tm_zone = match zone_ptr {
        0 => String::new(),
        p => mem::read_cstr(&*c, m, p, "strftime tm_zone")?,
    };
    let format = match format {
        0 => String::new(),
        p => mem::read_cstr(&*c, m, p as u32, "strftime format")?,
    };
    let out = format::strftime(zone, &format, &t, &tm_zone)
        .map_err(|why| wasmtime::format_err!("strftime: {why} (Emscripten's JS throws here)"))?;
    let mut bytes = out.into_bytes();
    bytes.push(0);
    // maxsize is a size_t that JS reads as a signed i32.
    if bytes.len() as i64 > i64::from(maxsize) {
        return Ok(0);
    }
    mem::write(&mut *c, m, s as u32, &bytes, "strftime")?;
    Ok(bytes.len() as i32 - 1)
}

/// `strptime(buf, format, tm)`: the address after what was parsed, or 0.
fn strptime(
    c: &mut Caller<'_, Process>,
    zone: &Zone,
    buf: i32,
    format: i32,
    tm: i32,
) -> wasmtime::Result<i32> {
    let m = memory(c)?;
    let text = |p: i32, what: &str| match p {
        0 => Ok(String::new()),
        p => mem::read_cstr(&*c, m, p as u32, what),
    };
    let (format, input) = (
        text(format, "strptime format")?,
        text(buf, "strptime input")?,
    );
    let mut t = read_tm(c, tm, 36, "strptime")?;
    match parse::strptime(zone, &input, &format, &mut t) {
        Some(n) => {
            write_tm(c, tm, t, 36, "strptime")?;
            Ok(buf.wrapping_add(n as i32))
        }
        None => Ok(0),
    }
}

/// Builds host function `name`.
pub fn build(cx: &mut StoreContextMut<'_, Process>, name: &str, sig: Option<&Sig>) -> Option<Func> {
    if !NAMES.contains(&name) {
        return None;
    }
    start_time();
    let zone = local_zone(cx.data()).0;
    let f = match name {
        "_tzset_js" => {
            let called = AtomicBool::new(false);
            Func::wrap(
                &mut *cx,
                move |mut c: Caller<'_, Process>,
                      timezone: i32,
                      daylight: i32,
                      tzname: i32|
                      -> wasmtime::Result<()> {
                    // Like Emscripten, only the first call sets the globals.
                    if called.swap(true, Ordering::Relaxed) {
                        return Ok(());
                    }
                    let (zone, why) = local_zone(c.data());
                    if let Some(why) = why {
                        crate::note!("dlrun: {why}");
                    }
                    let year = Date::at(&zone, (realtime_ns() / 1_000_000) as f64).full_year();
                    let g = tzset(&zone, year);
                    let m = memory(&c)?;
                    mem::write_u32(&mut c, m, timezone as u32, g.timezone as u32, "tzset")?;
                    mem::write_u32(&mut c, m, daylight as u32, g.daylight as u32, "tzset")?;
                    let p0 = allocate_utf8(&mut c, &g.tzname[0])?;
                    let p1 = allocate_utf8(&mut c, &g.tzname[1])?;
                    mem::write_u32(&mut c, m, tzname as u32, p0, "tzset")?;
                    mem::write_u32(&mut c, m, tzname as u32 + 4, p1, "tzset")
                },
            )
        }
        "_localtime_js" => Func::wrap(
            &mut *cx,
            move |mut c: Caller<'_, Process>, time: i32, tm: i32| -> wasmtime::Result<()> {
                let t = mem::read_u32(&c, memory(&c)?, time as u32, "localtime")? as i32;
                write_tm(&mut c, tm, localtime(&zone, t), 40, "localtime")
            },
        ),
        "_gmtime_js" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, time: i32, tm: i32| -> wasmtime::Result<()> {
                let t = mem::read_u32(&c, memory(&c)?, time as u32, "gmtime")? as i32;
                write_tm(&mut c, tm, gmtime(t), 32, "gmtime")
            },
        ),
        "_mktime_js" => Func::wrap(
            &mut *cx,
            move |mut c: Caller<'_, Process>, tm: i32| -> wasmtime::Result<i32> {
                let mut t = read_tm(&c, tm, 36, "mktime")?;
                let r = mktime(&zone, &mut t);
                write_tm(&mut c, tm, t, 36, "mktime")?;
                Ok(r)
            },
        ),
        "_timegm_js" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, tm: i32| -> wasmtime::Result<i32> {
                let mut t = read_tm(&c, tm, 36, "timegm")?;
                let r = timegm(&mut t);
                write_tm(&mut c, tm, t, 36, "timegm")?;
                Ok(r)
            },
        ),
        "strftime" => Func::wrap(
            &mut *cx,
            move |mut c: Caller<'_, Process>,
                  s: i32,
                  maxsize: i32,
                  format: i32,
                  tm: i32|
                  -> wasmtime::Result<i32> {
                strftime(&mut c, &zone, s, maxsize, format, tm)
            },
        ),
        // No locales: the same as strftime, as in Emscripten.
        "strftime_l" => Func::wrap(
            &mut *cx,
            move |mut c: Caller<'_, Process>,
                  s: i32,
                  maxsize: i32,
                  format: i32,
                  tm: i32,
                  _locale: i32|
                  -> wasmtime::Result<i32> {
                strftime(&mut c, &zone, s, maxsize, format, tm)
            },
        ),
        "strptime" => Func::wrap(
            &mut *cx,
            move |mut c: Caller<'_, Process>,
                  buf: i32,
                  format: i32,
                  tm: i32|
                  -> wasmtime::Result<i32> { strptime(&mut c, &zone, buf, format, tm) },
        ),
        "strptime_l" => Func::wrap(
            &mut *cx,
            move |mut c: Caller<'_, Process>,
                  buf: i32,
                  format: i32,
                  tm: i32,
                  _locale: i32|
                  -> wasmtime::Result<i32> { strptime(&mut c, &zone, buf, format, tm) },
        ),
        "time" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, out: i32| -> wasmtime::Result<i32> {
                let secs = (realtime_ns() / 1_000_000_000) as i32;
                if out != 0 {
                    let m = memory(&c)?;
                    mem::write_u32(&mut c, m, out as u32, secs as u32, "time")?;
                }
                Ok(secs)
            },
        ),
        "clock_gettime" | "__clock_gettime" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, clock: i32, tp: i32| -> wasmtime::Result<i32> {
                clock_gettime(&mut c, clock, tp)
            },
        ),
        "clock_getres" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, clock: i32, res: i32| -> wasmtime::Result<i32> {
                if clock_ns(clock).is_none() {
                    set_errno(&mut c, EINVAL)?;
                    return Ok(-1);
                }
                if res != 0 {
                    write_timespec(&mut c, res, 1, "clock_getres")?;
                }
                Ok(0)
            },
        ),
        "clock_time_get" => {
            // (id, precision: i64 or legalized to two i32s, out) -> errno
            let ty = crate::abi::func_type(cx.engine(), super::env::returns_i32(sig)?);
            Func::new(&mut *cx, ty, |mut c, params, results| {
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
            })
        }
        "clock_res_get" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, clock: i32, out: i32| -> wasmtime::Result<i32> {
                if clock_ns(clock).is_none() {
                    return Ok(EINVAL);
                }
                let m = memory(&c)?;
                mem::write_u64(&mut c, m, out as u32, 1, "clock_res_get")?;
                Ok(0)
            },
        ),
        // Process CPU time in microseconds (CLOCKS_PER_SEC), as glibc.
        "clock" => Func::wrap(&mut *cx, || -> i32 {
            (cpu_ns(libc::CLOCK_PROCESS_CPUTIME_ID) / 1000) as i32
        }),
        "gettimeofday" => Func::wrap(
            &mut *cx,
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
        ),
        "timespec_get" => Func::wrap(
            &mut *cx,
            |mut c: Caller<'_, Process>, ts: i32, base: i32| -> wasmtime::Result<i32> {
                // TIME_UTC is the only base.
                if base != 1 {
                    set_errno(&mut c, EINVAL)?;
                    return Ok(0);
                }
                write_timespec(&mut c, ts, realtime_ns(), "timespec_get")?;
                Ok(base)
            },
        ),
        "ftime" => Func::wrap(
            &mut *cx,
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
        ),
        "difftime" => Func::wrap(&mut *cx, |t1: i32, t0: i32| -> f64 {
            f64::from(t1) - f64::from(t0)
        }),
        "dysize" => Func::wrap(&mut *cx, |year: i32| -> i32 {
            if zone::is_leap(year.into()) { 366 } else { 365 }
        }),
        "emscripten_get_now" => Func::wrap(&mut *cx, || monotonic_ns() as f64 / 1e6),
        "emscripten_get_now_res" => Func::wrap(&mut *cx, || 1.0f64),
        "emscripten_date_now" => Func::wrap(&mut *cx, || (realtime_ns() / 1_000_000) as f64),
        _ => return None,
    };
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est() -> Zone {
        Zone::parse_posix("EST5EDT").unwrap()
    }

    fn tm(year: i32, mon: i32, mday: i32, hour: i32, min: i32, sec: i32, isdst: i32) -> Tm {
        Tm {
            sec,
            min,
            hour,
            mday,
            mon,
            year,
            isdst,
            ..Tm::default()
        }
    }

    #[test]
    fn tm_bytes_round_trip() {
        let t = Tm {
            sec: 1,
            min: 2,
            hour: 3,
            mday: 4,
            mon: 5,
            year: -6,
            wday: 7,
            yday: 8,
            isdst: -1,
            gmtoff: -18_000,
        };
        assert_eq!(Tm::from_bytes(&t.to_bytes()), t);
        assert_eq!(Tm::from_bytes(&t.to_bytes()[..36]).gmtoff, 0);
    }

    #[test]
    fn gmtime_fields() {
        let t = gmtime(0);
        assert_eq!((t.year, t.mon, t.mday, t.wday, t.yday), (70, 0, 1, 4, 0));
        // 2000-02-29, a leap day.
        let t = gmtime(951_782_400);
        assert_eq!((t.year, t.mon, t.mday, t.wday, t.yday), (100, 1, 29, 2, 59));
        // 2020-12-31: day 365 of a leap year.
        assert_eq!(gmtime(1_609_372_800).yday, 365);
        // One second before the epoch.
        let t = gmtime(-1);
        assert_eq!(
            (t.year, t.mon, t.mday, t.hour, t.min, t.sec, t.wday, t.yday),
            (69, 11, 31, 23, 59, 59, 3, 364)
        );
        let t = gmtime(i32::MIN);
        assert_eq!(
            (t.year, t.mon, t.mday, t.hour, t.min, t.sec),
            (1, 11, 13, 20, 45, 52)
        );
        let t = gmtime(i32::MAX);
        assert_eq!(
            (t.year, t.mon, t.mday, t.hour, t.min, t.sec),
            (138, 0, 19, 3, 14, 7)
        );
    }

    #[test]
    fn localtime_in_zones() {
        let t = localtime(&Zone::utc(), 1_700_000_000);
        assert_eq!((t.hour, t.gmtoff, t.isdst, t.yday), (22, 0, 0, 317));
        let t = localtime(&est(), 1_700_000_000);
        assert_eq!((t.hour, t.gmtoff, t.isdst), (17, -18_000, 0));
        // 2023-07-01 12:00 UTC is 08:00 EDT.
        let t = localtime(&est(), 1_688_212_800);
        assert_eq!(
            (t.mon, t.mday, t.hour, t.gmtoff, t.isdst),
            (6, 1, 8, -14_400, 1)
        );
        // The epoch is still 1969 in New York.
        let t = localtime(&est(), 0);
        assert_eq!(
            (t.year, t.mon, t.mday, t.hour, t.yday, t.wday),
            (69, 11, 31, 19, 364, 3)
        );
        // Emscripten's yday is off by one in the first DST hour of a day.
        let t = localtime(&est(), 1_688_185_800); // 2023-07-01 00:30 EDT
        assert_eq!((t.mday, t.hour, t.yday), (1, 0, 180));
        let t = localtime(&Zone::parse_posix("IST-5:30").unwrap(), 0);
        assert_eq!((t.hour, t.min, t.gmtoff), (5, 30, 19_800));
    }

    #[test]
    fn mktime_and_timegm() {
        let z = Zone::utc();
        for t in [0, 951_782_400, 1_700_000_000, -1, i32::MIN, i32::MAX] {
            let mut l = localtime(&z, t);
            assert_eq!(mktime(&z, &mut l), t);
            let mut g = gmtime(t);
            assert_eq!(timegm(&mut g), t);
        }
        // Normalisation: 2024-02-30 25:61:61 is 2024-03-02 02:02:01.
        let mut t = tm(124, 1, 30, 25, 61, 61, -1);
        assert_eq!(mktime(&z, &mut t), 1_709_344_921);
        assert_eq!(
            (t.mon, t.mday, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst),
            (2, 2, 2, 2, 1, 6, 61, 0)
        );
        // timegm only fills in wday and yday.
        let mut t = tm(124, 1, 30, 25, 61, 61, -1);
        assert_eq!(timegm(&mut t), 1_709_344_921);
        assert_eq!((t.mon, t.mday, t.hour, t.wday, t.yday), (1, 30, 25, 6, 61));
        // Month 12 carries into the date but tm_year is left alone.
        let mut t = tm(100, 12, 1, 0, 0, 0, 0);
        assert_eq!(mktime(&z, &mut t), 978_307_200);
        assert_eq!((t.year, t.mon), (100, 0));
        // Years 0..=99 are 1900..=1999; 2100 wraps a 32-bit time_t.
        assert_eq!(timegm(&mut tm(-1850, 0, 1, 0, 0, 0, 0)), -631_152_000);
        assert_eq!(timegm(&mut tm(200, 0, 1, 0, 0, 0, 0)), -192_522_496);
        // Out of JS range: everything 0.
        let mut t = tm(i32::MAX, 0, 1, 0, 0, 0, -1);
        assert_eq!(mktime(&z, &mut t), 0);
        assert_eq!((t.mday, t.wday, t.yday, t.isdst), (0, 0, 0, 0));
    }

    #[test]
    fn mktime_dst() {
        let z = est();
        // July, isdst unknown: found to be DST.
        let mut t = tm(123, 6, 1, 8, 0, 0, -1);
        assert_eq!(mktime(&z, &mut t), 1_688_212_800);
        assert_eq!(t.isdst, 1);
        // The same wall time claimed to be standard time is an hour later.
        let mut t = tm(123, 6, 1, 8, 0, 0, 0);
        assert_eq!(mktime(&z, &mut t), 1_688_212_800 + 3600);
        assert_eq!((t.hour, t.isdst), (9, 0));
        // January claimed to be DST is an hour earlier.
        let mut t = tm(123, 0, 15, 12, 0, 0, 1);
        let std = mktime(&z, &mut tm(123, 0, 15, 12, 0, 0, 0));
        assert_eq!(mktime(&z, &mut t), std - 3600);
        assert_eq!(t.hour, 11);
    }

    #[test]
    fn tzset_globals() {
        let g = tzset(&Zone::utc(), 2024.0);
        assert_eq!((g.timezone, g.daylight), (0, 0));
        assert_eq!(
            g.tzname,
            [
                "Coordinated Universal Time".to_string(),
                "Coordinated Universal Time".to_string()
            ]
        );
        let g = tzset(&est(), 2024.0);
        assert_eq!((g.timezone, g.daylight), (18_000, 1));
        assert_eq!(g.tzname, ["EST".to_string(), "EDT".to_string()]);
        let g = tzset(
            &Zone::parse_posix("NZST-12NZDT,M9.5.0,M4.1.0/3").unwrap(),
            2024.0,
        );
        assert_eq!((g.timezone, g.daylight), (-43_200, 1));
        assert_eq!(g.tzname, ["NZST".to_string(), "NZDT".to_string()]);
        let g = tzset(&Zone::parse_posix("UTC-2").unwrap(), 2024.0);
        assert_eq!((g.timezone, g.daylight), (-7200, 0));
    }
}
