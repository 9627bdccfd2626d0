//! Step 1: check manifests against their files, their WIT worlds, each other and the
//! project's forges — before anything is built. Every problem is reported, not only the first.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Diag;
use crate::located::Located;
use crate::manifest::{self, MANIFEST, Manifest, is_interface_name, is_module_path};
use crate::project::{self, Project};
use crate::source::{self, Entry, Source};
use crate::{r#gen, wit};

/// The directory scanned when no paths are given.
pub const EXT_ROOT: &str = "cpython-ext";

/// What a valid extension contributes.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The manifest's path.
    pub manifest: String,
    /// `[package] name`.
    pub name: String,
    /// The C module; `None` for a shim-only package.
    pub module_name: Option<String>,
    /// The Python modules it provides.
    pub provides: Vec<String>,
    /// The WIT interfaces it imports, `ns:pkg/iface@version`.
    pub imports: Vec<String>,
    /// The extension's WIT world (it names the generated files); empty without one.
    pub world: String,
}

/// The outcome of [`check`].
#[derive(Debug, Default)]
pub struct Report {
    /// The packages without problems.
    pub extensions: Vec<Summary>,
    /// The manifests of the extensions in [`Report::extensions`], in the same order.
    pub manifests: Vec<Manifest>,
    /// Every problem found.
    pub diagnostics: Vec<Diag>,
}

/// Extension directories under `paths` (extension dirs, manifests, or dirs of extension
/// dirs); none means every `cpython-ext/*/pyforge-pkg.toml`.
fn extension_dirs(src: &dyn Source, paths: &[String], diags: &mut Vec<Diag>) -> Vec<String> {
    let mut dirs = BTreeSet::new();
    let given: Vec<String> = if paths.is_empty() { vec![EXT_ROOT.to_string()] } else { paths.to_vec() };
    for path in &given {
        let path = path.trim_end_matches('/');
        let path = path.strip_prefix("./").unwrap_or(path);
        let path = if path.is_empty() { "." } else { path };
        match src.entry(path) {
            Entry::Missing => {
                let help = if paths.is_empty() {
                    format!(
                        "run pyforge in the project root, or name extension directories: `pyforge check {EXT_ROOT}/<ext>`"
                    )
                } else {
                    "give an extension directory, its `pyforge-pkg.toml`, or a directory of extensions".to_string()
                };
                diags.push(
                    Diag::new(Some(path), format!("`{path}` does not exist")).code("check::path-missing").help(help),
                );
            }
            Entry::File | Entry::Symlink(_) if path == MANIFEST || path.ends_with(&format!("/{MANIFEST}")) => {
                let dir = path.strip_suffix(MANIFEST).unwrap_or("").trim_end_matches('/');
                dirs.insert(if dir.is_empty() { ".".to_string() } else { dir.to_string() });
            }
            Entry::File | Entry::Symlink(_) => {
                diags.push(
                    Diag::new(Some(path), format!("`{path}` is not a manifest"))
                        .code("check::not-a-manifest")
                        .help(format!("give the extension directory or its `{MANIFEST}`")),
                );
            }
            Entry::Dir => {
                if src.entry(&source::join(path, MANIFEST)) != Entry::Missing {
                    dirs.insert(path.to_string());
                    continue;
                }
                let found: Vec<String> = src
                    .list(path)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|n| source::join(path, &n))
                    .filter(|d| src.entry(d) == Entry::Dir && src.entry(&source::join(d, MANIFEST)) != Entry::Missing)
                    .collect();
                if found.is_empty() {
                    diags.push(
                        Diag::new(Some(path), format!("no `{MANIFEST}` in `{path}` or its subdirectories"))
                            .code("check::no-manifest")
                            .help(format!("create `{path}/<ext>/{MANIFEST}` (see README: \"The manifest\")")),
                    );
                }
                dirs.extend(found);
            }
        }
    }
    dirs.into_iter().collect()
}

