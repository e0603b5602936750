//! Just enough of JavaScript's `Date` (as V8 implements it) and of JS number
//! semantics to reproduce what Emscripten's JS time functions compute,
//! quirks included. Time values are f64 milliseconds, NaN for an invalid
//! date, as in JS.

use super::zone::{Zone, civil_from_days, days_from_civil, weekday_of};

pub const MS_PER_DAY: f64 = 86_400_000.0;
/// The largest time value a `Date` holds (ECMA-262 TimeClip).
const MAX_TIME: f64 = 8.64e15;

/// ECMA-262 TimeClip.
pub fn time_clip(t: f64) -> f64 {
    if !t.is_finite() || t.abs() > MAX_TIME {
        f64::NAN
    } else {
        t.trunc() + 0.0
    }
}

/// V8's MakeDay: the day number of `date` in `month` of `year`, NaN when
/// the arguments are out of V8's range.
pub fn make_day(year: f64, month: f64, date: f64) -> f64 {
    if !((-1_000_000.0..=1_000_000.0).contains(&year)
        && (-10_000_000.0..=10_000_000.0).contains(&month)
        && date.is_finite())
    {
        return f64::NAN;
    }
    let (mut y, mut m) = (year.trunc() as i64, month.trunc() as i64);
    y += m / 12;
    m %= 12;
    if m < 0 {
        m += 12;
        y -= 1;
    }
    days_from_civil(y, m + 1, 1) as f64 - 1.0 + date.trunc()
}

/// ECMA-262 MakeTime.
pub fn make_time(h: f64, m: f64, s: f64, ms: f64) -> f64 {
    if !(h.is_finite() && m.is_finite() && s.is_finite() && ms.is_finite()) {
        return f64::NAN;
    }
    h.trunc() * 3_600_000.0 + m.trunc() * 60_000.0 + s.trunc() * 1000.0 + ms.trunc()
}

/// ECMA-262 MakeDate.
pub fn make_date(day: f64, time: f64) -> f64 {
    if !(day.is_finite() && time.is_finite()) {
        return f64::NAN;
    }
    time + day * MS_PER_DAY
}

/// `new Date(y, ...)` and `Date.UTC(y, ...)` read years 0..=99 as 1900..=1999.
fn full_year(y: f64) -> f64 {
    let t = y.trunc();
    if (0.0..=99.0).contains(&t) {
        1900.0 + t
    } else {
        y
    }
}

/// `Date.UTC(y, m, d, h, mi, s, 0)`.
pub fn utc(y: f64, m: f64, d: f64, h: f64, mi: f64, s: f64) -> f64 {
    time_clip(make_date(
        make_day(full_year(y), m, d),
        make_time(h, mi, s, 0.0),
    ))
}

/// Broken-down fields of a time value (UTC or local milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fields {
    pub year: f64,
    /// 0..=11
    pub month: f64,
    /// 1..=31
    pub date: f64,
    /// 0 = Sunday
    pub day: f64,
    pub hours: f64,
    pub minutes: f64,
    pub seconds: f64,
    pub ms_in_day: f64,
}

impl Fields {
    const NAN: Fields = Fields {
        year: f64::NAN,
        month: f64::NAN,
        date: f64::NAN,
        day: f64::NAN,
        hours: f64::NAN,
        minutes: f64::NAN,
        seconds: f64::NAN,
        ms_in_day: f64::NAN,
    };

    fn of(t: f64) -> Fields {
        if t.is_nan() {
            return Fields::NAN;
        }
        let day = (t / MS_PER_DAY).floor();
        let in_day = t - day * MS_PER_DAY;
        let (y, m, d) = civil_from_days(day as i64);
        let secs = (in_day / 1000.0).floor();
        Fields {
            year: y as f64,
            month: (m - 1) as f64,
            date: d as f64,
            day: weekday_of(day as i64) as f64,
            hours: (secs / 3600.0).floor(),
            minutes: ((secs / 60.0).floor()) % 60.0,
            seconds: secs % 60.0,
            ms_in_day: in_day,
        }
    }
}

/// A JS `Date` in the program's time zone.
#[derive(Debug, Clone, Copy)]
pub struct Date<'z> {
    t: f64,
    zone: &'z Zone,
}

impl<'z> Date<'z> {
    /// `new Date(t)`.
    pub fn at(zone: &'z Zone, t: f64) -> Self {
        Date {
            t: time_clip(t),
            zone,
        }
    }

    /// `new Date(y, m, d, h, mi, s, 0)` in local time.
    pub fn local(zone: &'z Zone, y: f64, m: f64, d: f64, h: f64, mi: f64, s: f64) -> Self {
        let t = make_date(make_day(full_year(y), m, d), make_time(h, mi, s, 0.0));
        Date {
            t: to_utc(zone, t),
            zone,
        }
    }

