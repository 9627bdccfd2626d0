//! What pyforge's fuzz targets share: the check template project (`tests/check/_template`) as
//! files passed by value, and components made from WIT text.
//!
//! The targets run under libFuzzer on stable Rust (`scripts/fuzz.sh` builds them with
//! SanitizerCoverage through `-C passes=sancov-module`); each must end every input with a
//! verdict — a report, diagnostics, an error value — and never panic.

use std::sync::OnceLock;

pub mod caps;

use pyforge_core::source::Memory;

/// The template project's files: `(path relative to the project, bytes)`, sorted.
pub fn template() -> &'static [(String, Vec<u8>)] {
    static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/check/_template");
        let mut out = Vec::new();
        read_tree(&root, "", &mut out);
        out.sort();
        out
    })
}

fn read_tree(root: &std::path::Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) {
    let entries =
        std::fs::read_dir(root.join(rel)).unwrap_or_else(|e| panic!("the template at {}: {e}", root.display()));
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            read_tree(root, &path, out);
        } else if let Ok(bytes) = std::fs::read(entry.path()) {
            out.push((path, bytes));
        }
    }
}

/// Runs `check` on the template project with the file at `path` replaced by `data`.
pub fn check_with(path: &str, data: &[u8]) -> pyforge_core::check::Report {
    let files = template().iter().map(|(p, b)| (p.clone(), if p == path { data.to_vec() } else { b.clone() }));
    pyforge_core::check::check(&Memory::new(files), &[])
}

/// A component whose world is the one WIT document `text` (a dummy core module behind it, as
/// wit-component makes for tests); `None` when the text is not a valid world.
pub fn component_from_wit(text: &str) -> Option<Vec<u8>> {
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve.push_str("fuzz.wit", &pyforge_core::wit::for_wit_parser(text)).ok()?;
    let world = resolve.select_world(&[pkg], None).ok()?;
    let mut module = wit_component::dummy_module(
        &resolve,
        world,
        wit_parser::ManglingAndAbi::Legacy(wit_parser::LiftLowerAbi::Sync),
    );
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8).ok()?;
    wit_component::ComponentEncoder::default().module(&module).ok()?.validate(true).encode().ok()
}
