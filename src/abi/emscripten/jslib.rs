//! Emscripten's JavaScript library (`src/library*.js` of emcc 3.1.6) as C
//! code sees it: the functions it defines that a library may import and no
//! module of the program defines, and what calling the rest does.
//!
//! Under node, a `-sMAIN_MODULE=1` program carries every function of the
//! JS library, and a `-sMAIN_MODULE=2` one those its link-time libraries
//! import; a side module's import of one of them binds to the JS function.
//! dlrun provides those a C library can plausibly call and that make sense
//! without a browser, with what node does:
//!
//! - `library_formatString.js`: `puts` and `strlen`, the JS fallbacks for
//!   a program whose libc lacks them (a `-sMAIN_MODULE=2` main exports
//!   neither unless a link-time library uses it). Node never reaches them
//!   from a side module (the build leaves them out), so `puts` is libc's
//!   (musl's): the string, a newline, 0. It writes to fd 1 directly;
//!   Emscripten's stdout is line-buffered, so only a partial line the main
//!   module's printf still holds comes out after it. (`printf` is not
//!   provided: a second printf whose output bypasses the program's stdio,
//!   and emcc calls `iprintf`/`__small_printf` as often, which JS never
//!   defined.)
//! - `library.js`: `system` (no shell: `system(NULL)` is 0, a command fails
//!   with ENOSYS, as Emscripten outside node; under node it would run a host
//!   shell, which a sandbox must not), `getloadavg` (0.1 three times),
//!   `emscripten_random`, `emscripten_print_double` (JavaScript's
//!   `Number.prototype.toString`), `emscripten_has_asyncify` (0: dlrun has
//!   no asyncify runtime), `emscripten_debugger` (nothing),
//!   `emscripten_notify_memory_growth` (a `-sSTANDALONE_WASM` libc calls it
//!   after growing memory; dlrun keeps no views to update),
//!   `emscripten_force_exit` (exit), and name lookups: `getaddrinfo` fails
//!   with EAI_FAIL and `gethostbyname`/`gethostbyaddr` return NULL, as
//!   `getnameinfo` does (there is no network; node invents addresses).
//! - `library_math.js`: every `emscripten_math_*`, with JavaScript's
//!   semantics where they differ from C's (`pow` of 1 and NaN, `round`
//!   halfway cases and -0, `sign`, `hypot` of any count); transcendental
//!   functions come from the host's libm and may differ from V8's in the
//!   last bit.
//! - `library_uuid.js`: every `uuid_*`, quirks included (`uuid_parse`
//!   takes any 36 characters holding 16 hex pairs).
//! - `library_pthread_stub.js`: `emscripten_is_main_browser_thread` (1).
//!
//! The program's own JavaScript (EM_JS, EM_ASM) is `super::emjs`'s.
//!
//! Not provided: what needs a browser or an event loop (WebGL, OpenAL,
//! SDL, EGL, GLUT, GLFW, `html5.h`, `emscripten_run_script*`, main loops,
//! timers, `alarm`, fibers and `emscripten_sleep` without asyncify, wget/fetch,
//! websockets), JS stack walking (`emscripten_get_callstack`,
//! `_Unwind_Backtrace`, `emscripten_return_address`, `emscripten_pc_get_*`),
//! `emscripten_log` (JS's own printf), `emscripten_get_compiler_setting`
//! (needs `-sRETAIN_COMPILER_SETTINGS`), `emscripten_throw_*`,
//! `getprotobyname` and the like. Calling one is a symbol lookup error that
//! names it ([`NOT_PROVIDED`]); a pointer to one is a stub that raises that
//! error ([`unprovided_stub`]), as the table must hold a function of the
//! right type for the call to reach it.

use wasmtime::{Caller, Func, StoreContextMut};

use crate::abi::table::{FixedFn, FuncTable};
use crate::mem;
use crate::process::Process;
use crate::symbols::LibId;
use crate::unwind::{Exit, Fault, SymbolLookup};

