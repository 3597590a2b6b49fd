//! Applying any patch to any document never panics, with or without the
//! version check, and a failure always carries an error code. Input: the
//! document, a NUL byte, the patch.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcmk_results::Rc;
use pcmk_xml::patchset::apply_patchset;
use pcmk_xml::read_string;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (doc, patch) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let (Some(doc), Some(patch)) = (read_string(doc).root, read_string(patch).root) else {
        return;
    };
    for check in [false, true] {
        if let Err(e) = apply_patchset(&doc, &patch, check) {
            assert_ne!(e.rc(), Rc::OK);
        }
    }
});
