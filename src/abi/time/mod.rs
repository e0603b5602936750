//! Local time as glibc computes it, for both host ABIs: Emscripten's libc
//! hands `localtime`, `mktime`, `tzset`, `strftime` and `strptime` to the
//! host ([`crate::abi::emscripten`]), and `libc-shim` gives wasi-libc
//! programs `localtime`, `mktime` and `tzset` through the `dlrun` import
//! module ([`shim`]).
//!
//! The zone comes from the program's `TZ` ([`zone`]); the conversions
//! ([`calendar`], [`mktime`]), `strftime` and `strptime` follow glibc 2.36
//! in the C locale, including the state glibc keeps between calls: the
//! `tzname`, `timezone` and `daylight` its `localtime` rewrites, and the
//! offset `mktime` starts its next search from.

pub mod calendar;
pub mod local;
pub mod mktime;
pub mod shim;
pub mod strftime;
pub mod strptime;
pub mod zone;

use calendar::{Tm, offtime};
pub use local::State;

use crate::process::Process;

/// `gmtime_r(t)`: UTC fields (`tm_isdst` and `tm_gmtoff` 0; glibc names
/// the zone "GMT"); `None` for EOVERFLOW.
pub fn gmtime(t: i64) -> Option<Tm> {
    offtime(t, 0)
}

/// `timegm(tm)` with a 64-bit `time_t`: the time and the normalised
/// fields; `None` for EOVERFLOW.
pub fn timegm(tm: &Tm) -> Option<(i64, Tm)> {
    // UTC has no DST, whatever tm_isdst says.
    let tm = Tm { isdst: 0, ..*tm };
    // glibc keeps this guess between calls too, but in UTC it is always 0.
    let mut offset = 0;
    mktime::mktime_internal(&tm, &mut gmtime, &mut offset)
}

/// The process's time state, made from its `TZ` on first use (with a note
/// on stderr when glibc would read that `TZ` differently than it seems to
/// say). The first use decides: like Emscripten's runtime, dlrun reads
/// `TZ` from the environment the program started with.
pub fn state(p: &mut Process) -> &mut State {
    if p.time.is_none() {
        let tz = p.guest.env.iter().find_map(|e| e.strip_prefix("TZ="));
        let (state, note) = State::new(tz);
        if let Some(note) = note {
            crate::note!("{note}");
        }
        p.time = Some(Box::new(state));
    }
    p.time.as_deref_mut().expect("time state just made")
}

/// Weekday names of the C locale, Sunday first (`tm_wday` order).
pub(crate) const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
/// Month names of the C locale (`tm_mon` order).
pub(crate) const MONTHS: [&str; 12] = [
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

#[cfg(test)]
mod tests {
    use super::local::LocalTime;
    use super::*;

    fn tm(year: i32, mon: i32, mday: i32, hour: i32, min: i32, isdst: i32) -> Tm {
        Tm {
            min,
            hour,
            mday,
            mon,
            year,
            isdst,
            ..Tm::default()
        }
    }

    #[test]
    fn new_york() {
        let (mut l, note) = LocalTime::new(Some("America/New_York"));
        assert!(note.is_none());
        let (t, z) = l.localtime(1_705_320_000).unwrap();
        assert_eq!(
            (t.hour, t.isdst, t.gmtoff, z.as_str()),
            (7, 0, -18_000, "EST")
        );
        let (t, z) = l.localtime(1_721_044_800).unwrap();
        assert_eq!(
            (t.hour, t.isdst, t.gmtoff, z.as_str()),
            (8, 1, -14_400, "EDT")
        );
        // The skipped 02:30 reads as 03:30 EDT; 01:30 on the day DST ends
        // is the first one after a call that found EDT, the second after
        // one that found EST.
        let (t, n, z) = l.mktime(&tm(124, 2, 10, 2, 30, -1)).unwrap();
        assert_eq!((t, n.hour, z.as_str()), (1_710_055_800, 3, "EDT"));
        let (t, ..) = l.mktime(&tm(124, 10, 3, 1, 30, -1)).unwrap();
        assert_eq!(t, 1_730_615_400);
        l.mktime(&tm(124, 6, 4, 12, 0, -1)).unwrap();
        let (t, ..) = l.mktime(&tm(124, 10, 3, 1, 30, -1)).unwrap();
        assert_eq!(t, 1_730_611_800);
        let (t, ..) = l.mktime(&tm(124, 10, 3, 1, 30, 0)).unwrap();
        assert_eq!(t, 1_730_615_400);
        // Out of range: a year past int.
        assert!(l.mktime(&tm(i32::MAX, 11, 31, 25, 0, -1)).is_none());
        assert!(l.localtime(i64::MAX).is_none());
    }

    #[test]
    fn globals_change_with_localtime() {
        let (mut l, _) = LocalTime::new(Some("Asia/Kolkata"));
        assert!(l.globals().daylight);
        l.localtime(1_705_320_000).unwrap();
        assert_eq!(
            (l.globals().tzname[1].as_str(), l.globals().daylight),
            ("IST", false)
        );
        l.localtime(-839_030_400).unwrap();
        assert_eq!(
            (l.globals().tzname[1].as_str(), l.globals().daylight),
            ("+0630", true)
        );
    }

    #[test]
    fn gmtime_and_timegm() {
        let t = gmtime(951_782_400).unwrap();
        assert_eq!((t.year, t.mon, t.mday, t.wday, t.yday), (100, 1, 29, 2, 59));
        let (t, n) = timegm(&tm(124, 1, 30, 25, 61, 0)).unwrap();
        assert_eq!(t, 1_709_344_860);
        assert_eq!((n.mon, n.mday, n.hour, n.min), (2, 2, 2, 1));
    }

    #[test]
    fn names_are_interned() {
        let (mut s, _) = State::new(None);
        let a = s.intern("EST");
        assert_eq!(s.intern("EDT"), a + 1);
        assert_eq!(s.intern("EST"), a);
        assert_eq!(s.name(a), Some("EST"));
        assert_eq!(s.name(99), None);
    }
}