/// What a call of a JS library function dlrun lacks is, in its message.
pub const NOT_PROVIDED: &str = "a JavaScript library function dlrun does not provide";

/// Every C-callable function of the JS library, with its signature where
/// the library states one, sorted by name: `jslib.txt`, which `build.rs`
/// turns into this array.
static SIGS: &[(&str, Option<&str>)] = include!(concat!(env!("OUT_DIR"), "/jslib_table.rs"));

/// `Some(signature letters)` for a function of Emscripten's JS library
/// (`Some(None)` when it states no signature); `None` for other names.
fn library_entry(name: &str) -> Option<Option<&'static str>> {
    SIGS.binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| SIGS[i].1)
}

/// Whether `name`, which nothing in the program defines, is one of
/// Emscripten's JS library functions dlrun lacks: the main module is an
/// Emscripten one and the name is the JS library's.
pub fn is_unprovided(data: &Process, name: &str) -> bool {
    data.js_library && lacks(name)
}

/// Whether `name` is a JS library function dlrun does not provide.
fn lacks(name: &str) -> bool {
    lacking(name).is_some()
}

/// [`library_entry`] of `name` when dlrun does not provide it.
fn lacking(name: &str) -> Option<Option<&'static str>> {
    library_entry(name).filter(|_| !super::provides(name))
}

/// What the table holds for a pointer to `name`, a JS library function
/// dlrun lacks, until a library defines the name: a function of the
/// signature Emscripten's loader gives it that ends the program with a
/// symbol lookup error naming it (for `lib`, which took its address).
/// `None` when `name` is not such a function or its signature is unknown.
pub fn unprovided_stub(
    cx: &mut StoreContextMut<'_, Process>,
    lib: LibId,
    name: &str,
) -> Option<Func> {
    if !cx.data().js_library {
        return None;
    }
    if let Some(made) = cx.data().lacking.get(&lib) {
        return made.stub(name);
    }
    // Every such pointer the library takes, made at once on the first.
    let l = &cx.data().libs[lib];
    let (info, path) = (l.info.clone(), l.path.clone());
    let modules = cx.data().modules.clone();
    let stubs = modules
        .derived("stubs of JS library functions", &path, || {
            let mut names = Vec::new();
            let mut sigs = Vec::new();
            for i in info.imports.iter().filter(|i| i.module == "GOT.func") {
                if let Some(sig) = lacking(&i.name).flatten().and_then(super::letters_sig) {
                    names.push(i.name.clone());
                    sigs.push(sig);
                }
            }
            let index = names
                .iter()
                .enumerate()
                .map(|(k, n)| (n.clone(), k))
                .collect();
            let module = (!sigs.is_empty())
                .then(|| modules.failing_module(&sigs))
                .transpose()?;
            Ok(Stubs {
                names,
                index,
                module,
            })
        })
        .ok()?;
    let funcs = match &stubs.module {
        Some(m) => {
            let module = cx.data().libs[lib].names();
            let held = stubs.clone();
            let fail = Func::wrap(&mut *cx, move |k: i32| -> wasmtime::Result<()> {
                let name = held.names.get(k as usize).cloned().unwrap_or_default();
                Err(wasmtime::Error::new(SymbolLookup {
                    module: module.clone(),
                    import: format!("function pointer GOT.func.{name}, {NOT_PROVIDED}"),
                    symbol: name,
                }))
            });
            crate::plt::failing(cx, m, fail).ok()?
        }
        None => Vec::new(),
    };
    let made = Lacking { stubs, funcs };
    let stub = made.stub(name);
    cx.data_mut().lacking.insert(lib, made);
    stub
}

/// The failing functions made for the JS library functions one module
/// takes pointers to: their names, where each stands, and the module
/// defining them in that order (none when it takes no such pointer).
pub struct Stubs {
    names: Vec<String>,
    index: foldhash::HashMap<String, usize>,
    module: Option<wasmtime::Module>,
}

