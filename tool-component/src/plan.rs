//! Step 2: plan a forge — which extensions it takes (gating), the inittab entries they add,
//! the files each contributes to the link, and the `Lib/` overlays from `[[provides]]`.
//!
//! A plan is made only from manifests that pass [`check`](crate::check); a forge with any
//! problem is not planned.

use crate::check;
use crate::diag::Diag;
use crate::r#gen;
use crate::manifest::{Located, Manifest};
use crate::project::Project;
use crate::source::{self, Source};

/// What a forge is made of.
#[derive(Debug, Clone)]
pub struct ForgePlan {
    pub forge: String,
    pub extensions: Vec<PlannedExt>,
    /// Files laid over the stdlib: `(file in the extension dir, path under Lib/)`.
    pub overlays: Vec<(String, String)>,
    /// Cap components to plug into the built `python.wasm`: `(interface, component path)`.
    pub caps: Vec<(String, Located)>,
    /// Interfaces answered by generated stubs.
    pub stubs: Vec<String>,
    /// Where the composed component goes, when the forge says.
    pub output: Option<String>,
}

/// One extension in a forge.
#[derive(Debug, Clone)]
pub struct PlannedExt {
    pub manifest: Manifest,
    /// The module name in the inittab (`PyInit_<module>`).
    pub module: String,
    /// C files to compile: the extension's own and the generated bindings.
    pub sources: Vec<String>,
    /// Objects to link as they are (the generated component-type object).
    pub objects: Vec<String>,
    /// Include directories for its C files.
    pub include: Vec<String>,
    /// A CPython module directory of the kit (`Modules/_sqlite`) compiled in as well.
    pub cpython_sources: Option<String>,
    /// The WIT interfaces it imports (`ns:pkg/iface@version`).
    pub imports: Vec<String>,
}

/// Checks the project and plans `forge`.
pub fn plan(src: &dyn Source, forge: &str) -> Result<ForgePlan, Vec<Diag>> {
    let report = check::check(src, &[]);
    if !report.diagnostics.is_empty() {
        return Err(report.diagnostics);
    }
    let project = Project::load(src).map_err(|d| vec![d])?;
    let Some(f) = project.forges.iter().find(|f| f.name == forge) else {
        let file = project.file.as_ref().map(|f| f.name.as_str());
        return Err(vec![
            Diag::new(file, format!("no forge named `{forge}`"))
                .help(format!("the project's forges are: {}", project.forge_names().join(", "))),
        ]);
    };
    let mut extensions = Vec::new();
    let mut overlays = Vec::new();
    for (summary, m) in report.extensions.iter().zip(&report.manifests) {
        if !Project::takes(f, m) {
            continue;
        }
        let mut sources = vec![m.c_file.1.clone()];
        let mut objects = Vec::new();
        let mut include = vec![m.dir.clone()];
        if m.wit_dir.is_some() {
            let gen_dir = source::join(&m.dir, &m.gen_dir.value);
            let [c_name, _h, o_name] = r#gen::file_names(&summary.world);
            sources.push(source::join(&gen_dir, &c_name));
            objects.push(source::join(&gen_dir, &o_name));
            include.push(gen_dir);
        }
        extensions.push(PlannedExt {
            manifest: m.clone(),
            module: m.module_name.value.clone(),
            sources,
            objects,
            include,
            cpython_sources: m.cpython_sources.as_ref().map(|c| c.value.clone()),
            imports: summary.imports.clone(),
        });
        for p in &m.provides {
            if let (Some((_, shim)), Some(dest)) = (&p.shim, &p.dest) {
                let under_lib = dest.value.strip_prefix("Lib/").unwrap_or(&dest.value).to_string();
                overlays.push((shim.clone(), under_lib));
            }
        }
    }
    extensions.sort_by(|a, b| a.module.cmp(&b.module));
    overlays.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(ForgePlan {
        forge: forge.to_string(),
        extensions,
        overlays,
        caps: f.caps.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        stubs: f.stubs.iter().map(|s| s.value.clone()).collect(),
        output: f.output.as_ref().map(|o| o.value.clone()),
    })
}
