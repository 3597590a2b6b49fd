//! The fast XML parser never panics and, when it accepts an input, builds
//! exactly libxml2's tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcmk_xml::{libxml2, parse, read_string};

fuzz_target!(|data: &[u8]| {
    let _ = read_string(data);
    if let Ok(fast) = parse::parse_document(data) {
        let lib = libxml2::parse_memory(data);
        assert!(lib.errors.is_empty());
        assert_eq!(Some(fast), lib.root);
    }
});
