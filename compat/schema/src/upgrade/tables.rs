//! What the 2.x → 3.0 upgrade renames, moves or drops (pure data).
//!
//! One [`Table`] per kind of object, each a list of [`Rule`]s tried in
//! order; the lookup ([`Table::find`]) follows the reference's selection:
//! a rule with a condition (`in_case_of` values, or a droppable value
//! prefix) applies when its condition holds; an unconditional rule applies
//! only when no conditional rule for the same name does.

/// One rename/move/drop rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rule {
    /// Name the rule is about (nvpair name, or attribute name).
    pub(crate) what: &'static str,
    /// New name; empty means "drop".
    pub(crate) with: &'static str,
    /// Where the item moves to (a "where-case" of the table), if it moves.
    pub(crate) place: Option<&'static str>,
    /// `|`-separated values the rule is limited to.
    pub(crate) in_case_of: Option<&'static str>,
    /// Value prefix the rule is limited to (and which is removed).
    pub(crate) droppable_prefix: Option<&'static str>,
    /// Replacement value.
    pub(crate) redefined_as: Option<&'static str>,
    /// Extra explanation logged with the change.
    pub(crate) msg_extra: Option<&'static str>,
    /// Forced log severity.
    pub(crate) msg_severity: Option<&'static str>,
}

/// A group of rules with the prefix its log messages carry.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) msg_prefix: &'static str,
    pub(crate) rules: &'static [Rule],
}

const fn rule(what: &'static str, with: &'static str) -> Rule {
    Rule {
        what,
        with,
        place: None,
        in_case_of: None,
        droppable_prefix: None,
        redefined_as: None,
        msg_extra: None,
        msg_severity: None,
    }
}

const fn moved(what: &'static str, with: &'static str, place: &'static str) -> Rule {
    let mut r = rule(what, with);
    r.place = Some(place);
    r
}

const fn when(mut r: Rule, values: &'static str) -> Rule {
    r.in_case_of = Some(values);
    r
}

const fn becomes(mut r: Rule, value: &'static str) -> Rule {
    r.redefined_as = Some(value);
    r
}

const fn note(mut r: Rule, extra: &'static str) -> Rule {
    r.msg_extra = Some(extra);
    r
}

impl Rule {
    fn condition_holds(&self, value: &str) -> bool {
        let listed = self
            .in_case_of
            .is_some_and(|values| format!("|{values}|").contains(&format!("|{value}|")));
        let prefixed = self
            .droppable_prefix
            .is_some_and(|p| value.starts_with(p) && !value.contains(','));
        listed || prefixed
    }

    fn conditional(&self) -> bool {
        self.in_case_of.is_some() || self.droppable_prefix.is_some()
    }

    /// Whether the rule drops the item (possibly to re-create it elsewhere).
    pub(crate) fn drops(&self) -> bool {
        self.with.is_empty() || self.place.is_some()
    }
}

impl Table {
    /// The rule for item `what` whose selecting value is `value`.
    pub(crate) fn find(&self, what: Option<&str>, value: Option<&str>) -> Option<&'static Rule> {
        let what = what?;
        let value = value.unwrap_or("");
        let conditional_match = self
            .rules
            .iter()
            .any(|r| r.what == what && r.conditional() && r.condition_holds(value));
        self.rules.iter().find(|r| {
            r.what == what && (r.condition_holds(value) || (!r.conditional() && !conditional_match))
        })
    }

    /// The log message(s) the reference emits for applying `rule` (the
    /// stylesheet's `MapMsg`), `context` naming the object.
    pub(crate) fn messages(&self, rule: &Rule, context: &str) -> Vec<String> {
        let severity = rule.msg_severity.unwrap_or(if rule.msg_extra.is_some() {
            "INFO"
        } else {
            "DEBUG"
        });
        let label = format!("{severity}: ");
        let prefix = format!("{}: ", self.msg_prefix);
        let mut m = format!("{label}{prefix}");
        if !context.is_empty() {
            m.push_str(&format!("{context}: "));
        }
        if rule.with.is_empty() {
            m.push_str(&format!("dropping {}", rule.what));
        } else {
            if let Some(place) = rule.place {
                m.push_str(&format!("moving {} under {place}", rule.what));
            } else if rule.with == rule.what {
                m.push_str(&format!("keeping {}", rule.what));
            } else {
                m.push_str(&format!("renaming {}", rule.what));
            }
            m.push_str(&format!(" as {}", rule.with));
            if rule.place.is_some() {
                m.push_str(" unless already defined there");
            }
        }
        if let Some(value) = rule.redefined_as {
            m.push_str(&format!(", redefined as {value}"));
            if rule.in_case_of.is_some() {
                m.push(',');
            }
        }
        match (rule.in_case_of, rule.droppable_prefix) {
            (Some(v), _) if !v.is_empty() => m.push_str(&format!(" for matching {v}")),
            (Some(_), _) => m.push_str(" for matching \"empty string\""),
            (None, Some(p)) => m.push_str(&format!(
                " for matching {p} prefix that will, meanwhile, get dropped"
            )),
            (None, None) => {}
        }
        let mut out = vec![m];
        if let Some(extra) = rule.msg_extra {
            out.push(format!("{label}{prefix}... {extra}"));
        }
        out
    }
}

