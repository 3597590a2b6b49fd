//! The CIB manager's messages, built and parsed (pure): requests
//! (`cib_create_op`), sign-on and notification subscription, replies
//! (`cib-reply`), notifications (`notify`, `notify-replace`), plus
//! `add_message_xml` / `get_message_xml`.

use pcmk_xml::Element;

use super::{call_options, field, op, CibError};

/// `add_message_xml`: append `<field>` holding a copy of `xml`.
pub fn add_message_xml(msg: &mut Element, field: &str, xml: &Element) {
    msg.push_element(Element::new(field).with_child(xml.clone()));
}

/// `get_message_xml`: the first element inside `<field>`.
pub fn get_message_xml<'a>(msg: &'a Element, field: &str) -> Option<&'a Element> {
    msg.first_element(field)?.elements().next()
}

/// Take the first element inside `<field>` out of `msg`.
pub fn take_message_xml(msg: &mut Element, field: &str) -> Option<Element> {
    let holder = msg.first_element_mut(field)?;
    let pos = holder
        .children
        .iter()
        .position(|c| matches!(c, pcmk_xml::Node::Element(_)))?;
    match holder.children.remove(pos) {
        pcmk_xml::Node::Element(e) => Some(e),
        // Invariant: `pos` indexes an element node.
        _ => None,
    }
}

/// One call (`cib_internal_op` arguments).
#[derive(Clone, Copy, Debug, Default)]
pub struct CibRequest<'a> {
    /// Operation name ([`op`]).
    pub op: &'a str,
    /// Host to run it on (`query_from`, `sync_from`).
    pub host: Option<&'a str>,
    /// Section name, or an XPath with [`call_options::XPATH`].
    pub section: Option<&'a str>,
    /// Call data (the XML to create, modify, replace, delete, the patch).
    pub data: Option<&'a Element>,
    /// [`call_options`] bits.
    pub options: u32,
    /// ACL user (`None`: `CIB_user` from the environment, as the
    /// reference does).
    pub user: Option<&'a str>,
}

impl<'a> CibRequest<'a> {
    /// A request for `op` with nothing else set.
    pub fn new(op: &'a str) -> CibRequest<'a> {
        CibRequest {
            op,
            ..CibRequest::default()
        }
    }

    /// Set the section.
    pub fn section(mut self, section: &'a str) -> Self {
        self.section = Some(section);
        self
    }

    /// Set the call data.
    pub fn data(mut self, data: &'a Element) -> Self {
        self.data = Some(data);
        self
    }

    /// Set the call options.
    pub fn options(mut self, options: u32) -> Self {
        self.options = options;
        self
    }

    /// Set the ACL user.
    pub fn user(mut self, user: &'a str) -> Self {
        self.user = Some(user);
        self
    }

    /// Set the host.
    pub fn host(mut self, host: &'a str) -> Self {
        self.host = Some(host);
        self
    }

    /// `cib_create_op`: the request element for call `call_id` of the
    /// client whose sign-on token is `token`.
    #[doc(alias = "cib_create_op")]
    pub fn to_xml(
        &self,
        call_id: i32,
        token: &str,
        user: Option<&str>,
    ) -> Result<Element, CibError> {
        if self.options & call_options::INHIBIT_BCAST != 0
            && self.options & call_options::SCOPE_LOCAL == 0
        {
            return Err(CibError::new(
                -libc::EPROTO,
                "cib_inhibit_bcast requires cib_scope_local",
            ));
        }
        let mut e = Element::new("cib_command")
            .with_attr(field::XML_TAGNAME, "cib_command")
            .with_attr(field::TYPE, field::T_CIB)
            .with_attr(field::CALLBACK_TOKEN, token)
            .with_attr(field::OPERATION, self.op);
        if let Some(h) = self.host {
            e.set_attr(field::HOST, h);
        }
        if let Some(s) = self.section {
            e.set_attr(field::SECTION, s);
        }
        e.set_attr(field::CALLID, call_id.to_string());
        if let Some(u) = user {
            e.set_attr(field::USER, u);
        }
        e.set_attr(field::CALLOPTS, self.options.to_string());
        if let Some(d) = self.data {
            add_message_xml(&mut e, field::CALLDATA, d);
        }
        Ok(e)
    }
}

/// The sign-on request (`cib_native_signon_raw`).
pub fn register_request(client_name: &str) -> Element {
    Element::new("cib_command")
        .with_attr(field::TYPE, field::T_CIB)
        .with_attr(field::OPERATION, op::REGISTER)
        .with_attr(field::CLIENTNAME, client_name)
        .with_attr(field::CALLOPTS, call_options::SYNC_CALL.to_string())
}

/// The sign-on answer: the client's token (its id at the CIB manager).
pub fn register_reply_token(reply: &Element) -> Result<String, CibError> {
    if !reply
        .attr(field::OPERATION)
        .is_some_and(|o| o.eq_ignore_ascii_case(op::REGISTER))
    {
        return Err(CibError::new(
            -libc::EPROTO,
            format!(
                "reply to CIB registration message has unknown type '{}'",
                reply.attr(field::OPERATION).unwrap_or("")
            ),
        ));
    }
    reply
        .attr(field::CLIENTID)
        .map(str::to_owned)
        .ok_or_else(|| CibError::new(-libc::EPROTO, "registration reply without a client id"))
}

/// The answer a CIB manager gives to a sign-on (`<cib_common_callback_worker>`).
pub fn register_reply(client_id: &str) -> Element {
    Element::new("cib_common_callback_worker")
        .with_attr(field::OPERATION, op::REGISTER)
        .with_attr(field::CLIENTID, client_id)
}

/// (Un)subscribe to a notification type (`cib_native_register_notification`).
pub fn notify_request(event: &str, enabled: bool) -> Element {
    Element::new("cib-callback")
        .with_attr(field::OPERATION, op::NOTIFY)
        .with_attr(field::NOTIFY_TYPE, event)
        .with_attr(field::NOTIFY_ACTIVATE, if enabled { "1" } else { "0" })
}

fn int_attr(e: &Element, name: &str) -> Option<i32> {
    // crm_element_value_int: strtoll, so leading digits count.
    let v = e.attr(name)?.trim_start();
    let end = v
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(v.len(), |(i, _)| i);
    v[..end].parse::<i64>().ok().map(|n| n as i32)
}

/// A `cib-reply`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CibReply {
    /// Operation.
    pub op: String,
    /// Call id it answers.
    pub call_id: i32,
    /// Legacy return code (`-pcmk_err_diff_resync` already turned into 0).
    pub rc: i32,
    /// Call options echoed.
    pub call_options: u32,
    /// Output (query result, the CIB that failed validation, ...).
    pub output: Option<Element>,
}

