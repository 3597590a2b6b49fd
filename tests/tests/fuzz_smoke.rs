//! Every fuzz target, run by the deterministic mutation fuzzer (bounded, CI).
//! The coverage-guided versions live in tests/fuzz (cargo-fuzz).

use atrium_tests::fuzz;
use pcmk_xml::{libxml2, parse, read_string, text};

fn xml_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = vec![
        br#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o-1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes/><resources><primitive id="d" class="ocf" provider="heartbeat" type="Dummy"><!-- c --><meta_attributes id="m"><nvpair id="m1" name="target-role" value="Started"/></meta_attributes></primitive></resources><constraints/></configuration><status/></cib>"#.to_vec(),
        b"<?xml version=\"1.0\"?>\n<a x='1 &amp; 2'>\n  <b>  </b>\n  text &lt; <![CDATA[c]]>\n</a>\n".to_vec(),
    ];
    if let Some(dir) = atrium_tests::conformance_dir() {
        for name in ["simple1", "group1", "clone1"] {
            if let Ok(b) = std::fs::read(dir.join(format!("scheduler/xml/{name}.xml"))) {
                seeds.push(b);
            }
        }
    }
    seeds
}

/// Reading never panics, and whenever the fast parser accepts an input,
/// libxml2 accepts it too and builds the same tree.
#[test]
fn xml_fast_parser_agrees_with_libxml2() {
    fuzz::run(
        "xml_parse",
        1,
        &xml_seeds(),
        fuzz::iterations(20_000),
        |data| {
            let _ = read_string(data);
            if let Ok(fast) = parse::parse_document(data) {
                let lib = libxml2::parse_memory(data);
                assert!(
                    lib.errors.is_empty(),
                    "libxml2 complained: {:?}",
                    lib.errors
                );
                assert_eq!(Some(fast), lib.root, "trees differ");
            }
        },
    );
}

/// The unformatted text form is a fixed point: printing what we re-read
/// from it prints the same text. Pacemaker's escaping does not round-trip
/// tabs, newlines, control characters, backslashes or anything after a
/// non-ASCII character, processing instructions are not printed and CDATA
/// sections may merge, so documents with those are skipped.
#[test]
fn xml_text_form_reparses() {
    fuzz::run(
        "xml_text",
        2,
        &xml_seeds(),
        fuzz::iterations(20_000),
        |data| {
            let Some(mut root) = read_string(data).clean() else {
                return;
            };
            root.strip_text();
            let printed = text::to_text(&root, text::TextOptions::UNFORMATTED);
            let _ = text::to_libxml_text(&root);
            let lossy = root.descendants().any(|e| {
            e.attrs()
                .iter()
                .any(|a| a.value.bytes().any(|b| !(0x20..0x7f).contains(&b) || b == b'\\'))
                // Processing instructions are not printed at all, and CDATA
                // sections left adjacent by stripping text merge on re-reading.
                || e.children.iter().any(|c| matches!(c, pcmk_xml::Node::Pi { .. } | pcmk_xml::Node::CData(_)))
        });
            if lossy {
                return;
            }
            let again = read_string(printed.as_bytes())
                .clean()
                .expect("our own text form parses");
            assert_eq!(
                printed,
                text::to_text(&again, text::TextOptions::UNFORMATTED)
            );
        },
    );
}
