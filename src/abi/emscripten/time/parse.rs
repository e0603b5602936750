//! `strptime` as Emscripten 3.1's `library.js` implements it: the format
//! becomes a JavaScript regular expression (special characters escaped,
//! composite conversions expanded once, the first occurrence of each
//! conversion turned into a capturing group, later ones dropped), matched
//! case-insensitively at the start of the input; the captured fields then
//! build a local JS `Date`. Its quirks are kept: `%j` sets the day of the
//! month to the day of the year minus 334, `12 PM` is hour 24, two-digit
//! `%Y` values are 19xx, and unparsed fields come from `tm` clamped to JS
//! defaults. Where JS would throw (a format the conversion leaves as an
//! invalid expression) or loop forever (a trailing `%`), this gives `None`.

use std::collections::HashMap;

use super::Tm;
use super::jsdate::{Date, add_days, array_sum, month_days, to_int32};
use super::regex::Regex;
use super::zone::Zone;

/// Characters escaped in the format, in this order.
const SPECIAL_CHARS: &str = "\\!@#$^&*()+=-[]/{}|:<>?,.";

/// Composite conversions, first occurrence only, in this order.
const EQUIVALENT_MATCHERS: &[(&str, &str)] = &[
    ("%A", "%a"),
    ("%B", "%b"),
    ("%c", "%a %b %d %H:%M:%S %Y"),
    ("%D", "%m\\/%d\\/%y"),
    ("%e", "%d"),
    ("%F", "%Y-%m-%d"),
    ("%h", "%b"),
    ("%R", "%H\\:%M"),
    ("%r", "%I\\:%M\\:%S\\s%p"),
    ("%T", "%H\\:%M\\:%S"),
    ("%x", "%m\\/%d\\/(?:%y|%Y)"),
    ("%X", "%H\\:%M\\:%S"),
];

/// What each conversion matches, in this order.
const DATE_PATTERNS: &[(&str, &str)] = &[
    (
        "%a",
        "(?:Sun(?:day)?)|(?:Mon(?:day)?)|(?:Tue(?:sday)?)|(?:Wed(?:nesday)?)|(?:Thu(?:rsday)?)|(?:Fri(?:day)?)|(?:Sat(?:urday)?)",
    ),
    (
        "%b",
        "(?:Jan(?:uary)?)|(?:Feb(?:ruary)?)|(?:Mar(?:ch)?)|(?:Apr(?:il)?)|May|(?:Jun(?:e)?)|(?:Jul(?:y)?)|(?:Aug(?:ust)?)|(?:Sep(?:tember)?)|(?:Oct(?:ober)?)|(?:Nov(?:ember)?)|(?:Dec(?:ember)?)",
    ),
    ("%C", "\\d\\d"),
    ("%d", "0[1-9]|[1-9](?!\\d)|1\\d|2\\d|30|31"),
    ("%H", "\\d(?!\\d)|[0,1]\\d|20|21|22|23"),
    ("%I", "\\d(?!\\d)|0\\d|10|11|12"),
    (
        "%j",
        "00[1-9]|0?[1-9](?!\\d)|0?[1-9]\\d(?!\\d)|[1,2]\\d\\d|3[0-6]\\d",
    ),
    ("%m", "0[1-9]|[1-9](?!\\d)|10|11|12"),
    ("%M", "0\\d|\\d(?!\\d)|[1-5]\\d"),
    ("%n", "\\s"),
    ("%p", "AM|am|PM|pm|A\\.M\\.|a\\.m\\.|P\\.M\\.|p\\.m\\."),
    ("%S", "0\\d|\\d(?!\\d)|[1-5]\\d|60"),
    ("%U", "0\\d|\\d(?!\\d)|[1-4]\\d|50|51|52|53"),
    ("%W", "0\\d|\\d(?!\\d)|[1-4]\\d|50|51|52|53"),
    ("%w", "[0-6]"),
    ("%y", "\\d\\d"),
    ("%Y", "\\d\\d\\d\\d"),
    ("%%", "%"),
    ("%t", "\\s"),
];

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS_SUN_FIRST: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const DAYS_MON_FIRST: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

fn replace_first(s: &str, from: &str, to: &str) -> String {
    s.replacen(from, to, 1)
}

/// The regular expression source and the conversion letter of each group.
fn compile(format: &str) -> Option<(String, Vec<char>)> {
    let mut pattern = format.to_string();
    for c in SPECIAL_CHARS.chars() {
        pattern = pattern.replace(c, &format!("\\{c}"));
    }
    for (from, to) in EQUIVALENT_MATCHERS {
        pattern = replace_first(&pattern, from, to);
    }
    for (from, to) in DATE_PATTERNS {
        pattern = replace_first(&pattern, from, &format!("({from}{to})"));
    }
    drop_markers(&pattern)
}

