//! Step 4: link — compile each planned extension's C files against the CPython kit, write a
//! `config.c` whose inittab adds them (and leaves CPython's `_test*` modules out), and relink
//! `python.wasm` with the host's `clang` import. No CPython rebuild: seconds, not minutes.
//!
//! For `wasm32-wasip2` clang links through `wasm-component-ld`, which componentizes the
//! result: the component-type objects of the generated bindings become the component's
//! imports (the caps' interfaces), next to WASI.
//!
//! Outputs go to the forge's build directory (`target/pyforge/<forge>/`): objects are named by
//! a hash of their inputs (so an unchanged extension is not recompiled), every file is written
//! under a temporary name and renamed, and `python.lock` lists every input with its hash.
//! When the lock file matches the inputs and the output, nothing is rebuilt.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::bindings::pyforge::toolchain::clang;
use crate::diag::Diag;
use crate::plan::{ForgePlan, PlannedExt};
use crate::source::{self, Disk, Entry, Source};

/// The parts of the kit's `kit.json` the link step reads.
#[derive(Debug, Deserialize)]
struct KitInfo {
    python_version: String,
    key: String,
    cflags: Vec<String>,
    ldflags: Vec<String>,
    libs: Vec<String>,
    archives: Vec<String>,
    python_o: String,
    config_c: String,
    include: Vec<String>,
    /// Where CPython's module sources are (`src`, holding `Modules/<name>/`); absent in kits
    /// made before it existed.
    #[serde(default)]
    sources: Option<String>,
}

