//! The `pyforge:toolchain/clang` import: the one thing the tool component may ask of the
//! host. It runs the configured wasm-targeting clang — and nothing else — in the current
//! directory (the directory the tool sees as `.`).
//!
//! The compiler is found, first match wins:
//! 1. `--cc PATH` (with `--sysroot`/`--resource-dir` when needed),
//! 2. `PYFORGE_CC` (with `PYFORGE_SYSROOT`, `PYFORGE_RESOURCE_DIR`),
//! 3. `WASI_SDK_PATH`: `$WASI_SDK_PATH/bin/clang` and its `share/wasi-sysroot`,
//! 4. the Debian setup made by `scripts/setup.sh`: `clang-19` with the private wasi-libc
//!    sysroot and resource dir under the pyforge cache.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::bindings::generated_clang::{Completed, Host};

/// The compiler, for every subcommand (given before it: `pyforge --cc PATH build`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CompilerArgs {
    /// The clang to run for the `clang` import [default: see README "C compiler"].
    #[arg(long, value_name = "PATH", env = "PYFORGE_CC")]
    cc: Option<PathBuf>,
    /// The wasi-libc sysroot to pass to clang.
    #[arg(long, value_name = "DIR", env = "PYFORGE_SYSROOT")]
    sysroot: Option<PathBuf>,
    /// A clang resource dir holding compiler-rt for wasm32-wasip*.
    #[arg(long, value_name = "DIR", env = "PYFORGE_RESOURCE_DIR")]
    resource_dir: Option<PathBuf>,
}

/// A configured compiler (or why there is none).
#[derive(Debug, Clone)]
pub struct Clang {
    found: Result<Found, String>,
}

#[derive(Debug, Clone)]
struct Found {
    program: PathBuf,
    /// Arguments put before the tool's (sysroot, resource dir).
    prefix: Vec<String>,
    /// Directories put first on the child's PATH (for `wasm-component-ld`).
    path: Vec<PathBuf>,
}

impl Clang {
    /// Finds the compiler as described in the module docs; never fails here (a missing
    /// compiler is reported when the tool asks for it).
    pub fn configure(args: &CompilerArgs) -> Clang {
        let cache = crate::cache::cache_dir();
        let path = vec![cache.join("bin")];
        let with = |program: PathBuf, sysroot: Option<PathBuf>, res: Option<PathBuf>| {
            let mut prefix = Vec::new();
            if let Some(s) = sysroot {
                prefix.push(format!("--sysroot={}", s.display()));
            }
            if let Some(r) = res {
                prefix.push(format!("-resource-dir={}", r.display()));
            }
            Clang { found: Ok(Found { program, prefix, path: path.clone() }) }
        };
        if let Some(cc) = &args.cc {
            return with(cc.clone(), args.sysroot.clone(), args.resource_dir.clone());
        }
        if let Some(sdk) = std::env::var_os("WASI_SDK_PATH").map(PathBuf::from) {
            let sysroot = args.sysroot.clone().unwrap_or_else(|| sdk.join("share/wasi-sysroot"));
            return with(sdk.join("bin/clang"), Some(sysroot), args.resource_dir.clone());
        }
        let sysroot = args.sysroot.clone().unwrap_or_else(|| cache.join("wasi-sysroot"));
        let res = args.resource_dir.clone().unwrap_or_else(|| cache.join("clang-19-resource"));
        if sysroot.join("lib/wasm32-wasip2/libc.a").is_file() && res.is_dir() {
            return with(PathBuf::from("clang-19"), Some(sysroot), Some(res));
        }
        Clang {
            found: Err(format!(
                "no C compiler for wasm32-wasip2 is configured: run `scripts/setup.sh`, set WASI_SDK_PATH, or pass `--cc` (with `--sysroot`); looked for a wasi-libc sysroot at `{}`",
                sysroot.display()
            )),
        }
    }
}

impl Clang {
    /// The compiler, the arguments put before the tool's, and the directories put first on
    /// its PATH — or why there is no compiler.
    pub fn parts(&self) -> Result<(PathBuf, Vec<String>, Vec<PathBuf>), String> {
        let f = self.found.as_ref().map_err(Clone::clone)?;
        Ok((f.program.clone(), f.prefix.clone(), f.path.clone()))
    }
}

