//! `strptime` as glibc 2.36 parses in the C locale, its quirks kept: glibc
//! first tries the locale's forms, then its built-in ones, and remembers
//! which worked ("decided"), which changes how a later `%E` or `%O`
//! conversion reads; `%Ey` reads a year, then a two-digit year after it;
//! the weekday-name loop can skip ahead in its raw pass. The result only
//! fills in the fields the input gave, plus the weekday and day of the
//! year when it gave a date.
//!
//! It runs in one pass over the format, each conversion bounded by the
//! input it consumes, so formats and inputs of any length take linear time;
//! recursion is only into the fixed composite formats.

use super::calendar::Tm;
use super::{MONTHS, WEEKDAYS};

/// What `strptime` asks of the rest of the C library.
pub trait Env {
    /// `localtime_r` of a `time_t` that `%s` read (wrapped to the ABI's
    /// `time_t`); `None` where it fails.
    fn localtime(&mut self, t: i64) -> Option<Tm>;
}

/// glibc's `__mon_yday`, both rows in a row, as the out-of-range reads of
/// its `%j` and `%U` handling see them (0 beyond).
const MON_YDAY: [i32; 26] = [
    0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365, //
    0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366,
];

fn mon_yday(leap: bool, mon: i32) -> i32 {
    let i = i64::from(mon) + if leap { 13 } else { 0 };
    usize::try_from(i)
        .ok()
        .and_then(|i| MON_YDAY.get(i))
        .copied()
        .unwrap_or(0)
}

fn is_leap(y: i32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Which names glibc has settled on: not yet, the locale's, or its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decided {
    Not,
    Loc,
    Raw,
}

/// glibc's `__strptime_state`.
#[derive(Debug, Clone, Copy)]
struct State {
    have_i: bool,
    have_wday: bool,
    have_yday: bool,
    have_mon: bool,
    have_mday: bool,
    have_uweek: bool,
    have_wweek: bool,
    is_pm: bool,
    want_century: bool,
    want_era: bool,
    want_xday: bool,
    decided: Decided,
    week_no: i8,
    century: i8,
}

impl State {
    fn new() -> State {
        State {
            have_i: false,
            have_wday: false,
            have_yday: false,
            have_mon: false,
            have_mday: false,
            have_uweek: false,
            have_wweek: false,
            is_pm: false,
            want_century: false,
            want_era: false,
            want_xday: false,
            decided: Decided::Not,
            week_no: 0,
            century: -1,
        }
    }
}

/// C's `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Parses `input` by `format` into `tm`: the number of bytes consumed, or
/// `None` where glibc returns NULL (`tm` may then hold some parsed fields,
/// as glibc leaves them).
pub fn strptime(input: &[u8], format: &[u8], tm: &mut Tm, env: &mut dyn Env) -> Option<usize> {
    let mut s = State::new();
    let mut p = Parser { input, env };
    let rp = p.run(0, format, tm, &mut s)?;
    finish(tm, &s);
    Some(rp)
}

struct Parser<'a> {
    input: &'a [u8],
    env: &'a mut dyn Env,
}

/// The fields glibc derives once the whole format matched.
fn finish(tm: &mut Tm, s: &State) {
    if s.have_i && s.is_pm {
        tm.hour = tm.hour.wrapping_add(12);
    }
    if s.century != -1 {
        let c = (i32::from(s.century) - 19) * 100;
        tm.year = if s.want_century { tm.year % 100 + c } else { c };
    }
    // No era is ever found in the C locale.
    if s.want_era && s.want_century && s.century == -1 && tm.year < 69 {
        tm.year += 100;
    }
    let mut have_mon = s.have_mon;
    let mut have_mday = s.have_mday;
    if s.want_xday && !s.have_wday {
        if !(have_mon && have_mday) && s.have_yday {
            date_from_yday(tm, have_mon, have_mday);
            have_mon = true;
            have_mday = true;
        }
        if have_mon || (0..=11).contains(&tm.mon) {
            day_of_the_week(tm);
        }
    }
    if s.want_xday && !s.have_yday && (have_mon || (0..=11).contains(&tm.mon)) {
        day_of_the_year(tm);
    }
    if (s.have_uweek || s.have_wweek) && s.have_wday {
        let (save_wday, save_mday, save_mon) = (tm.wday, tm.mday, tm.mon);
        let w_offset = if s.have_uweek { 0 } else { 1 };
        tm.mday = 1;
        tm.mon = 0;
        day_of_the_week(tm);
        if have_mday {
            tm.mday = save_mday;
        }
        if have_mon {
            tm.mon = save_mon;
        }
        if !s.have_yday {
            tm.yday = (7 - (tm.wday - w_offset)) % 7
                + (i32::from(s.week_no) - 1) * 7
                + (save_wday - w_offset + 7) % 7;
        }
        if !have_mday || !have_mon {
            date_from_yday(tm, have_mon, have_mday);
        }
        tm.wday = save_wday;
    }
}

