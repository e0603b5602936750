//! `strftime` as Emscripten 3.1's `library.js` implements it: expand the
//! composite conversions by text substitution, then replace each conversion
//! in a fixed order. The JS quirks are kept, since programs under node see
//! them: `%%c` becomes `%a` plus a date (the `%c` rule runs before `%%` is
//! protected), `%Ec` stays `%c`, `%U`/`%W` say week 0 on a first
//! Sunday/Monday of January that is not January 1, `%W` counts from
//! January 1 of year `tm_year` (not `tm_year + 1900`), `%V` is 53 before the
//! first ISO week and can be 00, `%z` treats minutes as hundredths of an
//! hour, and a `%a`/`%b` of an out-of-range `tm_wday`/`tm_mon` is an error
//! (JS throws a TypeError there), as is a result longer than JS strings may
//! be (a RangeError).

use super::Tm;
use super::jsdate::{Date, add_days, array_sum, month_days, num_to_string, to_int32};
use super::zone::Zone;

/// Composite conversions, expanded first, in this order.
const EXPANSIONS: &[(&str, &str)] = &[
    ("%c", "%a %b %d %H:%M:%S %Y"),
    ("%D", "%m/%d/%y"),
    ("%F", "%Y-%m-%d"),
    ("%h", "%b"),
    ("%r", "%I:%M:%S %p"),
    ("%R", "%H:%M"),
    ("%T", "%H:%M:%S"),
    ("%x", "%m/%d/%y"),
    ("%X", "%H:%M:%S"),
    ("%Ec", "%c"),
    ("%EC", "%C"),
    ("%Ex", "%m/%d/%y"),
    ("%EX", "%H:%M:%S"),
    ("%Ey", "%y"),
    ("%EY", "%Y"),
    ("%Od", "%d"),
    ("%Oe", "%e"),
    ("%OH", "%H"),
    ("%OI", "%I"),
    ("%Om", "%m"),
    ("%OM", "%M"),
    ("%OS", "%S"),
    ("%Ou", "%u"),
    ("%OU", "%U"),
    ("%OV", "%V"),
    ("%Ow", "%w"),
    ("%OW", "%W"),
    ("%Oy", "%y"),
];

/// Simple conversions, replaced in this order.
const CONVERSIONS: &[&str] = &[
    "%a", "%A", "%b", "%B", "%C", "%d", "%e", "%g", "%G", "%H", "%I", "%j", "%m", "%M", "%n", "%p",
    "%S", "%t", "%u", "%U", "%V", "%w", "%W", "%y", "%Y", "%z", "%Z", "%%",
];

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The struct tm fields as the JS sees them (numbers) plus `tm_zone`.
struct JsTm<'a> {
    sec: f64,
    min: f64,
    hour: f64,
    mday: f64,
    mon: f64,
    year: f64,
    wday: f64,
    yday: f64,
    gmtoff: f64,
    zone: &'a str,
}

/// Formats `tm` by `format`; `Err` says why Emscripten's JS would throw.
pub fn strftime(zone: &Zone, format: &str, tm: &Tm, tm_zone: &str) -> Result<String, String> {
    let date = JsTm {
        sec: tm.sec.into(),
        min: tm.min.into(),
        hour: tm.hour.into(),
        mday: tm.mday.into(),
        mon: tm.mon.into(),
        year: tm.year.into(),
        wday: tm.wday.into(),
        yday: tm.yday.into(),
        gmtoff: tm.gmtoff.into(),
        zone: tm_zone,
    };
    let mut pattern = format.to_string();
    for (from, to) in EXPANSIONS {
        pattern = pattern.replace(from, to);
    }
    pattern = pattern.replace("%%", "\0\0");
    for rule in CONVERSIONS {
        if pattern.contains(rule) {
            let value = convert(zone, rule, &date)?;
            pattern = replace_all(&pattern, rule, &value)?;
        }
    }
    Ok(pattern.replace("\0\0", "%"))
}