impl Host for Clang {
    fn run(&mut self, args: Vec<String>) -> Result<Completed, String> {
        let found = self.found.as_ref().map_err(Clone::clone)?;
        check_args(&args)?;
        let mut cmd = Command::new(&found.program);
        cmd.args(&found.prefix).args(&args);
        let old = std::env::var_os("PATH").unwrap_or_default();
        let paths = found.path.iter().cloned().chain(std::env::split_paths(&old));
        if let Ok(joined) = std::env::join_paths(paths) {
            cmd.env("PATH", joined);
        }
        let out = cmd.output().map_err(|e| {
            let hint =
                if e.kind() == std::io::ErrorKind::NotFound { " (run `scripts/setup.sh`, or pass `--cc`)" } else { "" };
            format!("failed to run `{}`: {e}{hint}", found.program.display())
        })?;
        Ok(Completed { status: out.status.code().unwrap_or(-1), stdout: out.stdout, stderr: out.stderr })
    }
}

/// The argument grammar the host accepts from the tool: exactly what the pipeline (and `pyforge
/// cc` for a compiler check) uses, nothing that writes outside the current directory or loads
/// code into the compiler. Anything else is refused with the argument named.
///
/// Accepted:
/// * `-c`, `-E`, `-S`, `-w`, `-v`, `--version`, `-g`/`-g0`, `-O<level>`, `-std=<c standard>`;
/// * `--target=wasm32-wasip1|wasm32-wasip2|wasm32-wasi`, `-mexec-model=reactor|command`,
///   `-m<feature>` (e.g. `-msimd128`);
/// * `-D<macro>[=<value>]`, `-U<macro>`, `-I<dir>`, `-l<lib>`, `-x c|c-header|none`;
/// * `-W<warning>` (no comma: not `-Wl,`/`-Wp,`/`-Wa,`), `-f[no-]<flag>[=<value>]` except
///   flags that load plugins or write files (`plugin`, `pass-plugin`, `profile`, `coverage`,
///   `crash-diagnostics`, `time-trace`, `save-optimization-record`, `modules-cache-path`, …);
/// * linker flags `-z stack-size=<n>`, `-Wl,--stack-first`, `-Wl,--initial-memory=<n>`,
///   `-Wl,--max-memory=<n>`, `-Wl,-z,stack-size=<n>`, `-Wl,--export=<symbol>`, `-Wl,--strip-debug`,
///   `-Wl,--wrap=__wasi_path_<call>`, `-Wl,--wrap=_PyImport_InitExternal`,
///   `-Wl,--component-type,<file.wit|.o>`;
/// * `-o <path>` (a separate argument): relative, without `..`, and not through a symlink out of
///   the current directory;
/// * inputs: paths to `.c`, `.h`, `.o`, `.a`, `.wit` files.
pub fn check_args(args: &[String]) -> Result<(), String> {
    let refuse = |arg: &str, why: &str| {
        Err(format!(
            "refused compiler argument `{arg}`: {why} (the host runs clang only with the arguments the pipeline uses)"
        ))
    };
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        let a = a.as_str();
        match a {
            "-c" | "-E" | "-S" | "-w" | "-v" | "--version" | "-g" | "-g0" => continue,
            "-o" => {
                let Some(out) = iter.next() else { return refuse(a, "`-o` needs a path") };
                output_inside_cwd(out)?;
                continue;
            }
            "-z" => {
                let Some(v) = iter.next() else { return refuse(a, "`-z` needs a value") };
                if number_after(v, "stack-size=") {
                    continue;
                }
                return refuse(&format!("-z {v}"), "only `-z stack-size=<n>` is accepted");
            }
            "-x" => {
                let Some(v) = iter.next() else { return refuse(a, "`-x` needs a language") };
                if ["c", "c-header", "none"].contains(&v.as_str()) {
                    continue;
                }
                return refuse(&format!("-x {v}"), "only C is compiled");
            }
            _ => {}
        }
        if let Some(rest) = a.strip_prefix("-Wl,") {
            let ok = rest == "--stack-first"
                || rest == "--strip-debug"
                || number_after(rest, "--initial-memory=")
                || number_after(rest, "--max-memory=")
                || number_after(rest, "-z,stack-size=")
                || rest.strip_prefix("--export=").is_some_and(is_symbol)
                // core/runtime/wasi_paths.c wraps wasi-libc's path calls, pyforge_python.c
                // CPython's import setup, and nothing else.
                || rest.strip_prefix("--wrap=").is_some_and(pyforge_layout::wrap::is_wrapped)
                || rest.strip_prefix("--component-type,").is_some_and(|f| {
                    (f.ends_with(".wit") || f.ends_with(".o")) && !f.contains(',') && !f.starts_with('-')
                });
            if ok {
                continue;
            }
            return refuse(a, "this linker option is not one the pipeline uses");
        }
        let ok = if let Some(t) = a.strip_prefix("--target=") {
            ["wasm32-wasip1", "wasm32-wasip2", "wasm32-wasi"].contains(&t)
        } else if let Some(m) = a.strip_prefix("-mexec-model=") {
            m == "reactor" || m == "command"
        } else if let Some(o) = a.strip_prefix("-O") {
            ["", "0", "1", "2", "3", "s", "z"].contains(&o)
        } else if let Some(s) = a.strip_prefix("-std=") {
            ["c99", "c11", "c17", "c2x", "c23", "gnu99", "gnu11", "gnu17"].contains(&s)
        } else if let Some(d) = a.strip_prefix("-D") {
            d.split_once('=').map_or(d, |(name, _)| name).chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !d.is_empty()
        } else if let Some(u) = a.strip_prefix("-U") {
            is_symbol(u)
        } else if let Some(i) = a.strip_prefix("-I") {
            !i.is_empty()
        } else if let Some(l) = a.strip_prefix("-l") {
            !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        } else if let Some(w) = a.strip_prefix("-W") {
            !w.is_empty() && !w.contains(',') && w.chars().all(|c| c.is_ascii_alphanumeric() || "-=_".contains(c))
        } else if let Some(f) = a.strip_prefix("-f") {
            safe_f_flag(f)
        } else if let Some(m) = a.strip_prefix("-m") {
            !m.is_empty() && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        } else if a.starts_with('-') || a.starts_with('@') {
            false
        } else {
            [".c", ".h", ".o", ".a", ".wit"].iter().any(|ext| a.ends_with(ext))
        };
        if !ok {
            return refuse(a, "not an argument the pipeline uses");
        }
    }
    Ok(())
}

