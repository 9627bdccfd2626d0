//! Step 3: C bindings for an extension's WIT world, made by wit-bindgen-c running as a
//! library inside this component. The output (`<world>.c`, `<world>.h`,
//! `<world>_component_type.o`) is committed in the extension's `gen/`; `check` compares it
//! with what [`generate`] would write.

use wit_bindgen_core::Files;
use wit_parser::{Resolve, WorldId};

use crate::diag::Diag;
use crate::manifest;
use crate::source::{self, Disk, Source};

/// Generates the `gen/` files for `world`, as `(file name, bytes)`, sorted by name.
pub fn generate(mut resolve: Resolve, world: WorldId) -> Result<Vec<(String, Vec<u8>)>, Diag> {
    let opts = wit_bindgen_c::Opts::default();
    let mut generator = opts.build();
    let mut files = Files::default();
    let name = resolve.worlds[world].name.clone();
    generator
        .generate(&mut resolve, world, &mut files)
        .map_err(|e| Diag::new(None, format!("wit-bindgen-c failed for world `{name}`: {e:#}")))?;
    let mut out: Vec<(String, Vec<u8>)> = files.iter().map(|(n, b)| (n.to_string(), b.to_vec())).collect();
    out.sort();
    Ok(out)
}

/// The file names [`generate`] writes for a world named `world`.
pub fn file_names(world: &str) -> [String; 3] {
    let snake = world.replace('-', "_");
    [format!("{snake}.c"), format!("{snake}.h"), format!("{snake}_component_type.o")]
}

/// Generates the bindings of the extension at `dir` (the directory or its manifest) from its
/// manifest and WIT, and writes them into its `gen_dir`; returns the paths written.
pub fn gen_dir(dir: &str) -> Result<Vec<String>, Vec<Diag>> {
    let dir = dir.strip_suffix(manifest::MANIFEST).unwrap_or(dir).trim_end_matches('/');
    let dir = if dir.is_empty() { "." } else { dir };
    let m = manifest::load(&Disk, dir)?;
    let Some((_, wit_dir)) = &m.wit_dir else {
        return Err(vec![
            Diag::new(Some(&m.file.name), format!("`{dir}` has no WIT world, so there are no bindings to generate"))
                .help(format!("add `{dir}/wit/world.wit` with the interfaces it imports")),
        ]);
    };
    let (resolve, world) = crate::wit::load(&Disk, wit_dir, None).map_err(|d| vec![d])?;
    let files = generate(resolve, world).map_err(|d| vec![d])?;
    let gen_path = source::join(dir, &m.gen_dir.value);
    write_files(&gen_path, &files)
        .map_err(|e| vec![Diag::new(Some(&gen_path), format!("failed to write bindings: {e}"))])
}

/// Writes each file atomically (temporary file, then rename) into `dir`, creating it.
fn write_files(dir: &str, files: &[(String, Vec<u8>)]) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = source::join(dir, name);
        source::write_atomic(std::path::Path::new(&path), bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// Files of `dir` that differ from `files` (missing or different content).
pub fn stale(src: &dyn Source, dir: &str, files: &[(String, Vec<u8>)]) -> Vec<(String, &'static str)> {
    files
        .iter()
        .filter_map(|(name, bytes)| {
            let path = source::join(dir, name);
            match src.read(&path) {
                Ok(on_disk) if on_disk == *bytes => None,
                Ok(_) => Some((name.clone(), "differs from what `pyforge gen` writes")),
                Err(_) => Some((name.clone(), "is missing")),
            }
        })
        .collect()
}
