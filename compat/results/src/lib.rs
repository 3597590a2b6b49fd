//! Pacemaker's result codes: `crm_exit_t`, `pcmk_rc_e`, legacy `pcmk_err_*`,
//! OCF and execution statuses, errno names, and their texts. No I/O.
//!
//! Module map:
//! - [`exit`]: [`CrmExit`], the exit status of every tool and daemon.
//! - [`rc`]: [`Rc`], standard return codes (custom negatives + errno), with
//!   `pcmk_rc2exitc`, `pcmk_rc2ocf`, `pcmk_rc2legacy`, `pcmk_legacy2rc`.
//! - [`legacy`]: legacy `pcmk_err_*` codes and `pcmk_errorname`/`pcmk_strerror`.
//! - [`errno`]: Linux errno numbers, Pacemaker's names for them, glibc texts.
//! - [`ocf`]: [`OcfExit`], resource agent exit statuses.
//! - [`exec`]: [`ExecStatus`], whether an action could be executed.
//! - [`family`]: reading one integer in a chosen family, listing families
//!   (what `crm_error` prints).
//! - [`bz2`]: libbz2 return value texts.
//!
//! Every value type wraps the C integer so that codes from the wire or the
//! command line keep their exact value; named constants carry
//! `#[doc(alias)]`es with the C names.
#![forbid(unsafe_code)]

pub mod bz2;
pub mod errno;
pub mod exec;
pub mod exit;
pub mod family;
pub mod legacy;
pub mod ocf;
pub mod rc;

pub use exec::ExecStatus;
pub use exit::CrmExit;
pub use family::ResultType;
pub use ocf::OcfExit;
pub use rc::Rc;
