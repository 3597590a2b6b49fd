//! Applying a format-2 patchset (`apply_v2_patchset`, `search_v2_xpath`).
//!
//! Changes are taken in document order: `delete` and `modify` act at once,
//! a `move` target is first parked at the end of its siblings, and
//! `create`/`move` are then finished in ascending `position` order (a
//! stable sort). Processing goes on after a failed change; the first
//! failure is reported at the end.

use crate::tree::{Element, Node};

use super::arena::{Arena, Id, Kind, DOC};
use super::index::LiveIndex;
use super::versions::element_int;
use super::PatchError;

/// Apply the changes of `patch` to `doc`. On error the document may be
/// partly changed, as with the reference. `indexed` finds path steps
/// through a [`LiveIndex`] rather than by scanning (same answers).
pub(crate) fn apply_v2(doc: &mut Arena, patch: &Element, indexed: bool) -> Result<(), PatchError> {
    let mut result = Ok(());
    let mut fail = |e: PatchError| {
        if result.is_ok() {
            result = Err(e);
        }
    };
    let mut deferred: Vec<(&Element, Id)> = Vec::new();
    let mut index = LiveIndex::default();

    for change in patch.elements() {
        let Some(op) = change.attr("operation") else {
            continue;
        };
        let mut position = -1;
        if op == "delete" {
            if let Some(p) = element_int(change, "position") {
                position = p;
            }
        }
        let found =
            change.attr("path").and_then(|path| {
                search_v2_xpath(doc, path, position, |doc, parent, name, id, position| {
                    match position {
                        None if indexed => index.find(doc, parent, name, id),
                        _ => first_matching_child(doc, parent, name, id, position),
                    }
                })
            });
        let Some(target) = found else {
            if op != "delete" {
                fail(PatchError::NoMatch {
                    operation: op.to_owned(),
                    path: change.attr("path").unwrap_or_default().to_owned(),
                });
            }
            continue;
        };
        match op {
            "create" | "move" => {
                deferred.push((change, target));
                if op == "move" {
                    if let Some(parent) = doc.nodes[target].parent {
                        // Park it after the last sibling for now.
                        doc.unlink(target);
                        doc.append(parent, target);
                        index.touched(doc, parent, target);
                    }
                }
            }
            "delete" => {
                if target == DOC || doc.nodes[target].parent == Some(DOC) {
                    return Err(PatchError::Unsupported("deleting the document root"));
                }
                doc.unlink(target);
            }
            "modify" => {
                let result_attrs = change
                    .first_element("change-result")
                    .and_then(|r| r.children.iter().find(|c| !matches!(c, Node::Text(_))));
                let Some(result_node) = result_attrs else {
                    fail(PatchError::NoResult);
                    continue;
                };
                if doc.is_element(target) {
                    let attrs = match result_node {
                        Node::Element(e) => e.attrs(),
                        _ => &[],
                    };
                    doc.nodes[target].attrs.clear();
                    for a in attrs {
                        doc.set_prop(target, &a.name, &a.value);
                    }
                    if let Some(parent) = doc.nodes[target].parent {
                        index.touched(doc, parent, target);
                    }
                }
            }
            other => fail(PatchError::UnknownOperation(other.to_owned())),
        }
    }

    deferred.sort_by_key(|(change, _)| element_int(change, "position").unwrap_or(-1));

    for (change, target) in deferred {
        let position = element_int(change, "position").unwrap_or(0);
        if change.attr("operation") == Some("create") {
            let Some(first) = change.children.first() else {
                return Err(PatchError::Unsupported(
                    "a create change with nothing to create",
                ));
            };
            if target == DOC {
                // A second top-level node: the root the caller sees is
                // unaffected.
                continue;
            }
            let child = doc.add_node(first);
            let before = usize::try_from(position)
                .ok()
                .and_then(|p| doc.visible_children(target).get(p).copied());
            match before {
                Some(b) => doc.insert_before(target, b, child),
                None => doc.append(target, child),
            }
        } else {
            // move
            let Some(parent) = doc.nodes[target].parent else {
                if position != 0 {
                    return Err(PatchError::Unsupported("moving the document node"));
                }
                continue;
            };
            let current = doc.position(target, 0) as i64;
            let wanted = i64::from(position);
            if wanted != current {
                let p = if wanted > current { wanted + 1 } else { wanted };
                let siblings = doc.visible_children(parent);
                let before = usize::try_from(p)
                    .ok()
                    .and_then(|p| siblings.get(p).copied());
                doc.unlink(target);
                match before {
                    Some(b) => doc.insert_before(parent, b, target),
                    None => doc.append(parent, target),
                }
            }
            if wanted != doc.position(target, 0) as i64 {
                fail(PatchError::MoveFailed {
                    path: change.attr("path").unwrap_or_default().to_owned(),
                    position,
                });
            }
        }
    }
    result
}

