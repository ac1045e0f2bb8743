//! Fuzz the script parser: any bytes must give a script or a line-numbered error,
//! never a panic, and the error's line must exist in the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + usize::from(!data.is_empty() && !data.ends_with(b"\n"));
    match boxoffice::script::parse::parse(data) {
        Ok(script) => {
            for step in script.steps() {
                assert!(step.line >= 1 && step.line <= lines);
            }
        }
        Err(e) => assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line),
    }
});
