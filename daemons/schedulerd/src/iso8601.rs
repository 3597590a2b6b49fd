//! ISO 8601 dates, times and durations the way Pacemaker reads and compares
//! them (`crm_time_t`, lib/common/iso8601.c). Pure: "now" is always passed
//! in. Local time is taken to be UTC (the reference uses the process
//! time zone; conformance runs use UTC).

use std::cmp::Ordering;

const HOUR_SECONDS: i32 = 60 * 60;
const DAY_SECONDS: i32 = HOUR_SECONDS * 24;
/// Seconds from 0001-01-01 to 1970-01-01 in this representation.
const EPOCH_SECONDS: i64 = 62_135_596_800;

/// A date-time or a duration: year, ordinal day, seconds in the day, offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrmTime {
    pub years: i32,
    pub months: i32,
    pub days: i32,
    pub seconds: i32,
    pub offset: i32,
    pub duration: bool,
}

/// Output flags of [`CrmTime::to_string_flags`] (`crm_time_log_*`).
pub mod fmt {
    pub const DATE: u32 = 0x001;
    pub const TIMEOFDAY: u32 = 0x002;
    pub const WITH_TIMEZONE: u32 = 0x004;
    pub const DURATION: u32 = 0x008;
    pub const ORDINAL: u32 = 0x010;
    pub const WEEKS: u32 = 0x020;
    pub const SECONDS: u32 = 0x100;
    pub const EPOCH: u32 = 0x200;
}

/// `crm_time_leapyear`.
pub fn leapyear(year: i32) -> bool {
    (year % 4 == 0) && !(year % 100 == 0 && year % 400 != 0)
}

fn year_days(year: i32) -> i32 {
    if leapyear(year) {
        366
    } else {
        365
    }
}

/// `crm_time_days_in_month`.
pub fn days_in_month(month: i32, year: i32) -> i32 {
    const MD: [i32; 13] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 29];
    if !(1..=12).contains(&month) {
        return 0;
    }
    if month == 2 && leapyear(year) {
        return MD[12];
    }
    MD[(month - 1) as usize]
}

/// `crm_time_january1_weekday` (1 = Monday).
pub fn january1_weekday(year: i32) -> i32 {
    let yy = (year - 1) % 100;
    let c = (year - 1) - yy;
    let g = yy + yy / 4;
    1 + ((((c / 100) % 4) * 5 + g) % 7)
}

/// `crm_time_weeks_in_year`.
pub fn weeks_in_year(year: i32) -> i32 {
    let mut weeks = 52;
    let jan1 = january1_weekday(year);
    if jan1 == 4 || january1_weekday(year + 1) == 5 {
        weeks += 1;
    }
    weeks
}

fn ordinal_days(y: i32, m: i32, mut d: i32) -> i32 {
    for lpc in 1..m {
        d += days_in_month(lpc, y);
    }
    d
}

fn split_seconds(sec: i32) -> (u32, u32, u32) {
    let mut seconds = sec.unsigned_abs();
    let hours = seconds / HOUR_SECONDS as u32;
    seconds -= HOUR_SECONDS as u32 * hours;
    let minutes = seconds / 60;
    seconds -= 60 * minutes;
    (hours, minutes, seconds)
}

/// sscanf("%d") at the start of `s` (leading whitespace allowed).
fn scan_int(s: &str) -> Option<(i32, &str)> {
    let (v, used, _) = crate::util::strtoll(s);
    if used == 0 {
        None
    } else {
        Some((v as i32, &s[used..]))
    }
}

/// sscanf("%Nd"): at most `width` characters (sign included).
fn scan_int_width(s: &str, width: usize) -> Option<(i32, &str)> {
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') && width > 1 {
        i += 1;
    }
    let start = i;
    while i < b.len() && i < width && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return None;
    }
    let v: i64 = t[..i].parse().ok()?;
    Some((v as i32, &t[i..]))
}