/// `-f` flags that load code or write files besides `-o` are refused.
fn safe_f_flag(f: &str) -> bool {
    const WRITES_OR_LOADS: &[&str] = &[
        "plugin",
        "pass-plugin",
        "profile",
        "coverage",
        "crash-diagnostics",
        "time-trace",
        "save",
        "record",
        "modules",
        "dump",
        "report",
        "diagnostics-",
        "instrument",
        "sanitize",
        "xray",
        "embed",
        "debug-prefix",
        "proc-stat",
        "use-ld",
    ];
    let name = f.strip_prefix("no-").unwrap_or(f);
    let (name, value) = name.split_once('=').unwrap_or((name, ""));
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !WRITES_OR_LOADS.iter().any(|w| name.contains(w))
}

/// `prefix` followed by a decimal number.
fn number_after(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// A C identifier.
fn is_symbol(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The compiler may write only inside the current directory (the tool's own read-write
/// view): `out` is relative, has no `..`, and the directory it lands in resolves (symlinks
/// followed) inside the current directory.
fn output_inside_cwd(out: &str) -> Result<(), String> {
    let refuse = || {
        Err(format!(
            "refused: the compiler may only write inside the current directory, not `{out}` (give `-o` a relative path without `..`)"
        ))
    };
    let p = Path::new(out);
    if out.is_empty() || out.starts_with('-') || p.is_absolute() || p.components().any(|c| c == Component::ParentDir) {
        return refuse();
    }
    let (Ok(cwd), parent) = (std::env::current_dir().and_then(|c| c.canonicalize()), p.parent()) else {
        return refuse();
    };
    // The deepest existing ancestor of the output, resolved, must be inside the current directory.
    let mut dir = parent.map(Path::to_path_buf).unwrap_or_default();
    loop {
        let here = if dir.as_os_str().is_empty() { cwd.clone() } else { cwd.join(&dir) };
        if let Ok(real) = here.canonicalize() {
            if !real.starts_with(&cwd) {
                return refuse();
            }
            break;
        }
        if !dir.pop() {
            break;
        }
    }
    // An existing output that is a symlink would be written through.
    if std::fs::symlink_metadata(cwd.join(p)).is_ok_and(|m| m.file_type().is_symlink()) {
        return refuse();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_args;

    fn check(a: &[&str]) -> Result<(), String> {
        check_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn refused(a: &[&str]) {
        let r = check(a);
        assert!(r.is_err(), "{a:?} should be refused");
        assert!(r.unwrap_err().starts_with("refused"), "{a:?}: the message says it was refused");
    }

    /// What the pipeline's compile, inittab and link steps pass (as `kit.json` has them).
    #[test]
    fn accepts_what_the_pipeline_uses() {
        let compile = [
            "--target=wasm32-wasip2",
            "-fno-strict-aliasing",
            "-Wsign-compare",
            "-DNDEBUG",
            "-O3",
            "-Wall",
            "-std=c11",
            "-Wextra",
            "-Wno-unused-parameter",
            "-Wno-missing-field-initializers",
            "-Wstrict-prototypes",
            "-Werror=implicit-function-declaration",
            "-fvisibility=hidden",
            "-DPy_BUILD_CORE",
            "-DPy_BUILD_CORE_BUILTIN",
            "-Icpython-ext/_zlib_cap",
            "-I/root/.cache/pyforge/kits/k/include/python3.13",
            "-c",
            "cpython-ext/_zlib_cap/_zlib_capmodule.c",
            "-o",
            "target/pyforge/default/obj/x.o.tmp",
        ];
        assert_eq!(check(&compile), Ok(()));
        let link = [
            "--target=wasm32-wasip2",
            "-z",
            "stack-size=8388608",
            "-Wl,--stack-first",
            "-Wl,--initial-memory=20971520",
            "-o",
            "target/pyforge/default/.python.wasm.tmp",
            "/kits/k/Programs/python.o",
            "target/pyforge/default/obj/config-1.o",
            "gen/x_component_type.o",
            "/kits/k/libpython3.13.a",
            "-ldl",
            "-lwasi-emulated-signal",
            "-lm",
            "-mexec-model=reactor",
            "-Wl,--component-type,target/world.wit",
            "-Wl,--wrap=__wasi_path_open",
            "-Wl,--wrap=_PyImport_InitExternal",
        ];
        assert_eq!(check(&link), Ok(()));
        assert_eq!(check(&["--version"]), Ok(()));
    }

    #[test]
    fn refuses_output_outside_the_current_directory() {
        refused(&["-c", "x.c", "-o", "/etc/x.o"]);
        refused(&["-c", "x.c", "-o", "../x.o"]);
        refused(&["-c", "x.c", "-o", "a/../../x.o"]);
    }

    #[test]
    fn refuses_glued_output() {
        refused(&["-c", "x.c", "-o/tmp/x.o"]);
    }

    #[test]
    fn refuses_long_output() {
        refused(&["-c", "x.c", "--output=/tmp/x.o"]);
        refused(&["-c", "x.c", "--output", "/tmp/x.o"]);
    }

    #[test]
    fn refuses_linker_output() {
        refused(&["x.o", "-Wl,-o,/tmp/x.wasm"]);
        refused(&["x.o", "-Wl,--wrap=malloc"]);
        refused(&["x.o", "-Xlinker", "-o", "-Xlinker", "/tmp/x.wasm"]);
    }

    #[test]
    fn refuses_dependency_files() {
        refused(&["-c", "x.c", "-MF", "/tmp/x.d"]);
        refused(&["-c", "x.c", "-MD"]);
        refused(&["-c", "x.c", "-MMD"]);
        refused(&["-c", "x.c", "-MF/tmp/x.d"]);
    }

    #[test]
    fn refuses_save_temps() {
        refused(&["-c", "x.c", "-save-temps"]);
        refused(&["-c", "x.c", "-save-temps=obj"]);
    }

    #[test]
    fn refuses_plugins() {
        refused(&["-c", "x.c", "-Xclang", "-load", "-Xclang", "/tmp/evil.so"]);
        refused(&["-c", "x.c", "-fplugin=/tmp/evil.so"]);
        refused(&["-c", "x.c", "-fpass-plugin=/tmp/evil.so"]);
    }

    #[test]
    fn refuses_other_tools() {
        refused(&["x.o", "--ld-path=/tmp/evil"]);
        refused(&["x.o", "-B/tmp/evil"]);
        refused(&["x.o", "-B", "/tmp/evil"]);
        refused(&["x.o", "-fuse-ld=/tmp/evil"]);
    }

    #[test]
    fn refuses_files_written_by_flags() {
        refused(&["-c", "x.c", "-ftime-trace"]);
        refused(&["-c", "x.c", "-fprofile-generate=/tmp"]);
        refused(&["-c", "x.c", "-fcrash-diagnostics-dir=/tmp"]);
        refused(&["-c", "x.c", "-Wa,-o,/tmp/x"]);
        refused(&["-c", "x.c", "@/tmp/args"]);
        refused(&["-c", "x.c", "--sysroot=/tmp"]);
    }
}