/// `python.lock`: every input of a build and its hash.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Lock {
    forge: String,
    output: String,
    output_sha256: String,
    kit: LockKit,
    /// Compile and link flags, as passed to clang.
    flags: BTreeMap<String, Vec<String>>,
    /// Extensions in the inittab, in order.
    modules: Vec<String>,
    input: Vec<LockInput>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct LockKit {
    path: String,
    python_version: String,
    key: String,
    kit_json_sha256: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct LockInput {
    path: String,
    sha256: String,
}

/// What [`link`] did.
#[derive(Debug)]
pub struct Linked {
    pub output: String,
    pub size: usize,
    /// False when the lock file showed the output was already up to date.
    pub rebuilt: bool,
    /// One line per step, for the CLI.
    pub log: Vec<String>,
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_diag(path: &str, what: &str, e: impl std::fmt::Display) -> Diag {
    Diag::new(Some(path), format!("failed to {what}: {e}"))
}

/// Every file under `dir`, recursively, sorted (symlinks were vetted by `check`).
fn files_under(src: &dyn Source, dir: &str, out: &mut Vec<String>) {
    for name in src.list(dir).unwrap_or_default() {
        let path = source::join(dir, &name);
        match src.entry(&path) {
            Entry::Dir => files_under(src, &path, out),
            Entry::File | Entry::Symlink(_) => out.push(path),
            Entry::Missing => {}
        }
    }
}

/// Runs clang through the host import; a failure carries the command line and clang's output.
fn run_clang(args: Vec<String>, what: &str, file: &str) -> Result<(), Diag> {
    let done = clang::run(&args).map_err(|e| Diag::new(Some(file), format!("{what}: {e}")))?;
    if done.status != 0 {
        let stderr = String::from_utf8_lossy(&done.stderr);
        let stdout = String::from_utf8_lossy(&done.stdout);
        return Err(Diag::new(Some(file), format!("{what} failed (clang exited with status {})", done.status))
            .detail(format!("command: clang {}\n{}{}", args.join(" "), stdout, stderr))
            .help("fix the error above; nothing was written to the output"));
    }
    Ok(())
}

/// The kit's `config.c` with `modules` added to the inittab and CPython's `_test*` modules
/// removed.
pub fn config_c(template: &str, modules: &[String]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 256);
    let (mut m1, mut m2) = (false, false);
    for line in template.lines() {
        let t = line.trim();
        if t.starts_with("extern PyObject* PyInit__test") || t.starts_with("{\"_test") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if t.contains("ADDMODULE MARKER 1") {
            m1 = true;
            for m in modules {
                out.push_str(&format!("extern PyObject* PyInit_{m}(void);\n"));
            }
        } else if t.contains("ADDMODULE MARKER 2") {
            m2 = true;
            for m in modules {
                out.push_str(&format!("    {{\"{m}\", PyInit_{m}}},\n"));
            }
        }
    }
    if !(m1 && m2) {
        return Err("the kit's config.c has no ADDMODULE MARKER lines".into());
    }
    Ok(out)
}

/// Links the planned forge against the kit at `kit_dir` into `out_dir/python.wasm`.
pub fn link(plan: &ForgePlan, kit_dir: &str, out_dir: &str) -> Result<Linked, Vec<Diag>> {
    link_inner(plan, kit_dir, out_dir).map_err(|d| vec![d])
}

fn link_inner(plan: &ForgePlan, kit_dir: &str, out_dir: &str) -> Result<Linked, Diag> {
    let kit_json_path = format!("{kit_dir}/kit.json");
    let kit_json = std::fs::read(&kit_json_path)
        .map_err(|e| io_diag(&kit_json_path, "read the kit", e))
        .map_err(|d| d.help("build the kit with `pyforge kit build`"))?;
    let kit: KitInfo = serde_json::from_slice(&kit_json)
        .map_err(|e| Diag::new(Some(&kit_json_path), format!("not a pyforge kit.json: {e}")))?;
    let kp = |rel: &str| format!("{kit_dir}/{rel}");
    let obj_dir = format!("{out_dir}/obj");
    std::fs::create_dir_all(&obj_dir).map_err(|e| io_diag(&obj_dir, "create the build directory", e))?;
    let output = format!("{out_dir}/python.wasm");
    let lock_path = format!("{out_dir}/python.lock");
    let mut log = Vec::new();

    // Every input, hashed.
    let modules: Vec<String> = plan.extensions.iter().map(|e| e.module.clone()).collect();
    let mut inputs = Vec::new();
    let mut ext_hash = BTreeMap::new();
    for ext in &plan.extensions {
        let mut files = Vec::new();
        files_under(&Disk, &ext.manifest.dir, &mut files);
        let mut h = Sha256::new();
        for f in &files {
            let bytes = Disk.read(f).map_err(|e| io_diag(f, "read", e))?;
            let digest = sha256(&bytes);
            h.update(f.as_bytes());
            h.update(digest.as_bytes());
            inputs.push(LockInput { path: f.clone(), sha256: digest });
        }
        ext_hash.insert(ext.module.clone(), hex(&h.finalize()));
    }
    let base_cflags: Vec<String> =
        ["--target=wasm32-wasip2".to_string()].into_iter().chain(kit.cflags.iter().cloned()).collect();
    let mut ldflags = vec!["--target=wasm32-wasip2".to_string()];
    ldflags.extend(kit.ldflags.iter().cloned());
    let mut flags = BTreeMap::new();
    flags.insert("cflags".to_string(), base_cflags.clone());
    flags.insert("ldflags".to_string(), ldflags.clone());
    flags.insert("libs".to_string(), kit.libs.clone());
    let mut lock = Lock {
        forge: plan.forge.clone(),
        output: output.clone(),
        output_sha256: String::new(),
        kit: LockKit {
            path: kit_dir.to_string(),
            python_version: kit.python_version.clone(),
            key: kit.key.clone(),
            kit_json_sha256: sha256(&kit_json),
        },
        flags,
        modules: modules.clone(),
        input: inputs,
    };

    // Up to date: the same inputs as the lock file, and the output as it was written (its size
    // and time unchanged since — else its hash must still be the locked one).
    let stamp_path = format!("{out_dir}/.python.wasm.stamp");
    if let Ok(text) = std::fs::read_to_string(&lock_path)
        && let Ok(old) = toml::from_str::<Lock>(&text)
        && let Ok(meta) = std::fs::metadata(&output)
    {
        lock.output_sha256 = old.output_sha256.clone();
        let stamp = source::stamp(&output);
        let stamped = stamp.as_ref().is_some_and(|s| std::fs::read_to_string(&stamp_path).is_ok_and(|t| &t == s));
        let unchanged = stamped || std::fs::read(&output).is_ok_and(|bytes| sha256(&bytes) == old.output_sha256);
        if old == lock && unchanged {
            if let (false, Some(stamp)) = (stamped, stamp) {
                let _ = source::write_atomic(std::path::Path::new(&stamp_path), stamp.as_bytes());
            }
            return Ok(Linked { output, size: meta.len() as usize, rebuilt: false, log });
        }
    }

    // Compile the extensions (objects named by their inputs, so unchanged ones are reused).
    let mut objects = Vec::new();
    for ext in &plan.extensions {
        objects.extend(compile_ext(ext, &kit, kit_dir, &base_cflags, &ext_hash[&ext.module], &obj_dir, &mut log)?);
        objects.extend(ext.objects.iter().cloned());
    }

    // config.c with the new inittab.
    let template_path = kp(&kit.config_c);
    let template = std::fs::read_to_string(&template_path)
        .map_err(|e| io_diag(&template_path, "read the config.c template", e))?;
    let config = config_c(&template, &modules).map_err(|e| Diag::new(Some(&template_path), e))?;
    let mut cfg_args = base_cflags.clone();
    cfg_args.push("-DPy_BUILD_CORE".into());
    for inc in &kit.include {
        cfg_args.push(format!("-I{}", kp(inc)));
    }
    let key = {
        let mut h = Sha256::new();
        h.update(config.as_bytes());
        h.update(cfg_args.join("\0").as_bytes());
        h.update(kit.key.as_bytes());
        hex(&h.finalize()[..8])
    };
    let config_src = format!("{obj_dir}/config-{key}.c");
    let config_obj = format!("{obj_dir}/config-{key}.o");
    if !std::path::Path::new(&config_obj).is_file() {
        source::write_atomic(std::path::Path::new(&config_src), config.as_bytes())
            .map_err(|e| io_diag(&config_src, "write", e))?;
        compile(&cfg_args, &config_src, &config_obj, "compiling the inittab (config.c)")?;
        log.push(format!("compiled {config_src}"));
    }

    // Link.
    let t = Instant::now();
    let tmp = format!("{out_dir}/.python.wasm.tmp");
    let mut args = ldflags.clone();
    args.extend(["-o".to_string(), tmp.clone(), kp(&kit.python_o), config_obj.clone()]);
    args.extend(objects);
    args.extend(kit.archives.iter().map(|a| kp(a)));
    args.extend(kit.libs.iter().cloned());
    let linked = run_clang(args, &format!("linking `{output}`"), &output);
    if let Err(d) = linked {
        let _ = std::fs::remove_file(&tmp);
        return Err(d);
    }
    let bytes = std::fs::read(&tmp).map_err(|e| io_diag(&tmp, "read the linked output", e))?;
    lock.output_sha256 = sha256(&bytes);
    std::fs::rename(&tmp, &output).map_err(|e| io_diag(&output, "move the linked output into place", e))?;
    log.push(format!(
        "linked {output} ({:.1} MB, {} extension{}) in {:.2} s",
        bytes.len() as f64 / 1e6,
        modules.len(),
        if modules.len() == 1 { "" } else { "s" },
        t.elapsed().as_secs_f64()
    ));

    write_overlays(plan, out_dir, &mut log)?;
    let text = format!(
        "# Every input of `{output}` and its sha256; written by `pyforge build`.\n{}",
        toml::to_string(&lock).map_err(|e| Diag::new(Some(&lock_path), format!("failed to encode the lock: {e}")))?
    );
    source::write_atomic(std::path::Path::new(&lock_path), text.as_bytes())
        .map_err(|e| io_diag(&lock_path, "write", e))?;
    if let Some(stamp) = source::stamp(&output) {
        source::write_atomic(std::path::Path::new(&stamp_path), stamp.as_bytes())
            .map_err(|e| io_diag(&stamp_path, "write", e))?;
    }
    Ok(Linked { output, size: bytes.len(), rebuilt: true, log })
}

/// Compiles `src` to `obj` through a temporary file.
fn compile(args: &[String], src: &str, obj: &str, what: &str) -> Result<(), Diag> {
    let tmp = format!("{obj}.tmp");
    let mut full = args.to_vec();
    full.extend(["-c".to_string(), src.to_string(), "-o".to_string(), tmp.clone()]);
    if let Err(d) = run_clang(full, what, src) {
        let _ = std::fs::remove_file(&tmp);
        return Err(d);
    }
    std::fs::rename(&tmp, obj).map_err(|e| io_diag(obj, "move the object into place", e))
}

/// Compiles one extension's C files — its own, and CPython's when it names `cpython_sources` —
/// unless objects for the same inputs exist; returns the object paths.
fn compile_ext(
    ext: &PlannedExt,
    kit: &KitInfo,
    kit_dir: &str,
    base: &[String],
    ext_hash: &str,
    obj_dir: &str,
    log: &mut Vec<String>,
) -> Result<Vec<String>, Diag> {
    let objs = ObjectDir { dir: format!("{obj_dir}/{}", ext.module), ext_hash, kit_key: &kit.key };
    std::fs::create_dir_all(&objs.dir).map_err(|e| io_diag(&objs.dir, "create", e))?;
    let mut args = base.to_vec();
    for inc in &ext.include {
        args.push(format!("-I{inc}"));
    }
    args.push(format!("-I{kit_dir}/{}", kit.include[0]));
    let name = &ext.manifest.name.value;
    let mut objects = Vec::new();
    for src in &ext.sources {
        let stem = src.rsplit('/').next().unwrap_or(src).trim_end_matches(".c");
        objects.push(objs.compile(src, stem, &args, &format!("compiling `{src}` (extension `{name}`)"), log)?);
    }
    if let Some(module_dir) = &ext.cpython_sources {
        // CPython's own module, built in: its internal headers too, after the extension's.
        args.push("-DPy_BUILD_CORE_BUILTIN".into());
        args.extend(kit.include.iter().skip(1).map(|inc| format!("-I{kit_dir}/{inc}")));
        for (src, file) in cpython_sources(ext, module_dir, kit, kit_dir)? {
            // `@` keeps these apart from the extension's own objects (`<stem>-<key>.o`).
            let stem = format!("cpython@{}", file.trim_end_matches(".c"));
            let what = format!("compiling CPython's `{module_dir}/{file}` (extension `{name}`)");
            objects.push(objs.compile(&src, &stem, &args, &what, log)?);
        }
    }
    Ok(objects)
}

/// An extension's object directory: objects are named `<stem>-<key>.o`, the key hashing every
/// input — the extension's files (its headers may be included by any source), the source
/// path, the flags and the kit.
struct ObjectDir<'a> {
    dir: String,
    ext_hash: &'a str,
    kit_key: &'a str,
}

