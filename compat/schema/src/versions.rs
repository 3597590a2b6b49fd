//! The ordered list of CIB schemas Pacemaker 2.1.5 knows, as its
//! `crm_schema_init()` builds it from `pacemaker-X.Y.rng` files plus the two
//! pseudo-schemas "pacemaker-next" and "none" (pure data, no I/O).
//!
//! Indexes matter: Pacemaker compares schemas by their position in this list
//! (`get_schema_version()`), "pacemaker-next" and "none" sort after every
//! numbered version, and an upgrade walks the list upwards.

/// How documents are checked against a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// A RelaxNG grammar (`schema_validator_rng`).
    RelaxNg,
    /// No validation at all: every document is valid (`schema_validator_none`).
    None,
}

/// The transformation that leaves a major version for the next one
/// (Pacemaker's `upgrade-X.Y.xsl` with optional `-enter`/`-leave` phases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// pacemaker-1.3 → 2.0 (`upgrade-1.3.xsl`, no enter/leave phase).
    From1_3,
    /// pacemaker-2.10 → 3.0 (`upgrade-2.10-enter.xsl`, `upgrade-2.10.xsl`,
    /// `upgrade-2.10-leave.xsl`).
    From2_10,
}

impl Transform {
    /// The reference's stylesheet name (without `.xsl`), as its logs name it.
    pub fn name(self) -> &'static str {
        match self {
            Transform::From1_3 => "upgrade-1.3",
            Transform::From2_10 => "upgrade-2.10",
        }
    }
}

/// One known schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    /// Position in [`known()`] (Pacemaker's schema index).
    pub index: usize,
    /// Name as used in `validate-with` (e.g. "pacemaker-3.9").
    pub name: &'static str,
    /// (major, minor); (0, 0) for "pacemaker-next" and "none".
    pub version: (u8, u8),
    /// How documents are validated.
    pub validator: Validator,
    /// Transformation applied when upgrading past this schema, if it ends a
    /// major series.
    pub transform: Option<Transform>,
}

impl Schema {
    /// The schema an upgrade moves to next (`after_transform`), if any:
    /// numbered schemas step to their successor; the newest numbered one,
    /// "pacemaker-next" and "none" go nowhere.
    #[doc(alias = "after_transform")]
    pub fn upgrades_to(&self) -> Option<&'static Schema> {
        if self.validator == Validator::RelaxNg && self.index < latest().index {
            Some(&KNOWN[self.index + 1])
        } else {
            None
        }
    }

    /// Whether this is the deprecated "pacemaker-next" schema.
    pub fn is_next(&self) -> bool {
        self.index == KNOWN.len() - 2
    }

    /// File name of the entry grammar ("pacemaker-3.9.rng"), `None` for "none".
    pub fn grammar_file(&self) -> Option<String> {
        (self.validator == Validator::RelaxNg).then(|| format!("{}.rng", self.name))
    }
}

macro_rules! numbered {
    ($($idx:literal $name:literal $maj:literal $min:literal $tr:expr;)*) => {
        [$(Schema {
            index: $idx,
            name: $name,
            version: ($maj, $min),
            validator: Validator::RelaxNg,
            transform: $tr,
        },)*
        Schema {
            index: 24,
            name: "pacemaker-next",
            version: (0, 0),
            validator: Validator::RelaxNg,
            transform: None,
        },
        Schema {
            index: 25,
            name: "none",
            version: (0, 0),
            validator: Validator::None,
            transform: None,
        }]
    };
}

static KNOWN: [Schema; 26] = numbered! {
    0 "pacemaker-1.0" 1 0 None;
    1 "pacemaker-1.2" 1 2 None;
    2 "pacemaker-1.3" 1 3 Some(Transform::From1_3);
    3 "pacemaker-2.0" 2 0 None;
    4 "pacemaker-2.1" 2 1 None;
    5 "pacemaker-2.2" 2 2 None;
    6 "pacemaker-2.3" 2 3 None;
    7 "pacemaker-2.4" 2 4 None;
    8 "pacemaker-2.5" 2 5 None;
    9 "pacemaker-2.6" 2 6 None;
    10 "pacemaker-2.7" 2 7 None;
    11 "pacemaker-2.8" 2 8 None;
    12 "pacemaker-2.9" 2 9 None;
    13 "pacemaker-2.10" 2 10 Some(Transform::From2_10);
    14 "pacemaker-3.0" 3 0 None;
    15 "pacemaker-3.1" 3 1 None;
    16 "pacemaker-3.2" 3 2 None;
    17 "pacemaker-3.3" 3 3 None;
    18 "pacemaker-3.4" 3 4 None;
    19 "pacemaker-3.5" 3 5 None;
    20 "pacemaker-3.6" 3 6 None;
    21 "pacemaker-3.7" 3 7 None;
    22 "pacemaker-3.8" 3 8 None;
    23 "pacemaker-3.9" 3 9 None;
};

