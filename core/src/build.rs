//! `build`: one forge or one application, start to finish — plan (which runs check), link,
//! compose.

use pyforge_layout::BuildDir;

use crate::componentize::{self, AppSpec};
use crate::compose::{self, ComposeError, Composed};
use crate::diag::{Diag, plural};
use crate::link::{self, Compiler, Linked};
use crate::plan::{self, ForgePlan};
use crate::source::Source;

/// What a build makes, for messages: a forge of the project or an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `[forge.NAME]` of `pyforge.toml`.
    Forge(String),
    /// An application: `pyforge componentize APP_MODULE` or `[app.NAME]`.
    App(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Forge(name) => write!(f, "forge `{name}`"),
            Target::App(name) => write!(f, "app `{name}`"),
        }
    }
}

/// Why a build stopped, by step; each holds the step's diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Check or plan found problems: nothing was compiled.
    #[error("{target} was not built: {} found", plural(.diags.len(), "problem"))]
    Plan {
        /// The forge or app.
        target: Target,
        /// What check or plan found.
        diags: Vec<Diag>,
    },
    /// Compiling or linking failed: the previous `python.wasm` is untouched.
    #[error("{target} was not built")]
    Link {
        /// The forge or app.
        target: Target,
        /// What failed.
        diags: Vec<Diag>,
    },
    /// `python.wasm` was built but could not be composed with the forge's caps.
    #[error("{target} was built but not composed")]
    Compose {
        /// The forge or app.
        target: Target,
        /// Why.
        #[source]
        source: ComposeError,
    },
}

impl BuildError {
    /// The diagnostics of the step that failed.
    pub fn diagnostics(&self) -> &[Diag] {
        match self {
            BuildError::Plan { diags, .. } | BuildError::Link { diags, .. } => diags,
            BuildError::Compose { source, .. } => source.diagnostics(),
        }
    }
}

/// What a build made.
#[derive(Debug)]
pub struct Built {
    /// The forge's plan.
    pub plan: ForgePlan,
    /// The relinked `python.wasm`.
    pub linked: Linked,
    /// The composition, when the forge names caps or stubs.
    pub composed: Option<Composed>,
}

/// How far [`build`] goes. A self-contained forge is pre-initialized between link and compose,
/// by the host (the snapshot runs the interpreter, which the tool cannot): the host builds with
/// [`Step::Link`], snapshots, then builds with [`Step::Compose`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Plan and link (and write the embedded stdlib): `python.wasm`.
    Link,
    /// Plan, link (kept when up to date) and compose the forge's caps onto `python.wasm`, or
    /// onto its snapshot `python.snapshot.wasm` when the forge is self-contained.
    Compose,
}

/// Builds `forge` of the project in `src` against the kit at `kit_dir` into `out`, compiling
/// with `cc`, up to `step`; `progress` receives a line when planning is done (before the slow
/// steps).
pub fn build(
    src: &dyn Source,
    cc: &dyn Compiler,
    forge: &str,
    kit_dir: &str,
    out: &BuildDir,
    step: Step,
    progress: &mut dyn FnMut(&ForgePlan),
) -> Result<Built, BuildError> {
    let target = Target::Forge(forge.to_string());
    let plan = plan::plan(src, forge).map_err(|diags| BuildError::Plan { target: target.clone(), diags })?;
    progress(&plan);
    build_planned(plan, target, cc, kit_dir, out, step)
}

/// Builds the application `name` (`spec`) on `forge` (or on the kit's interpreter alone) into
/// `out`, up to `step`, as [`build`] builds a forge. The component to ship is
/// [`BuildDir::shippable`]: the composition (with caps) or the snapshot (without).
#[expect(clippy::too_many_arguments, reason = "the app's build takes a forge's arguments plus the app")]
pub fn build_app(
    src: &dyn Source,
    cc: &dyn Compiler,
    name: &str,
    spec: &AppSpec,
    forge: Option<&str>,
    kit_dir: &str,
    out: &BuildDir,
    step: Step,
) -> Result<Built, BuildError> {
    let target = Target::App(name.to_string());
    let plan_error = |diags| BuildError::Plan { target: target.clone(), diags };
    let mut plan = match forge {
        Some(f) => plan::plan(src, f).map_err(plan_error)?,
        // The plan's name seeds the snapshot's hash: `app` for every app on the bare kit.
        None => ForgePlan::bare("app"),
    };
    plan.self_contained = true;
    // The forge's `output` copy is the forge's, not the app's.
    plan.output = None;
    plan.app = Some(componentize::plan_app(src, spec).map_err(plan_error)?);
    build_planned(plan, target, cc, kit_dir, out, step)
}

/// [`build`] from a plan made already.
fn build_planned(
    plan: ForgePlan,
    target: Target,
    cc: &dyn Compiler,
    kit_dir: &str,
    out: &BuildDir,
    step: Step,
) -> Result<Built, BuildError> {
    let linked =
        link::link(cc, &plan, kit_dir, out).map_err(|diags| BuildError::Link { target: target.clone(), diags })?;
    if step == Step::Link {
        return Ok(Built { plan, linked, composed: None });
    }
    let socket = if linked.embedded.is_some() { out.file(BuildDir::SNAPSHOT) } else { linked.output.clone() };
    if !std::path::Path::new(&socket).is_file() {
        let d = Diag::new(Some(&socket), "the pre-initialized interpreter is missing")
            .help("`pyforge build` makes it (the tool alone cannot run the interpreter to snapshot it)")
            .code("compose::io");
        return Err(BuildError::Compose { target, source: ComposeError::Io(vec![d]) });
    }
    let composed =
        compose::compose_forge(&plan, &socket, out).map_err(|source| BuildError::Compose { target, source })?;
    Ok(Built { plan, linked, composed })
}
