use super::*;

/// A C library whose `localtime` is UTC's.
struct Utc;

impl Env for Utc {
    fn localtime(&mut self, t: i64) -> Option<Tm> {
        crate::abi::time::calendar::offtime(t, 0)
    }
}

/// The `struct tm` the parses start from: 2023-06-15 07:08:09.
fn start() -> Tm {
    Tm {
        sec: 9,
        min: 8,
        hour: 7,
        mday: 15,
        mon: 5,
        year: 123,
        ..Tm::default()
    }
}

fn parse(input: &str, format: &str) -> (Option<usize>, Tm) {
    let mut tm = start();
    let n = strptime(input.as_bytes(), format.as_bytes(), &mut tm, &mut Utc);
    (n, tm)
}

fn ymd_hms(t: &Tm) -> [i32; 6] {
    [t.year, t.mon, t.mday, t.hour, t.min, t.sec]
}

#[test]
fn common_formats() {
    let (n, t) = parse("2023-11-14 22:13:20 rest", "%Y-%m-%d %H:%M:%S");
    assert_eq!(n, Some(19));
    assert_eq!(ymd_hms(&t), [123, 10, 14, 22, 13, 20]);
    assert_eq!((t.wday, t.yday), (2, 317));
    let (n, t) = parse("Tue, 29 feb 2000 01:02:03 PM", "%a, %d %b %Y %r");
    assert_eq!(n, Some(28));
    assert_eq!(ymd_hms(&t), [100, 1, 29, 13, 2, 3]);
    let (n, t) = parse("Thu Jan  1 00:00:00 1970", "%c");
    assert_eq!((n, t.wday, t.yday), (Some(24), 4, 0));
    // A time alone leaves the date and its weekday alone.
    let (_, t) = parse("15:30:45", "%T");
    assert_eq!((ymd_hms(&t), t.wday), ([123, 5, 15, 15, 30, 45], 0));
    assert_eq!(parse("2023-13-01", "%F").0, None);
    assert_eq!(parse("x2023", "%Y").0, None);
    let (n, t) = parse("+05:30 x", "%z %Z");
    assert_eq!((n, t.gmtoff), (Some(8), 19_800));
    let (n, t) = parse("1700000000", "%s");
    assert_eq!((n, ymd_hms(&t)), (Some(10), [123, 10, 14, 22, 13, 20]));
}

#[test]
fn glibc_quirks() {
    // %Ey reads a year, then wants a two-digit year after it.
    let (n, t) = parse("1", "%Ey");
    assert_eq!((n, t.year), (None, 1));
    assert_eq!(parse("2024 24", "%Ey").1.year, 124);
    // The first %O settles on the locale, which has no alternative
    // digits for the next one.
    assert_eq!(parse("12:34", "%OH:%M").0, Some(5));
    assert_eq!(parse("12:34", "%OH:%OM").0, None);
    // The weekday pass that skips ahead.
    let (n, t) = parse("SunSat", "%a");
    assert_eq!((n, t.wday), (Some(6), 6));
    assert_eq!(parse("Tues", "%a").0, Some(3));
    // %j alone gives the month and day; %U with a weekday, the date.
    let (_, t) = parse("2024-060", "%Y-%j");
    assert_eq!((t.mon, t.mday, t.wday), (1, 29, 4));
    let (_, t) = parse("2024 9 3", "%Y %U %w");
    assert_eq!((t.mon, t.mday, t.yday), (2, 6, 65));
}

#[test]
fn long_formats_and_inputs() {
    const N: usize = 30_000;
    let a = "a".repeat(N);
    assert_eq!(parse(&format!("{a}rest"), &a).0, Some(N));
    assert_eq!(parse(&"a".repeat(N - 1), &a).0, None);
    let (n, t) = parse(
        &format!("2024-02-29{}!", "x".repeat(N)),
        &format!("%Y-%m-%d{}", "x".repeat(N)),
    );
    assert_eq!((n, t.year, t.mon, t.mday), (Some(N + 10), 124, 1, 29));
    let (n, t) = parse(
        &format!("{}5", " ".repeat(N)),
        &format!("{}%d", " ".repeat(N)),
    );
    assert_eq!((n, t.mday), (Some(N + 1), 5));
    let format = "%Y".repeat(N);
    assert_eq!(parse(&"2023".repeat(N), &format).0, Some(4 * N));
    let big = "ab".repeat(500_000);
    assert_eq!(parse(&big, &big).0, Some(1_000_000));
    // Thousands of conversions that each fail at once, and %s of a
    // million digits.
    assert_eq!(parse("", &"%c".repeat(N)).0, None);
    assert!(parse(&"9".repeat(1_000_000), "%s").0.is_some());
}

