//! The kit's recipe: how a CPython kit is built from source (configure and make, natively then
//! for `wasm32-wasip2`) and assembled (archives, headers, the stdlib, `kit.json`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use pyforge_layout::kit::KIT_JSON;
use pyforge_layout::{KitInfo, KitInputs};

use super::files::{copy_tree, find_files, sha256_file, sha256_tree};
use super::source::{debian_source, dir_version, tarball_version};
use super::verify::write_sums;
use super::{Kit, KitArgs, kits_dir};
use crate::clang::Clang;
use crate::process::{Cmd, Phases, human};

/// Bump when the recipe below changes what a kit contains.
const RECIPE: &str = "pyforge-kit-4";
/// Optimisation flags of the cross build: no `-g` (DWARF cannot be stripped from wasm
/// relocatables later and makes the archive 40+ MB).
const CROSS_OPT: &str = "-DNDEBUG -O3";
/// The prefix CPython is configured with; the stdlib is mounted at `<prefix>/lib/python3.13`.
pub const PREFIX: &str = "/usr/local";
/// Top-level stdlib entries left out of the kit's stdlib (tests are kept apart in `tests/`).
const STDLIB_EXCLUDE: &[&str] = &["test", "idlelib", "tkinter", "turtledemo", "turtle.py", "__pycache__"];
/// CPython modules (under `Modules/`) whose sources the kit carries: a WASI build leaves them
/// out for want of their C library, and a cap can serve that library (`_sqlite`: SQLite,
/// `_bz2module.c`: libbzip2, `_lzmamodule.c`: liblzma, `_hashopenssl.c`: OpenSSL's libcrypto).
/// Single-file modules bring the Argument Clinic header and the local headers they include.
const MODULE_SOURCES: &[&str] = &[
    "_sqlite",
    "_bz2module.c",
    "clinic/_bz2module.c.h",
    "_lzmamodule.c",
    "clinic/_lzmamodule.c.h",
    "_hashopenssl.c",
    "clinic/_hashopenssl.c.h",
    "hashlib.h",
];

/// Where the source comes from, resolved.
#[derive(Debug)]
enum Source {
    Tarball(PathBuf),
    Dir(PathBuf),
}

/// Everything decided before building: inputs, key, directories.
#[derive(Debug)]
pub(super) struct Plan {
    source: Source,
    inputs: KitInputs,
    key: String,
    version: String,
    pub(super) final_dir: PathBuf,
    cc: Vec<String>,
    tools_path: Vec<PathBuf>,
    ar: String,
    ranlib: String,
}

impl Plan {
    /// The lock of this kit's directory (`<dir>.lock` beside it): one process builds a kit at a
    /// time, and the others then find it built.
    pub(super) fn lock(&self) -> anyhow::Result<crate::lock::Lock> {
        let mut name = self.final_dir.clone().into_os_string();
        name.push(".lock");
        crate::lock::exclusive(Path::new(&name), "building this CPython kit")
    }

