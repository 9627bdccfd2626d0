//! `check` on the template project with its extension's WIT world replaced by the input: the
//! world is parsed, cross-checked with the manifest, and its C bindings are generated (with
//! wit-bindgen-c, inside `check`) to compare with the committed ones.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let report = pyforge_fuzz::check_with("cpython-ext/_demo_cap/wit/world.wit", data);
    for d in &report.diagnostics {
        let _ = d.render();
    }
});