/// Checks the extensions at `paths` (see [`extension_dirs`]) and the project file.
pub fn check(src: &dyn Source, paths: &[String]) -> Report {
    let mut report = Report::default();
    let diags = &mut report.diagnostics;
    let project = match Project::load(src) {
        Ok(p) => Some(p),
        Err(d) => {
            diags.push(d);
            None
        }
    };
    let dirs = extension_dirs(src, paths, diags);
    let mut manifests = Vec::new();
    for dir in &dirs {
        match manifest::load(src, dir) {
            Ok(m) => {
                let before = diags.len();
                let (world, imports) = check_extension(src, &m, diags);
                if diags.len() == before {
                    report.manifests.push(m.clone());
                    report.extensions.push(Summary {
                        manifest: m.file.name.clone(),
                        name: m.name.value.clone(),
                        module_name: m.module_name().map(str::to_string),
                        provides: m.provides.iter().map(|p| p.module.value.clone()).collect(),
                        imports,
                        world,
                    });
                }
                manifests.push(m);
            }
            Err(d) => diags.extend(d),
        }
    }
    check_together(&manifests, diags);
    if let Some(project) = &project {
        check_forges(src, project, &manifests, paths.is_empty(), diags);
    }
    report
}

/// Checks one extension's C file, WIT world and generated bindings; returns its world's name
/// and imports.
fn check_extension(src: &dyn Source, m: &Manifest, diags: &mut Vec<Diag>) -> (String, Vec<String>) {
    let Some(ext) = &m.extension else {
        // A shim-only package: overlays only (their paths were checked with the manifest).
        return (String::new(), Vec::new());
    };
    check_c_file(src, m, ext, diags);

    let Some((_, wit_dir)) = &ext.wit_dir else {
        // A plain C extension: no world, no imports, no generated bindings.
        return (String::new(), Vec::new());
    };
    let (resolve, world) = match wit::load(src, wit_dir, None) {
        Ok(r) => r,
        Err(d) => {
            diags.push(d);
            return (String::new(), Vec::new());
        }
    };
    let world_name = resolve.worlds[world].name.clone();
    let world_file = format!("{wit_dir}/world.wit");
    let exports = wit::exports(&resolve, world);
    if !exports.is_empty() {
        diags.push(
            Diag::new(
                Some(&world_file),
                format!("world `{world_name}` exports {}; an extension's world only imports", exports.join(", ")),
            )
            .code("check::world-exports")
            .help("remove the `export` lines: the extension is linked into python.wasm and consumes caps"),
        );
    }
    let imports = match wit::imports(&resolve, world) {
        Ok(i) => i,
        Err(e) => {
            diags.push(
                Diag::new(Some(&world_file), e)
                    .code("check::world-import")
                    .help("import a named interface from a package, e.g. `import pyforge:zlib/deflate@0.1.0;`"),
            );
            return (world_name, Vec::new());
        }
    };
    check_imports(m, &imports, &world_file, diags);

    // The manifest's names of the generated files must be the ones wit-bindgen-c writes.
    let [c_name, _h_name, o_name] = r#gen::file_names(&world_name);
    for (field, want) in [(&ext.gen_import_c, &c_name), (&ext.gen_import_obj, &o_name)] {
        if let Some(f) = field
            && &f.value != want
        {
            let key = if want.ends_with(".c") { "gen_import_c" } else { "gen_import_obj" };
            diags.push(
                Diag::at(
                    &m.file,
                    f.span.clone(),
                    format!("`{key}` is `{}` but world `{world_name}` generates `{want}`", f.value),
                    "does not match the world",
                )
                .code("check::gen-mismatch")
                .help(format!("set `{key} = \"{want}\"`")),
            );
        }
    }

    // Generated bindings must be what `gen` writes now.
    match r#gen::generate(resolve, world) {
        Ok(files) => {
            let gen_dir = source::join(&m.dir, &ext.gen_dir.value);
            let stale = r#gen::stale(src, &gen_dir, &files);
            if !stale.is_empty() {
                let list = stale.iter().map(|(n, why)| format!("`{n}` {why}")).collect::<Vec<_>>().join("; ");
                diags.push(
                    Diag::new(Some(&gen_dir), format!("generated bindings are stale: {list}"))
                        .code("check::gen-stale")
                        .help(format!("run `pyforge gen {}` and commit `{gen_dir}`", m.dir)),
                );
            }
        }
        Err(e) => diags.extend(e.diagnostics()),
    }

    (world_name, imports.iter().map(wit::Import::id).collect())
}

