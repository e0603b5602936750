//! The local time of one process: its zone, and the state glibc keeps
//! between calls.

use std::collections::HashMap;

use super::calendar::{Tm, offtime};
use super::mktime;
use super::zone::{Globals, Local, Zone};

/// The program's local time: its zone and what glibc keeps between calls.
#[derive(Debug, Clone)]
pub struct LocalTime {
    zone: Zone,
    globals: Globals,
    /// glibc's `localtime_offset`: the offset the last `mktime` found, its
    /// first guess for the next.
    mktime_offset: i32,
}

impl LocalTime {
    /// The local time `TZ` describes, and a note for the user when glibc
    /// would read it as something else than it seems to say.
    pub fn new(tz: Option<&str>) -> (LocalTime, Option<String>) {
        let (zone, note) = Zone::from_tz(tz);
        let globals = zone.tzset_globals().clone();
        (
            LocalTime {
                zone,
                globals,
                mktime_offset: 0,
            },
            note,
        )
    }

    /// `tzname`, `timezone` and `daylight` as they stand.
    pub fn globals(&self) -> &Globals {
        &self.globals
    }

    /// The local time type at `t` (any `time_t`), leaving the globals as
    /// glibc's `localtime` does.
    pub fn at(&mut self, t: i64) -> Local {
        let (local, globals) = self.zone.local(t);
        self.globals = globals;
        local
    }

    /// `localtime_r(t)`: the fields and the zone abbreviation; `None`
    /// where glibc fails with EOVERFLOW (the year does not fit an `int`).
    pub fn localtime(&mut self, t: i64) -> Option<(Tm, String)> {
        let local = self.at(t);
        let mut tm = offtime(t, local.offset)?;
        tm.isdst = i32::from(local.isdst);
        Some((tm, local.abbrev))
    }

    /// `mktime(tm)` with a 64-bit `time_t`: the time and the normalised
    /// fields with their zone abbreviation; `None` for EOVERFLOW.
    pub fn mktime(&mut self, tm: &Tm) -> Option<(i64, Tm, String)> {
        let mut abbrev = String::new();
        let mut offset = self.mktime_offset;
        let found = {
            let mut convert = |t: i64| {
                let (tm, zone) = self.localtime(t)?;
                abbrev = zone;
                Some(tm)
            };
            mktime::mktime_internal(tm, &mut convert, &mut offset)
        };
        self.mktime_offset = offset;
        found.map(|(t, tm)| (t, tm, abbrev))
    }
}

/// The time state of one process: its local time, and the zone names
/// handed to the program, each copied into its memory once, as glibc's
/// `__tzstring` keeps them for good.
#[derive(Debug)]
pub struct State {
    /// The local time.
    pub local: LocalTime,
    names: Vec<String>,
    index: HashMap<String, u32>,
    /// Where the program holds each name (Emscripten programs, whose
    /// memory dlrun writes them into), by name index.
    pub copies: HashMap<u32, u32>,
    /// Where Emscripten's libc keeps `timezone`, `daylight` and `tzname`,
    /// learnt from its first `_tzset_js`.
    pub libc_globals: Option<[u32; 3]>,
}

impl State {
    pub(crate) fn new(tz: Option<&str>) -> (State, Option<String>) {
        let (local, note) = LocalTime::new(tz);
        let state = State {
            local,
            names: Vec::new(),
            index: HashMap::new(),
            copies: HashMap::new(),
            libc_globals: None,
        };
        (state, note)
    }

    /// The index of zone name `name`, the same for every use.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    /// The name of index `i`.
    pub fn name(&self, i: u32) -> Option<&str> {
        self.names.get(i as usize).map(String::as_str)
    }
}
