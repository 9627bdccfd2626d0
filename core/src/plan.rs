//! Step 2: plan a forge — which extensions it takes (gating), the inittab entries they add,
//! the files each contributes to the link, and the `Lib/` overlays from `[[provides]]`.
//!
//! A plan is made only from manifests that pass [`check`](crate::check); a forge with any
//! problem is not planned.

use crate::check;
use crate::diag::Diag;
use crate::r#gen;
use crate::manifest::{Extension, Located, Manifest, Offload};
use crate::project::Project;
use crate::source::{self, Entry, Source};

/// What a forge is made of.
#[derive(Debug, Clone)]
pub struct ForgePlan {
    /// The forge's name.
    pub forge: String,
    /// The C extensions linked in, by module name.
    pub extensions: Vec<PlannedExt>,
    /// Files laid over the stdlib: `(file in the project, path under Lib/)`, sorted by the
    /// second.
    pub overlays: Vec<(String, String)>,
    /// Cap components to plug into the built `python.wasm`: `(interface, component path)`.
    pub caps: Vec<(String, Located)>,
    /// Interfaces answered by generated stubs.
    pub stubs: Vec<String>,
    /// Where the composed component goes, when the forge says.
    pub output: Option<String>,
    /// The packages taken that have no C (shim-only), by name.
    pub shim_packages: Vec<String>,
    /// Offload entries of the provided modules: `(module, entry)`. Carried, not acted on.
    pub offload: Vec<(String, Offload)>,
    /// Embed the stdlib and pre-initialize (`self-contained`, the default).
    pub self_contained: bool,
    /// Modules imported before the snapshot.
    pub warm: Vec<String>,
    /// Embed the kit's bytecode with the sources.
    pub bytecode: bool,
    /// Keep CPython's `_test*` modules in the inittab (`test-modules`).
    pub test_modules: bool,
    /// The application built on this forge (`pyforge componentize`), if any.
    pub app: Option<App>,
}

impl ForgePlan {
    /// A plan for an app alone: the kit's interpreter with no extensions and no caps.
    pub fn bare(name: &str) -> ForgePlan {
        ForgePlan {
            forge: name.to_string(),
            extensions: Vec::new(),
            overlays: Vec::new(),
            caps: Vec::new(),
            stubs: Vec::new(),
            output: None,
            shim_packages: Vec::new(),
            offload: Vec::new(),
            self_contained: true,
            warm: crate::embed::DEFAULT_WARM.iter().map(|m| m.to_string()).collect(),
            bytecode: true,
            test_modules: false,
            app: None,
        }
    }
}

/// The app as the link and pre-initialization steps need it.
#[derive(Debug, Clone)]
pub struct App {
    /// The app's module.
    pub module: String,
    /// The export classes to instantiate (`Run`).
    pub exports: Vec<String>,
    /// Where the archive puts each `-p` directory (`/app`, `/app/src`, …), in order: first on
    /// `sys.path`.
    pub roots: Vec<String>,
    /// Archive members: the app's files and the generated package.
    pub files: Vec<(String, Vec<u8>)>,
    /// The C glue for the world's functions, `(file name, bytes)`: wit-bindgen-c's bindings and
    /// the conversions (`pyforge_app.c`). Empty for a command world.
    pub glue: Vec<(String, Vec<u8>)>,
    /// Compose with a stub of every WASI interface (and leave WASI alone at run time).
    pub stub_wasi: bool,
}