/// Conversions, alone and in pairs, on inputs that match them, half
/// match them or do not, against the host's glibc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn same_as_glibc() {
    if !super::super::strftime::tests::host_glibc_2_36() {
        eprintln!("host C library is not glibc 2.36: not compared");
        return;
    }
    let mut formats: Vec<String> = Vec::new();
    for c in (b'A'..=b'Z').chain(b'a'..=b'z').chain([b'%', b'+']) {
        if c == b's' {
            continue; // the host's localtime uses the host's zone
        }
        for prefix in ["", "E", "O", "-", "_5"] {
            formats.push(format!("%{prefix}{}", c as char));
        }
    }
    formats.extend(
        [
            "%Y-%m-%d", "%a %b", "%Ey", "%EY", "%EC %y", "%OH:%OM", "%Od %Ey", "%y %C", "%C %y",
            "%Y %j", "%Y %U %a", "%Y %W %a", "%U %a %Y", "%a %W", "%j", "%I %p", "%p %I",
            "%Ex %EX", "%Ec", "%D %T", "%b %d", "%Ob %Oy", "%m %j", " %n%t", "%", "x%", "%E", "%O",
            "%Oe %EC",
        ]
        .map(String::from),
    );
    let inputs = [
        "",
        "2024",
        "1",
        "19 7",
        "7 19",
        "2024 24",
        "Monday",
        "monday",
        "MonSat",
        "SunSat",
        "Tues",
        "TUE 5",
        "Sept",
        "September 9",
        "mayo",
        "12:34:56",
        "12:34:56 PM",
        "pm 3",
        "AM",
        "+05:30",
        "-0330",
        "+0561",
        "Z",
        "+5",
        "  7",
        "366",
        "000",
        "060",
        "2024 9 Wed",
        "2023 10 Mon",
        "Thu Jan  1 00:00:00 1970",
        "01/02/03 04:05:06",
        "53",
        "99999",
        "%",
        "%%",
        "x",
        " ",
        "\t\n 42",
        "2024-02-30",
        "2023-13-01",
        "7 Sat 2024",
        "Sat 12 2023",
    ];
    for format in &formats {
        let cformat = std::ffi::CString::new(format.as_str()).unwrap();
        for input in inputs {
            let cinput = std::ffi::CString::new(input).unwrap();
            let s = start();
            let mut ctm = libc::tm {
                tm_sec: s.sec,
                tm_min: s.min,
                tm_hour: s.hour,
                tm_mday: s.mday,
                tm_mon: s.mon,
                tm_year: s.year,
                tm_wday: s.wday,
                tm_yday: s.yday,
                tm_isdst: s.isdst,
                tm_gmtoff: 0,
                tm_zone: std::ptr::null(),
            };
            // SAFETY: C strings and a valid struct tm.
            let end = unsafe { libc::strptime(cinput.as_ptr(), cformat.as_ptr(), &mut ctm) };
            let want_n = (!end.is_null()).then(|| end as usize - cinput.as_ptr() as usize);
            let want = [
                ctm.tm_sec,
                ctm.tm_min,
                ctm.tm_hour,
                ctm.tm_mday,
                ctm.tm_mon,
                ctm.tm_year,
                ctm.tm_wday,
                ctm.tm_yday,
                ctm.tm_isdst,
                ctm.tm_gmtoff as i32,
            ];
            let (n, t) = parse(input, format);
            let got = [
                t.sec, t.min, t.hour, t.mday, t.mon, t.year, t.wday, t.yday, t.isdst, t.gmtoff,
            ];
            assert_eq!(
                (n, got),
                (want_n, want),
                "input {input:?}, format {format:?}"
            );
        }
    }
}
