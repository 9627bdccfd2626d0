//! `check` on the template project with `cpython-ext/_demo_cap/pyforge-pkg.toml` replaced by the input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let report = pyforge_fuzz::check_with("cpython-ext/_demo_cap/pyforge-pkg.toml", data);
    // Every diagnostic renders (spans inside the text they point into).
    for d in &report.diagnostics {
        let _ = d.render();
    }
});
