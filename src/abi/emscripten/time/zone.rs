//! The program's local time zone, from the `TZ` it was given.
//!
//! Local time must not depend on the machine dlrun runs on, so no zone
//! database is read: `TZ` is either one of the names for UTC/GMT (named the
//! way node's ICU names them, so output matches Emscripten under node), or a
//! POSIX TZ string — `std offset [dst [offset] [,start[/time],end[/time]]]`,
//! for example `EST5`, `UTC+2`, `<+0530>-5:30`, `EST5EDT`,
//! `CET-1CEST,M3.5.0,M10.5.0/3`. A DST name without rules gets the US rules
//! (`M3.2.0,M11.1.0`), as glibc does. Anything else (`Europe/Paris`) is
//! unsupported and means UTC.

/// Seconds in a day.
const DAY: i64 = 86_400;

/// A time zone: standard time and optionally daylight saving time with the
/// rules for switching between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    std: Period,
    dst: Option<Dst>,
}

/// One kind of local time: its name and its offset east of UTC, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub name: String,
    pub offset: i32,
}

#[derive(Debug, Clone, PartialEq)]
struct Dst {
    period: Period,
    /// When DST starts, in local standard time.
    start: Rule,
    /// When DST ends, in local daylight time.
    end: Rule,
}

/// A transition: a day of the year and a time of that day (seconds, may be
/// negative or past midnight).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rule {
    day: RuleDay,
    time: i32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RuleDay {
    /// `Jn`: day 1..=365, February 29 never counted.
    NoLeap(u32),
    /// `n`: day 0..=365, February 29 counted.
    Leap(u32),
    /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
    Week { month: u32, week: u32, weekday: u32 },
}

/// Names node's ICU gives the zones that are UTC under other names.
const UTC_NAMES: &[&str] = &[
    "UTC",
    "Etc/UTC",
    "UCT",
    "Etc/UCT",
    "Universal",
    "Etc/Universal",
    "Zulu",
    "Etc/Zulu",
];
const GMT_NAMES: &[&str] = &[
    "GMT",
    "GMT0",
    "GMT+0",
    "GMT-0",
    "Etc/GMT",
    "Etc/GMT0",
    "Etc/GMT+0",
    "Etc/GMT-0",
    "Greenwich",
    "Etc/Greenwich",
];

impl Zone {
    /// UTC, named as node names it.
    pub fn utc() -> Zone {
        Zone::fixed("Coordinated Universal Time", 0)
    }

    fn fixed(name: &str, offset: i32) -> Zone {
        Zone {
            std: Period {
                name: name.to_string(),
                offset,
            },
            dst: None,
        }
    }

    /// The zone `TZ` describes (`None`: unset or empty, meaning UTC). An
    /// unsupported value gives UTC and an explanation.
    pub fn from_tz(tz: Option<&str>) -> (Zone, Option<String>) {
        let Some(tz) = tz.filter(|t| !t.is_empty()) else {
            return (Zone::utc(), None);
        };
        let name = tz.strip_prefix(':').unwrap_or(tz);
        if UTC_NAMES.contains(&name) {
            return (Zone::utc(), None);
        }
        if GMT_NAMES.contains(&name) {
            return (Zone::fixed("Greenwich Mean Time", 0), None);
        }
        match Zone::parse_posix(tz) {
            Some(z) => (z, None),
            None => (
                Zone::utc(),
                Some(format!(
                    "TZ={tz} is not a POSIX TZ string, and dlrun reads no zone database; using UTC"
                )),
            ),
        }
    }