impl ObjectDir<'_> {
    /// Compiles `src` unless its object exists, then removes the objects of its older inputs.
    fn compile(
        &self,
        src: &str,
        stem: &str,
        args: &[String],
        what: &str,
        log: &mut Vec<String>,
    ) -> Result<String, Diag> {
        let mut h = Sha256::new();
        h.update(self.ext_hash.as_bytes());
        h.update(src.as_bytes());
        h.update(args.join("\0").as_bytes());
        h.update(self.kit_key.as_bytes());
        let obj = format!("{}/{stem}-{}.o", self.dir, hex(&h.finalize()[..8]));
        if !std::path::Path::new(&obj).is_file() {
            let t = Instant::now();
            compile(args, src, &obj, what)?;
            log.push(format!("compiled {src} in {:.2} s", t.elapsed().as_secs_f64()));
            for name in Disk.list(&self.dir).unwrap_or_default() {
                if name.starts_with(&format!("{stem}-")) && name.ends_with(".o") && !obj.ends_with(&name) {
                    let _ = std::fs::remove_file(format!("{}/{name}", self.dir));
                }
            }
        }
        Ok(obj)
    }
}

/// The C files of CPython's `module_dir` (`Modules/_sqlite`) as the kit carries them, sorted:
/// (path, file name).
fn cpython_sources(
    ext: &PlannedExt,
    module_dir: &str,
    kit: &KitInfo,
    kit_dir: &str,
) -> Result<Vec<(String, String)>, Diag> {
    let file = &ext.manifest.file.name;
    let Some(sources) = &kit.sources else {
        return Err(Diag::new(Some(file), format!("the kit at `{kit_dir}` carries no CPython module sources"))
            .help("rebuild the kit with this pyforge: `pyforge kit build`"));
    };
    let src_dir = format!("{kit_dir}/{sources}/{module_dir}");
    let mut c_files: Vec<String> = Disk
        .list(&src_dir)
        .map_err(|e| {
            let carried = Disk.list(&format!("{kit_dir}/{sources}/Modules")).unwrap_or_default();
            Diag::new(Some(file), format!("`cpython_sources = \"{module_dir}\"`: the kit has no `{src_dir}`: {e}"))
                .help(format!("name a module directory the kit carries: Modules/{}", carried.join(", Modules/")))
        })?
        .into_iter()
        .filter(|n| n.ends_with(".c"))
        .collect();
    c_files.sort();
    Ok(c_files.into_iter().map(|f| (format!("{src_dir}/{f}"), f)).collect())
}