/// `PyInit_<module_name>` must be defined (not only declared) in the C file — unless the
/// module is CPython's own (`cpython_sources`), whose sources define it.
fn check_c_file(src: &dyn Source, m: &Manifest, ext: &manifest::Extension, diags: &mut Vec<Diag>) {
    if ext.cpython_sources.is_some() {
        return;
    }
    let path = &ext.c_file.1;
    let text = match src.read(path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => return diags.push(Diag::new(Some(path), "C file is not UTF-8").code("check::c-file-utf8")),
        Err(e) => {
            return diags.push(Diag::new(Some(path), format!("failed to read C file: {e}")).code("check::c-file-io"));
        }
    };
    let symbol = format!("PyInit_{}", ext.module_name.value);
    if !defines_function(&text, &symbol) {
        let others: Vec<&str> = text
            .match_indices("PyInit_")
            .filter_map(|(i, _)| text[i..].split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next())
            .filter(|s| *s != symbol)
            .collect();
        let help = match others.first() {
            Some(other) => format!(
                "the C file defines `{other}`: rename it to `{symbol}` or set `module_name = \"{}\"`",
                &other[7..]
            ),
            None => format!("define `PyMODINIT_FUNC {symbol}(void)` in `{path}`"),
        };
        diags.push(
            Diag::at(
                &m.file,
                ext.module_name.span.clone(),
                format!("`{path}` does not define `{symbol}`"),
                format!("needs `{symbol}` in the C file"),
            )
            .code("check::c-symbol")
            .help(help),
        );
    }
}

/// Whether `text` has `name(…) {` (a definition; a prototype ends in `;`).
fn defines_function(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before_ok = text[..i].chars().next_back().is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        let rest = text[i + name.len()..].trim_start();
        if !before_ok || !rest.starts_with('(') {
            return false;
        }
        let Some(close) = rest.find(')') else {
            return false;
        };
        rest[close + 1..].trim_start().starts_with('{')
    })
}

/// `[[capabilities.required]]` must equal the world's imports, versions included.
fn check_imports(m: &Manifest, imports: &[wit::Import], world_file: &str, diags: &mut Vec<Diag>) {
    for import in imports {
        let Some(req) = m.required.iter().find(|r| r.interface.value == import.interface) else {
            let version = import.version.as_ref().map_or(String::new(), |v| format!("\nversion = \"{v}\""));
            diags.push(
                Diag::at(
                    &m.file,
                    m.capabilities_span.clone(),
                    format!("world imports `{}` but the manifest does not require it", import.id()),
                    "no entry for it",
                )
                .code("check::import-not-required")
                .help(format!(
                    "add [[capabilities.required]] interface = \"{}\"{}",
                    import.interface,
                    version.replace('\n', " ")
                )),
            );
            continue;
        };
        let wit_version = import.version.as_ref().map(ToString::to_string).unwrap_or_default();
        if req.version.value != wit_version {
            let mut d = Diag::at(
                &m.file,
                req.version.span.clone(),
                format!(
                    "`{}` is required at version {} but the WIT package is version {}",
                    import.interface,
                    req.version.value,
                    if wit_version.is_empty() { "(none)".into() } else { wit_version.clone() }
                ),
                "version differs from the WIT",
            )
            .code("check::version-mismatch")
            .help(format!("set `version = \"{wit_version}\"` here, or import the version you mean in `{world_file}`"));
            if wit_version.is_empty() {
                d = d.help(format!(
                    "give the WIT package a version (`package {}@{};`)",
                    import.interface.split('/').next().unwrap_or(""),
                    req.version.value
                ));
            }
            diags.push(d);
        }
    }
    let mut seen = BTreeSet::new();
    for req in &m.required {
        if !seen.insert(req.interface.value.clone()) {
            diags.push(
                Diag::at(
                    &m.file,
                    req.span.clone(),
                    format!("`{}` is required twice", req.interface.value),
                    "duplicate entry",
                )
                .code("check::required-twice")
                .help("remove one of the two [[capabilities.required]] entries"),
            );
            continue;
        }
        if !imports.iter().any(|i| i.interface == req.interface.value) {
            diags.push(
                Diag::at(
                    &m.file,
                    req.interface.span.clone(),
                    format!(
                        "the manifest requires `{}` but the world in `{world_file}` does not import it",
                        req.interface.value
                    ),
                    "not imported by the world",
                )
                .code("check::required-not-imported")
                .help(format!(
                    "add `import {}@{};` to the world, or remove this entry",
                    req.interface.value, req.version.value
                )),
            );
        }
    }
}