impl CibReply {
    /// Parse a reply; `None` when it has no (positive) call id. A missing
    /// `cib_rc` reads as `-EPROTO`, as in the reference.
    pub fn parse(mut reply: Element) -> Option<CibReply> {
        let call_id = int_attr(&reply, field::CALLID).filter(|&i| i > 0)?;
        let mut rc = int_attr(&reply, field::RC).unwrap_or(-libc::EPROTO);
        if rc == -pcmk_results::legacy::PCMK_ERR_DIFF_RESYNC {
            rc = 0;
        }
        Some(CibReply {
            op: reply.attr(field::OPERATION).unwrap_or("").to_owned(),
            call_id,
            rc,
            call_options: int_attr(&reply, field::CALLOPTS).unwrap_or(0) as u32,
            output: take_message_xml(&mut reply, field::CALLDATA),
        })
    }

    /// Whether the call succeeded.
    pub fn is_ok(&self) -> bool {
        self.rc == 0
    }

    /// The standard return code.
    pub fn rc(&self) -> pcmk_results::Rc {
        pcmk_results::Rc::from_legacy(self.rc)
    }
}

/// The CIB manager's reply to a request (`cib_process_command`'s
/// `cib-reply`), for servers.
pub fn reply_xml(
    op: &str,
    call_id: Option<&str>,
    client_id: Option<&str>,
    call_options: u32,
    rc: i32,
    output: Option<&Element>,
) -> Element {
    let mut r = Element::new("cib-reply")
        .with_attr(field::TYPE, field::T_CIB)
        .with_attr(field::OPERATION, op);
    if let Some(c) = call_id {
        r.set_attr(field::CALLID, c);
    }
    if let Some(c) = client_id {
        r.set_attr(field::CLIENTID, c);
    }
    r.set_attr(field::CALLOPTS, call_options.to_string());
    r.set_attr(field::RC, rc.to_string());
    if let Some(o) = output {
        add_message_xml(&mut r, field::CALLDATA, o);
    }
    r
}

/// A notification (`t="cib_notify"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CibNotification {
    /// Its type (`subt`): [`super::notify::DIFF`], [`super::notify::REPLACE`], ...
    pub kind: String,
    /// The operation that caused it.
    pub op: String,
    /// The operation's legacy rc.
    pub rc: i32,
    /// The whole message, for everything else (`cib_object`,
    /// `cib_change_section`, the generation).
    pub msg: Element,
}

impl CibNotification {
    /// Parse; `None` unless `t` is `cib_notify`.
    pub fn parse(msg: Element) -> Option<CibNotification> {
        if !msg
            .attr(field::TYPE)
            .is_some_and(|t| t.eq_ignore_ascii_case(field::T_CIB_NOTIFY))
        {
            return None;
        }
        Some(CibNotification {
            kind: msg.attr(field::SUBTYPE).unwrap_or("").to_owned(),
            op: msg.attr(field::OPERATION).unwrap_or("").to_owned(),
            rc: int_attr(&msg, field::RC).unwrap_or(0),
            msg,
        })
    }