    /// Parses a POSIX TZ string.
    pub fn parse_posix(s: &str) -> Option<Zone> {
        let mut p = Parser {
            s: s.as_bytes(),
            i: 0,
        };
        let std_name = p.name()?;
        let std_off = -p.time(24)?;
        let std = Period {
            name: std_name,
            offset: std_off,
        };
        if p.done() {
            return Some(Zone { std, dst: None });
        }
        let dst_name = p.name()?;
        let dst_off = match p.peek() {
            Some(b'+' | b'-' | b'0'..=b'9') => -p.time(24)?,
            _ => std_off + 3600,
        };
        let (start, end) = if p.done() {
            (
                Rule {
                    day: RuleDay::Week {
                        month: 3,
                        week: 2,
                        weekday: 0,
                    },
                    time: 7200,
                },
                Rule {
                    day: RuleDay::Week {
                        month: 11,
                        week: 1,
                        weekday: 0,
                    },
                    time: 7200,
                },
            )
        } else {
            p.expect(b',')?;
            let start = p.rule()?;
            p.expect(b',')?;
            let end = p.rule()?;
            if !p.done() {
                return None;
            }
            (start, end)
        };
        Some(Zone {
            std,
            dst: Some(Dst {
                period: Period {
                    name: dst_name,
                    offset: dst_off,
                },
                start,
                end,
            }),
        })
    }

    /// The local time kind in effect at `utc` (seconds since the epoch).
    pub fn period_at(&self, utc: i64) -> &Period {
        let Some(dst) = &self.dst else {
            return &self.std;
        };
        // Transitions of the years around the instant; the last one at or
        // before it says which time is in effect.
        let year = civil_from_days((utc + i64::from(self.std.offset)).div_euclid(DAY)).0;
        let mut last: Option<(i64, bool)> = None;
        for y in year - 1..=year + 1 {
            let start = rule_instant(y, dst.start, self.std.offset);
            let end = rule_instant(y, dst.end, dst.period.offset);
            for ev in [(end, false), (start, true)] {
                if ev.0 <= utc && last.is_none_or(|l| (ev.0, ev.1) >= l) {
                    last = Some(ev);
                }
            }
        }
        match last {
            Some((_, true)) => &dst.period,
            _ => &self.std,
        }
    }

    /// The offset east of UTC in effect at `utc`.
    pub fn offset_at(&self, utc: i64) -> i32 {
        self.period_at(utc).offset
    }

    /// The offset to take from local time `local` to get UTC, as V8 picks it
    /// (ICU's "former" choice): a repeated local time is read in the offset
    /// before the transition (the earlier instant), and a skipped one too
    /// (so it lands after the transition).
    pub fn offset_from_local(&self, local: i64) -> i32 {
        let Some(dst) = &self.dst else {
            return self.std.offset;
        };
        let candidates = [self.std.offset, dst.period.offset].map(|o| local - i64::from(o));
        let valid = candidates
            .iter()
            .copied()
            .filter(|&u| i64::from(self.offset_at(u)) == local - u)
            .min();
        match valid {
            Some(u) => (local - u) as i32,
            None => self.offset_at(candidates[0].min(candidates[1])),
        }
    }
}