impl CrmTime {
    /// An undefined time (`crm_time_new_undefined`).
    pub fn undefined() -> Self {
        CrmTime::default()
    }

    /// `crm_time_is_defined`.
    pub fn is_defined(&self) -> bool {
        self.years != 0
            || self.months != 0
            || self.days != 0
            || self.seconds != 0
            || self.offset != 0
            || self.duration
    }

    /// The time of a Unix timestamp (`crm_time_set_timet`, UTC).
    #[doc(alias = "crm_time_set_timet")]
    pub fn from_epoch(t: i64) -> Self {
        let days_since = t.div_euclid(86400);
        let secs = t.rem_euclid(86400) as i32;
        // civil from days (Howard Hinnant), then ordinal day
        let z = days_since + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = if m <= 2 { y + 1 } else { y } as i32;
        CrmTime {
            years: y,
            months: 0,
            days: ordinal_days(y, m as i32, d as i32),
            seconds: secs,
            offset: 0,
            duration: false,
        }
    }

    /// `crm_get_utc_time`.
    fn utc(&self) -> CrmTime {
        let mut utc = CrmTime {
            years: self.years,
            days: self.days,
            seconds: self.seconds,
            ..Default::default()
        };
        if self.offset != 0 {
            utc.add_seconds(-self.offset);
        } else {
            utc.months = self.months;
        }
        utc
    }

    /// `crm_time_get_seconds`: seconds since 0001-01-01 (durations count
    /// months as 30 days).
    #[doc(alias = "crm_time_get_seconds")]
    pub fn seconds_total(&self) -> i64 {
        let utc = self.utc();
        let mut s: i64 = 0;
        for lpc in 1..utc.years {
            s += DAY_SECONDS as i64 * year_days(lpc) as i64;
        }
        if utc.months > 0 {
            s += DAY_SECONDS as i64 * 30 * utc.months as i64;
        }
        if utc.days > 0 {
            s += DAY_SECONDS as i64 * (utc.days as i64 - 1);
        }
        s + utc.seconds as i64
    }

    /// `crm_time_get_seconds_since_epoch`.
    #[doc(alias = "crm_time_get_seconds_since_epoch")]
    pub fn epoch(&self) -> i64 {
        self.seconds_total() - EPOCH_SECONDS
    }

    /// `crm_time_get_gregorian`: (year, month, day).
    pub fn gregorian(&self) -> (i32, i32, i32) {
        let mut months = 0;
        let mut days = self.days;
        if self.years != 0 {
            months = 1;
            while months <= 12 && days > 0 {
                let mdays = days_in_month(months, self.years);
                if mdays >= days {
                    break;
                }
                days -= mdays;
                months += 1;
            }
        } else if self.months != 0 {
            months = self.months;
        }
        (self.years, months, days)
    }

    /// `crm_time_get_timeofday`.
    pub fn timeofday(&self) -> (u32, u32, u32) {
        split_seconds(self.seconds)
    }

    /// `crm_time_get_isoweek`: (year, week, weekday).
    pub fn isoweek(&self) -> Option<(i32, i32, i32)> {
        if self.days <= 0 {
            return None;
        }
        let jan1 = january1_weekday(self.years);
        let h = self.days + jan1 - 1;
        let d = 1 + ((h - 1) % 7);
        let mut w = 0;
        let mut year_num;
        if self.days <= (8 - jan1) && jan1 > 4 {
            year_num = self.years - 1;
            w = weeks_in_year(year_num);
        } else {
            year_num = self.years;
        }
        if year_num == self.years {
            let dmax = year_days(year_num);
            let correction = 4 - d;
            if (dmax - self.days) < correction {
                year_num = self.years + 1;
                w = 1;
            }
        }
        if year_num == self.years {
            let j = self.days + (7 - d) + (jan1 - 1);
            w = j / 7;
            if jan1 > 4 {
                w -= 1;
            }
        }
        Some((year_num, w, d))
    }