const MOVED_TO_DEFAULTS_NOTE: &str =
    "migration-threshold in rsc_defaults can be configured instead";

/// `crm_config` properties (moves go to `op_defaults` or `rsc_defaults`).
pub(crate) static CLUSTER_PROPERTIES: Table = Table {
    msg_prefix: "Cluster properties",
    rules: &[
        note(
            when(
                rule("cluster-infrastructure", ""),
                "heartbeat|openais|classic openais|classic openais (with plugin)|cman",
            ),
            "corosync (2+) infrastructure can be used instead, though the value is not of significance",
        ),
        rule("cluster_recheck_interval", "cluster-recheck-interval"),
        rule("dc_deadtime", "dc-deadtime"),
        moved("default-action-timeout", "timeout", "op_defaults"),
        moved("default_action_timeout", "timeout", "op_defaults"),
        note(rule("default-migration-threshold", ""), MOVED_TO_DEFAULTS_NOTE),
        note(rule("default_migration_threshold", ""), MOVED_TO_DEFAULTS_NOTE),
        moved("default-resource-stickiness", "resource-stickiness", "rsc_defaults"),
        moved("default_resource_stickiness", "resource-stickiness", "rsc_defaults"),
        becomes(
            when(
                moved("default-resource-failure-stickiness", "migration-threshold", "rsc_defaults"),
                "-INFINITY",
            ),
            "1",
        ),
        note(rule("default-resource-failure-stickiness", ""), MOVED_TO_DEFAULTS_NOTE),
        becomes(
            when(
                moved("default_resource_failure_stickiness", "migration-threshold", "rsc_defaults"),
                "-INFINITY",
            ),
            "1",
        ),
        note(rule("default_resource_failure_stickiness", ""), MOVED_TO_DEFAULTS_NOTE),
        rule("election_timeout", "election-timeout"),
        note(
            rule("expected-quorum-votes", ""),
            "corosync (2+) infrastructure tracks quorum on its own",
        ),
        moved("is-managed-default", "is-managed", "rsc_defaults"),
        moved("is_managed_default", "is-managed", "rsc_defaults"),
        rule("no_quorum_policy", "no-quorum-policy"),
        note(rule("notification-agent", ""), "standalone alerts can be configured instead"),
        note(rule("notification-recipient", ""), "standalone alerts can be configured instead"),
        rule("remove_after_stop", "remove-after-stop"),
        rule("shutdown_escalation", "shutdown-escalation"),
        rule("startup_fencing", "startup-fencing"),
        rule("stonith_action", "stonith-action"),
        rule("stonith_enabled", "stonith-enabled"),
        rule("stop_orphan_actions", "stop-orphan-actions"),
        rule("stop_orphan_resources", "stop-orphan-resources"),
        rule("symmetric_cluster", "symmetric-cluster"),
        rule("transition_idle_timeout", "cluster-delay"),
    ],
};

/// Attributes of `<node>`.
pub(crate) static CLUSTER_NODE: Table = Table {
    msg_prefix: "Cluster node",
    rules: &[becomes(when(rule("type", "type"), "normal"), "member")],
};

/// Instance attributes of primitives and templates.
pub(crate) static RESOURCE_INSTANCE_ATTRIBUTES: Table = Table {
    msg_prefix: "Resource instance_attributes",
    rules: &[
        rule("pcmk_arg_map", ""),
        Rule {
            droppable_prefix: Some("port:"),
            ..rule("pcmk_arg_map", "pcmk_host_argument")
        },
        rule("pcmk_list_cmd", "pcmk_list_action"),
        rule("pcmk_monitor_cmd", "pcmk_monitor_action"),
        rule("pcmk_off_cmd", "pcmk_off_action"),
        rule("pcmk_on_cmd", "pcmk_on_action"),
        rule("pcmk_reboot_cmd", "pcmk_reboot_action"),
        rule("pcmk_status_cmd", "pcmk_status_action"),
    ],
};