    pub(super) fn new(args: &KitArgs, clang: &Clang) -> anyhow::Result<Plan> {
        let (program, prefix, tools_path) = clang.parts().map_err(anyhow::Error::msg)?;
        let program_s = program.display().to_string();
        let compiler_version = Cmd::new(&program_s)
            .arg("--version")
            .hint("run `scripts/setup.sh` (Debian: clang-19), set WASI_SDK_PATH, or pass `--cc`")
            .output()?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let prefix_value = |flag: &str| {
            prefix
                .iter()
                .find_map(|p| p.strip_prefix(flag))
                .map(|p| std::fs::canonicalize(p).map(|c| c.display().to_string()).unwrap_or_else(|_| p.to_string()))
                .unwrap_or_default()
        };
        let sysroot = prefix_value("--sysroot=");
        let resource_dir = prefix_value("-resource-dir=");
        if !sysroot.is_empty() && !Path::new(&sysroot).join("lib/wasm32-wasip2/libc.a").is_file() {
            bail!(
                "the wasi-libc sysroot `{sysroot}` has no `lib/wasm32-wasip2/libc.a`: run `scripts/setup.sh` or pass a wasip2 sysroot with `--sysroot`"
            );
        }
        let source = match &args.cpython_src {
            Some(p) if p.is_dir() => Source::Dir(p.canonicalize()?),
            Some(p) if p.is_file() => Source::Tarball(p.canonicalize()?),
            Some(p) => bail!(
                "`--cpython-src {}` does not exist (give a CPython 3.13 tarball or source directory)",
                p.display()
            ),
            None => Source::Tarball(debian_source()?),
        };
        let (source_name, source_sha256, version) = match &source {
            Source::Tarball(p) => {
                let name = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
                let version = tarball_version(&name).ok_or_else(|| {
                    anyhow!("cannot tell the CPython version from the tarball name `{name}` (expected `Python-3.13.x.tar.xz` or Debian's `python3.13_3.13.x.orig.tar.xz`)")
                })?;
                (name, sha256_file(p)?, version)
            }
            Source::Dir(p) => (p.display().to_string(), sha256_tree(p)?, dir_version(p)?),
        };
        if !version.starts_with("3.13.") {
            bail!("pyforge kits are built from CPython 3.13; `{source_name}` is CPython {version}");
        }
        let inputs = KitInputs {
            recipe: RECIPE.to_string(),
            source: source_name,
            source_sha256,
            compiler: program_s.clone(),
            compiler_version,
            sysroot,
            resource_dir,
            cross_opt: CROSS_OPT.to_string(),
        };
        let key = KitInfo::key_of(&inputs);
        let final_dir = kits_dir().join(format!("cpython-{version}-wasm32-wasip2-{key}"));
        let mut cc = vec![program_s.clone(), "--target=wasm32-wasip2".to_string()];
        cc.extend(prefix.iter().cloned());
        if let Some(bad) = cc.iter().find(|a| a.contains(char::is_whitespace)) {
            bail!(
                "the compiler setting `{bad}` contains whitespace, which configure cannot pass through; use a path without spaces"
            );
        }
        let (ar, ranlib) = (sibling(&program, "llvm-ar"), sibling(&program, "llvm-ranlib"));
        Ok(Plan { source, inputs, key, version, final_dir, cc, tools_path, ar, ranlib })
    }

    pub(super) fn build(self) -> anyhow::Result<Kit> {
        let kits = kits_dir();
        std::fs::create_dir_all(&kits).with_context(|| format!("failed to create `{}`", kits.display()))?;
        let work = kits.join(format!(".work-{}", self.key));
        if work.exists() {
            std::fs::remove_dir_all(&work).with_context(|| format!("failed to clean `{}`", work.display()))?;
        }
        std::fs::create_dir_all(&work)?;
        let log = kits.join("logs").join(format!("cpython-{}-{}.log", self.version, self.key));
        let mut phases = Phases::new(&log, 7)?;
        eprintln!("pyforge: building the CPython {} kit; full log: {}", self.version, log.display());
        let result = self.build_in(&work, &mut phases);
        match result {
            Ok(kit) => {
                let _ = std::fs::remove_dir_all(&work);
                eprintln!("pyforge: kit ready in {}: {}", human(phases.elapsed()), kit.dir.display());
                Ok(kit)
            }
            Err(e) => Err(e.context(format!(
                "building the CPython kit failed; the work directory `{}` is kept for inspection",
                work.display()
            ))),
        }
    }

    fn build_in(&self, work: &Path, phases: &mut Phases) -> anyhow::Result<Kit> {
        let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).to_string();
        // The native build needs these; say how to get one that is missing.
        for (tool, how) in
            [("make", "apt-get install make"), ("cc", "apt-get install gcc"), ("tar", "apt-get install tar")]
        {
            Cmd::new(tool).arg("--version").hint(how).output()?;
        }

        // 1. source
        let src = phases.phase("unpacking CPython source", |ph, bar| match &self.source {
            Source::Dir(d) => {
                ph.note(&format!("using source directory {}", d.display()));
                Ok(d.clone())
            }
            Source::Tarball(t) => {
                let dest = work.join("src");
                std::fs::create_dir_all(&dest)?;
                ph.run(&Cmd::new("tar").arg("-xf").arg(t).arg("-C").arg(&dest).arg("--strip-components=1"), bar)?;
                Ok(dest)
            }
        })?;
        let configure = src.join("configure");
        if !configure.is_file() {
            bail!("`{}` has no `configure`: is it a CPython source tree?", src.display());
        }

        // 2. build Python
        let native = work.join("build-native");
        std::fs::create_dir_all(&native)?;
        phases.phase("configuring the build Python (native)", |ph, bar| {
            ph.run(&Cmd::new(configure.display().to_string()).cwd(&native), bar)
        })?;
        phases.phase("building the build Python (native)", |ph, bar| {
            ph.run(&Cmd::new("make").args(["-j", &jobs, "all"]).cwd(&native), bar)
        })?;
        let build_python = native.join("python");