    /// `crm_time_add_seconds`.
    pub fn add_seconds(&mut self, extra: i32) {
        self.seconds += extra;
        let mut days = self.seconds / DAY_SECONDS;
        self.seconds %= DAY_SECONDS;
        if self.seconds < 0 {
            self.seconds += DAY_SECONDS;
            days -= 1;
        }
        self.add_days(days);
    }

    /// `crm_time_add_days`.
    pub fn add_days(&mut self, extra: i32) {
        let mut ydays = year_days(self.years);
        self.days += extra;
        while self.days > ydays {
            self.years += 1;
            self.days -= ydays;
            ydays = year_days(self.years);
        }
        let lower = if self.duration { 0 } else { 1 };
        while self.days < lower {
            self.years -= 1;
            self.days += year_days(self.years);
        }
    }

    /// `crm_time_add_months`.
    pub fn add_months(&mut self, extra: i32) {
        let (mut y, mut m, mut d) = self.gregorian();
        if extra > 0 {
            for _ in 0..extra {
                m += 1;
                if m == 13 {
                    m = 1;
                    y += 1;
                }
            }
        } else {
            for _ in 0..(-extra) {
                m -= 1;
                if m == 0 {
                    m = 12;
                    y -= 1;
                }
            }
        }
        let dmax = days_in_month(m, y);
        if dmax < d {
            d = dmax;
        }
        self.years = y;
        self.days = ordinal_days(y, m, d);
    }

    pub fn add_years(&mut self, extra: i32) {
        self.years += extra;
    }

    /// `crm_time_compare` (in UTC; years, days, seconds).
    #[doc(alias = "crm_time_compare")]
    pub fn compare(&self, other: &CrmTime) -> Ordering {
        let a = self.utc();
        let b = other.utc();
        a.years
            .cmp(&b.years)
            .then(a.days.cmp(&b.days))
            .then(a.seconds.cmp(&b.seconds))
    }

    /// `crm_time_add`.
    pub fn add(&self, value: &CrmTime) -> CrmTime {
        let mut answer = *self;
        let utc = value.utc();
        answer.years += utc.years;
        answer.add_months(utc.months);
        answer.add_days(utc.days);
        answer.add_seconds(utc.seconds);
        answer
    }

    /// `crm_time_subtract`.
    pub fn subtract(&self, value: &CrmTime) -> CrmTime {
        let mut answer = *self;
        let utc = value.utc();
        answer.years -= utc.years;
        if utc.months != 0 {
            answer.add_months(-utc.months);
        }
        answer.add_days(-utc.days);
        answer.add_seconds(-utc.seconds);
        answer
    }

    /// `crm_time_check`.
    pub fn check(&self) -> bool {
        self.days > 0
            && self.days <= year_days(self.years)
            && self.seconds >= 0
            && self.seconds < DAY_SECONDS
    }

