//! Notifications to subscribed clients (daemons/based/based_notify.c):
//! which subscription a client asks for, and the `notify` (diff) and
//! `notify-replace` messages. Pure.

use pcmk_msg::cib::{field, message, notify, op};
use pcmk_xml::patchset::{patch_versions, Version};
use pcmk_xml::Element;

/// Subscription bits (`enum cib_client_flags`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Subscriptions(pub u32);

impl Subscriptions {
    pub const PRE: u32 = 1 << 0;
    pub const POST: u32 = 1 << 1;
    pub const REPLACE: u32 = 1 << 2;
    pub const CONFIRM: u32 = 1 << 3;
    pub const DIFF: u32 = 1 << 4;

    /// The bit of a notification type name (case-insensitive), `None` for
    /// an unknown type (answered with `CRM_EX_INVALID_PARAM`).
    pub fn bit(kind: &str) -> Option<u32> {
        let eq = |s: &str| kind.eq_ignore_ascii_case(s);
        if eq(notify::POST) {
            Some(Self::POST)
        } else if eq(notify::PRE) {
            Some(Self::PRE)
        } else if eq(notify::CONFIRM) {
            Some(Self::CONFIRM)
        } else if eq(notify::DIFF) {
            Some(Self::DIFF)
        } else if eq(notify::REPLACE) {
            Some(Self::REPLACE)
        } else {
            None
        }
    }

    /// Whether a client with these subscriptions gets a message of
    /// subtype `kind` (`cib_notify_send_one`).
    pub fn wants(self, kind: &str) -> bool {
        Subscriptions::bit(kind).is_some_and(|b| self.0 & b != 0)
    }
}

/// `attach_cib_generation()`: `<field><generation_tuple …/></field>` with
/// the CIB's root attributes.
fn attach_generation(msg: &mut Element, holder: &str, cib: Option<&Element>) {
    let mut g = Element::new("generation_tuple");
    if let Some(c) = cib {
        *g.attrs_mut() = c.attrs().to_vec();
    }
    message::add_message_xml(msg, holder, &g);
}

/// `do_cib_notify()` for a diff: the message sent to diff subscribers.
#[doc(alias = "do_cib_notify")]
pub fn diff_message(
    operation: &str,
    update: Option<&Element>,
    rc: i32,
    diff: &Element,
    cib: Option<&Element>,
) -> Element {
    let mut m = Element::new("notify")
        .with_attr(field::TYPE, field::T_CIB_NOTIFY)
        .with_attr(field::SUBTYPE, notify::DIFF)
        .with_attr(field::OPERATION, operation)
        .with_attr(field::RC, rc.to_string());
    if let Some(id) = diff.id() {
        m.set_attr(field::OBJID, id);
    }
    let objtype = update.map_or(diff.name(), |u| u.name()).to_owned();
    m.set_attr(field::OBJTYPE, objtype);
    attach_generation(&mut m, "cib_generation", cib);
    if let Some(u) = update {
        message::add_message_xml(&mut m, field::UPDATE, u);
    }
    message::add_message_xml(&mut m, field::UPDATE_RESULT, diff);
    m
}

/// `cib_replace_notify()`'s message: the CIB was replaced (or erased) and
/// `change_section` says which of nodes (1), alerts (2), status (4)
/// changed.
#[doc(alias = "cib_replace_notify")]
pub fn replace_message(rc: i32, change_section: u32, cib: Option<&Element>) -> Element {
    let mut m = Element::new("notify-replace")
        .with_attr(field::TYPE, field::T_CIB_NOTIFY)
        .with_attr(field::SUBTYPE, notify::REPLACE)
        .with_attr(field::OPERATION, op::REPLACE)
        .with_attr(field::RC, rc.to_string())
        .with_attr(field::CHANGE_SECTION, change_section.to_string());
    attach_generation(&mut m, "cib-replace-generation", cib);
    m
}

/// Sections a replace can change (`enum cib_change_section_info`).
pub mod change_section {
    pub const NODES: u32 = 1 << 0;
    pub const ALERTS: u32 = 1 << 1;
    pub const STATUS: u32 = 1 << 2;
}

/// `cib_diff_version_details()`: (from, to) versions of a patch, -1 for
/// missing fields.
pub fn versions(diff: &Element) -> (Version, Version) {
    let mut add = [-1; 3];
    let mut del = [-1; 3];
    patch_versions(diff, &mut add, &mut del);
    (del, add)
}

/// "a.b.c" of a version.
pub fn dotted(v: Version) -> String {
    format!("{}.{}.{}", v[0], v[1], v[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_message_like_the_reference() {
        let diff = pcmk_xml::parse(
            r#"<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/><target admin_epoch="0" epoch="2" num_updates="0"/></version></diff>"#,
        )
        .unwrap();
        let cib = pcmk_xml::parse(r#"<cib epoch="2" num_updates="0" admin_epoch="0"/>"#).unwrap();
        let input = Element::new("nvpair").with_attr("id", "x");
        let m = diff_message("cib_modify", Some(&input), 0, &diff, Some(&cib));
        assert_eq!(
            m.to_unformatted(),
            format!(
                r#"<notify t="cib_notify" subt="cib_diff_notify" cib_op="cib_modify" cib_rc="0" cib_object_type="nvpair"><cib_generation><generation_tuple epoch="2" num_updates="0" admin_epoch="0"/></cib_generation><cib_update><nvpair id="x"/></cib_update><cib_update_result>{}</cib_update_result></notify>"#,
                diff.to_unformatted()
            )
        );
        assert_eq!(versions(&diff), ([0, 1, 0], [0, 2, 0]));
        assert!(Subscriptions(Subscriptions::DIFF).wants("CIB_DIFF_NOTIFY"));
        assert!(!Subscriptions(Subscriptions::DIFF).wants(notify::REPLACE));
    }

    #[test]
    fn replace_message_fields() {
        let m = replace_message(0, 5, None);
        assert_eq!(
            m.to_unformatted(),
            r#"<notify-replace t="cib_notify" subt="cib_refresh_notify" cib_op="cib_replace" cib_rc="0" cib_change_section="5"><cib-replace-generation><generation_tuple/></cib-replace-generation></notify-replace>"#
        );
    }
}