    /// `new Date(y, m, d)` in local time.
    pub fn ymd(zone: &'z Zone, y: f64, m: f64, d: f64) -> Self {
        Date::local(zone, y, m, d, 0.0, 0.0, 0.0)
    }

    /// `getTime()`
    pub fn time(&self) -> f64 {
        self.t
    }

    /// The local time value.
    fn local_t(&self) -> f64 {
        if self.t.is_nan() {
            return f64::NAN;
        }
        self.t + f64::from(self.zone.offset_at(secs_of(self.t))) * 1000.0
    }

    /// Local fields (`getFullYear()`, `getMonth()`, ...).
    pub fn fields(&self) -> Fields {
        Fields::of(self.local_t())
    }

    /// UTC fields (`getUTCFullYear()`, ...).
    pub fn utc_fields(&self) -> Fields {
        Fields::of(self.t)
    }

    pub fn full_year(&self) -> f64 {
        self.fields().year
    }
    pub fn date(&self) -> f64 {
        self.fields().date
    }
    pub fn day(&self) -> f64 {
        self.fields().day
    }

    /// `getTimezoneOffset()`: whole minutes west of UTC (V8 truncates).
    pub fn timezone_offset(&self) -> f64 {
        if self.t.is_nan() {
            return f64::NAN;
        }
        let off = i64::from(self.zone.offset_at(secs_of(self.t))) * 1000;
        (-off / 60_000) as f64
    }

    /// `setTime(t)`
    pub fn set_time(&mut self, t: f64) {
        self.t = time_clip(t);
    }

    /// Replaces the local date with `make_day(f)` and keeps the local time
    /// of day (`setDate`, `setMonth`, `setFullYear`).
    fn set_day(&mut self, f: impl FnOnce(&Fields) -> f64, nan_is_zero: bool) {
        let lt = if self.t.is_nan() && nan_is_zero {
            0.0
        } else {
            self.local_t()
        };
        let fl = Fields::of(lt);
        self.t = to_utc(self.zone, make_date(f(&fl), fl.ms_in_day));
    }

    /// `setDate(d)`
    pub fn set_date(&mut self, d: f64) {
        self.set_day(|f| make_day(f.year, f.month, d), false);
    }

    /// `setMonth(m)`
    pub fn set_month(&mut self, m: f64) {
        self.set_day(|f| make_day(f.year, m, f.date), false);
    }

    /// `setFullYear(y)`
    pub fn set_full_year(&mut self, y: f64) {
        self.set_day(|f| make_day(y, f.month, f.date), true);
    }
}

/// Whole seconds of a (finite) time value, for zone lookups.
fn secs_of(t: f64) -> i64 {
    (t / 1000.0).floor() as i64
}

/// V8's local-to-UTC step of `new Date(...)` and the setters.
fn to_utc(zone: &Zone, t: f64) -> f64 {
    // V8 allows ten days of slack before the offset is applied.
    if t.is_nan() || t.abs() > MAX_TIME + 864_000_000.0 {
        return f64::NAN;
    }
    time_clip(t - f64::from(zone.offset_from_local(secs_of(t))) * 1000.0)
}

/// ECMA-262 ToInt32 (what `x|0` and a store to HEAP32 do).
pub fn to_int32(x: f64) -> i32 {
    if !x.is_finite() {
        return 0;
    }
    x.trunc().rem_euclid(4_294_967_296.0) as u32 as i32
}

/// Number::toString for the values these functions produce.
pub fn num_to_string(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x == 0.0 {
        "0".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if x.fract() == 0.0 && x.abs() < 1e21 {
        format!("{x:.0}")
    } else {
        // Shortest round-trip digits, as JS prints them (no exponent form
        // is reachable from struct tm fields).
        format!("{x}")
    }
}

/// Emscripten's `_isLeapYear`, on JS numbers.
pub fn is_leap_year(y: f64) -> bool {
    y % 4.0 == 0.0 && (y % 100.0 != 0.0 || y % 400.0 == 0.0)
}

pub const MONTH_DAYS_REGULAR: [f64; 12] = [
    31.0, 28.0, 31.0, 30.0, 31.0, 30.0, 31.0, 31.0, 30.0, 31.0, 30.0, 31.0,
];
pub const MONTH_DAYS_LEAP: [f64; 12] = [
    31.0, 29.0, 31.0, 30.0, 31.0, 30.0, 31.0, 31.0, 30.0, 31.0, 30.0, 31.0,
];

/// Emscripten's `_arraySum(array, index)`: elements 0..=index; an index
/// past the end reads `undefined`, making NaN.
pub fn array_sum(a: &[f64; 12], index: f64) -> f64 {
    let mut sum = 0.0;
    let mut i = 0.0;
    while i <= index {
        sum += a.get(i as usize).copied().unwrap_or(f64::NAN);
        if sum.is_nan() {
            return f64::NAN;
        }
        i += 1.0;
    }
    sum
}

/// The month lengths of year `y` as Emscripten picks them.
pub fn month_days(y: f64) -> &'static [f64; 12] {
    if is_leap_year(y) {
        &MONTH_DAYS_LEAP
    } else {
        &MONTH_DAYS_REGULAR
    }
}