    /// `crm_time_new(text)`: parse a date-time; `now` is used for a time
    /// without a date. `None` if invalid.
    #[doc(alias = "crm_time_new")]
    pub fn parse(date_str: &str, now: &CrmTime) -> Option<CrmTime> {
        let b = date_str.as_bytes();
        if b.is_empty() {
            return None;
        }
        let mut dt;
        let mut time_s: Option<&str> = None;
        if b[0] == b'T' || (b.len() > 2 && b[2] == b':') {
            dt = *now;
            time_s = Some(if b[0] == b'T' {
                &date_str[1..]
            } else {
                date_str
            });
        } else {
            dt = CrmTime::undefined();
            if b.len() >= 5
                && date_str[..5].eq_ignore_ascii_case("epoch")
                && (b.len() == 5 || b[5] == b'/' || b[5].is_ascii_whitespace())
            {
                dt.days = 1;
                dt.years = 1970;
                return Some(dt);
            }
            if let Some((year, month, day)) = scan_ymd(date_str) {
                if month > 12 || day > days_in_month(month, year) {
                    return None;
                }
                dt.years = year;
                dt.days = ordinal_days(year, month, day);
            } else if let Some((year, day)) = scan_yd(date_str) {
                if day > year_days(year) {
                    return None;
                }
                dt.days = day;
                dt.years = year;
            } else if let Some((year, week, day)) = scan_ywd(date_str) {
                if week > weeks_in_year(year) || !(1..=7).contains(&day) {
                    return None;
                }
                let jan1 = january1_weekday(year);
                dt.years = year;
                dt.add_days((week - 1) * 7);
                if jan1 <= 4 {
                    dt.add_days(1 - jan1);
                } else {
                    dt.add_days(8 - jan1);
                }
                dt.add_days(day);
            } else {
                return None;
            }
        }
        if time_s.is_none() {
            let skip = date_str
                .bytes()
                .take_while(|c| c.is_ascii_digit() || *c == b'-' || *c == b'W')
                .count();
            let rest = &date_str[skip..];
            if rest.starts_with(' ') || rest.starts_with('T') {
                time_s = Some(&rest[1..]);
            }
        }
        if let Some(ts) = time_s {
            if !parse_time(ts, &mut dt) {
                return None;
            }
        }
        if !dt.check() {
            return None;
        }
        Some(dt)
    }

    /// `crm_time_parse_duration`.
    #[doc(alias = "crm_time_parse_duration")]
    pub fn parse_duration(period_s: &str) -> Option<CrmTime> {
        let b = period_s.as_bytes();
        if b.is_empty() || b[0] != b'P' {
            return None;
        }
        if b.len() == 1 || b[1].is_ascii_whitespace() {
            return None;
        }
        let mut diff = CrmTime {
            duration: true,
            ..Default::default()
        };
        let mut is_time = false;
        let mut i = 1;
        while i < b.len() && b[i] != b'/' && !b[i].is_ascii_whitespace() {
            if b[i] == b'T' {
                is_time = true;
                i += 1;
                continue;
            }
            let (an_int, used) = parse_int(&b[i..], 10, 0);
            if used == 0 {
                return None;
            }
            i += used;
            let &unit = b.get(i)?;
            match unit {
                b'Y' => diff.years = an_int,
                b'M' => {
                    if is_time {
                        diff.seconds += an_int * 60;
                    } else {
                        diff.months = an_int;
                    }
                }
                b'W' => diff.days += an_int * 7,
                b'D' => diff.days += an_int,
                b'H' => diff.seconds += an_int * HOUR_SECONDS,
                b'S' => diff.seconds += an_int,
                _ => return None,
            }
            i += 1;
        }
        if !diff.is_defined() {
            return None;
        }
        Some(diff)
    }

    /// `crm_time_as_string`.
    #[doc(alias = "crm_time_as_string")]
    pub fn to_string_flags(&self, flags: u32) -> String {
        let dt = if self.offset != 0 && flags & fmt::WITH_TIMEZONE == 0 {
            self.utc()
        } else {
            *self
        };
        if !dt.is_defined() {
            return "<undefined time>".to_owned();
        }
        if flags & fmt::SECONDS != 0 {
            return self.seconds_total().to_string();
        }
        if flags & fmt::EPOCH != 0 {
            return self.epoch().to_string();
        }
        let mut out = String::new();
        if flags & fmt::DATE != 0 {
            if flags & fmt::WEEKS != 0 {
                if let Some((y, w, d)) = dt.isoweek() {
                    out.push_str(&format!("{y}-W{w:02}-{d}"));
                }
            } else if flags & fmt::ORDINAL != 0 {
                out.push_str(&format!("{}-{:03}", dt.years, dt.days));
            } else {
                let (y, m, d) = dt.gregorian();
                out.push_str(&format!("{y:04}-{m:02}-{d:02}"));
            }
        }
        if flags & fmt::TIMEOFDAY != 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            let (h, m, s) = dt.timeofday();
            out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
            if flags & fmt::WITH_TIMEZONE != 0 && dt.offset != 0 {
                let (h, m, _) = split_seconds(dt.offset);
                let sign = if dt.offset < 0 { '-' } else { '+' };
                out.push_str(&format!(" {sign}{h:02}:{m:02}"));
            } else {
                out.push('Z');
            }
        }
        out
    }
}

