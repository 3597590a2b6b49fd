//! Result code families: one integer read as a legacy code, a standard return
//! code or an exit status (`enum pcmk_result_type`), as `crm_error` does.

use std::borrow::Cow;

use crate::exit::CrmExit;
use crate::legacy;
use crate::rc::Rc;

/// How to read an integer result code.
#[doc(alias = "pcmk_result_type")]
#[non_exhaustive]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ResultType {
    /// Legacy API return code (`-errno` or `-pcmk_err_*`).
    #[doc(alias = "pcmk_result_legacy")]
    Legacy,
    /// Standard Pacemaker return code ([`Rc`]).
    #[doc(alias = "pcmk_result_rc")]
    Rc,
    /// Exit status ([`CrmExit`]).
    #[doc(alias = "pcmk_result_exitcode")]
    ExitCode,
}

/// The name and description of `code` read as `kind`.
#[doc(alias = "pcmk_result_get_strings")]
pub fn strings(code: i32, kind: ResultType) -> (&'static str, Cow<'static, str>) {
    match kind {
        ResultType::Legacy => (legacy::name(code), legacy::description(code)),
        ResultType::Rc => {
            let rc = Rc::from_raw(code);
            (rc.name(), rc.description())
        }
        ResultType::ExitCode => {
            let exit = CrmExit::from_raw(code);
            (exit.name(), Cow::Borrowed(exit.description()))
        }
    }
}

/// The range of codes worth listing for a family (inclusive). Errno values
/// have no true upper bound; 256 covers every system Pacemaker runs on.
#[doc(alias = "pcmk__result_bounds")]
pub fn bounds(kind: ResultType) -> (i32, i32) {
    match kind {
        ResultType::Legacy => (0, 256),
        ResultType::Rc => (Rc::MOST_NEGATIVE.raw(), 256),
        ResultType::ExitCode => (0, CrmExit::MAX.raw()),
    }
}

/// Every known code of a family with its name and description, in increasing
/// order: what `crm_error --list` shows. Codes reserved for callers (-1000..-1)
/// and codes without a name are left out.
#[doc(alias = "pcmk__list_result_codes")]
pub fn known_codes(
    kind: ResultType,
) -> impl Iterator<Item = (i32, &'static str, Cow<'static, str>)> {
    let (lower, upper) = bounds(kind);
    (lower..=upper)
        .filter(|code| !(Rc::ERROR.raw() + 1..0).contains(code))
        .filter_map(move |code| {
            let (name, desc) = strings(code, kind);
            (name != "Unknown" && name != "CRM_EX_UNKNOWN").then_some((code, name, desc))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_skips_unnamed_and_reserved_codes() {
        let legacy: Vec<i32> = known_codes(ResultType::Legacy).map(|c| c.0).collect();
        assert!(legacy.contains(&210) && !legacy.contains(&211) && !legacy.contains(&41));
        let rc: Vec<i32> = known_codes(ResultType::Rc).map(|c| c.0).collect();
        assert_eq!(rc.first(), Some(&-1033));
        assert!(!rc.iter().any(|c| (-1000..0).contains(c)));
        let exit: Vec<i32> = known_codes(ResultType::ExitCode).map(|c| c.0).collect();
        assert_eq!(exit.len(), CrmExit::ALL.len());
    }
}
