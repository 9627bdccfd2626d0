//! The CPython kit: everything `pyforge build` needs to relink `python.wasm` in seconds,
//! built once per set of inputs (CPython source, wasm compiler, recipe) and kept in the cache.
//!
//! Building a kit is the one step that cannot be sandboxed (configure and make run host
//! programs), so it lives in the host. The phases:
//!
//! 1. get CPython 3.13 source — the Debian source package through the private apt
//!    configuration `scripts/setup.sh` writes, or `--cpython-src` (a tarball or a directory);
//! 2. configure and build the native "build Python" (needed to cross-build CPython);
//! 3. configure and build CPython for `wasm32-wasip2`, without debug info;
//! 4. assemble the kit: archives, `python.o`, the `config.c` template, headers, link flags,
//!    the trimmed and byte-compiled stdlib (a tree and a stored zip), CPython's `Lib/test`, and
//!    `kit.json`.
//!
//! The kit directory is named after a hash of its inputs and appears atomically (built in a
//! work directory, then renamed), so a kit that exists is complete.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
pub use pyforge_layout::KitInfo;
use pyforge_layout::kit::KIT_JSON;

use self::recipe::Plan;
pub use self::verify::SUMS;
use crate::clang::Clang;

mod files;
mod recipe;
mod source;
mod verify;

/// Where the kit's inputs come from.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct KitArgs {
    /// CPython 3.13 source: an upstream tarball (`Python-3.13.x.tar.xz`) or an unpacked source
    /// directory [default: the Debian source package, fetched once into the cache].
    #[arg(long, value_name = "PATH", env = "PYFORGE_CPYTHON_SRC")]
    pub cpython_src: Option<PathBuf>,
    /// Use this kit directory instead of the cache's (it must contain `kit.json`).
    #[arg(long, value_name = "DIR", env = "PYFORGE_KIT")]
    pub kit: Option<PathBuf>,
}

/// A kit on disk.
#[derive(Debug, Clone)]
pub struct Kit {
    pub dir: PathBuf,
    pub info: KitInfo,
}

impl Kit {
    /// Reads a kit directory.
    pub fn open(dir: &Path) -> anyhow::Result<Kit> {
        let path = dir.join(KIT_JSON);
        let bytes = std::fs::read(&path)
            .with_context(|| format!("failed to read `{}` (is `{}` a pyforge kit?)", path.display(), dir.display()))?;
        let info = KitInfo::from_json(&bytes).with_context(|| format!("failed to read the kit `{}`", dir.display()))?;
        let dir = dir.canonicalize().with_context(|| format!("failed to resolve `{}`", dir.display()))?;
        Ok(Kit { dir, info })
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }
}

/// The kits directory in the cache.
fn kits_dir() -> PathBuf {
    crate::cache::cache_dir().join("kits")
}

/// The kit for `args`: the one named by `--kit`, or the cache's kit for the current inputs,
/// built first when there is none.
///
/// The kit's link inputs are checked against its `kit.sums` first: a damaged kit named by
/// `--kit` is an error; a damaged kit of the cache is said, removed and built again.
pub fn ensure(args: &KitArgs, clang: &Clang) -> anyhow::Result<Kit> {
    if let Some(dir) = &args.kit {
        let kit = Kit::open(dir)?;
        if let Err(damage) = kit.verify(false)? {
            bail!(
                "the CPython kit `{}` is damaged: {damage}\nhelp: build a new kit (`pyforge kit build`) or copy this one again",
                kit.dir.display()
            );
        }
        return Ok(kit);
    }
    let plan = Plan::new(args, clang)?;
    if plan.final_dir.join(KIT_JSON).is_file()
        && let Ok(kit) = Kit::open(&plan.final_dir)
        && kit.verify(false)?.is_ok()
    {
        return Ok(kit);
    }
    let _lock = plan.lock()?;
    if plan.final_dir.join(KIT_JSON).is_file() {
        // Built by the process we waited for, or damaged.
        match Kit::open(&plan.final_dir).and_then(|kit| Ok((kit.verify(false)?, kit))) {
            Ok((Ok(_), kit)) => return Ok(kit),
            Ok((Err(damage), _)) => eprintln!(
                "pyforge: the CPython kit `{}` is damaged ({damage}): removing it and building it again",
                plan.final_dir.display()
            ),
            Err(e) => eprintln!(
                "pyforge: the CPython kit `{}` is damaged ({e:#}): removing it and building it again",
                plan.final_dir.display()
            ),
        }
        std::fs::remove_dir_all(&plan.final_dir)
            .with_context(|| format!("failed to remove `{}`", plan.final_dir.display()))?;
    } else {
        eprintln!("pyforge: no CPython kit for these inputs yet; building it once (about 6 minutes on 2 cores)");
    }
    plan.build()
}

/// `pyforge kit build`: builds the kit unless it exists (or `rebuild`).
pub fn build(args: &KitArgs, clang: &Clang, rebuild: bool) -> anyhow::Result<Kit> {
    if args.kit.is_some() {
        bail!("`--kit` names an existing kit; `pyforge kit build` makes one in the cache (leave out `--kit`)");
    }
    let plan = Plan::new(args, clang)?;
    let _lock = plan.lock()?;
    if plan.final_dir.join(KIT_JSON).is_file() {
        if !rebuild {
            match Kit::open(&plan.final_dir).and_then(|kit| Ok((kit.verify(true)?, kit))) {
                Ok((Ok(_), kit)) => {
                    eprintln!("pyforge: kit is up to date (same inputs): {}", plan.final_dir.display());
                    return Ok(kit);
                }
                Ok((Err(damage), _)) => eprintln!("pyforge: the kit is damaged ({damage}): building it again"),
                Err(e) => eprintln!("pyforge: the kit is damaged ({e:#}): building it again"),
            }
        }
        std::fs::remove_dir_all(&plan.final_dir)
            .with_context(|| format!("failed to remove `{}`", plan.final_dir.display()))?;
    }
    plan.build()
}

/// `pyforge kit path`: the kit for the current inputs, if it is built.
pub fn existing(args: &KitArgs, clang: &Clang) -> anyhow::Result<Kit> {
    if let Some(dir) = &args.kit {
        return Kit::open(dir);
    }
    let plan = Plan::new(args, clang)?;
    if !plan.final_dir.join(KIT_JSON).is_file() {
        bail!("no kit for the current inputs (it would be `{}`): run `pyforge kit build`", plan.final_dir.display());
    }
    Kit::open(&plan.final_dir)
}
