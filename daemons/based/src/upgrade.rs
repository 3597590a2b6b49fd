//! Schema upgrades for `cib_upgrade`: pcmk-cib's [`Upgrader`] backed by
//! pcmk-schema's transformations (the reference's `upgrade-*.xsl`). Pure.

use pcmk_cib::trace::Diags;
use pcmk_cib::Upgrader;
use pcmk_schema::versions::Transform;
use pcmk_xml::Element;

/// The transformations of pcmk-schema.
#[derive(Clone, Copy, Debug, Default)]
pub struct SchemaUpgrader;

impl Upgrader for SchemaUpgrader {
    fn upgrade(
        &self,
        xml: &Element,
        transform: Transform,
        to_logs: bool,
        diag: &mut Diags,
    ) -> Option<Element> {
        let t = pcmk_schema::upgrade::apply_transform(xml, transform);
        if !to_logs {
            for line in t.log {
                diag.stderr(line);
            }
        }
        t.cib
    }
}