/// The first month (1-based) that starts after `tm_yday`, as glibc's loop
/// over `__mon_yday` finds it.
fn month_of(tm: &Tm) -> i32 {
    let leap = is_leap(tm.year.wrapping_add(1900));
    let mut t_mon = 0;
    while t_mon < 26 && mon_yday(leap, t_mon) <= tm.yday {
        t_mon += 1;
    }
    t_mon
}

fn day_of_the_week(tm: &mut Tm) {
    let corr_year = 1900i32
        .wrapping_add(tm.year)
        .wrapping_sub(i32::from(tm.mon < 2));
    let q = corr_year / 4;
    let wday = (-473i32)
        .wrapping_add(365i32.wrapping_mul(tm.year.wrapping_sub(70)))
        .wrapping_add(q)
        .wrapping_sub(q / 25)
        .wrapping_add(i32::from(q % 25 < 0))
        .wrapping_add(q / 25 / 4)
        .wrapping_add(mon_yday(false, tm.mon))
        .wrapping_add(tm.mday)
        .wrapping_sub(1);
    tm.wday = ((wday % 7) + 7) % 7;
}

fn day_of_the_year(tm: &mut Tm) {
    let leap = is_leap(tm.year.wrapping_add(1900));
    tm.yday = mon_yday(leap, tm.mon).wrapping_add(tm.mday.wrapping_sub(1));
}

/// `strncasecmp(name, input + rp, strlen(name)) == 0`.
fn matches(input: &[u8], rp: usize, name: &str) -> bool {
    input
        .get(rp..rp + name.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(name.as_bytes()))
}

/// The composite formats of the C locale.
const D_T_FMT: &[u8] = b"%a %b %e %H:%M:%S %Y";
const D_FMT: &[u8] = b"%m/%d/%y";
const T_FMT: &[u8] = b"%H:%M:%S";
const T_FMT_AMPM: &[u8] = b"%I:%M:%S %p";