        // 3. the cross build
        let cross = self.cross_build(work, &src, &build_python, &jobs, phases)?;

        // 4. assemble
        let staging = work.join("kit");
        let info = phases.phase("assembling the kit (headers, archives, stdlib)", |ph, bar| {
            self.assemble(&src, &cross, &staging, ph, bar)
        })?;
        let info = phases.phase("byte-compiling and zipping the stdlib", |ph, bar| {
            let mut info = info;
            compile_stdlib(&build_python, &staging, &info, ph, bar)?;
            info.build_seconds = (ph.elapsed().as_secs_f64() * 10.0).round() / 10.0;
            Ok(info)
        })?;
        std::fs::write(staging.join(KIT_JSON), info.to_json())?;
        write_sums(&staging)?;
        std::fs::rename(&staging, &self.final_dir)
            .with_context(|| format!("failed to move the kit into `{}`", self.final_dir.display()))?;
        Kit::open(&self.final_dir)
    }

    /// Configures and builds CPython for `wasm32-wasip2` in `work/build-wasi` with the kit's
    /// compiler; returns the build directory.
    fn cross_build(
        &self,
        work: &Path,
        src: &Path,
        build_python: &Path,
        jobs: &str,
        phases: &mut Phases,
    ) -> anyhow::Result<PathBuf> {
        // (config.guess runs without the wasm compiler in its environment: with it, it would
        // report an x32 build triple.)
        let build_triple = Cmd::new(src.join("config.guess").display().to_string()).output()?;
        let path_env = {
            let old = std::env::var_os("PATH").unwrap_or_default();
            std::env::join_paths(self.tools_path.iter().cloned().chain(std::env::split_paths(&old)))?
        };
        let cross = work.join("build-wasi");
        std::fs::create_dir_all(&cross)?;
        let cc = self.cc.join(" ");
        let empty_pc = work.join("no-pkgconfig");
        std::fs::create_dir_all(&empty_pc)?;
        phases.phase("configuring CPython for wasm32-wasip2", |ph, bar| {
            let cmd = Cmd::new(src.join("configure").display().to_string())
                .cwd(&cross)
                .env("CONFIG_SITE", src.join("Tools/wasm/config.site-wasm32-wasi"))
                .env("CC", &cc)
                .env("CPP", format!("{cc} -E"))
                .env("AR", &self.ar)
                .env("RANLIB", &self.ranlib)
                .env("OPT", CROSS_OPT)
                .env("PKG_CONFIG_PATH", "")
                .env("PKG_CONFIG_LIBDIR", &empty_pc)
                .env("PATH", &path_env)
                .arg("--host=wasm32-wasip2")
                .arg(format!("--build={build_triple}"))
                .arg(format!("--with-build-python={}", build_python.display()))
                .arg(format!("--prefix={PREFIX}"));
            ph.run(&cmd, bar)
        })?;
        phases.phase("building CPython for wasm32-wasip2", |ph, bar| {
            ph.run(&Cmd::new("make").args(["-j", jobs, "all"]).cwd(&cross).env("PATH", &path_env), bar)
        })?;
        Ok(cross)
    }

    /// Copies what a relink needs out of the build trees into `kit`.
    fn assemble(
        &self,
        src: &Path,
        cross: &Path,
        kit: &Path,
        ph: &mut Phases,
        bar: &indicatif::ProgressBar,
    ) -> anyhow::Result<KitInfo> {
        let vars = make_vars(cross, ph, bar)?;
        let var = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
        let short = var("VERSION").to_string();
        if short.is_empty() {
            bail!("configure left no VERSION in `{}/Makefile`", cross.display());
        }
        // headers
        copy_tree(&src.join("Include"), &kit.join("include"), &|_| true)?;
        std::fs::copy(cross.join("pyconfig.h"), kit.join("include/pyconfig.h"))?;
        let archives = copy_archives(cross, kit, &short)?;
        std::fs::create_dir_all(kit.join("obj"))?;
        std::fs::copy(cross.join("Programs/python.o"), kit.join("obj/python.o"))?;
        std::fs::copy(cross.join("Modules/config.c"), kit.join("config.c.in"))?;
        let config_c = std::fs::read_to_string(kit.join("config.c.in"))?;
        if !config_c.contains("MARKER 1") || !config_c.contains("MARKER 2") {
            bail!("`Modules/config.c` of the cross build has no ADDMODULE MARKER lines");
        }
        let stdlib = format!("stdlib/lib/python{short}");
        copy_sources(src, cross, kit, &stdlib)?;
        let words = |names: &[&str]| -> Vec<String> {
            names.iter().flat_map(|n| var(n).split_whitespace().map(str::to_string).collect::<Vec<_>>()).collect()
        };
        // Extension modules are compiled against the kit's headers, not the build tree's.
        let cflags = words(&["PY_CFLAGS", "PY_CFLAGS_NODIST"])
            .into_iter()
            .filter(|f| !f.starts_with("-I") && !f.starts_with("--sysroot") && !f.starts_with("-resource-dir"))
            .collect();
        let ldflags = words(&["PY_CORE_LDFLAGS", "LINKFORSHARED"])
            .into_iter()
            .filter(|f| !f.starts_with("-L") && !f.starts_with("--sysroot") && !f.starts_with("-resource-dir"))
            .collect();
        let libs = words(&["LIBS", "MODLIBS", "SYSLIBS"])
            .into_iter()
            .filter(|f| f.starts_with("-l") || f.starts_with("-W") || f.starts_with("-z"))
            .collect();
        Ok(KitInfo {
            schema: pyforge_layout::kit::KIT_SCHEMA.to_string(),
            python_version: self.version.clone(),
            python_short: short.clone(),
            target: "wasm32-wasip2".to_string(),
            key: self.key.clone(),
            inputs: self.inputs.clone(),
            cflags,
            ldflags,
            libs,
            archives,
            python_o: "obj/python.o".to_string(),
            config_c: "config.c.in".to_string(),
            include: vec!["include".to_string(), "include/internal".to_string()],
            stdlib,
            stdlib_zip: format!("stdlib/lib/python{}.zip", short.replace('.', "")),
            tests: "tests/test".to_string(),
            sources: Some("src".to_string()),
            prefix: PREFIX.to_string(),
            build_seconds: 0.0,
        })
    }
}