/// Names that must be unique across the extensions checked together.
fn check_together(manifests: &[Manifest], diags: &mut Vec<Diag>) {
    let mut names: BTreeMap<&str, &Manifest> = BTreeMap::new();
    let mut modules: BTreeMap<&str, &Manifest> = BTreeMap::new();
    for m in manifests {
        if let Some(first) = names.insert(&m.name.value, m) {
            diags.push(
                Diag::at(
                    &m.file,
                    m.name.span.clone(),
                    format!("package name `{}` is also used by `{}`", m.name.value, first.file.name),
                    "duplicate name",
                )
                .code("check::duplicate-package")
                .help("give each extension its own `[package] name`"),
            );
        }
        let Some(ext) = &m.extension else { continue };
        if let Some(first) = modules.insert(&ext.module_name.value, m) {
            diags.push(
                Diag::at(
                    &m.file,
                    ext.module_name.span.clone(),
                    format!("C module `{}` is also built by `{}`", ext.module_name.value, first.file.name),
                    "duplicate module",
                )
                .code("check::duplicate-module")
                .help("give each extension its own `module_name`; the inittab holds one entry per name"),
            );
        }
    }
}

/// Gating and forge lists must name real forges and extensions; within a forge no two
/// extensions may provide the same module.
fn check_forges(
    src: &dyn Source,
    project: &Project,
    manifests: &[Manifest],
    whole_project: bool,
    diags: &mut Vec<Diag>,
) {
    check_project_file(project, diags);
    check_gating(project, manifests, diags);
    check_forge_lists(src, project, manifests, whole_project, diags);
    check_duplicate_provides(project, manifests, diags);
}

