//! `strftime` as glibc 2.36 formats in the C locale: flags (`_`, `-`,
//! `0`, `^`, `#`), field widths, the `E` and `O` modifiers (no eras or
//! alternative digits in the C locale, so the plain forms), the GNU
//! conversions (`%k`, `%l`, `%P`, `%s`), and a conversion it does not know
//! copied as it stands. Byte strings throughout: `tm_zone` and the format
//! may hold any bytes.

use super::calendar::Tm;
use super::{MONTHS, WEEKDAYS};

/// What `strftime` asks of the rest of the C library.
pub trait Env {
    /// `mktime` of a copy of the `struct tm` (for `%s`).
    fn mktime(&mut self, tm: &Tm) -> i64;
    /// `tzname[dst]` after `tzset` (for `%Z` of a `struct tm` without a
    /// zone name).
    fn tzname(&mut self, dst: usize) -> Vec<u8>;
}

/// Formats `tm` (whose `tm_zone` is `zone`, `None` for a null pointer) by
/// `format` for a buffer of `max` bytes: the bytes without their NUL, or
/// `None` where glibc returns 0 because they and the NUL do not fit.
pub fn strftime(
    format: &[u8],
    tm: &Tm,
    zone: Option<&[u8]>,
    max: usize,
    env: &mut dyn Env,
) -> Option<Vec<u8>> {
    let mut f = Formatter {
        tm,
        zone: zone.map(<[u8]>::to_vec),
        env,
    };
    let mut out = Out {
        buf: Vec::new(),
        max,
    };
    f.format(format, &mut out)?;
    Some(out.buf)
}

/// The output and the size it may not reach.
struct Out {
    buf: Vec<u8>,
    max: usize,
}

/// The state of one conversion: its flags, width and case changes.
#[derive(Clone, Copy)]
struct Spec {
    pad: u8,
    width: i32,
    upper: bool,
    lower: bool,
}

impl Out {
    /// Room for `n` more bytes (glibc's test: they must leave room for the NUL).
    fn room(&self, n: usize) -> Option<()> {
        (n < self.max.saturating_sub(self.buf.len())).then_some(())
    }

    /// glibc's `cpy`: `s`, after padding to the width (with zeros for the
    /// `0` flag, else spaces), in the case asked for.
    fn cpy(&mut self, s: &[u8], spec: &Spec) -> Option<()> {
        let n = s.len();
        let delta = i64::from(spec.width) - n as i64;
        let pad = usize::try_from(delta).unwrap_or(0);
        self.room(n.checked_add(pad)?)?;
        let fill = if spec.pad == b'0' { b'0' } else { b' ' };
        self.buf.extend(std::iter::repeat_n(fill, pad));
        if spec.lower {
            self.buf.extend(s.iter().map(u8::to_ascii_lowercase));
        } else if spec.upper {
            self.buf.extend(s.iter().map(u8::to_ascii_uppercase));
        } else {
            self.buf.extend_from_slice(s);
        }
        Some(())
    }

    /// glibc's `do_number_sign_and_padding`: `digits` (with a sign if
    /// `negative`) padded to `min_digits` as the flags say, then to the
    /// width.
    fn number(
        &mut self,
        digits: &[u8],
        negative: bool,
        min_digits: i32,
        spec: &mut Spec,
    ) -> Option<()> {
        let mut text = Vec::with_capacity(digits.len() + 1);
        if negative {
            text.push(b'-');
        }
        text.extend_from_slice(digits);
        let mut body: &[u8] = &text;
        if spec.pad != b'-' {
            let padding = i64::from(min_digits) - text.len() as i64;
            if padding > 0 {
                let padding = padding as usize;
                if spec.pad == b'_' {
                    self.room(padding)?;
                    self.buf.extend(std::iter::repeat_n(b' ', padding));
                    spec.width = if spec.width as i64 > padding as i64 {
                        spec.width - padding as i32
                    } else {
                        0
                    };
                } else {
                    self.room(min_digits as usize)?;
                    if negative {
                        body = &text[1..];
                        self.buf.push(b'-');
                    }
                    self.buf.extend(std::iter::repeat_n(b'0', padding));
                    spec.width = 0;
                }
            }
        }
        self.cpy(body, spec)
    }
}

struct Formatter<'a> {
    tm: &'a Tm,
    zone: Option<Vec<u8>>,
    env: &'a mut dyn Env,
}