/// Takes the conversion markers out of the pattern as library.js does:
/// while a `%` is left, the character after the first one is the next
/// capture, and one pass removes every `%` followed by it (a JS
/// `replace(/\%c/g, '')`), which can bring new pairs together. JS rereads
/// the whole pattern for each capture; a format of thousands of different
/// conversions would make that quadratic, so the pattern is a linked list
/// here, its `%`-and-next-character pairs listed by that character.
fn drop_markers(pattern: &str) -> Option<(String, Vec<char>)> {
    const NONE: usize = usize::MAX;
    let chars: Vec<char> = pattern.chars().collect();
    let n = chars.len();
    let mut next: Vec<usize> = (1..=n).map(|i| if i < n { i } else { NONE }).collect();
    let mut prev: Vec<usize> = (0..n).map(|i| i.checked_sub(1).unwrap_or(NONE)).collect();
    let mut alive = vec![true; n];
    let mut pairs: HashMap<char, Vec<(usize, usize)>> = HashMap::new();
    for i in 1..n {
        if chars[i - 1] == '%' {
            pairs.entry(chars[i]).or_default().push((i - 1, i));
        }
    }
    // Removing only ever takes characters away, so the first `%` left
    // never lies before the last one found.
    let percents: Vec<usize> = (0..n).filter(|&i| chars[i] == '%').collect();
    let mut first = 0;
    let mut capture = Vec::new();
    loop {
        while first < percents.len() && !alive[percents[first]] {
            first += 1;
        }
        let Some(&p) = percents.get(first) else {
            break;
        };
        // JS removes `new RegExp('\\%' + c, 'g')`; with c special that
        // throws or misbehaves, and with no c at all it loops forever.
        let c = *chars.get(next[p])?;
        if "\\()[]{}^$.|?*+".contains(c) {
            return None;
        }
        capture.push(c);
        // The pairs there were when the pass began, left to right (which
        // only matters for "%%%", where the first two go).
        let mut found = pairs.remove(&c).unwrap_or_default();
        found.sort_unstable();
        for (a, b) in found {
            if !(alive[a] && alive[b] && next[a] == b) {
                continue;
            }
            alive[a] = false;
            alive[b] = false;
            let (before, after) = (prev[a], next[b]);
            if before != NONE {
                next[before] = after;
            }
            if after != NONE {
                prev[after] = before;
            }
            if before != NONE && after != NONE && chars[before] == '%' {
                pairs.entry(chars[after]).or_default().push((before, after));
            }
        }
    }
    let left = chars.iter().zip(&alive).filter(|&(_, &a)| a);
    Some((left.map(|(&c, _)| c).collect(), capture))
}

/// `parseInt` of a matched run of digits.
fn int(s: &str) -> f64 {
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse::<f64>().unwrap_or(f64::NAN)
}