/// `pyforge.toml` itself, checked once before anything is built (the build would find these
/// later, without pointing at the line): cap paths, `output` copies and app paths stay inside
/// the project; cap keys and stubs are interface names; warm modules and app modules are module
/// names.
pub fn check_project_file(project: &Project, diags: &mut Vec<Diag>) {
    let Some(file) = &project.file else { return };
    let inside = |what: String, at: &Located, help: &str, diags: &mut Vec<Diag>| {
        if let Err(e) = source::check_in_project(&at.value)
            && !(at.value == "." && what.contains("`python-path`"))
        {
            diags
                .push(Diag::at(file, at.span.clone(), format!("{what}: {e}"), "here").help(help).code("project::path"));
        }
    };
    let interface = |what: String, name: &str, at: &Located, diags: &mut Vec<Diag>| {
        let bare = name.split_once('@').map_or(name, |(i, _)| i);
        if !is_interface_name(bare) {
            diags.push(
                Diag::at(file, at.span.clone(), format!("{what}: `{name}` is not an interface name"), "here")
                    .help("name a WIT interface: `namespace:package/interface`, e.g. `pyforge:zlib/deflate`")
                    .code("project::interface"),
            );
        }
    };
    let module = |what: String, at: &Located, diags: &mut Vec<Diag>| {
        if !is_module_path(&at.value) {
            diags.push(
                Diag::at(file, at.span.clone(), format!("{what}: `{}` is not a Python module name", at.value), "here")
                    .help("name the module as you would import it: `json`, `email.policy`, `app` for app.py")
                    .code("project::module"),
            );
        }
    };
    for forge in &project.forges {
        let name = &forge.name;
        for (iface, cap) in &forge.caps {
            interface(format!("forge `{name}`: a cap's key"), iface, cap, diags);
            let help = "give the cap component's path relative to the project root, inside it";
            inside(format!("forge `{name}`: the cap for `{iface}`"), cap, help, diags);
        }
        for stub in &forge.stubs {
            interface(format!("forge `{name}`: a stub"), &stub.value, stub, diags);
        }
        if let Some(output) = &forge.output {
            let help = "give `output` a path relative to the project root, inside it";
            inside(format!("forge `{name}`: `output`"), output, help, diags);
        }
        for warm in forge.warm.iter().flatten() {
            module(format!("forge `{name}`: a warm module"), warm, diags);
        }
    }
    for app in &project.apps {
        let name = &app.name;
        let help = "give a path relative to the project root, inside it";
        inside(format!("app `{name}`: `wit`"), &app.wit, help, diags);
        for p in &app.python_path {
            inside(format!("app `{name}`: `python-path`"), p, help, diags);
        }
        inside(format!("app `{name}`: `output`"), &app.output, help, diags);
        module(format!("app `{name}`: `module`"), &app.module, diags);
    }
}

/// `[gating]` names only forges the project defines.
fn check_gating(project: &Project, manifests: &[Manifest], diags: &mut Vec<Diag>) {
    let forges = project.forge_names();
    for m in manifests {
        for name in m.include_forges.iter().chain(&m.exclude_forges) {
            if !forges.contains(&name.value.as_str()) {
                let where_ = if project.file.is_some() {
                    format!("`{}`", project::PROJECT)
                } else {
                    "this project (no `pyforge.toml`: only `default`)".into()
                };
                diags.push(
                    Diag::at(
                        &m.file,
                        name.span.clone(),
                        format!("gating names forge `{}`, which is not defined", name.value),
                        "no such forge",
                    )
                    .code("check::gating-forge")
                    .help(format!("use one of the forges in {where_}: {}", forges.join(", "))),
                );
            }
        }
    }
}

/// A forge's `extensions` list names only packages the project has (all of them, even when
/// only some were checked).
fn check_forge_lists(
    src: &dyn Source,
    project: &Project,
    manifests: &[Manifest],
    whole_project: bool,
    diags: &mut Vec<Diag>,
) {
    if let Some(file) = &project.file {
        // Forge extension lists are checked against every extension the project has.
        let mut known: BTreeSet<String> = manifests.iter().map(|m| m.name.value.clone()).collect();
        if !whole_project {
            known.extend(all_package_names(src));
        }
        for forge in &project.forges {
            for ext in forge.extensions.iter().flatten() {
                if !known.contains(&ext.value) {
                    diags.push(
                        Diag::at(
                            file,
                            ext.span.clone(),
                            format!("forge `{}` lists extension `{}`, which does not exist", forge.name, ext.value),
                            "no such extension",
                        )
                        .code("check::forge-extension")
                        .help(format!(
                            "use a `[package] name` from `{EXT_ROOT}/*/{MANIFEST}`: {}",
                            known.iter().cloned().collect::<Vec<_>>().join(", ")
                        )),
                    );
                }
            }
        }
    }
}