/// The archives: libpython first, then every helper archive the cross build made; returns
/// their paths in the kit.
fn copy_archives(cross: &Path, kit: &Path, short: &str) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(kit.join("lib"))?;
    let libpython = format!("libpython{short}.a");
    let mut archives = vec![format!("lib/{libpython}")];
    std::fs::copy(cross.join(&libpython), kit.join("lib").join(&libpython))
        .with_context(|| format!("the cross build made no `{libpython}`"))?;
    let mut helpers = Vec::new();
    find_files(&cross.join("Modules"), &mut |p| p.extension().is_some_and(|e| e == "a"), &mut helpers)?;
    helpers.sort();
    for h in helpers {
        let name = h.file_name().unwrap_or_default().to_string_lossy().into_owned();
        std::fs::copy(&h, kit.join("lib").join(&name))?;
        archives.push(format!("lib/{name}"));
    }
    Ok(archives)
}

/// The stdlib tree (`Lib` minus tests and GUI, plus the build's sysconfig data) at `stdlib`,
/// CPython's `Lib/test`, and the module sources the kit carries.
fn copy_sources(src: &Path, cross: &Path, kit: &Path, stdlib: &str) -> anyhow::Result<()> {
    copy_tree(&src.join("Lib"), &kit.join(stdlib), &|rel| {
        let top = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
        !STDLIB_EXCLUDE.contains(&top.as_str()) && !rel.components().any(|c| c.as_os_str() == "__pycache__")
    })?;
    let pybuilddir =
        std::fs::read_to_string(cross.join("pybuilddir.txt")).context("the cross build left no `pybuilddir.txt`")?;
    let mut sysconfig = Vec::new();
    find_files(&cross.join(pybuilddir.trim()), &mut |p| p.is_file(), &mut sysconfig)?;
    for f in sysconfig {
        std::fs::copy(&f, kit.join(stdlib).join(f.file_name().unwrap_or_default()))?;
    }
    copy_tree(&src.join("Lib/test"), &kit.join("tests/test"), &|rel| {
        !rel.components().any(|c| c.as_os_str() == "__pycache__")
    })?;
    for m in MODULE_SOURCES {
        let (from, to) = (src.join("Modules").join(m), kit.join("src/Modules").join(m));
        if from.is_dir() {
            copy_tree(&from, &to, &|_| true)?;
        } else {
            std::fs::create_dir_all(to.parent().unwrap_or(&to))?;
            std::fs::copy(&from, &to).with_context(|| format!("copying {}", from.display()))?;
        }
    }
    Ok(())
}

