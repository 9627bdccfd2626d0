//! `pyforge run`: run Python (a forge's build, or a given component) with wasmtime.

use std::path::PathBuf;

use anyhow::bail;
use pyforge_layout::BuildDir;

use crate::clang::{Clang, CompilerArgs};
use crate::commands::build::build_forge;
use crate::fresh;
use crate::kit::{self, KitArgs};
use crate::python;
use crate::tool::Tool;

/// Run Python: the forge's build (rebuilt, pre-initialized and composed with the forge's caps
/// first when out of date), or `--wasm`.
///
/// The guest sees the current directory as `/` (read-write) and a temporary `/tmp`. A
/// self-contained forge (the default) carries its stdlib; for the mounted shape
/// (`self-contained = false`) and for `--wasm`, the kit's stdlib is mounted read-only at
/// `/usr/local/lib/python3.13` and the forge's overlays go first on `PYTHONPATH`. The exit
/// status is Python's.
///
/// Everything after the options goes to Python: `pyforge run -c "print(1)"`,
/// `pyforge run script.py`, `pyforge run --with-tests -m test test_json`.
///
/// For untrusted code, `--max-memory` and `--timeout` bound what a run may take: an allocation
/// past the memory limit fails inside Python (a `MemoryError` the program may catch; if it cannot
/// recover, the run ends with "memory limit reached" and status 125), and a run past the time
/// limit is stopped wherever it is ("time limit reached", status 124). The host is never at risk.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The forge to build and run.
    #[arg(long, short = 'f', default_value = "default", conflicts_with = "wasm")]
    forge: String,
    /// Run this component instead of a forge's build (a built or composed python.wasm).
    #[arg(long, value_name = "PATH")]
    wasm: Option<PathBuf>,
    /// Mount a stdlib overlay directory (with `--wasm`; a forge's own `lib/` is used otherwise).
    #[arg(long, value_name = "DIR", requires = "wasm")]
    lib: Option<PathBuf>,
    /// Also mount CPython's `Lib/test`, so `-m test test_x` works.
    #[arg(long)]
    with_tests: bool,
    /// Limit the linear memory of all the component's instances together (Python's and each
    /// cap's), e.g. `256M`, `2G`, or bytes.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
    /// Stop Python after this much wall time, e.g. `30s`, `500ms`, `2m`, or seconds.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<std::time::Duration>,
    #[command(flatten)]
    kit: KitArgs,
    /// Arguments for Python.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    args: Vec<String>,
}

pub fn exec(args: Args, compiler: &CompilerArgs) -> anyhow::Result<i32> {
    let (component, overlay, mount, kit) = match &args.wasm {
        Some(w) => (w.clone(), args.lib.clone(), true, kit::ensure(&args.kit, &Clang::configure(compiler))?),
        None => {
            let dir = BuildDir::forge(&args.forge);
            // The options that choose the kit and the compiler are part of "unchanged".
            let options = format!("{:?} {compiler:?}", args.kit);
            let kit = match fresh::unchanged(&dir, &options) {
                Some(kit) => kit,
                None => {
                    let kit = kit::ensure(&args.kit, &Clang::configure(compiler))?;
                    let status = build_forge(&Tool::load(compiler)?, &kit, &args.forge, true)?;
                    if status != 0 {
                        bail!("forge `{}` did not build (see above)", args.forge);
                    }
                    fresh::remember(&dir, &kit, &options);
                    kit
                }
            };
            // The build composes the forge when it names caps or stubs (and removes a stale
            // composition when it names none).
            let lib = PathBuf::from(dir.file(BuildDir::OVERLAYS));
            let self_contained = std::path::Path::new(&dir.file(BuildDir::SNAPSHOT)).is_file();
            (PathBuf::from(dir.shippable()), lib.is_dir().then_some(lib), !self_contained, kit)
        }
    };
    python::run(&python::Run {
        component: &component,
        kit: &kit,
        overlay,
        mount_stdlib: mount,
        with_tests: args.with_tests,
        args: &args.args,
        limits: python::Limits { max_memory: args.max_memory, timeout: args.timeout },
    })
}

/// `256M`, `2G`, `64K` (powers of 1024, an optional trailing `B` or `iB`) or a number of bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t.strip_suffix("iB").or_else(|| t.strip_suffix('B')).unwrap_or(t);
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'K' | 'k')) => (&t[..i], 10),
        Some((i, 'M' | 'm')) => (&t[..i], 20),
        Some((i, 'G' | 'g')) => (&t[..i], 30),
        _ => (t, 0),
    };
    let n: u64 =
        digits.trim().parse().map_err(|_| format!("`{text}` is not a size: write e.g. 256M, 2G or 1048576"))?;
    n.checked_mul(1 << shift)
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{text}`: the size must be above 0 and fit in 64 bits"))
}

/// `30s`, `500ms`, `2m` or a number of seconds (fractions allowed).
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let (number, unit) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let secs: f64 =
        number.trim().parse().map_err(|_| format!("`{text}` is not a duration: write e.g. 30s, 500ms or 2m"))?;
    std::time::Duration::try_from_secs_f64(secs * unit)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("`{text}`: the duration must be above 0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("64kB"), Ok(64 << 10));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(std::time::Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(std::time::Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(std::time::Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(std::time::Duration::from_millis(1500)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1").is_err());
    }
}
