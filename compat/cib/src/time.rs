//! `ctime()`-style timestamps for `cib-last-written`
//! (`pcmk__epoch2str(NULL)`), in the local time zone. [`ctime`] is pure;
//! [`ctime_now`] reads the clock and the zone file (`$TZ`, else
//! /etc/localtime).

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `ctime()` without the newline for `secs` since the epoch shifted by
/// `offset` seconds: "Thu Jan  1 00:00:00 1970".
pub fn ctime(secs: i64, offset: i64) -> String {
    let t = secs + offset;
    let days = t.div_euclid(86_400);
    let rem = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        d,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        y
    )
}

fn be32(b: &[u8], at: usize) -> Option<i64> {
    let s = b.get(at..at + 4)?;
    Some(i64::from(i32::from_be_bytes([s[0], s[1], s[2], s[3]])))
}

fn be64(b: &[u8], at: usize) -> Option<i64> {
    let s = b.get(at..at + 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(i64::from_be_bytes(a))
}

/// UTC offset in effect at `secs` according to TZif data (v1 or v2+).
pub fn tzif_offset(data: &[u8], secs: i64) -> Option<i64> {
    if data.get(0..4)? != b"TZif" {
        return None;
    }
    let counts = |base: usize| -> Option<[usize; 6]> {
        let mut c = [0usize; 6];
        for (i, v) in c.iter_mut().enumerate() {
            *v = usize::try_from(be32(data, base + 20 + 4 * i)?).ok()?;
        }
        Some(c)
    };
    let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(0)?;
    let v1_len = timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    let (base, tsize, c) = if data[4] >= b'2' {
        let b2 = 44 + v1_len;
        (b2, 8, counts(b2)?)
    } else {
        (0, 4, [isut, isstd, leap, timecnt, typecnt, charcnt])
    };
    let [_, _, _, timecnt, typecnt, _] = c;
    let times = base + 44;
    let idxs = times + timecnt * tsize;
    let types = idxs + timecnt;
    let mut ty = 0usize;
    for i in 0..timecnt {
        let t = if tsize == 8 {
            be64(data, times + 8 * i)?
        } else {
            be32(data, times + 4 * i)?
        };
        if t <= secs {
            ty = usize::from(*data.get(idxs + i)?);
        } else {
            break;
        }
    }
    if ty >= typecnt {
        return None;
    }
    be32(data, types + 6 * ty)
}

/// The local UTC offset at `secs` (`$TZ` zone file, else /etc/localtime;
/// 0 when unknown).
pub fn local_offset(secs: i64) -> i64 {
    let path = match std::env::var("TZ") {
        Ok(tz) if tz.is_empty() || tz == "UTC" || tz == ":UTC" => return 0,
        Ok(tz) => {
            let tz = tz.trim_start_matches(':').to_owned();
            if tz.starts_with('/') {
                tz
            } else {
                format!("/usr/share/zoneinfo/{tz}")
            }
        }
        Err(_) => "/etc/localtime".to_owned(),
    };
    std::fs::read(path)
        .ok()
        .and_then(|d| tzif_offset(&d, secs))
        .unwrap_or(0)
}

/// `pcmk__epoch2str(NULL)`: now, local time, ctime format.
pub fn ctime_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    ctime(secs, local_offset(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctime_format() {
        assert_eq!(ctime(0, 0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(ctime(1_763_775_128, 0), "Sat Nov 22 01:32:08 2025");
        assert_eq!(ctime(951_782_400, 3600), "Tue Feb 29 01:00:00 2000");
    }
}
