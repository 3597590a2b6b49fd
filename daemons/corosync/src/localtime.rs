//! Broken-down local time for log timestamps (`localtime_r`).
#![allow(unsafe_code)]

use std::time::{SystemTime, UNIX_EPOCH};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Local time as `(month 0-11, day, hour, minute, second)`.
fn parts(secs: i64) -> (usize, i32, i32, i32, i32) {
    let t: libc::time_t = secs as libc::time_t;
    // SAFETY: `tm` is plain data that localtime_r fully initialises on
    // success; both pointers are valid for the duration of the call.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: see above; localtime_r is the reentrant variant.
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    if r.is_null() {
        return (0, 1, 0, 0, 0);
    }
    (
        tm.tm_mon.clamp(0, 11) as usize,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
    )
}

/// libqb's `%t` ("Nov 22 01:55:47") or `%T` with milliseconds.
pub fn stamp(hires: bool) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let (mon, day, h, m, s) = parts(now.as_secs() as i64);
    if hires {
        format!(
            "{} {:02} {:02}:{:02}:{:02}.{:03}",
            MONTHS[mon],
            day,
            h,
            m,
            s,
            now.subsec_millis()
        )
    } else {
        format!("{} {:02} {:02}:{:02}:{:02}", MONTHS[mon], day, h, m, s)
    }
}

/// `Date:` as corosync-quorumtool prints it (`ctime` without the newline).
pub fn ctime(secs: i64) -> String {
    let t: libc::time_t = secs as libc::time_t;
    // SAFETY: as in `parts`.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: as in `parts`.
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    if r.is_null() {
        return String::new();
    }
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        DAYS[tm.tm_wday.clamp(0, 6) as usize],
        MONTHS[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        tm.tm_year + 1900
    )
}