/// What a process made of a library's [`Stubs`]: its failing functions.
pub struct Lacking {
    stubs: std::sync::Arc<Stubs>,
    funcs: Vec<Func>,
}

impl Lacking {
    /// The failing function for a pointer to `name`, if one was made.
    fn stub(&self, name: &str) -> Option<Func> {
        self.funcs.get(*self.stubs.index.get(name)?).copied()
    }
}

/// The JS library functions dlrun provides (see the module comment).
pub static FUNCS: FuncTable<FixedFn> = FuncTable::new(&[
    // library_formatString.js
    ("puts", |cx| Func::wrap(cx, puts)),
    ("strlen", |cx| {
        Func::wrap(
            cx,
            |c: Caller<'_, Process>, s: i32| -> wasmtime::Result<i32> {
                let m = c.data().memory()?;
                Ok(cstr(&c, m, s as u32, "strlen")?.len() as i32)
            },
        )
    }),
    // library.js
    ("system", |cx| {
        Func::wrap(cx, |mut c: Caller<'_, Process>, command: i32| {
            if command == 0 {
                return Ok(0);
            }
            super::set_errno(&mut c, ENOSYS)?;
            Ok(-1)
        })
    }),
    ("getloadavg", |cx| Func::wrap(cx, getloadavg)),
    ("emscripten_random", |cx| Func::wrap(cx, || random() as f32)),
    ("emscripten_print_double", |cx| Func::wrap(cx, print_double)),
    ("emscripten_has_asyncify", |cx| Func::wrap(cx, || 0i32)),
    ("emscripten_debugger", |cx| Func::wrap(cx, || {})),
    ("emscripten_notify_memory_growth", |cx| {
        Func::wrap(cx, |_memory: i32| {})
    }),
    ("emscripten_force_exit", |cx| {
        Func::wrap(cx, |status: i32| -> wasmtime::Result<()> {
            Err(wasmtime::Error::new(Exit(status)))
        })
    }),
    ("getaddrinfo", |cx| {
        Func::wrap(cx, |_node: i32, _service: i32, _hints: i32, _res: i32| {
            EAI_FAIL
        })
    }),
    ("gethostbyname", |cx| Func::wrap(cx, |_name: i32| 0i32)),
    ("gethostbyaddr", |cx| {
        Func::wrap(cx, |_addr: i32, _len: i32, _family: i32| 0i32)
    }),
    // library_pthread_stub.js
    ("emscripten_is_main_browser_thread", |cx| {
        Func::wrap(cx, || 1i32)
    }),
    // library_math.js
    ("emscripten_math_acos", |cx| Func::wrap(cx, f64::acos)),
    ("emscripten_math_acosh", |cx| Func::wrap(cx, f64::acosh)),
    ("emscripten_math_asin", |cx| Func::wrap(cx, f64::asin)),
    ("emscripten_math_asinh", |cx| Func::wrap(cx, f64::asinh)),
    ("emscripten_math_atan", |cx| Func::wrap(cx, f64::atan)),
    ("emscripten_math_atan2", |cx| Func::wrap(cx, f64::atan2)),
    ("emscripten_math_atanh", |cx| Func::wrap(cx, f64::atanh)),
    ("emscripten_math_cbrt", |cx| Func::wrap(cx, f64::cbrt)),
    ("emscripten_math_cos", |cx| Func::wrap(cx, f64::cos)),
    ("emscripten_math_cosh", |cx| Func::wrap(cx, f64::cosh)),
    ("emscripten_math_exp", |cx| Func::wrap(cx, f64::exp)),
    ("emscripten_math_expm1", |cx| Func::wrap(cx, f64::exp_m1)),
    ("emscripten_math_fmod", |cx| {
        Func::wrap(cx, |x: f64, y: f64| x % y)
    }),
    ("emscripten_math_hypot", |cx| Func::wrap(cx, hypot)),
    ("emscripten_math_log", |cx| Func::wrap(cx, f64::ln)),
    ("emscripten_math_log1p", |cx| Func::wrap(cx, f64::ln_1p)),
    ("emscripten_math_log10", |cx| Func::wrap(cx, f64::log10)),
    ("emscripten_math_log2", |cx| Func::wrap(cx, f64::log2)),
    ("emscripten_math_pow", |cx| Func::wrap(cx, js_pow)),
    ("emscripten_math_random", |cx| Func::wrap(cx, random)),
    ("emscripten_math_round", |cx| Func::wrap(cx, js_round)),
    ("emscripten_math_sign", |cx| Func::wrap(cx, js_sign)),
    ("emscripten_math_sin", |cx| Func::wrap(cx, f64::sin)),
    ("emscripten_math_sinh", |cx| Func::wrap(cx, f64::sinh)),
    ("emscripten_math_sqrt", |cx| Func::wrap(cx, f64::sqrt)),
    ("emscripten_math_tan", |cx| Func::wrap(cx, f64::tan)),
    ("emscripten_math_tanh", |cx| Func::wrap(cx, f64::tanh)),
    // library_uuid.js
    ("uuid_clear", |cx| {
        Func::wrap(cx, |mut c: Caller<'_, Process>, uu: i32| {
            write_uuid(&mut c, uu, [0; 16], "uuid_clear")
        })
    }),
    ("uuid_compare", |cx| {
        Func::wrap(cx, |c: Caller<'_, Process>, a: i32, b: i32| {
            let (a, b) = (
                read_uuid(&c, a, "uuid_compare")?,
                read_uuid(&c, b, "uuid_compare")?,
            );
            // musl's memcmp: the difference of the first bytes that differ.
            let d = a.iter().zip(&b).find(|(x, y)| x != y);
            Ok(d.map_or(0, |(x, y)| i32::from(*x) - i32::from(*y)))
        })
    }),
    ("uuid_copy", |cx| {
        Func::wrap(cx, |mut c: Caller<'_, Process>, dst: i32, src: i32| {
            let u = read_uuid(&c, src, "uuid_copy")?;
            write_uuid(&mut c, dst, u, "uuid_copy")
        })
    }),
    ("uuid_generate", |cx| {
        Func::wrap(cx, |mut c: Caller<'_, Process>, out: i32| {
            let mut u = [0u8; 16];
            super::env::fill_random(&mut u);
            u[6] = (u[6] & 0x0F) | 0x40;
            u[8] = (u[8] & 0x3F) | 0x80;
            write_uuid(&mut c, out, u, "uuid_generate")
        })
    }),
    ("uuid_is_null", |cx| {
        Func::wrap(cx, |c: Caller<'_, Process>, uu: i32| {
            Ok(i32::from(read_uuid(&c, uu, "uuid_is_null")? == [0; 16]))
        })
    }),
    ("uuid_parse", |cx| Func::wrap(cx, uuid_parse)),
    ("uuid_unparse", |cx| Func::wrap(cx, unparse::<false>)),
    ("uuid_unparse_lower", |cx| Func::wrap(cx, unparse::<false>)),
    ("uuid_unparse_upper", |cx| Func::wrap(cx, unparse::<true>)),
    // UUID_TYPE_DCE_RANDOM and UUID_VARIANT_DCE of <uuid/uuid.h>.
    ("uuid_type", |cx| Func::wrap(cx, |_uu: i32| 4i32)),
    ("uuid_variant", |cx| Func::wrap(cx, |_uu: i32| 1i32)),
]);