impl Parser<'_> {
    fn at(&self, rp: usize) -> u8 {
        self.input.get(rp).copied().unwrap_or(0)
    }

    fn skip_space(&self, mut rp: usize) -> usize {
        while is_space(self.at(rp)) {
            rp += 1;
        }
        rp
    }

    /// glibc's `get_number`: spaces, then up to `n` digits (fewer once
    /// another would pass `to`), in `from..=to`.
    fn number(&self, rp: &mut usize, from: i32, to: i32, n: u32) -> Option<i32> {
        *rp = self.skip_space(*rp);
        if !self.at(*rp).is_ascii_digit() {
            return None;
        }
        let mut val = 0;
        let mut left = n;
        loop {
            val = val * 10 + i32::from(self.at(*rp) - b'0');
            *rp += 1;
            left -= 1;
            if !(left > 0 && val * 10 <= to && self.at(*rp).is_ascii_digit()) {
                break;
            }
        }
        (from..=to).contains(&val).then_some(val)
    }

    /// glibc's `get_alt_number` in the C locale, which has no alternative
    /// digits: the first one settles on the locale ("decided") and reads
    /// plain digits; after that the locale is searched again, and fails.
    fn alt_number(&self, rp: &mut usize, s: &mut State, from: i32, to: i32, n: u32) -> Option<i32> {
        match s.decided {
            Decided::Raw => self.number(rp, from, to, n),
            Decided::Not => {
                s.decided = Decided::Loc;
                self.number(rp, from, to, n)
            }
            Decided::Loc => None,
        }
    }

    /// glibc's `recursive`: `fmt` on a copy of `tm` and the state, kept
    /// only if it matches.
    fn sub(&mut self, rp: usize, fmt: &[u8], tm: &mut Tm, s: &mut State) -> Option<usize> {
        let (mut tmb, mut sb) = (*tm, *s);
        let rp = self.run(rp, fmt, &mut tmb, &mut sb)?;
        *tm = tmb;
        *s = sb;
        Some(rp)
    }

    /// A composite conversion (`%c`, `%x`, `%X`, `%r`): glibc tries the
    /// locale's format, then its own, which in the C locale are one.
    fn composite(&mut self, rp: usize, fmt: &[u8], tm: &mut Tm, s: &mut State) -> Option<usize> {
        if s.decided != Decided::Raw {
            if let Some(rp) = self.sub(rp, fmt, tm, s) {
                return Some(rp);
            }
            if s.decided == Decided::Loc {
                return None;
            }
            s.decided = Decided::Raw;
        }
        self.sub(rp, fmt, tm, s)
    }

    /// The longest weekday or month name at `rp`, as glibc's loops find
    /// it (the raw weekday pass moves on past an abbreviation it matched,
    /// as glibc's does).
    fn longest_name(
        &self,
        rp: &mut usize,
        s: &mut State,
        names: &[&str],
        weekday: bool,
    ) -> Option<i32> {
        let mut longest: Option<usize> = None;
        let mut found = -1;
        let mut decided = s.decided;
        let mut cur = *rp;
        for (cnt, full) in names.iter().enumerate() {
            let abbrev = &full[..3];
            let longer = |end: usize, longest: Option<usize>| longest.is_none_or(|l| end > l);
            if s.decided != Decided::Raw {
                for name in [*full, abbrev] {
                    if matches(self.input, cur, name) && longer(cur + name.len(), longest) {
                        longest = Some(cur + name.len());
                        found = cnt as i32;
                    }
                }
            }
            if s.decided != Decided::Loc {
                let full_end = cur + full.len();
                if matches(self.input, cur, full) && longer(full_end, longest) {
                    longest = Some(full_end);
                    found = cnt as i32;
                    decided = Decided::Raw;
                } else if weekday {
                    // glibc matches the abbreviation against the input
                    // pointer itself, which then stays moved.
                    if matches(self.input, cur, abbrev) {
                        let before = cur;
                        cur += 3;
                        if longer(before, longest) {
                            longest = Some(before);
                            found = cnt as i32;
                            decided = Decided::Raw;
                        }
                    }
                } else if matches(self.input, cur, abbrev) && longer(cur + 3, longest) {
                    longest = Some(cur + 3);
                    found = cnt as i32;
                    decided = Decided::Raw;
                }
            }
        }
        *rp = longest?;
        s.decided = decided;
        Some(found)
    }

    fn run(&mut self, mut rp: usize, fmt: &[u8], tm: &mut Tm, s: &mut State) -> Option<usize> {
        let fat = |i: usize| fmt.get(i).copied().unwrap_or(0);
        let mut f = 0;
        while f < fmt.len() {
            let c = fmt[f];
            if is_space(c) {
                rp = self.skip_space(rp);
                f += 1;
                continue;
            }
            if c != b'%' {
                if self.at(rp) != c {
                    return None;
                }
                rp += 1;
                f += 1;
                continue;
            }
            f += 1;
            while matches!(fat(f), b'-' | b'_' | b'0' | b'^' | b'#') {
                f += 1;
            }
            while fat(f).is_ascii_digit() {
                f += 1;
            }
            let mut conv = fat(f);
            f += 1;
            let mut modifier = 0;
            if conv == b'E' || conv == b'O' {
                modifier = conv;
                conv = fat(f);
                f += 1;
                // `%Ob`, `%OB` and `%Oh` are plain month names.
                if modifier == b'O' && matches!(conv, b'b' | b'B' | b'h') {
                    modifier = 0;
                }
            }
            rp = self.conversion(rp, modifier, conv, tm, s)?;
        }
        Some(rp)
    }

    fn conversion(
        &mut self,
        mut rp: usize,
        modifier: u8,
        conv: u8,
        tm: &mut Tm,
        s: &mut State,
    ) -> Option<usize> {
        let rp_backup = rp;
        match (modifier, conv) {
            (0, b'%') => {
                if self.at(rp) != b'%' {
                    return None;
                }
                rp += 1;
            }
            (0, b'a' | b'A') => {
                tm.wday = self.longest_name(&mut rp, s, &WEEKDAYS, true)?;
                s.have_wday = true;
            }
            (0, b'b' | b'B' | b'h') => {
                tm.mon = self.longest_name(&mut rp, s, &MONTHS, false)?;
                s.have_mon = true;
                s.want_xday = true;
            }
            (0 | b'E', b'c') => {
                rp = self.composite(rp, D_T_FMT, tm, s)?;
                s.want_xday = true;
            }
            (0, b'C') => self.century(&mut rp, s)?,
            (0, b'd' | b'e') => {
                tm.mday = self.number(&mut rp, 1, 31, 2)?;
                s.have_mday = true;
                s.want_xday = true;
            }
            (0, b'F') => {
                rp = self.sub(rp, b"%Y-%m-%d", tm, s)?;
                s.want_xday = true;
            }
            (0, b'x') => {
                rp = self.composite(rp, D_FMT, tm, s)?;
                s.want_xday = true;
            }
            (b'E', b'x') => rp = self.composite(rp, D_FMT, tm, s)?,
            (0, b'D') => {
                rp = self.sub(rp, D_FMT, tm, s)?;
                s.want_xday = true;
            }
            (0, b'k' | b'H') => {
                tm.hour = self.number(&mut rp, 0, 23, 2)?;
                s.have_i = false;
            }
            (0, b'l' | b'I') => {
                tm.hour = self.number(&mut rp, 1, 12, 2)? % 12;
                s.have_i = true;
            }
            (0, b'j') => {
                tm.yday = self.number(&mut rp, 1, 366, 3)? - 1;
                s.have_yday = true;
            }
            (0, b'm') => {
                tm.mon = self.number(&mut rp, 1, 12, 2)? - 1;
                s.have_mon = true;
                s.want_xday = true;
            }
            (0, b'M') => tm.min = self.number(&mut rp, 0, 59, 2)?,
            (0, b'n' | b't') => rp = self.skip_space(rp),
            (0, b'p') => {
                if matches(self.input, rp, "AM") {
                    s.is_pm = false;
                } else if matches(self.input, rp, "PM") {
                    s.is_pm = true;
                } else {
                    return None;
                }
                rp += 2;
            }
            (0, b'r') => rp = self.composite(rp, T_FMT_AMPM, tm, s)?,
            (0, b'R') => rp = self.sub(rp, b"%H:%M", tm, s)?,
            (0, b's') => {
                if !self.at(rp).is_ascii_digit() {
                    return None;
                }
                let mut secs: i64 = 0;
                while self.at(rp).is_ascii_digit() {
                    secs = secs
                        .wrapping_mul(10)
                        .wrapping_add(i64::from(self.at(rp) - b'0'));
                    rp += 1;
                }
                *tm = self.env.localtime(secs)?;
            }
            (0, b'S') => tm.sec = self.number(&mut rp, 0, 61, 2)?,
            (0 | b'E', b'X') => rp = self.composite(rp, T_FMT, tm, s)?,
            (0, b'T') => rp = self.sub(rp, T_FMT, tm, s)?,
            (0, b'u') => {
                tm.wday = self.number(&mut rp, 1, 7, 1)? % 7;
                s.have_wday = true;
            }
            (0, b'g') => {
                self.number(&mut rp, 0, 99, 2)?;
            }
            (0, b'G') => {
                if !self.at(rp).is_ascii_digit() {
                    return None;
                }
                while self.at(rp).is_ascii_digit() {
                    rp += 1;
                }
            }
            (0, b'U') => {
                s.week_no = self.number(&mut rp, 0, 53, 2)? as i8;
                s.have_uweek = true;
            }
            (0, b'W') => {
                s.week_no = self.number(&mut rp, 0, 53, 2)? as i8;
                s.have_wweek = true;
            }
            (0, b'V') => {
                self.number(&mut rp, 0, 53, 2)?;
            }
            (0, b'w') => {
                tm.wday = self.number(&mut rp, 0, 6, 1)?;
                s.have_wday = true;
            }
            (0, b'y') => self.year_in_century(&mut rp, tm, s)?,
            (0, b'Y') => {
                tm.year = self.number(&mut rp, 0, 9999, 4)? - 1900;
                s.want_century = false;
                s.want_xday = true;
            }
            (0, b'Z') => {
                rp = self.skip_space(rp);
                while self.at(rp) != 0 && !is_space(self.at(rp)) {
                    rp += 1;
                }
            }
            (0, b'z') => tm.gmtoff = self.zone_offset(&mut rp)?,
            (b'E', b'C') => {
                // No eras: the locale is given up on, and a century read.
                if s.decided == Decided::Loc {
                    return None;
                }
                s.decided = Decided::Raw;
                self.century(&mut rp, s)?;
            }
            (b'E', b'y') => {
                if s.decided != Decided::Raw {
                    // A year as an era year, which no era matches: glibc
                    // keeps it, then reads a two-digit year after it.
                    tm.year = self.number(&mut rp, 0, 9999, 4)?;
                    s.want_era = true;
                    s.want_xday = true;
                    s.want_century = true;
                    if s.decided == Decided::Loc {
                        return None;
                    }
                    s.decided = Decided::Raw;
                }
                self.year_in_century(&mut rp, tm, s)?;
            }
            (b'E', b'Y') => {
                if s.decided != Decided::Raw {
                    if s.decided == Decided::Loc {
                        return None;
                    }
                    rp = rp_backup;
                    s.decided = Decided::Raw;
                }
                tm.year = self.number(&mut rp, 0, 9999, 4)? - 1900;
                s.want_century = false;
                s.want_xday = true;
            }
            (b'O', b'd' | b'e') => {
                tm.mday = self.alt_number(&mut rp, s, 1, 31, 2)?;
                s.have_mday = true;
                s.want_xday = true;
            }
            (b'O', b'H') => {
                tm.hour = self.alt_number(&mut rp, s, 0, 23, 2)?;
                s.have_i = false;
            }
            (b'O', b'I') => {
                tm.hour = self.alt_number(&mut rp, s, 1, 12, 2)? % 12;
                s.have_i = true;
            }
            (b'O', b'm') => {
                tm.mon = self.alt_number(&mut rp, s, 1, 12, 2)? - 1;
                s.have_mon = true;
                s.want_xday = true;
            }
            (b'O', b'M') => tm.min = self.alt_number(&mut rp, s, 0, 59, 2)?,
            (b'O', b'S') => tm.sec = self.alt_number(&mut rp, s, 0, 61, 2)?,
            (b'O', b'U') => {
                s.week_no = self.alt_number(&mut rp, s, 0, 53, 2)? as i8;
                s.have_uweek = true;
            }
            (b'O', b'W') => {
                s.week_no = self.alt_number(&mut rp, s, 0, 53, 2)? as i8;
                s.have_wweek = true;
            }
            (b'O', b'V') => {
                self.alt_number(&mut rp, s, 0, 53, 2)?;
            }
            (b'O', b'w') => {
                tm.wday = self.alt_number(&mut rp, s, 0, 6, 1)?;
                s.have_wday = true;
            }
            (b'O', b'y') => {
                let v = self.alt_number(&mut rp, s, 0, 99, 2)?;
                tm.year = if v >= 69 { v } else { v + 100 };
                s.want_xday = true;
            }
            _ => return None,
        }
        Some(rp)
    }

    fn century(&self, rp: &mut usize, s: &mut State) -> Option<()> {
        s.century = self.number(rp, 0, 99, 2)? as i8;
        s.want_xday = true;
        Some(())
    }

    fn year_in_century(&self, rp: &mut usize, tm: &mut Tm, s: &mut State) -> Option<()> {
        let v = self.number(rp, 0, 99, 2)?;
        // 69..=99 are the 1900s, as POSIX suggests.
        tm.year = if v >= 69 { v } else { v + 100 };
        s.want_century = true;
        s.want_xday = true;
        Some(())
    }

    /// `%z`: `Z`, or a sign and `hh`, `hhmm` or `hh:mm`.
    fn zone_offset(&self, rp: &mut usize) -> Option<i32> {
        *rp = self.skip_space(*rp);
        if self.at(*rp) == b'Z' {
            *rp += 1;
            return Some(0);
        }
        let negative = match self.at(*rp) {
            b'+' => false,
            b'-' => true,
            _ => return None,
        };
        *rp += 1;
        let (mut val, mut n) = (0, 0);
        while n < 4 && self.at(*rp).is_ascii_digit() {
            val = val * 10 + i32::from(self.at(*rp) - b'0');
            *rp += 1;
            n += 1;
            if self.at(*rp) == b':' && n == 2 && self.at(*rp + 1).is_ascii_digit() {
                *rp += 1;
            }
        }
        if n == 2 {
            val *= 100;
        } else if n != 4 || val % 100 >= 60 {
            return None;
        }
        let secs = (val / 100) * 3600 + (val % 100) * 60;
        Some(if negative { -secs } else { secs })
    }
}

/// Fills the month and the day of the month that were not read from the
/// day of the year, as glibc does after parsing.
fn date_from_yday(tm: &mut Tm, have_mon: bool, have_mday: bool) {
    let t_mon = month_of(tm);
    let leap = is_leap(tm.year.wrapping_add(1900));
    if !have_mon {
        tm.mon = t_mon - 1;
    }
    if !have_mday {
        tm.mday = tm.yday - mon_yday(leap, t_mon - 1) + 1;
    }
}

#[cfg(test)]
mod tests;
