//! Fuzzes the text reader: any bytes, read as a .text file, must give documents or counted
//! problems, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::input::{read_bytes, Format, InputOptions};
use reprint::Messages;

fuzz_target!(|data: &[u8]| {
    let opts = InputOptions { max_doc_bytes: 1 << 16, ..InputOptions::default() };
    let msgs = Messages::silent();
    let docs = read_bytes("fuzz.text", Format::Markdown, data, &opts, &msgs);
    for d in &docs {
        assert!(!d.text.trim().is_empty(), "an empty document was returned");
    }
});