/// Emscripten's (WASI's) ENOSYS.
const ENOSYS: i32 = 52;
/// musl's EAI_FAIL: a name lookup failed for good.
const EAI_FAIL: i32 = -4;

/// The bytes of the C string at `ptr`, however long; a string that runs
/// off the end of memory is a fault, as it would be natively.
fn cstr<'a>(
    c: &'a Caller<'_, Process>,
    m: crate::mem::Mem,
    ptr: u32,
    what: &str,
) -> wasmtime::Result<&'a [u8]> {
    let tail = m.data(c).get(ptr as usize..).unwrap_or_default();
    let len = tail.iter().position(|&b| b == 0).ok_or_else(|| {
        wasmtime::Error::new(Fault(format!(
            "{what}: string at {ptr:#x} runs past the end of memory"
        )))
    })?;
    Ok(&tail[..len])
}

/// musl's puts: the string and a newline on stdout; 0, or -1 (EOF) when
/// stdout cannot be written.
fn puts(c: Caller<'_, Process>, s: i32) -> wasmtime::Result<i32> {
    let m = c.data().memory()?;
    let mut line = cstr(&c, m, s as u32, "puts")?.to_vec();
    line.push(b'\n');
    let mut rest = &line[..];
    while !rest.is_empty() {
        match c.data().vfs().write(1, rest) {
            Ok(n) if n > 0 => rest = &rest[n..],
            _ => return Ok(-1),
        }
    }
    Ok(0)
}

