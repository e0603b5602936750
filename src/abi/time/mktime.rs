//! glibc's `mktime` (its `__mktime_internal`, shared with `timegm`):
//! invert a conversion from `time_t` to `struct tm` by probing, starting
//! from the offset the previous call found. The probing decides which of
//! two repeated local times, or which side of a skipped hour, a call gets,
//! and how a `tm_isdst` that disagrees with the zone is honoured, so it is
//! followed step by step rather than replaced by a direct computation.

use super::calendar::{Tm, tm_seconds, ydhms};

/// glibc's `__mon_yday`: days before each month, and the year's length.
const MON_YDAY: [[i64; 13]; 2] = [
    [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
    [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
];

/// Whether year `year` (years since 1900) is a leap year.
fn leapyear(year: i64) -> bool {
    let y = year + 1900;
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// `(a + b) / 2` rounded up, without overflow.
fn avg(a: i64, b: i64) -> i64 {
    (a >> 1) + (b >> 1) + ((a | b) & 1)
}

/// Whether two `tm_isdst` values disagree, when both are known.
fn isdst_differ(a: i32, b: i32) -> bool {
    (a == 0) != (b == 0) && a >= 0 && b >= 0
}

/// glibc's `ranged_convert`: `convert(*t)`, or where that overflows, the
/// nearest instant towards 0 that converts (moving `*t` there).
fn ranged_convert(convert: &mut impl FnMut(i64) -> Option<Tm>, t: &mut i64) -> Option<Tm> {
    if let Some(tm) = convert(*t) {
        return Some(tm);
    }
    let (mut bad, mut ok) = (*t, 0);
    let mut ok_tm = None;
    loop {
        let mid = avg(ok, bad);
        if mid == ok || mid == bad {
            break;
        }
        match convert(mid) {
            Some(tm) => {
                ok = mid;
                ok_tm = Some(tm);
            }
            None => bad = mid,
        }
    }
    let tm = ok_tm?;
    *t = ok;
    Some(tm)
}

/// The `time_t` that `convert` (glibc's `localtime` or `gmtime`) maps to
/// the date and time in `tp`, and the normalised `struct tm` it gives for
/// it; `None` where glibc fails with EOVERFLOW. `offset` is the caller's
/// guess at the offset, updated for the next call (glibc keeps one per
/// converter, an `int`).
pub fn mktime_internal(
    tp: &Tm,
    convert: &mut impl FnMut(i64) -> Option<Tm>,
    offset: &mut i32,
) -> Option<(i64, Tm)> {
    let mut remaining_probes = 6;
    let (hour, min) = (i64::from(tp.hour), i64::from(tp.min));
    let isdst = tp.isdst;
    let mut dst2 = false;

    // Bring the month into range, carrying into the year.
    let mon_remainder = tp.mon % 12;
    let negative = i32::from(mon_remainder < 0);
    let year = i64::from(tp.year) + i64::from(tp.mon / 12 - negative);
    let mon_yday =
        MON_YDAY[usize::from(leapyear(year))][(mon_remainder + 12 * negative) as usize] - 1;
    let yday = mon_yday + i64::from(tp.mday);

    // Leap seconds are possible: probe with the seconds in range, and
    // put the requested ones back at the end.
    let sec_requested = i64::from(tp.sec);
    let sec = sec_requested.clamp(0, 59);

    let diff = |tm: &Tm| ydhms(year, yday, hour, min, sec) - tm_seconds(tm);
    let negative_offset_guess = 0i32.wrapping_sub(*offset);
    let t0 = ydhms(year, yday, hour, min, sec) - i64::from(negative_offset_guess);
    let (mut t, mut t1, mut t2) = (t0, t0, t0);
    let mut tm;

    'found: {
        loop {
            tm = ranged_convert(convert, &mut t)?;
            let dt = diff(&tm);
            if dt == 0 {
                break;
            }
            if t == t1
                && t != t2
                && (tm.isdst < 0
                    || if isdst < 0 {
                        !dst2 || tm.isdst != 0
                    } else {
                        (isdst != 0) != (tm.isdst != 0)
                    })
            {
                // Oscillating between two instants: the requested time
                // falls in a gap. Take the one whose tm_isdst differs from
                // the one asked for, or with none asked for, the DST one.
                break 'found;
            }
            remaining_probes -= 1;
            if remaining_probes == 0 {
                return None;
            }
            t1 = t2;
            t2 = t;
            t = t.wrapping_add(dt);
            dst2 = tm.isdst != 0;
        }

        if isdst_differ(isdst, tm.isdst) {
            // The wrong tm_isdst: look for a nearby instant with the right
            // one, and use its offset. The bounds are glibc's, from the
            // shortest and longest DST periods in the zone database.
            let dst_difference = i64::from(isdst == 0) - i64::from(tm.isdst == 0);
            let stride = 601_200;
            let delta_bound = 457_243_209 / 2 + stride;
            let mut delta = stride;
            while delta < delta_bound {
                for direction in [-1, 1] {
                    let Some(mut ot) = t.checked_add(delta * direction) else {
                        continue;
                    };
                    let otm = ranged_convert(convert, &mut ot)?;
                    if !isdst_differ(isdst, otm.isdst) {
                        let gt = ot.wrapping_add(diff(&otm));
                        if let Some(gtm) = convert(gt) {
                            t = gt;
                            tm = gtm;
                            break 'found;
                        }
                    }
                }
                delta += stride;
            }
            // None near: assume a one-hour difference.
            t = t.checked_add(3600 * dst_difference)?;
            tm = convert(t)?;
        }
    }

    *offset = (t.wrapping_sub(t0) as i32).wrapping_sub(negative_offset_guess);

    if sec_requested != i64::from(tm.sec) {
        // Restore the requested seconds (and undo a false match on a leap
        // second).
        let adjustment = i64::from(sec == 0 && tm.sec == 60) - sec + sec_requested;
        t = t.checked_add(adjustment)?;
        tm = convert(t)?;
    }
    Some((t, tm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::time::calendar::offtime;

    fn gm(t: i64) -> Option<Tm> {
        offtime(t, 0)
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

    /// A zone one hour east of UTC in "summer" (t in [1000000, 2000000)).
    fn toy(t: i64) -> Option<Tm> {
        let summer = (1_000_000..2_000_000).contains(&t);
        let mut tm = offtime(t, if summer { 3600 } else { 0 })?;
        tm.isdst = i32::from(summer);
        Some(tm)
    }

    #[test]
    fn utc_normalises() {
        let mut off = 0;
        // 2024-02-30 25:61:61 is 2024-03-02 02:02:01.
        let (t, n) = mktime_internal(&tm(124, 1, 30, 25, 61, 61, -1), &mut gm, &mut off).unwrap();
        assert_eq!(t, 1_709_344_921);
        assert_eq!(
            (n.mon, n.mday, n.hour, n.min, n.sec, n.wday, n.yday),
            (2, 2, 2, 2, 1, 6, 61)
        );
        // Month 12 and month -14 carry into the year.
        let (t, n) = mktime_internal(&tm(100, 12, 1, 0, 0, 0, 0), &mut gm, &mut off).unwrap();
        assert_eq!((t, n.year, n.mon), (978_307_200, 101, 0));
        let (t, _) = mktime_internal(&tm(123, -14, 400, -5, 0, 0, -1), &mut gm, &mut off).unwrap();
        assert_eq!(t, 1_670_180_400);
        // isdst=1 where there is no DST: an hour earlier, as glibc assumes.
        let (t, n) = mktime_internal(&tm(69, 11, 31, 23, 59, 59, 1), &mut gm, &mut off).unwrap();
        assert_eq!((t, n.hour, n.isdst), (-3601, 22, 0));
        for t in [0, -1, 951_782_400, i64::from(i32::MIN), 1 << 40, -(1 << 40)] {
            let back = mktime_internal(&gm(t).unwrap(), &mut gm, &mut off).unwrap();
            assert_eq!(back.0, t);
        }
    }

    #[test]
    fn out_of_range() {
        let mut off = 0;
        let mut at_max = tm(i32::MAX, 11, 31, 23, 59, 59, 0);
        let (t, n) = mktime_internal(&at_max, &mut gm, &mut off).unwrap();
        assert_eq!((n.year, n.mon, n.mday), (i32::MAX, 11, 31));
        assert!(t > 0);
        // One second more does not fit tm_year.
        at_max.sec = 60;
        assert!(mktime_internal(&at_max, &mut gm, &mut off).is_none());
        let huge = tm(
            i32::MAX,
            i32::MAX,
            i32::MAX,
            i32::MAX,
            i32::MAX,
            i32::MAX,
            -1,
        );
        assert!(mktime_internal(&huge, &mut gm, &mut off).is_none());
        let tiny = tm(
            i32::MIN,
            i32::MIN,
            i32::MIN,
            i32::MIN,
            i32::MIN,
            i32::MIN,
            1,
        );
        assert!(mktime_internal(&tiny, &mut gm, &mut off).is_none());
    }

    #[test]
    fn gaps_overlaps_and_hints() {
        // Local 1000000 + 1800 does not exist in the toy zone (the clock
        // jumps from 999999 to 1003600): read with the standard offset.
        let mut off = 0;
        let (t, n) = mktime_internal(&toy(1_000_000).unwrap(), &mut toy, &mut off).unwrap();
        assert_eq!((t, n.isdst), (1_000_000, 1));
        let gap = Tm {
            isdst: -1,
            ..offtime(1_001_800, 0).unwrap()
        };
        let (t, n) = mktime_internal(&gap, &mut toy, &mut off).unwrap();
        assert_eq!((t, n.isdst), (1_001_800, 1));
        // Summer time claimed to be standard time: read with the standard
        // offset, an hour later, which is still summer.
        let summer = Tm {
            isdst: 0,
            ..toy(1_500_000).unwrap()
        };
        let (t, n) = mktime_internal(&summer, &mut toy, &mut off).unwrap();
        assert_eq!((t, n.isdst), (1_503_600, 1));
        // The guess carries over: the same repeated local time read after a
        // summer call is the summer instant, after a winter call the winter one.
        let repeated = Tm {
            isdst: -1,
            ..offtime(2_000_000 + 1800, 0).unwrap()
        };
        let mut off = -3600;
        assert_eq!(
            mktime_internal(&repeated, &mut toy, &mut off).unwrap().0,
            1_998_200
        );
        let mut off = 0;
        assert_eq!(
            mktime_internal(&repeated, &mut toy, &mut off).unwrap().0,
            2_001_800
        );
    }
}
