//! Pacemaker's dotted version comparison (`compare_version`).

use std::cmp::Ordering;

/// One component as C's `strtol(text, &end, 10)` reads it: the value and
/// how many bytes were consumed (0 when there are no digits).
fn strtol(text: &str) -> (i32, usize) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i] == b' ' || (b'\t'..=b'\r').contains(&b[i])) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let digits_start = i;
    let mut value: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        value = value
            .saturating_mul(10)
            .saturating_add(i64::from(b[i] - b'0'));
        i += 1;
    }
    if i == digits_start {
        return (0, 0);
    }
    let value = if neg { -value } else { value };
    // C truncates the long to int.
    (value as i32, i)
}

/// Compare two dotted versions as Pacemaker does: -1, 0 or 1. A missing
/// version sorts first; missing trailing components count as 0; an empty
/// component counts as -1.
///
/// The C function loops forever when a component has no digits and both
/// sides otherwise tie; here that case ends the comparison as equal.
pub fn compare_version(v1: Option<&str>, v2: Option<&str>) -> i32 {
    let (mut a, mut b) = match (v1, v2) {
        (None, None) => return 0,
        (None, Some(_)) => return -1,
        (Some(_), None) => return 1,
        (Some(a), Some(b)) => (Some(a), Some(b)),
    };
    loop {
        if a.is_none() && b.is_none() {
            return 0;
        }
        let mut progressed = false;
        let mut component = |it: &mut Option<&str>| -> i32 {
            match *it {
                None => 0,
                Some("") => -1,
                Some(s) => {
                    let (v, used) = strtol(s);
                    progressed |= used > 0;
                    *it = Some(&s[used..]);
                    v
                }
            }
        };
        let d1 = component(&mut a);
        let d2 = component(&mut b);
        match d1.cmp(&d2) {
            Ordering::Less => return -1,
            Ordering::Greater => return 1,
            Ordering::Equal => {}
        }
        let mut advance = |it: &mut Option<&str>| {
            if let Some(s) = *it {
                let s = s.strip_prefix('.').map_or(s, |r| {
                    progressed = true;
                    r
                });
                *it = if s.is_empty() { None } else { Some(s) };
            }
        };
        advance(&mut a);
        advance(&mut b);
        if !progressed {
            return 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_versions() {
        assert_eq!(compare_version(Some("3.0.5"), Some("3.16.1")), -1);
        assert_eq!(compare_version(Some("3.0.5"), Some("3.0.5")), 0);
        assert_eq!(compare_version(Some("3.0.5"), Some("3.0")), 1);
        assert_eq!(compare_version(Some("3.0"), Some("3.0.0")), 0);
        assert_eq!(compare_version(Some("2"), Some("10")), -1);
        assert_eq!(compare_version(None, Some("1")), -1);
        assert_eq!(compare_version(Some("1"), Some("abc")), 1);
        assert_eq!(compare_version(Some("0"), Some("abc")), 0);
    }
}