fn getloadavg(mut c: Caller<'_, Process>, loadavg: i32, nelem: i32) -> wasmtime::Result<i32> {
    let m = c.data().memory()?;
    let limit = nelem.min(3);
    for i in 0..limit {
        let at = mem::field(loadavg as u32, 8 * i as u32, "getloadavg")?;
        mem::write(&mut c, m, at, &0.1f64.to_le_bytes(), "getloadavg")?;
    }
    Ok(limit)
}

/// `Math.random()`: uniform in [0, 1), from the host's entropy.
fn random() -> f64 {
    let mut b = [0u8; 8];
    super::env::fill_random(&mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// `emscripten_print_double(x, to, max)`: JavaScript's text of `x`, cut to
/// `max - 1` bytes and terminated (`stringToUTF8`); its length when `to`
/// is NULL.
fn print_double(mut c: Caller<'_, Process>, x: f64, to: i32, max: i32) -> wasmtime::Result<i32> {
    let text = js_number(x);
    if to == 0 {
        return Ok(text.len() as i32);
    }
    if max <= 0 {
        return Ok(0);
    }
    let n = text.len().min(max as usize - 1);
    let mut bytes = text.as_bytes()[..n].to_vec();
    bytes.push(0);
    let m = c.data().memory()?;
    mem::write(&mut c, m, to as u32, &bytes, "emscripten_print_double")?;
    Ok(n as i32)
}

/// ECMAScript's Number::toString(x) in base 10: the shortest digits that
/// read back as `x`, placed as the standard says.
fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Rust's shortest round-trip digits, as d.ddde±N.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp.parse::<i32>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e < 0 {
            format!("-{}", -e)
        } else {
            format!("+{e}")
        };
        match digits.split_at(1) {
            (d, "") => format!("{d}e{e}"),
            (d, rest) => format!("{d}.{rest}e{e}"),
        }
    };
    format!("{sign}{body}")
}

/// `Math.pow`: C's pow, except that a NaN exponent, and ±1 to an infinite
/// power, give NaN.
fn js_pow(x: f64, y: f64) -> f64 {
    if y.is_nan() || (x.abs() == 1.0 && y.is_infinite()) {
        return f64::NAN;
    }
    x.powf(y)
}

/// `Math.round`: halfway cases go up (-2.5 -> -2), and -0.5 <= x < 0
/// gives -0.
fn js_round(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let down = x.floor();
    let r = if x - down >= 0.5 { down + 1.0 } else { down };
    if r == 0.0 && x < 0.0 { -0.0 } else { r }
}

/// `Math.sign`: ±1, with ±0 and NaN as they are.
fn js_sign(x: f64) -> f64 {
    if x.is_nan() || x == 0.0 {
        x
    } else {
        x.signum()
    }
}