/// An ASCII name, `?` where the index is out of range.
fn name(names: &[&'static str], i: i32, short: bool) -> &'static [u8] {
    match usize::try_from(i).ok().and_then(|i| names.get(i)) {
        Some(n) if short => &n.as_bytes()[..3],
        Some(n) => n.as_bytes(),
        None => b"?",
    }
}

fn is_leap(y: i32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Days from the first day of the first ISO week of the year to day
/// `yday`, whose weekday is `wday` (negative: the previous year's week).
fn iso_week_days(yday: i32, wday: i32) -> i32 {
    let big_enough_multiple_of_7 = (366 / 7 + 2) * 7;
    yday.wrapping_sub(
        yday.wrapping_sub(wday)
            .wrapping_add(4 + big_enough_multiple_of_7)
            % 7,
    )
    .wrapping_add(3)
}

/// What a conversion comes to.
enum Conv {
    Text(Vec<u8>),
    Number {
        value: i32,
        min: i32,
        space: bool,
    },
    Sub(&'static [u8]),
    Bad,
    /// Already written.
    Done,
}

impl Formatter<'_> {
    fn format(&mut self, fmt: &[u8], out: &mut Out) -> Option<()> {
        let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
        let mut f = 0;
        while f < fmt.len() {
            if fmt[f] != b'%' {
                out.cpy(&fmt[f..=f], &Spec::plain())?;
                f += 1;
                continue;
            }
            let mut spec = Spec::plain();
            let mut change_case = false;
            loop {
                f += 1;
                match at(f) {
                    c @ (b'_' | b'-' | b'0') => spec.pad = c,
                    b'^' => spec.upper = true,
                    b'#' => change_case = true,
                    _ => break,
                }
            }
            if at(f).is_ascii_digit() {
                spec.width = 0;
                while at(f).is_ascii_digit() {
                    let d = i32::from(at(f) - b'0');
                    spec.width = spec
                        .width
                        .checked_mul(10)
                        .and_then(|w| w.checked_add(d))
                        .unwrap_or(i32::MAX);
                    f += 1;
                }
            }
            let modifier = match at(f) {
                m @ (b'E' | b'O') => {
                    f += 1;
                    m
                }
                _ => 0,
            };
            let conv = at(f);
            let result = if conv == 0 {
                // A `%` at the end: copied, as an unknown conversion.
                f -= 1;
                Conv::Bad
            } else {
                self.convert(conv, modifier, change_case, &mut spec, out)?
            };
            match result {
                Conv::Text(text) => out.cpy(&text, &spec)?,
                Conv::Number { value, min, space } => {
                    if space && spec.pad != b'0' && spec.pad != b'-' {
                        spec.pad = b'_';
                    }
                    let digits = min.max(spec.width);
                    let text = value.unsigned_abs().to_string();
                    out.number(text.as_bytes(), value < 0, digits, &mut spec)?;
                }
                Conv::Sub(sub) => {
                    let mut inner = Out {
                        buf: Vec::new(),
                        max: usize::MAX,
                    };
                    self.format(sub, &mut inner)?;
                    let upper = spec.upper;
                    spec.upper = false;
                    spec.lower = false;
                    let start = out.buf.len();
                    out.cpy(&inner.buf, &spec)?;
                    if upper {
                        out.buf[start..].make_ascii_uppercase();
                    }
                }
                Conv::Done => {}
                Conv::Bad => {
                    // Copy back to the nearest `%`.
                    let start = fmt[..=f].iter().rposition(|&b| b == b'%').unwrap_or(f);
                    out.cpy(&fmt[start..=f], &spec)?;
                }
            }
            f += 1;
        }
        Some(())
    }

    /// One conversion. Text conversions set their case here; `%z` writes
    /// its sign itself.
    fn convert(
        &mut self,
        conv: u8,
        modifier: u8,
        change_case: bool,
        spec: &mut Spec,
        out: &mut Out,
    ) -> Option<Conv> {
        let tm = self.tm;
        let e = modifier == b'E';
        let o = modifier == b'O';
        let number = |value: i32, min: i32| Conv::Number {
            value,
            min,
            space: false,
        };
        let spaced = |value: i32, min: i32| Conv::Number {
            value,
            min,
            space: true,
        };
        let hour12 = if tm.hour > 12 {
            tm.hour - 12
        } else if tm.hour == 0 {
            12
        } else {
            tm.hour
        };
        let upper_for_text = |spec: &mut Spec| {
            if change_case {
                spec.upper = true;
                spec.lower = false;
            }
        };
        Some(match conv {
            b'%' if modifier != 0 => Conv::Bad,
            b'%' => Conv::Text(b"%".to_vec()),
            b'a' | b'A' if modifier != 0 => Conv::Bad,
            b'a' | b'A' => {
                upper_for_text(spec);
                Conv::Text(name(&WEEKDAYS, tm.wday, conv == b'a').to_vec())
            }
            b'b' | b'h' | b'B' => {
                upper_for_text(spec);
                if e {
                    Conv::Bad
                } else {
                    Conv::Text(name(&MONTHS, tm.mon, conv != b'B').to_vec())
                }
            }
            b'c' if o => Conv::Bad,
            b'c' => Conv::Sub(b"%a %b %e %H:%M:%S %Y"),
            b'C' => {
                let year = tm.year.wrapping_add(1900);
                number(year / 100 - i32::from(year % 100 < 0), 1)
            }
            b'x' if o => Conv::Bad,
            b'x' => Conv::Sub(b"%m/%d/%y"),
            b'D' if modifier != 0 => Conv::Bad,
            b'D' => Conv::Sub(b"%m/%d/%y"),
            b'F' if modifier != 0 => Conv::Bad,
            b'F' => Conv::Sub(b"%Y-%m-%d"),
            b'R' => Conv::Sub(b"%H:%M"),
            b'r' => Conv::Sub(b"%I:%M:%S %p"),
            b'X' if o => Conv::Bad,
            b'X' | b'T' => Conv::Sub(b"%H:%M:%S"),
            b'd' | b'e' | b'H' | b'I' | b'k' | b'l' | b'j' | b'M' | b'm' | b'S' | b'U' | b'V'
            | b'g' | b'G' | b'W' | b'w'
                if e =>
            {
                Conv::Bad
            }
            b'd' => number(tm.mday, 2),
            b'e' => spaced(tm.mday, 2),
            b'H' => number(tm.hour, 2),
            b'I' => number(hour12, 2),
            b'k' => spaced(tm.hour, 2),
            b'l' => spaced(hour12, 2),
            b'j' => number(tm.yday.wrapping_add(1), 3),
            b'M' => number(tm.min, 2),
            b'm' => number(tm.mon.wrapping_add(1), 2),
            b'S' => number(tm.sec, 2),
            b'n' => Conv::Text(b"\n".to_vec()),
            b't' => Conv::Text(b"\t".to_vec()),
            b'P' | b'p' => {
                if conv == b'P' || change_case {
                    spec.upper = false;
                    spec.lower = true;
                }
                Conv::Text(if tm.hour > 11 { b"PM" } else { b"AM" }.to_vec())
            }
            b's' => {
                let t = self.env.mktime(tm);
                out.number(t.unsigned_abs().to_string().as_bytes(), t < 0, 1, spec)?;
                Conv::Done
            }
            b'u' => number((tm.wday.wrapping_sub(1).wrapping_add(7)) % 7 + 1, 1),
            b'U' => number((tm.yday.wrapping_sub(tm.wday).wrapping_add(7)) / 7, 2),
            b'W' => number(
                (tm.yday
                    .wrapping_sub((tm.wday.wrapping_sub(1).wrapping_add(7)) % 7)
                    .wrapping_add(7))
                    / 7,
                2,
            ),
            b'w' => number(tm.wday, 1),
            b'V' | b'g' | b'G' => {
                let mut year = tm.year.wrapping_add(1900);
                let mut days = iso_week_days(tm.yday, tm.wday);
                if days < 0 {
                    year = year.wrapping_sub(1);
                    days = iso_week_days(
                        tm.yday.wrapping_add(365 + i32::from(is_leap(year))),
                        tm.wday,
                    );
                } else {
                    let d = iso_week_days(
                        tm.yday.wrapping_sub(365 + i32::from(is_leap(year))),
                        tm.wday,
                    );
                    if d >= 0 {
                        year = year.wrapping_add(1);
                        days = d;
                    }
                }
                match conv {
                    b'g' => number((year % 100 + 100) % 100, 2),
                    b'G' => number(year, 1),
                    _ => number(days / 7 + 1, 2),
                }
            }
            b'Y' if o => Conv::Bad,
            b'Y' => number(tm.year.wrapping_add(1900), 1),
            b'y' => number((tm.year % 100 + 100) % 100, 2),
            b'Z' => {
                if change_case {
                    spec.upper = false;
                    spec.lower = true;
                }
                if self.zone.as_ref().is_none_or(|z| z.is_empty()) && tm.isdst >= 0 {
                    self.zone = Some(match tm.isdst {
                        0 | 1 => self.env.tzname(tm.isdst as usize),
                        _ => b"?".to_vec(),
                    });
                }
                Conv::Text(self.zone.clone().unwrap_or_default())
            }
            b'z' => {
                if tm.isdst < 0 {
                    return Some(Conv::Done);
                }
                let mut diff = tm.gmtoff;
                if diff < 0 {
                    out.cpy(b"-", spec)?;
                    diff = diff.wrapping_neg();
                } else {
                    out.cpy(b"+", spec)?;
                }
                diff /= 60;
                number((diff / 60) * 100 + diff % 60, 4)
            }
            _ => Conv::Bad,
        })
    }
}

impl Spec {
    fn plain() -> Spec {
        Spec {
            pad: 0,
            width: -1,
            upper: false,
            lower: false,
        }
    }
}

#[cfg(test)]
pub(in crate::abi::time) mod tests {
    use super::*;

    /// A C library whose `mktime` is UTC's and whose `tzname` is made up.
    struct Utc;

    impl Env for Utc {
        fn mktime(&mut self, tm: &Tm) -> i64 {
            crate::abi::time::timegm(tm).map_or(-1, |(t, _)| t)
        }
        fn tzname(&mut self, dst: usize) -> Vec<u8> {
            [b"STD".to_vec(), b"DST".to_vec()][dst].clone()
        }
    }

    fn tm(year: i32, mon: i32, mday: i32, hour: i32, wday: i32, yday: i32) -> Tm {
        Tm {
            sec: 5,
            min: 7,
            hour,
            mday,
            mon,
            year,
            wday,
            yday,
            isdst: 0,
            gmtoff: 0,
        }
    }

    fn f(format: &str, t: &Tm, zone: Option<&str>) -> String {
        let out = strftime(
            format.as_bytes(),
            t,
            zone.map(str::as_bytes),
            1000,
            &mut Utc,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn conversions() {
        // Thursday 1970-01-01 00:07:05
        let t = tm(70, 0, 1, 0, 4, 0);
        assert_eq!(f("%Y-%m-%d %H:%M:%S", &t, None), "1970-01-01 00:07:05");
        assert_eq!(
            f("%c|%x|%X|%D|%F|%r", &t, None),
            "Thu Jan  1 00:07:05 1970|01/01/70|00:07:05|01/01/70|1970-01-01|12:07:05 AM"
        );
        assert_eq!(
            f("%U %W %V %G %g %j %u %w %C %y", &t, None),
            "00 00 01 1970 70 001 4 4 19 70"
        );
        assert_eq!(f("%s|%k|%l|%P|%p", &t, None), "425| 0|12|am|AM");
        // Tuesday 2000-02-29 13:07:05
        let t = tm(100, 1, 29, 13, 2, 59);
        assert_eq!(
            f("%j %U %W %V %G %g %I %p", &t, None),
            "060 09 09 09 2000 00 01 PM"
        );
        // Flags, widths, unknown conversions, a % at the end.
        assert_eq!(
            f(
                "%-d|%_H|%05Y|%^a|%#b|%10A|%-10A|%_5m|%E|%Oq|%-%|%Ey|%EY|%Oe|%Eb|%",
                &t,
                None
            ),
            "29|13|02000|TUE|FEB|   Tuesday|   Tuesday|    2|%E|%Oq|%|00|2000|29|%Eb|%"
        );
        assert_eq!(f("%^c", &t, None), "TUE FEB 29 13:07:05 2000");
        // Out-of-range fields.
        let t = tm(-2050, 13, 1, 25, 9, -3);
        assert_eq!(f("%a %b %Y %y %C %I %j", &t, None), "? ? -150 50 -2 13 -02");
    }

    #[test]
    fn zones() {
        let mut t = tm(124, 11, 31, 23, 2, 365);
        t.gmtoff = 19_800;
        assert_eq!(f("%z %Z", &t, Some("IST")), "+0530 IST");
        t.gmtoff = -12_600;
        assert_eq!(f("%z %5z", &t, Some("")), "-0330     -00330");
        // Without tm_zone, tzname names the zone; not at all for an
        // unknown tm_isdst, "?" for one past 1.
        assert_eq!(f("%Z %#Z", &t, None), "STD std");
        t.isdst = 1;
        assert_eq!(f("%Z", &t, Some("")), "DST");
        t.isdst = -1;
        assert_eq!(f("[%Z][%z]", &t, None), "[][]");
        t.isdst = 2;
        assert_eq!(f("%Z", &t, None), "?");
    }

    #[test]
    fn buffer_sizes() {
        let t = tm(123, 10, 14, 22, 2, 317);
        for (max, want) in [(0, None), (10, None), (11, Some("2023-11-14"))] {
            let out = strftime(b"%Y-%m-%d", &t, None, max, &mut Utc);
            assert_eq!(out.as_deref(), want.map(str::as_bytes), "max {max}");
        }
        // A width past any buffer fails without building the result.
        assert!(strftime(b"%2147483647d", &t, None, 1 << 20, &mut Utc).is_none());
        assert!(strftime(b"%2147483647Z", &t, Some(b"UTC"), 1 << 20, &mut Utc).is_none());
    }

    #[test]
    fn long_formats() {
        let t = tm(70, 0, 1, 0, 4, 0);
        let n = 30_000;
        let out = strftime("%c".repeat(n).as_bytes(), &t, None, usize::MAX, &mut Utc).unwrap();
        assert_eq!(out.len(), 24 * n);
        let out = strftime("%%".repeat(n).as_bytes(), &t, None, usize::MAX, &mut Utc).unwrap();
        assert_eq!(out, "%".repeat(n).into_bytes());
        let zone = "Z".repeat(100_000);
        let out = strftime(b"%Z%Z", &t, Some(zone.as_bytes()), usize::MAX, &mut Utc).unwrap();
        assert_eq!(out.len(), 200_000);
    }

    /// Whether the host's C library is the glibc these functions follow
    /// (Debian 12's), to compare against it.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    pub(in crate::abi::time) fn host_glibc_2_36() -> bool {
        // SAFETY: gnu_get_libc_version returns a static C string.
        let v = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
        v.to_bytes() == b"2.36"
    }

    /// Every conversion with every flag, width and modifier, on dates in
    /// and out of range, against the host's glibc.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn same_as_glibc() {
        if !host_glibc_2_36() {
            eprintln!("host C library is not glibc 2.36: not compared");
            return;
        }
        let mut formats = Vec::new();
        for c in (b'A'..=b'Z').chain(b'a'..=b'z').chain([b'%', b'+', b':']) {
            if c == b's' {
                continue; // the host's mktime uses the host's zone
            }
            for flag in ["", "_", "-", "0", "^", "#", "^#"] {
                for width in ["", "1", "4", "12"] {
                    for modifier in ["", "E", "O"] {
                        formats.push(format!("%{flag}{width}{modifier}{}", c as char));
                    }
                }
            }
        }
        formats
            .extend(["%", "x%", "%E", "%O", "%5", "%_", "%E%", "%-E%", "a%%b"].map(String::from));
        let mut times = Vec::new();
        for (year, mon, mday, hour, wday, yday) in [
            (70, 0, 1, 0, 4, 0),
            (100, 1, 29, 13, 2, 59),
            (123, 11, 31, 12, 0, 364),
            (124, 0, 1, 23, 1, 0),
            (120, 11, 31, 11, 4, 365),
            (-2050, 13, 0, 25, 9, -3),
            (-1900, -1, 31, -1, -1, 400),
            (8099, 6, 15, 24, 7, 196),
            (-1850, 5, 5, 5, 5, 5),
        ] {
            for (gmtoff, isdst) in [(0, 0), (19_800, 0), (-12_600, 1), (30, 1), (-86_399, -1)] {
                let mut t = tm(year, mon, mday, hour, wday, yday);
                t.gmtoff = gmtoff;
                t.isdst = isdst;
                times.push(t);
            }
        }
        let zone = std::ffi::CString::new("Zone").unwrap();
        assert!(formats.len() > 4000 && times.len() == 45);
        for format in &formats {
            let cformat = std::ffi::CString::new(format.as_str()).unwrap();
            for t in &times {
                for max in [64usize, 6] {
                    let ctm = libc::tm {
                        tm_sec: t.sec,
                        tm_min: t.min,
                        tm_hour: t.hour,
                        tm_mday: t.mday,
                        tm_mon: t.mon,
                        tm_year: t.year,
                        tm_wday: t.wday,
                        tm_yday: t.yday,
                        tm_isdst: t.isdst,
                        tm_gmtoff: t.gmtoff.into(),
                        tm_zone: zone.as_ptr(),
                    };
                    let mut buf = [0u8; 64];
                    // SAFETY: buf holds max bytes; the strings are C strings.
                    let n = unsafe {
                        libc::strftime(buf.as_mut_ptr().cast(), max, cformat.as_ptr(), &ctm)
                    };
                    let want = (n != 0 || format.is_empty()).then(|| buf[..n].to_vec());
                    let got = strftime(format.as_bytes(), t, Some(b"Zone"), max, &mut Utc);
                    let want = want.filter(|w| !w.is_empty() || n != 0);
                    let got = got.filter(|g| !g.is_empty());
                    assert_eq!(
                        got.as_deref().map(String::from_utf8_lossy),
                        want.as_deref().map(String::from_utf8_lossy),
                        "format {format:?}, max {max}, {t:?}"
                    );
                }
            }
        }
    }
}