/// Parses `input` by `format` into `tm`; the number of UTF-8 bytes matched,
/// or `None` when it does not match.
pub fn strptime(zone: &Zone, input: &str, format: &str, tm: &mut Tm) -> Option<usize> {
    let (pattern, capture) = compile(format)?;
    let re = Regex::new(&format!("^{pattern}"), true).ok()?;
    let matches = re.match_start(input)?;
    let get = |symbol: char| -> Option<&str> {
        let pos = capture.iter().position(|&c| c == symbol)?;
        matches
            .get(pos + 1)
            .and_then(|m| m.as_deref())
            .filter(|v| !v.is_empty())
    };

    let fixup = |v: i32, min: f64, max: f64| f64::from(v).clamp(min, max);
    let mut year = (f64::from(tm.year) + 1900.0).clamp(1970.0, 9999.0);
    let mut month = fixup(tm.mon, 0.0, 11.0);
    let mut day = fixup(tm.mday, 1.0, 31.0);
    let mut hour = fixup(tm.hour, 0.0, 23.0);
    let mut min = fixup(tm.min, 0.0, 59.0);
    let mut sec = fixup(tm.sec, 0.0, 59.0);

    if let Some(v) = get('S') {
        sec = int(v);
    }
    if let Some(v) = get('M') {
        min = int(v);
    }
    if let Some(v) = get('H') {
        hour = int(v);
    } else if let Some(v) = get('I') {
        let pm = get('p').is_some_and(|p| p.to_uppercase().starts_with('P'));
        hour = int(v) + if pm { 12.0 } else { 0.0 };
    }
    if let Some(v) = get('Y') {
        year = int(v);
    } else if let Some(v) = get('y') {
        let mut y = int(v);
        match get('C') {
            Some(c) => y += int(c) * 100.0,
            None => y += if y < 69.0 { 2000.0 } else { 1900.0 },
        }
        year = y;
    }
    if let Some(v) = get('m') {
        month = int(v) - 1.0;
    } else if let Some(v) = get('b') {
        let key: String = v.chars().take(3).collect::<String>().to_uppercase();
        month = MONTHS.iter().position(|&m| m == key).unwrap_or(0) as f64;
    }
    if let Some(v) = get('d') {
        day = int(v);
    } else if let Some(v) = get('j') {
        let yday = int(v);
        let days = month_days(year);
        for m in 0..12 {
            let until = array_sum(days, f64::from(m) - 1.0);
            if yday <= until + days[m as usize] {
                day = yday - until;
            }
        }
    } else if let Some(v) = get('a') {
        let weekday: String = v.chars().take(3).collect::<String>().to_uppercase();
        let jan1 = Date::ymd(zone, year, 0.0, 1.0);
        let by = |names: &[&str; 7]| names.iter().position(|&d| *d == weekday).map(|i| i as f64);
        let end = if let Some(u) = get('U') {
            let wd = by(&DAYS_SUN_FIRST).unwrap_or(f64::NAN);
            let week = int(u);
            Some(if jan1.day() == 0.0 {
                add_days(jan1, wd + 7.0 * (week - 1.0))
            } else {
                add_days(jan1, 7.0 - jan1.day() + wd + 7.0 * (week - 1.0))
            })
        } else if let Some(w) = get('W') {
            let wd = by(&DAYS_MON_FIRST).unwrap_or(f64::NAN);
            let week = int(w);
            Some(if jan1.day() == 1.0 {
                add_days(jan1, wd + 7.0 * (week - 1.0))
            } else {
                add_days(jan1, 7.0 - jan1.day() + 1.0 + wd + 7.0 * (week - 1.0))
            })
        } else {
            None
        };
        if let Some(end) = end {
            day = end.date();
            month = end.fields().month;
        }
    }

    let full = Date::local(zone, year, month, day, hour, min, sec);
    let f = full.fields();
    tm.sec = to_int32(f.seconds);
    tm.min = to_int32(f.minutes);
    tm.hour = to_int32(f.hours);
    tm.mday = to_int32(f.date);
    tm.mon = to_int32(f.month);
    tm.year = to_int32(f.year - 1900.0);
    tm.wday = to_int32(f.day);
    tm.yday = to_int32(array_sum(month_days(f.year), f.month - 1.0) + f.date - 1.0);
    tm.isdst = 0;
    Some(matches[0].as_deref().unwrap_or("").len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str, format: &str) -> Option<(usize, Tm)> {
        let mut tm = Tm::default();
        strptime(&Zone::utc(), input, format, &mut tm).map(|n| (n, tm))
    }

    fn ymdhms(t: &Tm) -> (i32, i32, i32, i32, i32, i32) {
        (t.year, t.mon, t.mday, t.hour, t.min, t.sec)
    }

    #[test]
    fn compiles_like_library_js() {
        let (re, caps) = compile("%Y-%m-%d").unwrap();
        assert_eq!(
            re,
            "(\\d\\d\\d\\d)\\-(0[1-9]|[1-9](?!\\d)|10|11|12)\\-(0[1-9]|[1-9](?!\\d)|1\\d|2\\d|30|31)"
        );
        assert_eq!(caps, vec!['Y', 'm', 'd']);
        // The second %d is dropped, not matched.
        assert_eq!(compile("%d/%d").unwrap().1, vec!['d']);
        assert!(compile("50%").is_none());
        assert!(compile("%%a").is_none());
    }

    #[test]
    fn common_formats() {
        let (n, t) = parse("2023-11-14 22:13:20 rest", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(n, 19);
        assert_eq!(ymdhms(&t), (123, 10, 14, 22, 13, 20));
        assert_eq!((t.wday, t.yday, t.isdst), (2, 317, 0));
        let (n, t) = parse("Tue, 29 feb 2000 01:02:03 PM", "%a, %d %b %Y %r").unwrap();
        assert_eq!(n, 28);
        assert_eq!(ymdhms(&t), (100, 1, 29, 13, 2, 3));
        let (_, t) = parse("12/31/99", "%D").unwrap();
        assert_eq!((t.year, t.mon, t.mday), (99, 11, 31));
        let (_, t) = parse("1/2/03", "%x").unwrap();
        assert_eq!((t.year, t.mon, t.mday), (103, 0, 2));
        assert!(parse("2023-13-01", "%Y-%m-%d").is_none());
        assert!(parse("x2023", "%Y").is_none());
    }

    #[test]
    fn javascript_quirks() {
        // %j: the day of the month becomes yday - 334 (then normalised).
        let (_, t) = parse("2023 045", "%Y %j").unwrap();
        assert_eq!((t.year, t.mon, t.mday), (122, 2, 17));
        // 12 PM is hour 24: the next day.
        let (_, t) = parse("2023-01-01 12:00 PM", "%Y-%m-%d %I:%M %p").unwrap();
        assert_eq!((t.mday, t.hour), (2, 0));
        // A four-digit year below 100 is a 19xx year.
        let (_, t) = parse("0050", "%Y").unwrap();
        assert_eq!(t.year, 50);
        // Unparsed fields: tm's, clamped (tm_year 0 is 1900, clamped to 1970).
        let (_, t) = parse("10", "%H").unwrap();
        assert_eq!(ymdhms(&t), (70, 0, 1, 10, 0, 0));
        // Week number and weekday. With %W and January 1 a Sunday, JS
        // counts from the Monday after the next: March 13, not 6.
        let (_, t) = parse("2023 10 Mon", "%Y %W %a").unwrap();
        assert_eq!((t.mon, t.mday, t.wday, t.yday), (2, 13, 1, 71));
        let (_, t) = parse("2023 10 Monday", "%Y %U %A").unwrap();
        assert_eq!((t.mon, t.mday), (2, 6));
    }

    #[test]
    fn long_formats_and_inputs() {
        const N: usize = 30_000;
        // Only the first %Y becomes a group; the others are dropped.
        let (n, t) = parse(&"2023".repeat(N / 2), &"%Y".repeat(N / 2)).unwrap();
        assert_eq!((n, t.year), (4, 123));
        // Literals, case-insensitive.
        let (n, _) = parse(&format!("{}rest", "A".repeat(N)), &"a".repeat(N)).unwrap();
        assert_eq!(n, N);
        assert!(parse(&"a".repeat(N - 1), &"a".repeat(N)).is_none());
        assert!(
            parse(
                &format!("{}c", "a".repeat(N)),
                &format!("{}b", "a".repeat(N))
            )
            .is_none()
        );
        // A space matches one whitespace character, as in the JS.
        let (n, t) = parse(
            &format!("{}5", " ".repeat(N)),
            &format!("{}%d", " ".repeat(N)),
        )
        .unwrap();
        assert_eq!((n, t.mday), (N + 1, 5));
        let (n, _) = parse(&"\t".repeat(N), &"%t".repeat(N / 2)).unwrap();
        assert_eq!(n, 1);
        // Special characters, each escaped in the pattern.
        let (n, _) = parse(&"(.)[*]".repeat(N), &"(.)[*]".repeat(N)).unwrap();
        assert_eq!(n, 6 * N);
        // JS throws on "%%" (the pattern is left with "%)").
        assert!(parse(&"%".repeat(N), &"%%".repeat(N / 2)).is_none());
        assert!(parse("", &"%".repeat(N + 1)).is_none());
        // A date, then a long tail; then a million characters.
        let input = format!("2024-02-29{}!", "x".repeat(N));
        let (n, t) = parse(&input, &format!("%Y-%m-%d{}", "x".repeat(N))).unwrap();
        assert_eq!((n, t.year, t.mon, t.mday), (N + 10, 124, 1, 29));
        let big = "ab".repeat(500_000);
        assert_eq!(parse(&big, &big).map(|r| r.0), Some(1_000_000));
        let (n, t) = parse(&format!("{big}Sunday 12"), &format!("{big}%a %H")).unwrap();
        assert_eq!((n, t.hour), (1_000_009, 12));
    }

    #[test]
    fn many_distinct_conversions() {
        // 30,000 unknown conversions, all different: a pass over the whole
        // pattern for each would be quadratic.
        const N: u32 = 30_000;
        let format: String = (0..N)
            .map(|i| format!("%{}", char::from_u32(0x100 + i).unwrap()))
            .collect();
        let (re, caps) = compile(&format).unwrap();
        assert_eq!((re.as_str(), caps.len()), ("", N as usize));
        assert_eq!(parse("anything", &format).map(|r| r.0), Some(0));
    }

    /// The marker removal as library.js writes it: a pass over the whole
    /// pattern for each capture.
    fn drop_markers_as_js(mut pattern: String) -> Option<(String, Vec<char>)> {
        let mut capture = Vec::new();
        while let Some(i) = pattern.find('%') {
            let c = pattern[i + 1..].chars().next()?;
            if "\\()[]{}^$.|?*+".contains(c) {
                return None;
            }
            capture.push(c);
            pattern = pattern.replace(&format!("%{c}"), "");
        }
        Some((pattern, capture))
    }

    #[test]
    fn marker_removal_as_library_js() {
        // Every string of up to 7 characters from an alphabet where "%"
        // pairs overlap and removals join new pairs.
        let alphabet = ['%', 'a', 'b', ')'];
        let mut strings = vec![String::new()];
        for _ in 0..7 {
            let longer: Vec<String> = strings
                .iter()
                .filter(|s| s.len() == strings.last().map_or(0, String::len))
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
        }
        for s in &strings {
            assert_eq!(drop_markers(s), drop_markers_as_js(s.clone()), "{s:?}");
        }
    }
}
