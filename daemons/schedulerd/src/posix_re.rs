//! POSIX extended regular expressions as used by `rsc-pattern` (the
//! reference calls `regcomp(REG_EXTENDED)`); backed by the `regex` crate,
//! which agrees on the patterns configurations use.

/// A compiled pattern.
pub struct Regex(regex::Regex);

impl Regex {
    /// Compile; `None` when the pattern is invalid.
    pub fn new(pattern: &str) -> Option<Regex> {
        regex::Regex::new(pattern).ok().map(Regex)
    }

    /// `regexec`: the byte ranges of the whole match and each group.
    pub fn exec(&self, s: &str) -> Option<Vec<Option<(usize, usize)>>> {
        let caps = self.0.captures(s)?;
        Some(
            (0..caps.len())
                .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
                .collect(),
        )
    }
}