/// V8's longest string (`String::kMaxLength`), in UTF-16 units: JS throws a
/// RangeError rather than build a longer one. A guest's `tm_zone` may ask
/// `%Z` for far more than memory holds.
const MAX_JS_STRING: usize = (1 << 29) - 24;

/// A part of a replacement string: text, or one of the `$` patterns
/// `String.prototype.replace` fills in.
enum Part<'a> {
    Text(&'a str, usize),
    Match,
    Before,
    After,
}

fn utf16_len(s: &str) -> usize {
    // The common case without walking every character.
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

fn parts(to: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut text = 0;
    let mut chars = to.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let part = match (c, chars.peek().map(|&(_, n)| n)) {
            ('$', Some('$')) => Part::Text("$", 1),
            ('$', Some('&')) => Part::Match,
            ('$', Some('`')) => Part::Before,
            ('$', Some('\'')) => Part::After,
            _ => continue,
        };
        chars.next();
        parts.push(Part::Text(&to[text..at], utf16_len(&to[text..at])));
        parts.push(part);
        text = at + 2;
    }
    parts.push(Part::Text(&to[text..], utf16_len(&to[text..])));
    parts
}

/// `String.prototype.replace` with a global pattern matching `from`
/// literally and a replacement string (whose `$` patterns apply).
fn replace_all(s: &str, from: &str, to: &str) -> Result<String, String> {
    let parts = parts(to);
    let (s_units, from_units) = (utf16_len(s), utf16_len(from));
    // Each match's byte offset and UTF-16 offset.
    let mut matches = Vec::new();
    let (mut last, mut last_units) = (0, 0);
    for (at, _) in s.match_indices(from) {
        last_units += utf16_len(&s[last..at]);
        matches.push((at, last_units));
        last = at + from.len();
        last_units += from_units;
    }
    // The length JS would reach, summed before anything is built.
    let mut units = s_units - matches.len() * from_units;
    for &(_, at_units) in &matches {
        for part in &parts {
            units += match *part {
                Part::Text(_, n) => n,
                Part::Match => from_units,
                Part::Before => at_units,
                Part::After => s_units - at_units - from_units,
            };
        }
        if units > MAX_JS_STRING {
            return Err(format!(
                "a string longer than JavaScript's longest ({MAX_JS_STRING} UTF-16 units)"
            ));
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for &(at, _) in &matches {
        out.push_str(&s[last..at]);
        last = at + from.len();
        for part in &parts {
            out.push_str(match *part {
                Part::Text(t, _) => t,
                Part::Match => from,
                Part::Before => &s[..at],
                Part::After => &s[last..],
            });
        }
    }
    out.push_str(&s[last..]);
    Ok(out)
}

/// `leadingSomething(value, digits, ch)`
fn leading(value: f64, digits: usize, ch: char) -> String {
    pad(num_to_string(value), digits, ch)
}

fn pad(s: String, digits: usize, ch: char) -> String {
    let n = s.encode_utf16().count();
    if n >= digits {
        return s;
    }
    let mut out: String = std::iter::repeat_n(ch, digits - n).collect();
    out.push_str(&s);
    out
}

fn nulls(value: f64, digits: usize) -> String {
    leading(value, digits, '0')
}

/// `compareByDay`: -1, 0 or 1 by local (year, month, date); NaN compares 0.
fn compare_by_day(a: &Date, b: &Date) -> i32 {
    let (fa, fb) = (a.fields(), b.fields());
    for (x, y) in [(fa.year, fb.year), (fa.month, fb.month), (fa.date, fb.date)] {
        let d = x - y;
        if d < 0.0 {
            return -1;
        }
        if d > 0.0 {
            return 1;
        }
    }
    0
}

/// `getFirstWeekStartDate(janFourth)`: the Monday starting ISO week 1;
/// `None` where JS returns `undefined` (an invalid date).
fn first_week_start<'z>(zone: &'z Zone, jan4: &Date<'z>) -> Option<Date<'z>> {
    let y = jan4.full_year();
    Some(match jan4.day() {
        0.0 => Date::ymd(zone, y - 1.0, 11.0, 29.0),
        1.0 => *jan4,
        2.0 => Date::ymd(zone, y, 0.0, 3.0),
        3.0 => Date::ymd(zone, y, 0.0, 2.0),
        4.0 => Date::ymd(zone, y, 0.0, 1.0),
        5.0 => Date::ymd(zone, y - 1.0, 11.0, 31.0),
        6.0 => Date::ymd(zone, y - 1.0, 11.0, 30.0),
        _ => return None,
    })
}

const THROWS: &str = "a date out of JavaScript's range";

/// `getWeekBasedYear(date)`
fn week_based_year(zone: &Zone, t: &JsTm) -> Result<f64, String> {
    let this = add_days(Date::ymd(zone, t.year + 1900.0, 0.0, 1.0), t.yday);
    let y = this.full_year();
    let this_start = first_week_start(zone, &Date::ymd(zone, y, 0.0, 4.0)).ok_or(THROWS)?;
    let next_start = first_week_start(zone, &Date::ymd(zone, y + 1.0, 0.0, 4.0)).ok_or(THROWS)?;
    Ok(if compare_by_day(&this_start, &this) <= 0 {
        if compare_by_day(&next_start, &this) <= 0 {
            y + 1.0
        } else {
            y
        }
    } else {
        y - 1.0
    })
}

/// `%U` (first day `weekday` 0) and `%W` (1), as JS computes them from
/// January 1 of `jan1_year`.
fn week_number(zone: &Zone, t: &JsTm, jan1_year: f64, weekday: f64) -> String {
    let jan1 = Date::ymd(zone, jan1_year, 0.0, 1.0);
    let jd = jan1.day();
    let first = if jd == weekday {
        jan1
    } else if weekday == 0.0 {
        add_days(jan1, 7.0 - jd)
    } else {
        add_days(jan1, if jd == 0.0 { 1.0 } else { 7.0 - jd + 1.0 })
    };
    let end = Date::ymd(zone, t.year + 1900.0, t.mon, t.mday);
    if compare_by_day(&first, &end) < 0 {
        let ef = end.fields();
        let feb1_to_end_month = array_sum(month_days(ef.year), ef.month - 1.0) - 31.0;
        let first_to_end_jan = 31.0 - first.date();
        let days = first_to_end_jan + feb1_to_end_month + ef.date;
        return nulls((days / 7.0).ceil(), 2);
    }
    if compare_by_day(&first, &jan1) == 0 {
        "01"
    } else {
        "00"
    }
    .into()
}

fn iso_week(zone: &Zone, t: &JsTm) -> Result<String, String> {
    let this_start =
        first_week_start(zone, &Date::ymd(zone, t.year + 1900.0, 0.0, 4.0)).ok_or(THROWS)?;
    let next_start =
        first_week_start(zone, &Date::ymd(zone, t.year + 1901.0, 0.0, 4.0)).ok_or(THROWS)?;
    let end = add_days(Date::ymd(zone, t.year + 1900.0, 0.0, 1.0), t.yday);
    if compare_by_day(&end, &this_start) < 0 {
        return Ok("53".into());
    }
    if compare_by_day(&next_start, &end) <= 0 {
        return Ok("01".into());
    }
    let diff = if this_start.full_year() < t.year + 1900.0 {
        t.yday + 32.0 - this_start.date()
    } else {
        t.yday + 1.0 - this_start.date()
    };
    Ok(nulls((diff / 7.0).ceil(), 2))
}

/// `String.prototype.substring(2)`
fn from_third(s: String) -> String {
    let units: Vec<u16> = s.encode_utf16().skip(2).collect();
    String::from_utf16_lossy(&units)
}

fn convert(zone: &Zone, rule: &str, t: &JsTm) -> Result<String, String> {
    let name = |names: &[&'static str], i: f64| -> Option<&'static str> {
        (i >= 0.0 && i.fract() == 0.0)
            .then(|| names.get(i as usize).copied())
            .flatten()
    };
    let year = t.year + 1900.0;
    Ok(match rule {
        "%a" => {
            name(&WEEKDAYS, t.wday).ok_or_else(|| format!("%a of tm_wday {}", t.wday))?[..3].into()
        }
        "%A" => name(&WEEKDAYS, t.wday).unwrap_or("undefined").into(),
        "%b" => name(&MONTHS, t.mon).ok_or_else(|| format!("%b of tm_mon {}", t.mon))?[..3].into(),
        "%B" => name(&MONTHS, t.mon).unwrap_or("undefined").into(),
        "%C" => nulls(to_int32(year / 100.0).into(), 2),
        "%d" => nulls(t.mday, 2),
        "%e" => leading(t.mday, 2, ' '),
        "%g" => from_third(num_to_string(week_based_year(zone, t)?)),
        "%G" => num_to_string(week_based_year(zone, t)?),
        "%H" => nulls(t.hour, 2),
        "%I" => {
            let h = if t.hour == 0.0 {
                12.0
            } else if t.hour > 12.0 {
                t.hour - 12.0
            } else {
                t.hour
            };
            nulls(h, 2)
        }
        "%j" => nulls(t.mday + array_sum(month_days(year), t.mon - 1.0), 3),
        "%m" => nulls(t.mon + 1.0, 2),
        "%M" => nulls(t.min, 2),
        "%n" => "\n".into(),
        "%p" => if t.hour >= 0.0 && t.hour < 12.0 {
            "AM"
        } else {
            "PM"
        }
        .into(),
        "%S" => nulls(t.sec, 2),
        "%t" => "\t".into(),
        "%u" => num_to_string(if t.wday == 0.0 { 7.0 } else { t.wday }),
        "%U" => week_number(zone, t, year, 0.0),
        "%V" => iso_week(zone, t)?,
        "%w" => num_to_string(t.wday),
        "%W" => week_number(zone, t, t.year, 1.0),
        "%y" => from_third(num_to_string(year)),
        "%Y" => num_to_string(year),
        "%z" => {
            let ahead = t.gmtoff >= 0.0;
            let mut off = t.gmtoff.abs() / 60.0;
            off = (off / 60.0) * 100.0 + (off % 60.0);
            let digits = format!("0000{}", num_to_string(off));
            let units: Vec<u16> = digits.encode_utf16().collect();
            let tail = String::from_utf16_lossy(&units[units.len() - 4..]);
            format!("{}{tail}", if ahead { '+' } else { '-' })
        }
        "%Z" => t.zone.to_string(),
        "%%" => "%".into(),
        _ => unreachable!("conversion {rule} has no rule"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn f(format: &str, t: &Tm) -> String {
        strftime(&Zone::utc(), format, t, "UTC").unwrap()
    }

    #[test]
    fn simple_conversions() {
        // Thursday 1970-01-01 00:07:05
        let t = tm(70, 0, 1, 0, 4, 0);
        assert_eq!(f("%Y-%m-%d %H:%M:%S", &t), "1970-01-01 00:07:05");
        assert_eq!(f("%a %A %b %B %h", &t), "Thu Thursday Jan January Jan");
        assert_eq!(f("%y %C %e %p %I %j %u %w", &t), "70 19  1 AM 12 001 4 4");
        assert_eq!(
            f("%c|%x|%X|%D|%F|%T|%R|%r", &t),
            "Thu Jan 01 00:07:05 1970|01/01/70|00:07:05|01/01/70|1970-01-01|00:07:05|00:07|12:07:05 AM"
        );
        assert_eq!(
            f("[%n][%t][%%][%Z][%z][%Q][%]", &t),
            "[\n][\t][%][UTC][+0000][%Q][%]"
        );
        // Tuesday 2000-02-29 13:07:05
        let t = tm(100, 1, 29, 13, 2, 59);
        assert_eq!(
            f("%j %U %W %V %G %g %u %I %p", &t),
            "060 09 08 09 2000 00 2 01 PM"
        );
    }

    #[test]
    fn javascript_quirks() {
        let t = tm(70, 0, 1, 0, 4, 0);
        assert_eq!(
            f("%%c %%Y %Ec %EY %Oy", &t),
            "%a Jan 01 00:07:05 1970 %Y %c 1970 70"
        );
        // Sunday 2023-01-08 starts week 02 by C; JS says 01. %W counts from
        // January 1 of the year 123.
        assert_eq!(f("%U %W %V %G", &tm(123, 0, 8, 0, 0, 7)), "01 01 01 2023");
        assert_eq!(f("%U %W %V %G", &tm(123, 0, 1, 0, 0, 0)), "01 00 53 2022");
        // Monday 2024-01-01: ISO week "00".
        assert_eq!(f("%V %G", &tm(124, 0, 1, 0, 1, 0)), "00 2024");
        // Minutes as hundredths of an hour in %z.
        let mut t = tm(124, 11, 31, 23, 2, 365);
        t.gmtoff = 19_800;
        assert_eq!(f("%z", &t), "+0580");
        t.gmtoff = -12_600;
        assert_eq!(f("%z", &t), "-0380");
        t.gmtoff = 30;
        assert_eq!(f("%z", &t), "+3335");
        // Two-digit years and out-of-range fields.
        assert_eq!(f("%Y %y %C", &tm(-1850, 0, 1, 0, 0, 0)), "50  00");
        assert_eq!(f("%Y %y %C", &tm(-2050, 0, 1, 0, 0, 0)), "-150 50 -1");
        assert_eq!(
            f("%j %A %B %u", &tm(70, 13, 1, 0, 9, 0)),
            "NaN undefined undefined 9"
        );
        assert!(strftime(&Zone::utc(), "%a", &tm(70, 0, 1, 0, 7, 0), "").is_err());
        assert!(strftime(&Zone::utc(), "%b", &tm(70, -1, 1, 0, 0, 0), "").is_err());
        assert!(strftime(&Zone::utc(), "%V", &tm(400_000, 0, 1, 0, 0, 0), "").is_err());
    }

    #[test]
    fn long_formats() {
        let t = tm(70, 0, 1, 0, 4, 0);
        let n = 20_000;
        assert_eq!(f(&"%c".repeat(n), &t), "Thu Jan 01 00:07:05 1970".repeat(n));
        assert_eq!(f(&"%%".repeat(n), &t), "%".repeat(n));
        assert_eq!(f(&"%".repeat(2 * n + 1), &t), "%".repeat(n + 1));
        assert_eq!(f(&"x".repeat(2 * n), &t), "x".repeat(2 * n));
    }

    #[test]
    fn results_longer_than_javascript_strings() {
        let t = tm(70, 0, 1, 0, 4, 0);
        let f = |format: &str, zone: &str| strftime(&Zone::utc(), format, &t, zone);
        // "$`" inserts all that comes before the match: 30,000 zone names of
        // 30,000 copies of up to 60,000 characters would be 10^13.
        assert!(f(&"%Z".repeat(30_000), &"$`".repeat(30_000)).is_err());
        // 2^29 UTF-16 units, past V8's longest string (JS throws a
        // RangeError); 2^26 are built.
        let zone = "\u{e9}".repeat(1 << 16);
        assert!(f(&"%Z".repeat(1 << 13), &zone).is_err());
        let out = f(&format!("{}%%", "%Z".repeat(1 << 10)), &zone).unwrap();
        assert_eq!(
            (out.len(), out.chars().count()),
            ((1 << 27) + 1, (1 << 26) + 1)
        );
    }

    #[test]
    fn dollar_patterns_in_zone_names() {
        let t = tm(70, 0, 1, 0, 4, 0);
        assert_eq!(
            strftime(&Zone::utc(), "<%Z>", &t, "a$&b$$").unwrap(),
            "<a%Zb$>"
        );
        assert_eq!(replace_all("xAy", "A", "[$`|$']").unwrap(), "x[x|y]y");
        assert_eq!(replace_all("éAüA", "A", "$'.$$&$").unwrap(), "éüA.$&$ü.$&$");
    }
}
