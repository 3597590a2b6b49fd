//! The version Atrium reports: that of the Pacemaker release it replaces,
//! since front-ends (pcs, crmsh) decide which features to use from it.

/// `PACEMAKER_VERSION`.
pub const PACEMAKER_VERSION: &str = "2.1.5";
/// `BUILD_VERSION`: the reference build's commit id, which crmsh parses
/// from `cibadmin -!`.
pub const BUILD_VERSION: &str = "a3f44794f94";
/// `CRM_FEATURES` of the Debian 12 build.
pub const CRM_FEATURES: &str = "agent-manpages cibsecrets corosync-ge-2 generated-manpages lha monotonic nagios ncurses remote systemd";
/// `PCMK__API_VERSION`: the `api-version` of `<pacemaker-result>`.
pub const API_VERSION: &str = "2.25";
/// Author line of `--version`.
pub const AUTHORS: &str = "Andrew Beekhof and the Pacemaker project contributors";