/// Find the node a change path names (`search_v2_xpath`). Paths are
/// `/tag[@id='X']/tag/...`, read the way the C code's `sscanf` reads
/// them: after the first step everything from the first blank on is
/// ignored, a step's tag ends at `[`, an id predicate must be exactly
/// `[@id='...` (anything else is ignored), and `position` (when not
/// negative) selects among comments at the last step. A path that does not
/// start with `/` names the document itself.
///
/// `step` finds a parent's first child by name, id and, for comments,
/// position ([`first_matching_child`], or an index giving the same).
pub(crate) fn search_v2_xpath(
    doc: &Arena,
    key: &str,
    position: i32,
    mut step: impl FnMut(&Arena, Id, &str, Option<&str>, Option<i32>) -> Option<Id>,
) -> Option<Id> {
    let mut target = DOC;
    let mut current: &str = key;
    loop {
        // sscanf(current, "/%[^/]%s", section, remainder)
        let Some(after) = current.strip_prefix('/') else {
            return Some(target);
        };
        let section_len = after.find('/').unwrap_or(after.len());
        if section_len == 0 {
            return Some(target);
        }
        let section = &after[..section_len];
        let rest = &after[section_len..];
        let remainder = if rest.is_empty() {
            None
        } else {
            let end = rest
                .find([' ', '\t', '\n', '\x0b', '\x0c', '\r'])
                .unwrap_or(rest.len());
            Some(&rest[..end])
        };

        // sscanf(section, "%[^[][@id='%[^']", tag, id)
        let tag_len = section.find('[').unwrap_or(section.len());
        if tag_len == 0 {
            return None;
        }
        let tag = &section[..tag_len];
        let id = section[tag_len..]
            .strip_prefix("[@id='")
            .map(|s| &s[..s.find('\'').unwrap_or(s.len())])
            .filter(|s| !s.is_empty());

        let step_position = if remainder.is_none() && position >= 0 {
            Some(position)
        } else {
            None
        };
        target = step(doc, target, tag, id, step_position)?;
        match remainder {
            Some(r) => current = r,
            None => return Some(target),
        }
    }
}

/// `first_matching_xml_child`.
fn first_matching_child(
    doc: &Arena,
    parent: Id,
    name: &str,
    id: Option<&str>,
    position: Option<i32>,
) -> Option<Id> {
    doc.visible_children(parent).into_iter().find(|&c| {
        if doc.name(c) != name {
            return false;
        }
        if id.is_some() && doc.id_attr(c) != id {
            return false;
        }
        if let (Kind::Comment(_), Some(p)) = (&doc.nodes[c].kind, position) {
            if i64::try_from(doc.position(c, 0)).ok() != Some(i64::from(p)) {
                return false;
            }
        }
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(doc: &Arena, key: &str, position: i32) -> Option<Id> {
        search_v2_xpath(doc, key, position, first_matching_child)
    }

    #[test]
    fn paths_resolve_like_sscanf() {
        let root = crate::parse(
            r#"<cib><configuration><!--a--><nodes><node id="a b"/><node id="a"/></nodes><!--a--></configuration></cib>"#,
        )
        .unwrap();
        let doc = Arena::from_root(&root);
        let cib = doc.root().unwrap();
        let conf = doc.visible_children(cib)[0];
        let kids = doc.visible_children(conf);
        let nodes = kids[1];
        let n_ab = doc.visible_children(nodes)[0];
        let n_a = doc.visible_children(nodes)[1];
        assert_eq!(search(&doc, "/cib", -1), Some(cib));
        assert_eq!(search(&doc, "cib", -1), Some(DOC));
        assert_eq!(search(&doc, "/cib//x", -1), Some(cib));
        // Blanks end the path; the id is read up to them.
        assert_eq!(
            search(&doc, "/cib/configuration/nodes/node[@id='a b']", -1),
            Some(n_a)
        );
        // A predicate other than [@id='...'] is ignored.
        assert_eq!(
            search(&doc, "/cib/configuration/nodes/node[@uname='x']", -1),
            Some(n_ab)
        );
        assert_eq!(search(&doc, "/cib/configuration/comment", 2), Some(kids[2]));
        assert_eq!(search(&doc, "/cib/configuration/comment", 1), None);
        assert_eq!(search(&doc, "/cib/[x", -1), None);
    }
}
