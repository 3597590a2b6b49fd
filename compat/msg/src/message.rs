//! Pacemaker's generic request and reply messages (lib/common/messages.c),
//! used between the controller, pacemakerd, the scheduler and tools. Pure,
//! apart from the clock read for the reference.

use std::sync::atomic::{AtomicU32, Ordering};

use pcmk_xml::Element;

pub use crate::cib::message::{add_message_xml, get_message_xml};

/// `CRM_FEATURE_SET` of Pacemaker 2.1.5.
pub const FEATURE_SET: &str = "3.16.1";

static REF_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Arguments of `create_request`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestSpec<'a> {
    /// `crm_task`.
    pub task: &'a str,
    /// Payload, put inside `<crm_xml>`.
    pub data: Option<&'a Element>,
    /// `crm_host_to` (omitted when empty).
    pub host_to: Option<&'a str>,
    /// `crm_sys_to`.
    pub sys_to: Option<&'a str>,
    /// The sending subsystem.
    pub sys_from: Option<&'a str>,
    /// A client's uuid: `crm_sys_from` becomes `<uuid>_<sys_from>`.
    pub uuid_from: Option<&'a str>,
    /// `origin`: the C function name the reference records.
    pub origin: &'a str,
}

/// `create_request_adv`: element `create_request_adv`, attributes origin,
/// t="crmd", version, subt="request", reference
/// `<task>-<sys_from>-<time>-<n>`, crm_task, crm_sys_to, crm_sys_from,
/// `crm_host_to` (optional), payload in `<crm_xml>`. `now` is seconds since the epoch.
#[doc(alias = "create_request_adv")]
pub fn create_request(spec: &RequestSpec<'_>, now: i64) -> Element {
    let n = REF_COUNTER.fetch_add(1, Ordering::Relaxed);
    let reference = format!(
        "{}-{}-{now}-{n}",
        if spec.task.is_empty() {
            "_empty_"
        } else {
            spec.task
        },
        spec.sys_from.unwrap_or("_empty_"),
    );
    let true_from = match (spec.uuid_from, spec.sys_from) {
        (Some(u), s) => Some(format!("{u}_{}", s.unwrap_or("none"))),
        (None, Some(s)) => Some(s.to_owned()),
        (None, None) => None,
    };
    let mut r = Element::new("create_request_adv")
        .with_attr("origin", spec.origin)
        .with_attr("t", "crmd")
        .with_attr("version", FEATURE_SET)
        .with_attr("subt", "request")
        .with_attr("reference", reference)
        .with_attr("crm_task", spec.task);
    if let Some(s) = spec.sys_to {
        r.set_attr("crm_sys_to", s);
    }
    if let Some(f) = true_from {
        r.set_attr("crm_sys_from", f);
    }
    if let Some(h) = spec.host_to.filter(|h| !h.is_empty()) {
        r.set_attr("crm_host_to", h);
    }
    if let Some(d) = spec.data {
        add_message_xml(&mut r, "crm_xml", d);
    }
    r
}

/// `create_reply_adv`: answer `request` (from and to swapped, same
/// reference and task); `None` when the request has no `subt`.
#[doc(alias = "create_reply_adv")]
pub fn create_reply(request: &Element, data: Option<&Element>, origin: &str) -> Option<Element> {
    request.attr("subt")?;
    let mut r = Element::new("create_reply_adv")
        .with_attr("origin", origin)
        .with_attr("t", "crmd")
        .with_attr("version", FEATURE_SET)
        .with_attr("subt", "response");
    for (to, from) in [
        ("reference", "reference"),
        ("crm_task", "crm_task"),
        ("crm_sys_to", "crm_sys_from"),
        ("crm_sys_from", "crm_sys_to"),
    ] {
        if let Some(v) = request.attr(from) {
            r.set_attr(to, v);
        }
    }
    if let Some(h) = request.attr("src").filter(|h| !h.is_empty()) {
        r.set_attr("crm_host_to", h);
    }
    if let Some(d) = data {
        add_message_xml(&mut r, "crm_xml", d);
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_reply() {
        let req = create_request(
            &RequestSpec {
                task: "ping",
                sys_to: Some("pacemakerd"),
                sys_from: Some("crm_mon"),
                uuid_from: Some("abc"),
                origin: "f",
                ..RequestSpec::default()
            },
            1000,
        );
        assert_eq!(req.attr("crm_sys_from"), Some("abc_crm_mon"));
        assert!(req
            .attr("reference")
            .unwrap()
            .starts_with("ping-crm_mon-1000-"));
        assert_eq!(req.attr("crm_host_to"), None);
        let rep = create_reply(&req, Some(&Element::new("x")), "g").unwrap();
        assert_eq!(rep.attr("crm_sys_to"), Some("abc_crm_mon"));
        assert_eq!(rep.attr("crm_sys_from"), Some("pacemakerd"));
        assert_eq!(rep.attr("subt"), Some("response"));
        assert_eq!(get_message_xml(&rep, "crm_xml").unwrap().name(), "x");
        assert!(create_reply(&Element::new("y"), None, "g").is_none());
    }
}