/// `emscripten_math_hypot(count, ...)`: `Math.hypot` of `count` doubles
/// at `varargs` (read at `varargs` rounded down to 8, as the JS does).
fn hypot(c: Caller<'_, Process>, count: i32, varargs: i32) -> wasmtime::Result<f64> {
    let m = c.data().memory()?;
    let base = varargs as u32 & !7;
    let mut args = Vec::new();
    for i in 0..count.max(0) as u32 {
        let at = mem::field(base, i.wrapping_mul(8), "emscripten_math_hypot")?;
        let b = mem::read(&c, m, at, 8, "emscripten_math_hypot")?;
        args.push(f64::from_le_bytes(b.try_into().unwrap_or_default()));
    }
    Ok(v8_hypot(&args))
}

/// V8's Math.hypot: infinity wins over NaN; otherwise the values scaled by
/// the largest and summed with Kahan's compensation.
fn v8_hypot(args: &[f64]) -> f64 {
    let mut max = 0.0f64;
    let mut nan = false;
    for a in args {
        let a = a.abs();
        if a.is_nan() {
            nan = true;
        } else if a > max {
            max = a;
        }
    }
    if max == f64::INFINITY {
        return f64::INFINITY;
    }
    if nan {
        return f64::NAN;
    }
    if max == 0.0 {
        return 0.0;
    }
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for a in args {
        let n = a.abs() / max;
        let summand = n * n - compensation;
        let preliminary = sum + summand;
        compensation = (preliminary - sum) - summand;
        sum = preliminary;
    }
    sum.sqrt() * max
}

fn read_uuid(c: &Caller<'_, Process>, at: i32, what: &str) -> wasmtime::Result<[u8; 16]> {
    let m = c.data().memory()?;
    let b = mem::read(c, m, at as u32, 16, what)?;
    Ok(b.try_into().unwrap_or_default())
}

fn write_uuid(
    c: &mut Caller<'_, Process>,
    at: i32,
    u: [u8; 16],
    what: &str,
) -> wasmtime::Result<()> {
    let m = c.data().memory()?;
    mem::write(c, m, at as u32, &u, what)
}

fn uuid_parse(mut c: Caller<'_, Process>, text: i32, uu: i32) -> wasmtime::Result<i32> {
    let m = c.data().memory()?;
    let text = String::from_utf8_lossy(cstr(&c, m, text as u32, "uuid_parse")?).into_owned();
    match parse_uuid(&text) {
        Some(u) => write_uuid(&mut c, uu, u, "uuid_parse").map(|()| 0),
        None => Ok(-1),
    }
}