/// Names older Pacemaker releases used in `validate-with` that the grammars
/// still accept as attribute values but that 2.1.5 no longer knows as
/// schemas: [`by_name`] returns `None` for them, so a CIB claiming one of
/// them fails validation silently and cannot be upgraded (what the reference
/// does).
pub const LEGACY_NAMES: [&str; 4] = [
    "pacemaker-0.6",
    "transitional-0.6",
    "pacemaker-0.7",
    "pacemaker-1.1",
];

/// Every known schema, in Pacemaker's order.
pub fn known() -> &'static [Schema] {
    &KNOWN
}

/// The schema named `name` (ASCII case-insensitive, like
/// `get_schema_version()`); `None` when unknown. A missing `validate-with`
/// means "none" in Pacemaker: pass `"none"` for it.
#[doc(alias = "get_schema_version")]
pub fn by_name(name: &str) -> Option<&'static Schema> {
    KNOWN.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// The newest numbered schema, "pacemaker-3.9" (`xml_latest_schema()`).
#[doc(alias = "xml_latest_schema")]
pub fn latest() -> &'static Schema {
    &KNOWN[23]
}

/// The oldest schema of the newest major series, "pacemaker-3.0": what
/// tools upgrade a CIB to at least (`xml_minimum_schema_index()`).
#[doc(alias = "xml_minimum_schema_index")]
pub fn minimum() -> &'static Schema {
    let latest = latest();
    KNOWN[..=latest.index]
        .iter()
        .find(|s| s.version.0 == latest.version.0)
        .unwrap_or(latest)
}

/// The "none" pseudo-schema (validation disabled).
pub fn none() -> &'static Schema {
    &KNOWN[25]
}

/// The deprecated "pacemaker-next" schema.
pub fn next() -> &'static Schema {
    &KNOWN[24]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_indexes() {
        for (i, s) in known().iter().enumerate() {
            assert_eq!(s.index, i);
        }
        let numbered: Vec<_> = known()[..24].iter().map(|s| s.version).collect();
        let mut sorted = numbered.clone();
        sorted.sort();
        assert_eq!(numbered, sorted);
        for s in &known()[..24] {
            assert_eq!(s.name, format!("pacemaker-{}.{}", s.version.0, s.version.1));
        }
    }

    #[test]
    fn lookup() {
        assert_eq!(by_name("PaceMaker-3.9").map(|s| s.index), Some(23));
        assert_eq!(by_name("none"), Some(none()));
        assert_eq!(by_name("pacemaker-next"), Some(next()));
        for legacy in LEGACY_NAMES {
            assert_eq!(by_name(legacy), None);
        }
        assert_eq!(latest().name, "pacemaker-3.9");
        assert_eq!(minimum().name, "pacemaker-3.0");
    }

    #[test]
    fn upgrade_steps() {
        assert_eq!(
            by_name("pacemaker-1.0")
                .and_then(|s| s.upgrades_to())
                .map(|s| s.name),
            Some("pacemaker-1.2")
        );
        assert_eq!(latest().upgrades_to(), None);
        assert_eq!(next().upgrades_to(), None);
        assert_eq!(none().upgrades_to(), None);
        // Transforms sit exactly where the major version changes.
        for pair in known()[..24].windows(2) {
            let crosses = pair[0].version.0 < pair[1].version.0;
            assert_eq!(pair[0].transform.is_some(), crosses, "{}", pair[0].name);
        }
        assert!(next().is_next());
        assert_eq!(none().grammar_file(), None);
    }
}