/// One extension in a forge.
#[derive(Debug, Clone)]
pub struct PlannedExt {
    /// Its manifest.
    pub manifest: Manifest,
    /// The module name in the inittab (`PyInit_<module>`).
    pub module: String,
    /// C files to compile: the extension's own and the generated bindings.
    pub sources: Vec<String>,
    /// Objects to link as they are (the generated component-type object).
    pub objects: Vec<String>,
    /// Include directories for its C files.
    pub include: Vec<String>,
    /// A CPython module directory (`Modules/_sqlite`) or file (`Modules/_bz2module.c`) of the
    /// kit, compiled in as well.
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
                .help(format!("the project's forges are: {}", project.forge_names().join(", ")))
                .code("plan::unknown-forge"),
        ]);
    };
    let mut plan = ForgePlan {
        forge: forge.to_string(),
        extensions: Vec::new(),
        overlays: Vec::new(),
        caps: f.caps.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        stubs: f.stubs.iter().map(|s| s.value.clone()).collect(),
        output: f.output.as_ref().map(|o| o.value.clone()),
        shim_packages: Vec::new(),
        offload: Vec::new(),
        self_contained: f.self_contained,
        warm: warm_modules(f),
        bytecode: f.bytecode,
        test_modules: f.test_modules,
        app: None,
    };
    for (summary, m) in report.extensions.iter().zip(&report.manifests) {
        if !Project::takes(f, m) {
            continue;
        }
        match &m.extension {
            Some(ext) => plan.extensions.push(planned_ext(m, ext, summary)),
            None => plan.shim_packages.push(m.name.value.clone()),
        }
        for p in &m.provides {
            if let (Some((_, shim)), Some(dest)) = (&p.shim, &p.dest) {
                let under_lib = dest.value.strip_prefix("Lib/").unwrap_or(&dest.value).trim_end_matches('/');
                overlays(src, shim, under_lib, &mut plan.overlays);
            }
            plan.offload.extend(p.offload.iter().map(|o| (p.module.value.clone(), o.clone())));
        }
    }
    plan.extensions.sort_by(|a, b| a.module.cmp(&b.module));
    plan.overlays.sort_by(|a, b| a.1.cmp(&b.1));
    // The same file for the same place from two packages (a shared shim package) is one overlay.
    plan.overlays.dedup();
    Ok(plan)
}

/// The forge's warm modules, or the default set (their names were checked by `check`).
fn warm_modules(f: &crate::project::Forge) -> Vec<String> {
    match &f.warm {
        Some(list) => list.iter().map(|l| l.value.clone()).collect(),
        None => crate::embed::DEFAULT_WARM.iter().map(|m| m.to_string()).collect(),
    }
}

fn planned_ext(m: &Manifest, ext: &Extension, summary: &check::Summary) -> PlannedExt {
    let mut sources = vec![ext.c_file.1.clone()];
    let mut objects = Vec::new();
    let mut include = vec![m.dir.clone()];
    if ext.wit_dir.is_some() {
        let gen_dir = source::join(&m.dir, &ext.gen_dir.value);
        let [c_name, _h, o_name] = r#gen::file_names(&summary.world);
        sources.push(source::join(&gen_dir, &c_name));
        objects.push(source::join(&gen_dir, &o_name));
        include.push(gen_dir);
    }
    PlannedExt {
        manifest: m.clone(),
        module: ext.module_name.value.clone(),
        sources,
        objects,
        include,
        cpython_sources: ext.cpython_sources.as_ref().map(|c| c.value.clone()),
        imports: summary.imports.clone(),
    }
}

/// The overlay pairs of one shim: a file goes to `dest`; a directory (the reference format's
/// `shim = "."`, `dest = "Lib/pkg/"`) lays every Python file under it below `dest`.
fn overlays(src: &dyn Source, shim: &str, dest: &str, out: &mut Vec<(String, String)>) {
    let Ok(names) = src.list(shim) else {
        out.push((shim.to_string(), dest.to_string()));
        return;
    };
    for name in names {
        let path = source::join(shim, &name);
        let to = format!("{dest}/{name}");
        match src.entry(&path) {
            Entry::Dir if name != "__pycache__" => overlays(src, &path, &to, out),
            Entry::File | Entry::Symlink(_) if name.ends_with(".py") => out.push((path, to)),
            _ => {}
        }
    }
}