/// The instant (UTC seconds) rule `r` gives in year `y`, for a rule time
/// counted in local time of offset `offset`.
fn rule_instant(y: i64, r: Rule, offset: i32) -> i64 {
    let jan1 = days_from_civil(y, 1, 1);
    let day = match r.day {
        RuleDay::NoLeap(n) => {
            let n = i64::from(n) - 1;
            jan1 + n + i64::from(is_leap(y) && n >= 59)
        }
        RuleDay::Leap(n) => jan1 + i64::from(n),
        RuleDay::Week {
            month,
            week,
            weekday,
        } => {
            let first = days_from_civil(y, month.into(), 1);
            let first_wd = weekday_of(first);
            let mut mday =
                1 + (i64::from(weekday) - first_wd).rem_euclid(7) + 7 * (i64::from(week) - 1);
            let len = month_len(y, month.into());
            while mday > len {
                mday -= 7;
            }
            first + mday - 1
        }
    };
    day * DAY + i64::from(r.time) - i64::from(offset)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek() == Some(b)).then(|| self.i += 1)
    }
    /// `<...>` or three or more letters.
    fn name(&mut self) -> Option<String> {
        let start = self.i;
        if self.peek() == Some(b'<') {
            self.i += 1;
            while self
                .peek()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
            {
                self.i += 1;
            }
            let name = &self.s[start + 1..self.i];
            self.expect(b'>')?;
            return (name.len() >= 3).then(|| String::from_utf8_lossy(name).into_owned());
        }
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        let name = &self.s[start..self.i];
        (name.len() >= 3).then(|| String::from_utf8_lossy(name).into_owned())
    }
    fn number(&mut self, max: i32) -> Option<i32> {
        let start = self.i;
        let mut v: i32 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            v = v.checked_mul(10)?.checked_add(i32::from(d - b'0'))?;
            self.i += 1;
        }
        (self.i > start && v <= max).then_some(v)
    }
    /// `[+-]hh[:mm[:ss]]` in seconds, hours at most `max_hours`.
    fn time(&mut self, max_hours: i32) -> Option<i32> {
        let sign = match self.peek() {
            Some(b'-') => {
                self.i += 1;
                -1
            }
            Some(b'+') => {
                self.i += 1;
                1
            }
            _ => 1,
        };
        let mut secs = self.number(max_hours)? * 3600;
        if self.expect(b':').is_some() {
            secs += self.number(59)? * 60;
            if self.expect(b':').is_some() {
                secs += self.number(59)?;
            }
        }
        Some(sign * secs)
    }
    fn rule(&mut self) -> Option<Rule> {
        let day = match self.peek()? {
            b'J' => {
                self.i += 1;
                let n = self.number(365)?;
                (n >= 1).then_some(RuleDay::NoLeap(n as u32))?
            }
            b'M' => {
                self.i += 1;
                let month = self.number(12)?;
                self.expect(b'.')?;
                let week = self.number(5)?;
                self.expect(b'.')?;
                let weekday = self.number(6)?;
                if month < 1 || week < 1 {
                    return None;
                }
                RuleDay::Week {
                    month: month as u32,
                    week: week as u32,
                    weekday: weekday as u32,
                }
            }
            _ => RuleDay::Leap(self.number(365)? as u32),
        };
        let time = if self.expect(b'/').is_some() {
            self.time(167)?
        } else {
            7200
        };
        Some(Rule { day, time })
    }
}