/// Byte-compiles the kit's stdlib tree (unchecked-hash `.pyc`, so no timestamps) and writes
/// the stored zip of `.pyc` files, both with the native build Python.
fn compile_stdlib(
    build_python: &Path,
    kit: &Path,
    info: &KitInfo,
    ph: &mut Phases,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<()> {
    let stdlib = kit.join(&info.stdlib);
    let guest = format!("{}/lib/python{}", info.prefix, info.python_short);
    ph.run(
        &Cmd::new(build_python.display().to_string())
            .args(["-E", "-s", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", "-d"])
            .arg(&guest)
            .arg(&stdlib),
        bar,
    )?;
    let zip = kit.join(&info.stdlib_zip);
    ph.run(
        &Cmd::new(build_python.display().to_string()).args(["-E", "-s", "-c", ZIP_STDLIB]).arg(&stdlib).arg(&zip),
        bar,
    )
}

/// A deterministic stored zip: sorted names, fixed timestamps, `.pyc` in place of each `.py`.
const ZIP_STDLIB: &str = r#"
import os, sys, zipfile
root, out = sys.argv[1], sys.argv[2]
tag = sys.implementation.cache_tag
entries = []
for d, dirs, files in os.walk(root):
    dirs[:] = sorted(x for x in dirs if x != "__pycache__")
    for f in sorted(files):
        path = os.path.join(d, f)
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        if f.endswith(".py"):
            pyc = os.path.join(d, "__pycache__", f[:-3] + "." + tag + ".pyc")
            entries.append((rel[:-3] + ".pyc", pyc))
        else:
            entries.append((rel, path))
tmp = out + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:
    for name, path in sorted(entries):
        info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        with open(path, "rb") as fh:
            z.writestr(info, fh.read())
os.replace(tmp, out)
print(f"wrote {out}: {len(entries)} entries")
"#;

/// Reads make variables from the cross build's Makefile.
fn make_vars(cross: &Path, ph: &mut Phases, bar: &indicatif::ProgressBar) -> anyhow::Result<Vec<(String, String)>> {
    const NAMES: &[&str] =
        &["VERSION", "PY_CFLAGS", "PY_CFLAGS_NODIST", "PY_CORE_LDFLAGS", "LINKFORSHARED", "LIBS", "MODLIBS", "SYSLIBS"];
    let mk = cross.join("pyforge-print-vars.mk");
    let mut text = String::from("pyforge-print-vars:\n");
    for n in NAMES {
        text.push_str(&format!("\t@echo 'pyforge-var {n}=$({n})'\n"));
    }
    std::fs::write(&mk, text)?;
    let out = Cmd::new("make")
        .args(["-s", "--no-print-directory", "-f", "Makefile", "-f", "pyforge-print-vars.mk", "pyforge-print-vars"])
        .cwd(cross)
        .output()?;
    ph.note(&out);
    bar.set_message("read make variables");
    Ok(out
        .lines()
        .filter_map(|l| l.strip_prefix("pyforge-var "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect())
}

/// The LLVM tool `name` that goes with `clang`: `llvm-ar-19` for `clang-19`, the sibling in
/// the same directory for a WASI SDK, else the plain name on PATH.
fn sibling(clang: &Path, name: &str) -> String {
    let file = clang.file_name().unwrap_or_default().to_string_lossy();
    let suffix = file.strip_prefix("clang").unwrap_or("");
    let candidate = format!("{name}{suffix}");
    match clang.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if dir.join(&candidate).is_file() => dir.join(candidate).display().to_string(),
        Some(dir) if dir.join(name).is_file() => dir.join(name).display().to_string(),
        _ => candidate,
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_tarball_names() {
        assert_eq!(tarball_version("Python-3.13.5.tar.xz").as_deref(), Some("3.13.5"));
        assert_eq!(tarball_version("python3.13_3.13.5.orig.tar.xz").as_deref(), Some("3.13.5"));
        assert_eq!(tarball_version("cpython.tar.gz"), None);
    }

    #[test]
    fn llvm_siblings() {
        assert_eq!(sibling(Path::new("clang-19"), "llvm-ar"), "llvm-ar-19");
        assert_eq!(sibling(Path::new("clang"), "llvm-ar"), "llvm-ar");
    }
}
