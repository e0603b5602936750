//! `struct tm` and the proleptic Gregorian arithmetic glibc does on it.
//!
//! Years reach far past what a date library holds (`tm_year` is any
//! `int`, a 64-bit `time_t` spans 292 billion years), so this is integer
//! arithmetic on `i64`/`i128`, never a library's bounded date type.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The first ten fields of `struct tm`, as both ABIs lay them out (i32
/// each, `tm_gmtoff` included: a `long` in wasm32); `tm_zone`, a pointer,
/// follows at [`TM_ZONE`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tm {
    /// Seconds, normally 0..=60.
    pub sec: i32,
    /// Minutes, 0..=59.
    pub min: i32,
    /// Hours, 0..=23.
    pub hour: i32,
    /// Day of the month, 1..=31.
    pub mday: i32,
    /// Month, 0..=11.
    pub mon: i32,
    /// Years since 1900.
    pub year: i32,
    /// Day of the week, 0 = Sunday.
    pub wday: i32,
    /// Day of the year, 0..=365.
    pub yday: i32,
    /// Daylight saving time: positive, zero, or negative for unknown.
    pub isdst: i32,
    /// Seconds east of UTC.
    pub gmtoff: i32,
}

/// Offset of `tm_zone` in `struct tm` (wasm32).
pub const TM_ZONE: u32 = 40;

impl Tm {
    /// Reads the fields from the bytes there are; missing ones are 0.
    pub fn from_bytes(b: &[u8]) -> Tm {
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

    /// The fields as the program's memory holds them.
    pub fn to_bytes(self) -> [u8; 40] {
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

/// Whether `y` is a Gregorian leap year.
pub fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Days from 1970-01-01 to year `y`, month `m` (1..=12), day `d` of the
/// proleptic Gregorian calendar (Howard Hinnant's algorithm; exact for
/// every year an `i64` day count holds).
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

/// glibc's `__offtime`: the fields of instant `t` seen at `offset` seconds
/// east of UTC, with `tm_gmtoff` set to it and `tm_isdst` 0; `None` where
/// glibc fails with EOVERFLOW (the year does not fit an `int`).
pub fn offtime(t: i64, offset: i32) -> Option<Tm> {
    let local = i128::from(t) + i128::from(offset);
    let days = i64::try_from(local.div_euclid(i128::from(DAY))).ok()?;
    let secs = local.rem_euclid(i128::from(DAY)) as i64;
    let (y, m, d) = civil_from_days(days);
    let year = i32::try_from(y - 1900).ok()?;
    Some(Tm {
        sec: (secs % 60) as i32,
        min: (secs / 60 % 60) as i32,
        hour: (secs / 3600) as i32,
        mday: d as i32,
        mon: (m - 1) as i32,
        year,
        wday: weekday_of(days) as i32,
        yday: (days - days_from_civil(y, 1, 1)) as i32,
        isdst: 0,
        gmtoff: offset,
    })
}

/// Seconds from 1970-01-01 00:00:00 to day `yday` (counted from January 1,
/// any value) of year `year` (years since 1900, any value) at
/// `hour:min:sec`: glibc's `ydhms_diff` against the epoch, which cannot
/// overflow for the `int`-sized fields `mktime` passes.
pub fn ydhms(year: i64, yday: i64, hour: i64, min: i64, sec: i64) -> i64 {
    let days = days_from_civil(year + 1900, 1, 1) + yday;
    ((days * 24 + hour) * 60 + min) * 60 + sec
}

/// The seconds [`ydhms`] gives for `tm`'s own date and time.
pub fn tm_seconds(tm: &Tm) -> i64 {
    ydhms(
        tm.year.into(),
        tm.yday.into(),
        tm.hour.into(),
        tm.min.into(),
        tm.sec.into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
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
    fn offtime_fields() {
        let t = offtime(0, 0).unwrap();
        assert_eq!((t.year, t.mon, t.mday, t.wday, t.yday), (70, 0, 1, 4, 0));
        let t = offtime(951_782_400, 0).unwrap();
        assert_eq!((t.year, t.mon, t.mday, t.wday, t.yday), (100, 1, 29, 2, 59));
        let t = offtime(-1, 0).unwrap();
        assert_eq!(
            (t.year, t.mon, t.mday, t.hour, t.min, t.sec, t.wday, t.yday),
            (69, 11, 31, 23, 59, 59, 3, 364)
        );
        // 1970-01-01 00:00 UTC is 05:30 in Kolkata.
        let t = offtime(0, 19_800).unwrap();
        assert_eq!((t.hour, t.min, t.gmtoff), (5, 30, 19_800));
        // The last second whose year fits an int, and the first that does not.
        let last = ydhms(i64::from(i32::MAX), 364, 23, 59, 59);
        assert_eq!(offtime(last, 0).unwrap().year, i32::MAX);
        assert!(offtime(last + 1, 0).is_none());
        assert!(offtime(i64::MIN, 0).is_none() && offtime(i64::MAX, -1).is_none());
    }

    #[test]
    fn ydhms_inverts_offtime() {
        for t in [0, -1, 951_782_400, i64::from(i32::MIN), 1 << 40, -(1 << 40)] {
            let tm = offtime(t, 0).unwrap();
            assert_eq!(tm_seconds(&tm), t);
        }
        // Out-of-range fields count on: day 400 of 2024 (a leap year) is
        // day 34 of 2025.
        assert_eq!(
            ydhms(124, 400, -5, 0, 0),
            ydhms(125, 34, 0, 0, 0) - 5 * 3600
        );
    }
}
