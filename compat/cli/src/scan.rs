//! Number parsing with C library semantics (`strtol`/`strtoll`) and
//! Pacemaker's wrappers around it (`pcmk__scan_ll`, `pcmk__scan_min_int`),
//! including the warnings they log at `-VV`.

use crate::log::{self, Level};

/// Result of [`strtoll`]: the value, how many bytes were consumed, and
/// whether the value overflowed (and was clamped, `ERANGE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrtollResult {
    /// Parsed value, clamped to `i64::MIN..=i64::MAX` on overflow.
    pub value: i64,
    /// Bytes consumed; 0 when no digits were found (C's `end == text`).
    pub consumed: usize,
    /// Whether the value was out of range (`errno == ERANGE`).
    pub overflow: bool,
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn digit_value(b: u8) -> Option<u32> {
    (b as char).to_digit(36)
}

/// C's `strtoll(text, &end, base)` for base 0 (auto: `0x` hex, `0` octal,
/// else decimal) or 2..=36, in the "C" locale.
#[doc(alias = "strtol")]
pub fn strtoll(text: &[u8], base: u32) -> StrtollResult {
    let none = StrtollResult {
        value: 0,
        consumed: 0,
        overflow: false,
    };
    let mut i = 0;
    while i < text.len() && is_c_space(text[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < text.len() && (text[i] == b'+' || text[i] == b'-') {
        negative = text[i] == b'-';
        i += 1;
    }
    let mut base = base;
    let hex_prefix = i + 1 < text.len()
        && text[i] == b'0'
        && (text[i + 1] | 0x20) == b'x'
        && text
            .get(i + 2)
            .and_then(|&b| digit_value(b))
            .is_some_and(|d| d < 16);
    if (base == 0 || base == 16) && hex_prefix {
        base = 16;
        i += 2;
    } else if base == 0 {
        base = if text.get(i) == Some(&b'0') { 8 } else { 10 };
    }
    let start = i;
    // Accumulate as a negative number so i64::MIN is representable.
    let mut acc: i64 = 0;
    let mut overflow = false;
    while let Some(d) = text
        .get(i)
        .and_then(|&b| digit_value(b))
        .filter(|&d| d < base)
    {
        if !overflow {
            match acc
                .checked_mul(i64::from(base))
                .and_then(|v| v.checked_sub(i64::from(d)))
            {
                Some(v) => acc = v,
                None => overflow = true,
            }
        }
        i += 1;
    }
    if i == start {
        return none;
    }
    let value = if overflow {
        if negative {
            i64::MIN
        } else {
            i64::MAX
        }
    } else if negative {
        acc
    } else {
        match acc.checked_neg() {
            Some(v) => v,
            None => {
                overflow = true;
                i64::MAX
            }
        }
    };
    StrtollResult {
        value,
        consumed: i,
        overflow,
    }
}

/// Why [`scan_ll`] fell back to the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanError {
    /// The value did not fit in 64 bits (`EOVERFLOW`).
    Overflow,
    /// No digits at all (`EINVAL`).
    NoDigits,
}

/// `pcmk__scan_ll()`: parse a decimal integer, logging like the reference.
/// On failure the default is returned along with the reason. Trailing
/// characters are accepted (with a warning).
#[doc(alias = "pcmk__scan_ll")]
pub fn scan_ll(text: &str, default: i64) -> (i64, Option<ScanError>) {
    let r = strtoll(text.as_bytes(), 10);
    let mut err = None;
    let mut value = r.value;
    if r.overflow {
        err = Some(ScanError::Overflow);
        log::log(
            Level::Warning,
            "scan_ll",
            format_args!("Integer parsed from '{text}' was clipped to {}", r.value),
        );
    } else if r.consumed == 0 {
        err = Some(ScanError::NoDigits);
        log::log(
            Level::Warning,
            "scan_ll",
            format_args!(
                "Could not parse integer from '{text}' (using {default} instead): No digits found"
            ),
        );
    }
    let rest = &text[r.consumed..];
    if !rest.is_empty() {
        log::log(
            Level::Warning,
            "scan_ll",
            format_args!("Characters left over after parsing '{text}': '{rest}'"),
        );
    }
    if err.is_some() {
        value = default;
    }
    (value, err)
}

/// `pcmk__scan_min_int()`: parse a decimal `int`, using `minimum` as the
/// default and the floor; values above `i32::MAX` are clipped to it.
#[doc(alias = "pcmk__scan_min_int")]
pub fn scan_min_int(text: &str, minimum: i32) -> i32 {
    let (value, _) = scan_ll(text, i64::from(minimum));
    if value < i64::from(minimum) {
        log::log(
            Level::Warning,
            "pcmk__scan_min_int",
            format_args!("Clipped '{text}' to minimum acceptable value {minimum}"),
        );
        minimum
    } else if value > i64::from(i32::MAX) {
        log::log(
            Level::Warning,
            "pcmk__scan_min_int",
            format_args!("Clipped '{text}' to maximum integer {}", i32::MAX),
        );
        i32::MAX
    } else {
        // In range by the two checks above.
        value as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str, base: u32) -> (i64, usize, bool) {
        let r = strtoll(text.as_bytes(), base);
        (r.value, r.consumed, r.overflow)
    }

    #[test]
    fn strtoll_matches_c() {
        assert_eq!(v("42", 10), (42, 2, false));
        assert_eq!(v("  -7x", 10), (-7, 4, false));
        assert_eq!(v("+5", 10), (5, 2, false));
        assert_eq!(v("", 10), (0, 0, false));
        assert_eq!(v("-", 10), (0, 0, false));
        assert_eq!(v("abc", 10), (0, 0, false));
        assert_eq!(v("0x1f", 0), (31, 4, false));
        assert_eq!(v("0x", 0), (0, 1, false));
        assert_eq!(v("0xg", 16), (0, 1, false));
        assert_eq!(v("010", 0), (8, 3, false));
        assert_eq!(v("010", 10), (10, 3, false));
        assert_eq!(v("09", 0), (0, 1, false));
        assert_eq!(v("9223372036854775807", 10), (i64::MAX, 19, false));
        assert_eq!(v("9223372036854775808", 10), (i64::MAX, 19, true));
        assert_eq!(v("-9223372036854775808", 10), (i64::MIN, 20, false));
        assert_eq!(v("-99999999999999999999z", 10), (i64::MIN, 21, true));
    }

    #[test]
    fn scan_min_int_clips_and_defaults() {
        assert_eq!(scan_min_int("12abc", i32::MIN), 12);
        assert_eq!(scan_min_int("abc", i32::MIN), i32::MIN);
        assert_eq!(scan_min_int("", 0), 0);
        assert_eq!(scan_min_int("99999999999", i32::MIN), i32::MAX);
        assert_eq!(scan_min_int("-99999999999", i32::MIN), i32::MIN);
        assert_eq!(scan_min_int("99999999999999999999", i32::MIN), i32::MIN);
        assert_eq!(scan_min_int("-5", 0), 0);
    }
}