/// Whether `y` is a Gregorian leap year.
pub fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Days in month `m` (1..=12) of year `y`.
pub fn month_len(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to year `y`, month `m` (1..=12), day `d` of the
/// proleptic Gregorian calendar.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1..=12, day 1..=31) of a day counted from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Day of the week (0 = Sunday) of a day counted from 1970-01-01.
pub fn weekday_of(days: i64) -> i64 {
    (days + 4).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, m: i64, d: i64, h: i64, mi: i64) -> i64 {
        days_from_civil(y, m, d) * DAY + h * 3600 + mi * 60
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(
            civil_from_days(days_from_civil(-4713, 11, 24)),
            (-4713, 11, 24)
        );
        for d in (-800_000..800_000).step_by(997) {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(weekday_of(0), 4);
        assert_eq!(weekday_of(-1), 3);
        assert!(is_leap(2000) && is_leap(2024) && !is_leap(1900) && !is_leap(2023));
        assert!(is_leap(-4) && is_leap(0) && !is_leap(-100));
    }

    #[test]
    fn names_and_fixed_offsets() {
        let (z, warn) = Zone::from_tz(None);
        assert_eq!(
            (z.std.name.as_str(), z.std.offset, warn),
            ("Coordinated Universal Time", 0, None)
        );
        assert_eq!(Zone::from_tz(Some(":Etc/UTC")).0, Zone::utc());
        assert_eq!(Zone::from_tz(Some("GMT")).0.std.name, "Greenwich Mean Time");
        let z = Zone::from_tz(Some("UTC+2")).0;
        assert_eq!((z.std.name.as_str(), z.std.offset), ("UTC", -7200));
        let z = Zone::from_tz(Some("<+0530>-5:30")).0;
        assert_eq!((z.std.name.as_str(), z.std.offset), ("+0530", 19_800));
        assert_eq!(Zone::from_tz(Some("EST5")).0.offset_at(0), -18_000);
        let (z, warn) = Zone::from_tz(Some("Europe/Paris"));
        assert_eq!(z, Zone::utc());
        assert!(warn.is_some());
        for bad in [
            "E5",
            "EST",
            "EST5EDT,M3.2.0",
            "EST5EDT,M13.1.0,M11.1.0",
            "EST25",
            "<AB>3",
        ] {
            assert!(Zone::parse_posix(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn long_tz_strings() {
        let n = 1_000_000;
        let (z, warn) = Zone::from_tz(Some(&"A".repeat(n)));
        assert_eq!(z, Zone::utc());
        assert!(warn.is_some());
        let z = Zone::parse_posix(&format!("<{}>-1", "B".repeat(n))).unwrap();
        assert_eq!((z.std.name.len(), z.std.offset), (n, 3600));
        let z = Zone::parse_posix(&format!("EST{}5", "0".repeat(n))).unwrap();
        assert_eq!(z.std.offset, -18_000);
        assert!(Zone::parse_posix(&format!("EST5EDT,M3.2.0,M11.1.0{}", ",".repeat(n))).is_none());
    }

    #[test]
    fn us_rules() {
        let z = Zone::from_tz(Some("EST5EDT")).0;
        // 2023: DST from March 12 02:00 EST to November 5 02:00 EDT.
        let start = at(2023, 3, 12, 7, 0);
        assert_eq!(z.offset_at(start - 1), -18_000);
        assert_eq!(z.offset_at(start), -14_400);
        let end = at(2023, 11, 5, 6, 0);
        assert_eq!(z.offset_at(end - 1), -14_400);
        assert_eq!(z.offset_at(end), -18_000);
        assert_eq!(z.period_at(end).name, "EST");
        assert_eq!(z.period_at(start).name, "EDT");
        // Local 02:30 on March 12 does not exist: read as EST, 03:30 EDT.
        let local = days_from_civil(2023, 3, 12) * DAY + 9000;
        assert_eq!(z.offset_from_local(local), -18_000);
        // Local 01:30 on November 5 happens twice: the first, EDT.
        let local = days_from_civil(2023, 11, 5) * DAY + 5400;
        assert_eq!(z.offset_from_local(local), -14_400);
        assert_eq!(
            z.offset_from_local(days_from_civil(2023, 7, 1) * DAY),
            -14_400
        );
    }

    #[test]
    fn southern_and_julian_rules() {
        // New Zealand: DST from the last Sunday of September to the first
        // Sunday of April, 03:00 local daylight time.
        let z = Zone::parse_posix("NZST-12NZDT,M9.5.0,M4.1.0/3").unwrap();
        assert_eq!(z.offset_at(at(2023, 1, 15, 0, 0)), 13 * 3600);
        assert_eq!(z.offset_at(at(2023, 7, 15, 0, 0)), 12 * 3600);
        // 2023-04-02 03:00 NZDT is 2023-04-01 14:00 UTC.
        let end = at(2023, 4, 1, 14, 0);
        assert_eq!(z.offset_at(end - 1), 13 * 3600);
        assert_eq!(z.offset_at(end), 12 * 3600);
        // J60 is March 1 even in leap years; 59 (zero-based) is Feb 29 then.
        let z = Zone::parse_posix("AAA0BBB,J60/0,300/0").unwrap();
        assert_eq!(z.offset_at(at(2024, 2, 29, 23, 59)), 0);
        assert_eq!(z.offset_at(at(2024, 3, 1, 0, 0)), 3600);
        let z = Zone::parse_posix("AAA0BBB,59/0,300/0").unwrap();
        assert_eq!(z.offset_at(at(2024, 2, 29, 0, 0)), 3600);
        // Permanent DST, written the usual way.
        let z = Zone::parse_posix("EST5EDT4,0/0,J365/25").unwrap();
        for m in 1..=12 {
            assert_eq!(z.offset_at(at(2023, m, 1, 0, 0)), -14_400, "month {m}");
        }
    }
}