/// library_uuid.js's parse: a string of 36 (UTF-16) characters whose first
/// 16 hex pairs, found left to right, are the bytes.
fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    if text.encode_utf16().count() != 36 {
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = [0u8; 16];
    let (mut n, mut i) = (0, 0);
    while n < 16 && i + 1 < chars.len() {
        match (chars[i].to_digit(16), chars[i + 1].to_digit(16)) {
            (Some(h), Some(l)) => {
                out[n] = (h * 16 + l) as u8;
                n += 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    (n == 16).then_some(out)
}

/// `uuid_unparse` (lower case, or upper with `UPPER`): 36 characters and
/// a NUL.
fn unparse<const UPPER: bool>(
    mut c: Caller<'_, Process>,
    uu: i32,
    out: i32,
) -> wasmtime::Result<()> {
    let u = read_uuid(&c, uu, "uuid_unparse")?;
    let mut text = format_uuid(&u);
    if UPPER {
        text.make_ascii_uppercase();
    }
    text.push('\0');
    let m = c.data().memory()?;
    mem::write(&mut c, m, out as u32, text.as_bytes(), "uuid_unparse")
}

fn format_uuid(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_well_formed() {
        assert!(SIGS.len() > 1000);
        assert!(SIGS.windows(2).all(|w| w[0].0 < w[1].0));
        for (name, sig) in SIGS.iter() {
            assert!(!name.is_empty() && !name.contains(' '), "{name}");
            // Emscripten's own slip: 'iv' (a void parameter). Its loader
            // could not wrap that one either; it gets no stub.
            if let Some(sig) = sig.filter(|_| *name != "emscripten_get_window_title") {
                assert!(super::super::letters_sig(sig).is_some(), "{name} {sig}");
            }
        }
        assert_eq!(library_entry("emscripten_glClear"), Some(Some("vi")));
        assert_eq!(library_entry("emscripten_sleep"), Some(None));
        assert_eq!(library_entry("main"), None);
    }

    #[test]
    fn provided_functions_have_the_types_the_library_states() {
        let mut store = crate::abi::table::tests::store();
        let engine = store.engine().clone();
        let mut cx = wasmtime::AsContextMut::as_context_mut(&mut store);
        for name in FUNCS.names() {
            let Some(Some(letters)) = library_entry(name) else {
                continue;
            };
            let want = super::super::letters_sig(letters)
                .unwrap()
                .func_type(&engine);
            let f = FUNCS.build(&mut cx, name).unwrap();
            assert!(wasmtime::FuncType::eq(&f.ty(&cx), &want), "{name}");
        }
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        for (x, s) in [
            (0.1, "0.1"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (100.0, "100"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (-1234.5678, "-1234.5678"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (2.5e25, "2.5e+25"),
        ] {
            assert_eq!(js_number(x), s, "{x:e}");
        }
    }

    #[test]
    fn math_follows_javascript_where_c_differs() {
        assert!(js_pow(1.0, f64::NAN).is_nan());
        assert!(js_pow(-1.0, f64::INFINITY).is_nan());
        assert_eq!(js_pow(f64::NAN, 0.0), 1.0);
        assert_eq!(js_pow(2.0, 10.0), 1024.0);
        assert_eq!(js_round(2.5), 3.0);
        assert_eq!(js_round(-2.5), -2.0);
        assert_eq!(js_round(-7.5), -7.0);
        assert!(js_round(-0.2).is_sign_negative() && js_round(-0.2) == 0.0);
        assert!(js_round(-0.5).is_sign_negative());
        assert_eq!(js_round(-0.6), -1.0);
        assert_eq!(js_round(0.49999999999999994), 0.0);
        assert_eq!(js_round(4503599627370497.0), 4503599627370497.0);
        assert!(js_sign(-0.0).is_sign_negative());
        assert_eq!(js_sign(-3.0), -1.0);
        assert!(js_sign(f64::NAN).is_nan());
        assert_eq!(v8_hypot(&[3.0, 4.0]), 5.0);
        assert_eq!(v8_hypot(&[f64::NAN, f64::NEG_INFINITY]), f64::INFINITY);
        assert!(v8_hypot(&[f64::NAN, 1.0]).is_nan());
        assert_eq!(v8_hypot(&[]), 0.0);
        assert!((0.0..1.0).contains(&random()));
    }

    #[test]
    fn uuids_parse_and_print_as_in_library_uuid_js() {
        let u = parse_uuid("0123ABCD-4567-89ab-CDEF-0011223344ff").unwrap();
        assert_eq!(format_uuid(&u), "0123abcd-4567-89ab-cdef-0011223344ff");
        assert_eq!(
            parse_uuid("00112233445566778899aabbccddeeff----").map(|u| format_uuid(&u)),
            Some("00112233-4455-6677-8899-aabbccddeeff".into())
        );
        assert_eq!(parse_uuid("0123"), None);
        assert_eq!(parse_uuid("0123abcd-4567-89ab-cdef-0011223344fg"), None);
        // 36 UTF-16 units, but fewer than 16 pairs.
        assert_eq!(parse_uuid(&"é".repeat(36)), None);
    }
}
