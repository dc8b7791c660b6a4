//! Any bytes: never a panic. Text that parses must print and parse back to the
//! same tree; text that does not must give diagnostics inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = kql::source_from_bytes(data) else { return };
    match kql::parse(src) {
        Ok(script) => {
            let printed = kql::format_script(&script);
            let again = kql::parse(&printed).expect("printed text must parse");
            assert_eq!(again.without_spans(), script.without_spans());
        }
        Err(diags) => {
            for d in &diags {
                assert!(d.span.end as usize <= src.len());
            }
            let _ = diags.render("fuzz", src);
        }
    }
});