/// Within a forge, no two packages provide the same module (unless they name the same shim
/// file for the same place).
fn check_duplicate_provides(project: &Project, manifests: &[Manifest], diags: &mut Vec<Diag>) {
    for forge in &project.forges {
        let mut provided: BTreeMap<&str, &Manifest> = BTreeMap::new();
        for m in manifests.iter().filter(|m| Project::takes(forge, m)) {
            for p in &m.provides {
                if let Some(first) = provided.get(p.module.value.as_str()) {
                    // Two packages naming the same shim file for the same destination (a codec
                    // package and the shared shim package it points into) agree: no conflict.
                    let same_overlay = |q: &manifest::Provide| {
                        q.shim.as_ref().map(|s| &s.1) == p.shim.as_ref().map(|s| &s.1)
                            && q.dest.as_ref().map(|d| &d.value) == p.dest.as_ref().map(|d| &d.value)
                            && p.shim.is_some()
                    };
                    let agrees = first.provides.iter().any(|q| q.module.value == p.module.value && same_overlay(q));
                    if first.name.value != m.name.value && !agrees {
                        diags.push(
                            Diag::at(
                                &m.file,
                                p.module.span.clone(),
                                format!(
                                    "module `{}` is also provided by `{}` in forge `{}`",
                                    p.module.value, first.name.value, forge.name
                                ),
                                "provided twice",
                            )
                            .code("check::duplicate-provides")
                            .help(format!(
                                "drop one of the two, or keep them apart with `[gating] exclude_forges = [\"{}\"]`",
                                forge.name
                            )),
                        );
                    }
                } else {
                    provided.insert(&p.module.value, m);
                }
            }
        }
    }
}

/// `[package] name` of every manifest under `cpython-ext/`, read leniently.
fn all_package_names(src: &dyn Source) -> Vec<String> {
    src.list(EXT_ROOT)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|d| {
            let text = String::from_utf8(src.read(&source::join(&source::join(EXT_ROOT, &d), MANIFEST)).ok()?).ok()?;
            let v: toml::Value = toml::from_str(&text).ok()?;
            Some(v.get("package")?.get("name")?.as_str()?.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{DiskAt, Memory};

    /// Reads a directory tree into `(relative path, bytes)` pairs.
    fn files(root: &std::path::Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(root.join(rel)).unwrap() {
            let entry = entry.unwrap();
            let rel = source::join(rel, &entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                files(root, &rel, out);
            } else {
                out.push((rel, std::fs::read(entry.path()).unwrap()));
            }
        }
    }

    fn template() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/check/_template")
    }

    /// The by-value API (`check-files`, for hosts without a filesystem) reaches the same
    /// verdicts as the preopened filesystem.
    #[test]
    fn memory_source_matches_disk() {
        let mut all = Vec::new();
        files(&template(), "", &mut all);
        let report = check(&Memory::new(all.clone()), &[]);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics.iter().map(Diag::render).collect::<Vec<_>>());
        assert_eq!(report.extensions.len(), 1);
        assert_eq!(report.extensions[0].imports, ["pyforge:demo/checksum@0.1.0"]);

        // Break the WIT: the staleness check and the summary both react.
        for (path, bytes) in &mut all {
            if path.ends_with("checksum.wit") {
                *bytes = String::from_utf8(bytes.clone()).unwrap().replace("crc32: func", "crc: func").into_bytes();
            }
        }
        let report = check(&Memory::new(all), &[]);
        assert_eq!(report.diagnostics.len(), 1);
        assert!(report.diagnostics[0].message.starts_with("generated bindings are stale"));

        // Disk, from the template's directory, agrees with the first verdict.
        // (Through a rooted view: changing the process's directory would race other tests.)
        let report = check(&DiskAt(template()), &[]);
        assert!(report.diagnostics.is_empty());
    }

    #[test]
    fn c_definitions() {
        assert!(defines_function("PyMODINIT_FUNC\nPyInit_x(void)\n{\n}", "PyInit_x"));
        assert!(!defines_function("PyMODINIT_FUNC PyInit_x(void);", "PyInit_x"));
        assert!(!defines_function("PyInit_xy(void) {}", "PyInit_x"));
        assert!(!defines_function("aPyInit_x(void) {}", "PyInit_x"));
    }
}