fn scan_ymd(s: &str) -> Option<(i32, i32, i32)> {
    // "%d-%d-%d", and if only one field matched, "%4d%2d%2d"
    let (y, rest) = scan_int(s)?;
    if let Some(rest2) = rest.strip_prefix('-') {
        let (m, rest3) = scan_int(rest2)?;
        let rest4 = rest3.strip_prefix('-')?;
        let (d, _) = scan_int(rest4)?;
        return Some((y, m, d));
    }
    let (y, r) = scan_int_width(s, 4)?;
    let (m, r) = scan_int_width(r, 2)?;
    let (d, _) = scan_int_width(r, 2)?;
    Some((y, m, d))
}

fn scan_yd(s: &str) -> Option<(i32, i32)> {
    let (y, rest) = scan_int(s)?;
    let rest = rest.strip_prefix('-')?;
    let (d, _) = scan_int(rest)?;
    Some((y, d))
}

fn scan_ywd(s: &str) -> Option<(i32, i32, i32)> {
    let (y, rest) = scan_int(s)?;
    let rest = rest.strip_prefix("-W")?;
    let (w, rest) = scan_int(rest)?;
    let rest = rest.strip_prefix('-')?;
    let (d, _) = scan_int(rest)?;
    Some((y, w, d))
}

/// `crm_time_parse_sec`: "hh:mm:ss" or "hhmmss".
fn parse_sec(time_str: &str) -> Option<i32> {
    let mut vals = [0i32; 3];
    let mut count = 0;
    let mut rest = time_str;
    for (k, v) in vals.iter_mut().enumerate() {
        if k > 0 {
            match rest.strip_prefix(':') {
                Some(r) => rest = r,
                None => break,
            }
        }
        match scan_int(rest) {
            Some((n, r)) => {
                *v = n;
                rest = r;
                count += 1;
            }
            None => break,
        }
    }
    if count == 1 {
        vals = [0; 3];
        count = 0;
        let mut r = time_str;
        for v in vals.iter_mut() {
            match scan_int_width(r, 2) {
                Some((n, rr)) => {
                    *v = n;
                    r = rr;
                    count += 1;
                }
                None => break,
            }
        }
    }
    if count == 0 {
        return None;
    }
    let (hour, minute, second) = (vals[0], vals[1], vals[2]);
    if !(hour == 24 && minute == 0 && second == 0) && !(0..24).contains(&hour) {
        return None;
    }
    if !(0..60).contains(&minute) || !(0..60).contains(&second) {
        return None;
    }
    Some(hour * HOUR_SECONDS + minute * 60 + second)
}

/// `crm_time_parse`: time of day and offset.
fn parse_time(time_str: &str, t: &mut CrmTime) -> bool {
    let Some(sec) = parse_sec(time_str) else {
        return false;
    };
    t.seconds = sec;
    let offset_s = if let Some(p) = time_str.find('Z') {
        Some(&time_str[p..])
    } else {
        time_str.find(' ').map(|p| time_str[p..].trim_start())
    };
    t.offset = 0;
    if let Some(o) = offset_s {
        if o.starts_with('Z') {
            t.offset = 0;
        } else if o.starts_with('+')
            || o.starts_with('-')
            || o.starts_with(|c: char| c.is_ascii_digit())
        {
            let (neg, body) = if let Some(b) = o.strip_prefix('-') {
                (true, b)
            } else {
                (false, o.strip_prefix('+').unwrap_or(o))
            };
            match parse_sec(body) {
                Some(v) => t.offset = if neg { -v } else { v },
                None => return false,
            }
        }
    }
    if t.seconds == DAY_SECONDS {
        t.seconds = 0;
        t.add_days(1);
    }
    true
}