/// Emscripten's `_addDays(date, days)`: walks month by month.
pub fn add_days<'z>(date: Date<'z>, mut days: f64) -> Date<'z> {
    let mut d = date;
    while days > 0.0 {
        let f = d.fields();
        if f.year.is_nan() {
            // `days > undefined - NaN` is false: setDate(NaN) and stop.
            d.set_date(f64::NAN);
            return d;
        }
        let dim = month_days(f.year)[f.month as usize];
        if days > dim - f.date {
            days -= dim - f.date + 1.0;
            d.set_date(1.0);
            if f.month < 11.0 {
                d.set_month(f.month + 1.0);
            } else {
                d.set_month(0.0);
                d.set_full_year(d.full_year() + 1.0);
            }
        } else {
            d.set_date(f.date + days);
            return d;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int32_and_strings() {
        assert_eq!(to_int32(f64::NAN), 0);
        assert_eq!(to_int32(-1.5), -1);
        assert_eq!(to_int32(4_294_967_295.0), -1);
        assert_eq!(to_int32(4_102_444_800.0), -192_522_496);
        assert_eq!(num_to_string(-0.0), "0");
        assert_eq!(num_to_string(-12.0), "-12");
        assert_eq!(num_to_string(f64::NAN), "NaN");
        assert_eq!(num_to_string(1.3333333333333333), "1.3333333333333333");
    }

    #[test]
    fn constructor_and_setters() {
        let z = Zone::utc();
        assert_eq!(Date::ymd(&z, 1970.0, 0.0, 1.0).time(), 0.0);
        // Two-digit years are 19xx; month overflow carries into the year.
        assert_eq!(Date::ymd(&z, 50.0, 0.0, 1.0).full_year(), 1950.0);
        assert_eq!(Date::ymd(&z, 2023.0, 13.0, 1.0).fields().year, 2024.0);
        assert_eq!(Date::ymd(&z, 2023.0, -1.0, 1.0).fields().month, 11.0);
        assert!(Date::ymd(&z, 300_000.0, 0.0, 1.0).time().is_nan());
        assert!(Date::ymd(&z, 2000.0, 2e7, 1.0).time().is_nan());
        let mut d = Date::ymd(&z, 2023.0, 0.0, 31.0);
        d.set_month(1.0);
        assert_eq!((d.fields().month, d.date()), (2.0, 3.0));
        d.set_full_year(2024.0);
        assert_eq!(d.full_year(), 2024.0);
        let d = add_days(Date::ymd(&z, 2023.0, 11.0, 30.0), 3.0);
        assert_eq!(
            (d.full_year(), d.fields().month, d.date()),
            (2024.0, 0.0, 2.0)
        );
        let d = add_days(Date::ymd(&z, 2024.0, 0.0, 1.0), 59.0);
        assert_eq!((d.fields().month, d.date()), (1.0, 29.0));
        assert_eq!(utc(2000.0, 1.0, 29.0, 0.0, 0.0, 0.0), 951_782_400_000.0);
        assert_eq!(array_sum(&MONTH_DAYS_REGULAR, -1.0), 0.0);
        assert_eq!(array_sum(&MONTH_DAYS_LEAP, 1.0), 60.0);
        assert!(array_sum(&MONTH_DAYS_LEAP, 12.0).is_nan());
    }

    #[test]
    fn local_time_in_a_dst_zone() {
        let z = Zone::parse_posix("EST5EDT").unwrap();
        let d = Date::local(&z, 2021.0, 2.0, 14.0, 2.0, 30.0, 0.0);
        assert_eq!(d.fields().hours, 3.0);
        assert_eq!(d.timezone_offset(), 240.0);
        let d = Date::local(&z, 2021.0, 10.0, 7.0, 1.0, 30.0, 0.0);
        assert_eq!(d.time(), 1_636_263_000_000.0);
        assert_eq!(Date::at(&z, 0.0).timezone_offset(), 300.0);
    }
}