/// Copies the forge's `Lib/` overlays into `out_dir/lib`, replacing the old tree.
fn write_overlays(plan: &ForgePlan, out_dir: &str, log: &mut Vec<String>) -> Result<(), Diag> {
    let lib = format!("{out_dir}/lib");
    let tmp = format!("{out_dir}/.lib.tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| io_diag(&tmp, "create", e))?;
    for (from, dest) in &plan.overlays {
        let to = format!("{tmp}/{dest}");
        if let Some(parent) = std::path::Path::new(&to).parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_diag(&to, "create", e))?;
        }
        let bytes = Disk.read(from).map_err(|e| io_diag(from, "read", e))?;
        std::fs::write(&to, bytes).map_err(|e| io_diag(&to, "write", e))?;
        log.push(format!("overlay Lib/{dest} <- {from}"));
    }
    let _ = std::fs::remove_dir_all(&lib);
    std::fs::rename(&tmp, &lib).map_err(|e| io_diag(&lib, "move the overlay tree into place", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "#include \"Python.h\"\n\
        extern PyObject* PyInit_math(void);\n\
        extern PyObject* PyInit__testcapi(void);\n\
        /* -- ADDMODULE MARKER 1 -- */\n\
        struct _inittab _PyImport_Inittab[] = {\n\
        {\"math\", PyInit_math},\n\
        {\"_testcapi\", PyInit__testcapi},\n\
        /* -- ADDMODULE MARKER 2 -- */\n\
        {0, 0}\n};\n";

    #[test]
    fn inittab_adds_modules_and_drops_test_modules() {
        let out = config_c(TEMPLATE, &["_fixture".to_string()]).unwrap();
        assert!(out.contains("extern PyObject* PyInit__fixture(void);\n"));
        assert!(out.contains("{\"_fixture\", PyInit__fixture},"));
        assert!(out.contains("{\"math\", PyInit_math}"));
        assert!(!out.contains("_testcapi"));
    }

    #[test]
    fn inittab_needs_markers() {
        assert!(config_c("int x;\n", &[]).is_err());
    }
}