    /// The patchset of a diff notification (`<diff format="2">`).
    pub fn diff(&self) -> Option<&Element> {
        get_message_xml(&self.msg, field::UPDATE_RESULT)
    }

    /// The update the client sent, when the CIB manager attaches it.
    pub fn update(&self) -> Option<&Element> {
        get_message_xml(&self.msg, field::UPDATE)
    }

    /// The CIB generation after the change (`<generation_tuple>`).
    pub fn generation(&self) -> Option<&Element> {
        get_message_xml(&self.msg, "cib_generation")
            .or_else(|| get_message_xml(&self.msg, "cib-replace-generation"))
    }
}

/// What an event from the CIB manager is.
#[derive(Clone, Debug)]
pub enum CibEvent {
    /// A reply to an asynchronous call.
    Reply(CibReply),
    /// A notification.
    Notification(CibNotification),
    /// Anything else ("Unknown message type").
    Other(Element),
}

impl CibEvent {
    /// Sort an event by its `t` (`cib_native_dispatch_internal`).
    pub fn classify(msg: Element) -> CibEvent {
        let t = msg.attr(field::TYPE).unwrap_or("");
        if t.eq_ignore_ascii_case(field::T_CIB) {
            match CibReply::parse(msg.clone()) {
                Some(r) => CibEvent::Reply(r),
                None => CibEvent::Other(msg),
            }
        } else if t.eq_ignore_ascii_case(field::T_CIB_NOTIFY) {
            match CibNotification::parse(msg.clone()) {
                Some(n) => CibEvent::Notification(n),
                None => CibEvent::Other(msg),
            }
        } else {
            CibEvent::Other(msg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_like_the_reference() {
        let x = pcmk_xml::parse(r#"<nvpair id="a" name="b" value="c"/>"#).unwrap();
        let e = CibRequest::new(op::MODIFY)
            .section("crm_config")
            .data(&x)
            .options(call_options::SYNC_CALL)
            .to_xml(3, "tok", Some("alice"))
            .unwrap();
        assert_eq!(
            e.to_unformatted(),
            r#"<cib_command __name__="cib_command" t="cib" cib_async_id="tok" cib_op="cib_modify" cib_section="crm_config" cib_callid="3" cib_user="alice" cib_callopt="4096"><cib_calldata><nvpair id="a" name="b" value="c"/></cib_calldata></cib_command>"#
        );
        assert!(CibRequest::new(op::MODIFY)
            .options(call_options::INHIBIT_BCAST)
            .to_xml(1, "t", None)
            .is_err());
        assert_eq!(
            register_request("cibadmin").to_unformatted(),
            r#"<cib_command t="cib" cib_op="register" cib_clientname="cibadmin" cib_callopt="4096"/>"#
        );
    }

    #[test]
    fn replies() {
        let out = pcmk_xml::parse("<cib epoch=\"1\"/>").unwrap();
        let r = reply_xml(op::QUERY, Some("7"), Some("c"), 0, 0, Some(&out));
        let p = CibReply::parse(r).unwrap();
        assert_eq!(p.call_id, 7);
        assert_eq!(p.output.unwrap().name(), "cib");
        let r = reply_xml(op::MODIFY, Some("2"), None, 0, -207, None);
        assert_eq!(CibReply::parse(r).unwrap().rc, 0, "diff resync is success");
        let r = reply_xml(op::MODIFY, None, None, 0, 0, None);
        assert!(CibReply::parse(r).is_none());
        let mut r = reply_xml(op::MODIFY, Some("2"), None, 0, 0, None);
        r.remove_attr(field::RC);
        assert_eq!(CibReply::parse(r).unwrap().rc, -libc::EPROTO);
        assert_eq!(register_reply_token(&register_reply("abc")).unwrap(), "abc");
        assert!(register_reply_token(&Element::new("x")).is_err());
    }

    #[test]
    fn notifications() {
        let n = pcmk_xml::parse(
            r#"<notify t="cib_notify" subt="cib_diff_notify" cib_op="cib_modify" cib_rc="0"><cib_generation><generation_tuple epoch="2"/></cib_generation><cib_update_result><diff format="2"/></cib_update_result></notify>"#,
        )
        .unwrap();
        match CibEvent::classify(n) {
            CibEvent::Notification(n) => {
                assert_eq!(n.kind, "cib_diff_notify");
                assert_eq!(n.diff().unwrap().attr("format"), Some("2"));
                assert_eq!(n.generation().unwrap().attr("epoch"), Some("2"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            CibEvent::classify(Element::new("x").with_attr("t", "crmd")),
            CibEvent::Other(_)
        ));
    }
}