const ISOLATION_NOTE: &str =
    "i.e. resource at hand disabled; isolation wrappers obsoleted with bundle resources";

const fn isolation(what: &'static str) -> Rule {
    Rule {
        msg_severity: Some("WARNING"),
        ..note(
            becomes(rule(what, "target-role"), "Stopped"),
            ISOLATION_NOTE,
        )
    }
}

/// Meta-attributes of primitives and templates.
pub(crate) static RESOURCE_META_ATTRIBUTES: Table = Table {
    msg_prefix: "Resource meta_attributes",
    rules: &[
        isolation("isolation"),
        isolation("isolation-host"),
        isolation("isolation-instance"),
        isolation("isolation-wrapper"),
        becomes(
            when(
                rule("resource-failure-stickiness", "migration-threshold"),
                "-INFINITY",
            ),
            "1",
        ),
        note(
            rule("resource-failure-stickiness", ""),
            "migration-threshold can be configured instead",
        ),
        becomes(
            when(
                rule("resource_failure_stickiness", "migration-threshold"),
                "-INFINITY",
            ),
            "1",
        ),
        note(
            rule("resource_failure_stickiness", ""),
            "migration-threshold can be configured instead",
        ),
    ],
};

const REQUIRES_NOTE: &str = "only start/promote operation taken into account";

/// Operation attributes and operation meta-attributes (selected by the
/// operation's name).
pub(crate) static RESOURCES_OPERATION: Table = Table {
    msg_prefix: "Resources-operation",
    rules: &[
        note(rule("requires", ""), REQUIRES_NOTE),
        when(
            moved("requires", "requires", "meta_attributes"),
            "start|promote",
        ),
    ],
};

/// Operation instance attributes (selected by the operation's name).
pub(crate) static OPERATION_INSTANCE_ATTRIBUTES: Table = Table {
    msg_prefix: "Resources-operation instance_attributes",
    rules: &[
        note(rule("requires", ""), REQUIRES_NOTE),
        when(
            moved("requires", "requires", "per-resource-meta_attributes"),
            "start|promote",
        ),
        moved("interval-origin", "interval-origin", "meta_attributes"),
        moved("start-delay", "start-delay", "meta_attributes"),
        moved("enabled", "enabled", "meta_attributes"),
        moved("on-fail", "on-fail", "meta_attributes"),
        moved("record-pending", "record-pending", "meta_attributes"),
        moved("role", "role", "meta_attributes"),
        moved("timeout", "timeout", "meta_attributes"),
    ],
};

/// Attributes of `<rsc_colocation>`.
pub(crate) static CONSTRAINTS_COLOCATION: Table = Table {
    msg_prefix: "Constraints-colocation",
    rules: &[
        note(rule("score-attribute", ""), "was actually never in effect"),
        note(
            rule("score-attribute-mangle", ""),
            "was actually never in effect",
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_rules_win() {
        let r = CLUSTER_PROPERTIES
            .find(
                Some("default-resource-failure-stickiness"),
                Some("-INFINITY"),
            )
            .expect("rule");
        assert_eq!(r.with, "migration-threshold");
        let r = CLUSTER_PROPERTIES
            .find(Some("default-resource-failure-stickiness"), Some("5"))
            .expect("rule");
        assert_eq!(r.with, "");
        assert!(CLUSTER_PROPERTIES
            .find(Some("cluster-infrastructure"), Some("corosync"))
            .is_none());
        assert!(CLUSTER_PROPERTIES.find(None, Some("x")).is_none());
        let r = RESOURCE_INSTANCE_ATTRIBUTES
            .find(Some("pcmk_arg_map"), Some("port:uuid"))
            .expect("rule");
        assert_eq!(r.with, "pcmk_host_argument");
        let r = RESOURCE_INSTANCE_ATTRIBUTES
            .find(Some("pcmk_arg_map"), Some("port:uuid,x:y"))
            .expect("rule");
        assert_eq!(r.with, "");
    }

    #[test]
    fn messages_read_like_the_reference() {
        let r = CLUSTER_PROPERTIES
            .find(Some("no_quorum_policy"), Some("ignore"))
            .expect("rule");
        assert_eq!(
            CLUSTER_PROPERTIES.messages(r, "o1"),
            vec!["DEBUG: Cluster properties: o1: renaming no_quorum_policy as no-quorum-policy"]
        );
    }
}