/// The reference's `parse_int` used for durations: (value, bytes used).
fn parse_int(s: &[u8], field_width: i32, upper_bound: i32) -> (i32, usize) {
    let mut offset = 0;
    let mut result: i32 = 0;
    let mut lpc = 0;
    let mut fraction = false;
    let mut negate = false;
    let mut width = field_width;
    if s.is_empty() {
        return (0, 0);
    }
    if s[offset] == b'T' {
        offset += 1;
    }
    match s.get(offset) {
        Some(b'.') | Some(b',') => {
            fraction = true;
            width = -1;
            offset += 1;
        }
        Some(b'-') => {
            negate = true;
            offset += 1;
        }
        Some(b'+') | Some(b':') => offset += 1,
        _ => {}
    }
    while (fraction || lpc < width) && offset < s.len() && s[offset].is_ascii_digit() {
        let intermediate;
        if fraction {
            // the reference uses XOR here; kept for identical results
            intermediate = (s[offset] - b'0') as i32 / (10 ^ lpc);
        } else {
            result = result.wrapping_mul(10);
            intermediate = (s[offset] - b'0') as i32;
        }
        result = result.wrapping_add(intermediate);
        offset += 1;
        lpc += 1;
    }
    if fraction {
        result = (result as i64 * upper_bound as i64) as i32;
    } else if upper_bound > 0 && result > upper_bound {
        result = upper_bound;
    }
    if negate {
        result = -result;
    }
    if lpc > 0 {
        (result, offset)
    } else {
        (0, 0)
    }
}

/// `ctime()` in UTC without the trailing newline (`pcmk__epoch2str`):
/// "Thu Jan  1 00:00:00 1970".
#[doc(alias = "pcmk__epoch2str")]
pub fn ctime(t: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let ct = CrmTime::from_epoch(t);
    let (y, m, d) = ct.gregorian();
    let (hh, mm, ss) = ct.timeofday();
    let wd = DAYS[t.div_euclid(86400).rem_euclid(7) as usize];
    format!(
        "{wd} {} {d:>2} {hh:02}:{mm:02}:{ss:02} {y}",
        MONTHS[(m.clamp(1, 12) - 1) as usize]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_round_trip() {
        let t = CrmTime::from_epoch(1_400_000_000);
        assert_eq!(t.epoch(), 1_400_000_000);
        assert_eq!(
            t.to_string_flags(fmt::DATE | fmt::TIMEOFDAY),
            "2014-05-13 16:53:20Z"
        );
    }

    #[test]
    fn parse_forms() {
        let now = CrmTime::from_epoch(0);
        let a = CrmTime::parse("2005-020", &now).unwrap();
        assert_eq!((a.years, a.days, a.seconds), (2005, 20, 0));
        let b = CrmTime::parse("2005-020T12:30", &now).unwrap();
        assert_eq!(b.seconds, 12 * 3600 + 30 * 60);
        let c = CrmTime::parse("2014-05-07 00:28:00", &now).unwrap();
        assert_eq!((c.years, c.days), (2014, 127));
        let d = CrmTime::parse("2009-W01-1", &now).unwrap();
        assert_eq!(d.gregorian(), (2008, 12, 29));
        assert!(CrmTime::parse("2005-13-01", &now).is_none());
    }

    #[test]
    fn durations() {
        let d = CrmTime::parse_duration("PT1H30M").unwrap();
        assert_eq!(d.seconds_total(), 5400);
        assert!(CrmTime::parse_duration("P").is_none());
        assert!(CrmTime::parse_duration("P1X").is_none());
    }
}
