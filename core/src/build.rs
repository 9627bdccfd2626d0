//! `build`: one forge, start to finish — plan (which runs check), link, compose.

use crate::compose::{self, ComposeError, Composed};
use crate::diag::{Diag, plural};
use crate::link::{self, Compiler, Linked};
use crate::plan::{self, ForgePlan};
use crate::source::Source;

/// Why a build stopped, by step; each holds the step's diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Check or plan found problems: nothing was compiled.
    #[error("forge `{forge}` was not built: {} found", plural(.diags.len(), "problem"))]
    Plan {
        /// The forge.
        forge: String,
        /// What check or plan found.
        diags: Vec<Diag>,
    },
    /// Compiling or linking failed: the previous `python.wasm` is untouched.
    #[error("forge `{forge}` was not built")]
    Link {
        /// The forge.
        forge: String,
        /// What failed.
        diags: Vec<Diag>,
    },
    /// `python.wasm` was built but could not be composed with the forge's caps.
    #[error("forge `{forge}` was built but not composed")]
    Compose {
        /// The forge.
        forge: String,
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

/// The pre-initialized interpreter's file name, next to `python.wasm`.
pub const SNAPSHOT: &str = "python.snapshot.wasm";

/// Builds `forge` of the project in `src` against the kit at `kit_dir` into `out_dir`,
/// compiling with `cc`, up to `step`; `progress` receives a line when planning is done (before
/// the slow steps).
pub fn build(
    src: &dyn Source,
    cc: &dyn Compiler,
    forge: &str,
    kit_dir: &str,
    out_dir: &str,
    step: Step,
    progress: &mut dyn FnMut(&ForgePlan),
) -> Result<Built, BuildError> {
    let plan = plan::plan(src, forge).map_err(|diags| BuildError::Plan { forge: forge.to_string(), diags })?;
    progress(&plan);
    build_planned(plan, cc, kit_dir, out_dir, step)
}

/// [`build`] from a plan made already (a forge with an application: `componentize`).
pub fn build_planned(
    plan: ForgePlan,
    cc: &dyn Compiler,
    kit_dir: &str,
    out_dir: &str,
    step: Step,
) -> Result<Built, BuildError> {
    let forge = plan.forge.as_str();
    let linked = link::link(cc, &plan, kit_dir, out_dir)
        .map_err(|diags| BuildError::Link { forge: forge.to_string(), diags })?;
    if step == Step::Link {
        return Ok(Built { plan, linked, composed: None });
    }
    let socket = if linked.embedded.is_some() { format!("{out_dir}/{SNAPSHOT}") } else { linked.output.clone() };
    if !std::path::Path::new(&socket).is_file() {
        let d = Diag::new(Some(&socket), "the pre-initialized interpreter is missing")
            .help("`pyforge build` makes it (the tool alone cannot run the interpreter to snapshot it)")
            .code("compose::io");
        return Err(BuildError::Compose { forge: forge.to_string(), source: ComposeError::Io(vec![d]) });
    }
    let composed = compose::compose_forge(&plan, &socket, out_dir)
        .map_err(|source| BuildError::Compose { forge: forge.to_string(), source })?;
    Ok(Built { plan, linked, composed })
}
