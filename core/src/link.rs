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

use pyforge_layout::{BuildDir, Fingerprint, KitInfo, Lock, LockInput, LockKit, hex, sha256_hex, stamp, write_atomic};
use sha2::{Digest as _, Sha256};

use crate::diag::Diag;
use crate::embed;
use crate::plan::{ForgePlan, PlannedExt};
use crate::source::{self, Disk, Entry, Source};

/// What a finished compiler process reported.
#[derive(Debug, Clone, Default)]
pub struct Completed {
    /// The exit status; 0 is success.
    pub status: i32,
    /// What it wrote to stdout.
    pub stdout: Vec<u8>,
    /// What it wrote to stderr.
    pub stderr: Vec<u8>,
}

/// The C compiler the link step drives: in the tool component, the host's `clang` import.
pub trait Compiler {
    /// Runs clang with `args`. `Err` means it could not be started at all (no compiler in this
    /// host, not found, refused); a compiler that ran and failed is `Ok` with a non-zero status.
    fn run(&self, args: &[String]) -> Result<Completed, String>;
}

/// What [`link`] did.
#[derive(Debug)]
pub struct Linked {
    /// Where `python.wasm` is.
    pub output: String,
    /// Its size in bytes.
    pub size: usize,
    /// False when the lock file showed the output was already up to date.
    pub rebuilt: bool,
    /// What pre-initialization needs (`python.init.json`), when the forge is self-contained.
    pub embedded: Option<String>,
    /// One line per step, for the CLI.
    pub log: Vec<String>,
}

fn sha256(bytes: &[u8]) -> String {
    sha256_hex(bytes)
}

fn io_diag(path: &str, what: &str, e: impl std::fmt::Display) -> Diag {
    Diag::new(Some(path), format!("failed to {what}: {e}")).code("link::io")
}

/// Every file under `dir`, recursively, sorted (symlinks were vetted by `check`).
fn files_under(src: &dyn Source, dir: &str, out: &mut Vec<String>) -> Result<(), Diag> {
    for name in src.list(dir).map_err(|e| io_diag(dir, "list", e))? {
        let path = source::join(dir, &name);
        match src.entry(&path) {
            Entry::Dir => files_under(src, &path, out)?,
            Entry::File | Entry::Symlink(_) => out.push(path),
            Entry::Missing => {}
        }
    }
    Ok(())
}

/// Runs clang; a failure carries the command line and clang's output.
fn run_clang(cc: &dyn Compiler, args: Vec<String>, what: &str, file: &str) -> Result<(), Diag> {
    let done = cc.run(&args).map_err(|e| Diag::new(Some(file), format!("{what}: {e}")).code("link::clang-start"))?;
    if done.status != 0 {
        let stderr = String::from_utf8_lossy(&done.stderr);
        let stdout = String::from_utf8_lossy(&done.stdout);
        return Err(Diag::new(Some(file), format!("{what} failed (clang exited with status {})", done.status))
            .code("link::clang-failed")
            .detail(format!("command: clang {}\n{}{}", args.join(" "), stdout, stderr))
            .help("fix the error above; nothing was written to the output"));
    }
    Ok(())
}

/// The kit's `config.c` with `modules` added to the inittab and CPython's `_test*` modules
/// removed (kept with `test_modules`: a forge for running CPython's test suite).
pub fn config_c(template: &str, modules: &[String], test_modules: bool) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 256);
    let (mut m1, mut m2) = (false, false);
    for line in template.lines() {
        let t = line.trim();
        if !test_modules && (t.starts_with("extern PyObject* PyInit__test") || t.starts_with("{\"_test")) {
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

/// Links the planned forge against the kit at `kit_dir` into `out`'s `python.wasm`, compiling
/// with `cc`.
pub fn link(cc: &dyn Compiler, plan: &ForgePlan, kit_dir: &str, out: &BuildDir) -> Result<Linked, Vec<Diag>> {
    link_inner(cc, plan, kit_dir, out).map_err(|d| vec![d])
}

/// One link of one forge: the compiler, the kit, the flags and where things go.
struct Link<'a> {
    cc: &'a dyn Compiler,
    plan: &'a ForgePlan,
    kit: KitInfo,
    kit_dir: &'a str,
    out: &'a BuildDir,
    obj_dir: String,
    output: String,
    cflags: Vec<String>,
    ldflags: Vec<String>,
}

fn link_inner(cc: &dyn Compiler, plan: &ForgePlan, kit_dir: &str, out: &BuildDir) -> Result<Linked, Diag> {
    let (kit, kit_json) = read_kit(kit_dir)?;
    let obj_dir = out.file(BuildDir::OBJECTS);
    std::fs::create_dir_all(&obj_dir).map_err(|e| io_diag(&obj_dir, "create the build directory", e))?;
    let target = "--target=wasm32-wasip2".to_string();
    let cflags = std::iter::once(target.clone()).chain(kit.cflags.iter().cloned()).collect();
    let runtime_dir = format!("{obj_dir}/runtime");
    let ldflags = std::iter::once(target)
        .chain(kit.ldflags.iter().cloned())
        // The kit's archives carry DWARF (0.6 MB in python.wasm): not shipped; the name
        // section stays, so traps still name functions.
        .chain([
            "-mexec-model=reactor".to_string(),
            format!("-Wl,--component-type,{runtime_dir}/python.wit"),
            "-Wl,--strip-debug".to_string(),
        ])
        // Paths WASI cannot carry are refused before they trap (core/runtime/wasi_paths.c).
        // Subinterpreters get the embedded stdlib's importer (core/runtime/pyforge_python.c).
        .chain(pyforge_layout::wrap::wrapped().map(|f| format!("-Wl,--wrap={f}")))
        .collect();
    let output = out.file(BuildDir::PYTHON_WASM);
    let link = Link { cc, plan, kit, kit_dir, out, obj_dir, output, cflags, ldflags };
    let mut log = Vec::new();
    let (mut lock, ext_hash) = link.lock(&kit_json)?;
    if let Some(size) = link.up_to_date(&mut lock) {
        let embedded = link.write_embedding(false, &mut log)?;
        return Ok(Linked { output: link.output, size, rebuilt: false, embedded, log });
    }
    // Compile the extensions (objects named by their inputs, so unchanged ones are reused).
    let mut objects = Vec::new();
    for ext in &plan.extensions {
        objects.extend(link.compile_ext(ext, &ext_hash[&ext.module], &mut log)?);
        objects.extend(ext.objects.iter().cloned());
    }
    objects.extend(link.compile_runtime(&mut log)?);
    let app_objects = link.compile_app_glue(&mut log)?;
    let mut modules = lock.modules.clone();
    modules.push(embed::RUNTIME_MODULE.to_string());
    if !app_objects.is_empty() {
        modules.push(embed::APP_GLUE_MODULE.to_string());
    }
    objects.extend(app_objects);
    let config_obj = link.config_object(&modules, &mut log)?;
    let bytes = link.link_output(&config_obj, objects, lock.modules.len(), &mut log)?;
    lock.output_sha256 = sha256(&bytes);
    write_overlays(plan, out, &mut log)?;
    let embedded = link.write_embedding(true, &mut log)?;
    link.write_lock(&lock)?;
    Ok(Linked { output: link.output, size: bytes.len(), rebuilt: true, embedded, log })
}

/// Reads and parses the kit's `kit.json`; returns it and its bytes.
fn read_kit(kit_dir: &str) -> Result<(KitInfo, Vec<u8>), Diag> {
    let path = format!("{kit_dir}/{}", pyforge_layout::kit::KIT_JSON);
    let bytes = std::fs::read(&path)
        .map_err(|e| io_diag(&path, "read the kit", e).help("build the kit with `pyforge kit build`"))?;
    let kit = KitInfo::from_json(&bytes).map_err(|e| Diag::new(Some(&path), e.to_string()).code("link::kit"))?;
    Ok((kit, bytes))
}

impl Link<'_> {
    fn kit_path(&self, rel: &str) -> String {
        format!("{}/{rel}", self.kit_dir)
    }

    /// The lock for this build (every input hashed; the output's hash still empty) and each
    /// extension's hash of its files.
    fn lock(&self, kit_json: &[u8]) -> Result<(Lock, BTreeMap<String, String>), Diag> {
        let mut inputs = Vec::new();
        let mut ext_hash = BTreeMap::new();
        for ext in &self.plan.extensions {
            let mut files = Vec::new();
            files_under(&Disk, &ext.manifest.dir, &mut files)?;
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
        // Overlays may come from another package of the project (a shared shim directory).
        for (from, _) in &self.plan.overlays {
            if !inputs.iter().any(|i| &i.path == from) {
                let bytes = Disk.read(from).map_err(|e| io_diag(from, "read", e))?;
                inputs.push(LockInput { path: from.clone(), sha256: sha256(&bytes) });
            }
        }
        let flags = BTreeMap::from([
            ("cflags".to_string(), self.cflags.clone()),
            ("ldflags".to_string(), self.ldflags.clone()),
            ("libs".to_string(), self.kit.libs.clone()),
            ("runtime".to_string(), vec![embed::runtime_hash()]),
            (
                "app-glue".to_string(),
                self.plan.app.iter().flat_map(|a| &a.glue).map(|(n, b)| format!("{n} {}", sha256(b))).collect(),
            ),
            (
                "embed".to_string(),
                vec![
                    format!("self-contained={}", self.plan.self_contained),
                    format!("bytecode={}", self.plan.bytecode),
                    format!("test-modules={}", self.plan.test_modules),
                ],
            ),
        ]);
        let lock = Lock {
            forge: self.plan.forge.clone(),
            output: self.output.clone(),
            output_sha256: String::new(),
            kit: LockKit {
                path: self.kit_dir.to_string(),
                python_version: self.kit.python_version.clone(),
                key: self.kit.key.clone(),
                kit_json_sha256: sha256(kit_json),
            },
            flags,
            modules: self.plan.extensions.iter().map(|e| e.module.clone()).collect(),
            input: inputs,
        };
        Ok((lock, ext_hash))
    }

    /// The output's size when it is up to date: the same inputs as the lock file, and the
    /// output as it was written (its size and time unchanged since — else its hash must still
    /// be the locked one).
    fn up_to_date(&self, lock: &mut Lock) -> Option<usize> {
        let stamp_path = self.out.file(BuildDir::LINK_STAMP);
        let text = std::fs::read_to_string(self.out.file(BuildDir::LOCK)).ok()?;
        let old = Lock::from_toml(&text).ok()?;
        let meta = std::fs::metadata(&self.output).ok()?;
        lock.output_sha256 = old.output_sha256.clone();
        let stamp = stamp(&self.output);
        let stamped = stamp.as_ref().is_some_and(|s| std::fs::read_to_string(&stamp_path).is_ok_and(|t| &t == s));
        let unchanged = stamped || std::fs::read(&self.output).is_ok_and(|b| sha256(&b) == old.output_sha256);
        if old != *lock || !unchanged {
            return None;
        }
        if let (false, Some(stamp)) = (stamped, stamp) {
            // Best effort: without the stamp the next run hashes the output again.
            let _ = write_atomic(&stamp_path, stamp.as_bytes());
        }
        Some(meta.len() as usize)
    }

    /// `config.c` with the new inittab, compiled (once per content, flags and kit).
    fn config_object(&self, modules: &[String], log: &mut Vec<String>) -> Result<String, Diag> {
        let template_path = self.kit_path(&self.kit.config_c);
        let template = std::fs::read_to_string(&template_path)
            .map_err(|e| io_diag(&template_path, "read the config.c template", e))?;
        let config = config_c(&template, modules, self.plan.test_modules)
            .map_err(|e| Diag::new(Some(&template_path), e).code("link::config-c"))?;
        let mut args = self.cflags.clone();
        args.push("-DPy_BUILD_CORE".into());
        args.extend(self.kit.include.iter().map(|inc| format!("-I{}", self.kit_path(inc))));
        let mut h = Sha256::new();
        h.update(config.as_bytes());
        h.update(args.join("\0").as_bytes());
        h.update(self.kit.key.as_bytes());
        let key = hex(&h.finalize()[..8]);
        let config_src = format!("{}/config-{key}.c", self.obj_dir);
        let config_obj = format!("{}/config-{key}.o", self.obj_dir);
        if !std::path::Path::new(&config_obj).is_file() {
            write_atomic(&config_src, config.as_bytes()).map_err(|e| io_diag(&config_src, "write", e))?;
            compile(self.cc, &args, &config_src, &config_obj, "compiling the inittab (config.c)")?;
            log.push(format!("compiled {config_src}"));
        }
        Ok(config_obj)
    }

    /// Links `python.wasm` through a temporary file; returns its bytes.
    fn link_output(
        &self,
        config_obj: &str,
        objects: Vec<String>,
        modules: usize,
        log: &mut Vec<String>,
    ) -> Result<Vec<u8>, Diag> {
        let t = Instant::now();
        let output = &self.output;
        let tmp = self.out.file(BuildDir::LINK_TMP);
        let mut args = self.ldflags.clone();
        // pyforge's runtime replaces CPython's `Programs/python.o` (the kit's `python_o`).
        args.extend(["-o".to_string(), tmp.clone(), config_obj.to_string()]);
        args.extend(objects);
        args.extend(self.kit.archives.iter().map(|a| self.kit_path(a)));
        args.extend(self.kit.libs.iter().cloned());
        if let Err(d) = run_clang(self.cc, args, &format!("linking `{output}`"), output) {
            let _ = std::fs::remove_file(&tmp);
            return Err(d);
        }
        let bytes = std::fs::read(&tmp).map_err(|e| io_diag(&tmp, "read the linked output", e))?;
        std::fs::rename(&tmp, output).map_err(|e| io_diag(output, "move the linked output into place", e))?;
        log.push(format!(
            "linked {output} ({:.1} MB, {modules} extension{}) in {:.2} s",
            bytes.len() as f64 / 1e6,
            if modules == 1 { "" } else { "s" },
            t.elapsed().as_secs_f64()
        ));
        Ok(bytes)
    }

    /// pyforge's runtime (in place of CPython's `Programs/python.o`), compiled once per content.
    fn compile_runtime(&self, log: &mut Vec<String>) -> Result<Vec<String>, Diag> {
        let dir = format!("{}/runtime", self.obj_dir);
        std::fs::create_dir_all(&dir).map_err(|e| io_diag(&dir, "create", e))?;
        for (name, text) in embed::RUNTIME {
            let path = format!("{dir}/{name}");
            if Disk.read(&path).ok().as_deref() != Some(text.as_bytes()) {
                write_atomic(&path, text.as_bytes()).map_err(|e| io_diag(&path, "write", e))?;
            }
        }
        let runtime_hash = embed::runtime_hash();
        let objs = ObjectDir { cc: self.cc, dir: dir.clone(), ext_hash: &runtime_hash, kit_key: &self.kit.key };
        let mut args = self.cflags.clone();
        args.extend(self.kit.include.iter().take(1).map(|inc| format!("-I{}", self.kit_path(inc))));
        let mut objects = Vec::new();
        for stem in ["pyforge_python", "inflate", "wasi_paths"] {
            let src = format!("{dir}/{stem}.c");
            objects.push(objs.compile(&src, stem, &args, &format!("compiling pyforge's runtime `{stem}.c`"), log)?);
        }
        Ok(objects)
    }

    /// An application's C glue (`pyforge componentize`): wit-bindgen-c's bindings of its world
    /// and the conversions, compiled once per content; the component-type object linked as
    /// it is.
    fn compile_app_glue(&self, log: &mut Vec<String>) -> Result<Vec<String>, Diag> {
        let Some(app) = self.plan.app.as_ref().filter(|a| !a.glue.is_empty()) else {
            return Ok(Vec::new());
        };
        let dir = format!("{}/app", self.obj_dir);
        std::fs::create_dir_all(&dir).map_err(|e| io_diag(&dir, "create", e))?;
        let mut h = Sha256::new();
        for (name, bytes) in &app.glue {
            let path = format!("{dir}/{name}");
            if Disk.read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                write_atomic(&path, bytes).map_err(|e| io_diag(&path, "write", e))?;
            }
            h.update(name.as_bytes());
            h.update(sha256(bytes).as_bytes());
        }
        let glue_hash = hex(&h.finalize());
        let objs = ObjectDir { cc: self.cc, dir: dir.clone(), ext_hash: &glue_hash, kit_key: &self.kit.key };
        let mut args = self.cflags.clone();
        args.push(format!("-I{dir}"));
        args.extend(self.kit.include.iter().take(1).map(|inc| format!("-I{}", self.kit_path(inc))));
        let mut objects = Vec::new();
        for (name, _) in &app.glue {
            if let Some(stem) = name.strip_suffix(".c") {
                let src = format!("{dir}/{name}");
                objects.push(objs.compile(&src, stem, &args, &format!("compiling the app's glue `{name}`"), log)?);
            } else if name.ends_with(".o") {
                objects.push(format!("{dir}/{name}"));
            }
        }
        Ok(objects)
    }

    /// For a self-contained forge, the embedded-stdlib archive (`python.stdlib`, made again
    /// when `python.wasm` was relinked or it is missing) and what pre-initialization needs
    /// (`python.init.json`); for the mounted shape, neither. Returns the init file's path.
    fn write_embedding(&self, relinked: bool, log: &mut Vec<String>) -> Result<Option<String>, Diag> {
        let archive_path = self.out.file(BuildDir::STDLIB);
        let init_path = self.out.file(BuildDir::INIT);
        if !self.plan.self_contained {
            for path in [&archive_path, &init_path] {
                let _ = std::fs::remove_file(path);
            }
            let _ = std::fs::remove_file(self.out.file(BuildDir::STDLIB_BASE));
            return Ok(None);
        }
        // The stdlib and overlays, compressed once per link (`.python.stdlib.base`); the
        // archive is that plus an application's files, laid out again (not recompressed) when
        // they change.
        let base_path = self.out.file(BuildDir::STDLIB_BASE);
        if relinked || !std::path::Path::new(&base_path).is_file() {
            let t = Instant::now();
            let guest_stdlib = format!("{}/lib/python{}", self.kit.prefix, self.kit.python_short);
            let base = embed::archive(
                &self.kit_path(&self.kit.stdlib),
                &guest_stdlib,
                &self.plan.overlays,
                &format!("{}/lib/pyforge", self.kit.prefix),
                self.plan.bytecode,
            )?;
            embed::write(&base_path, &base)?;
            log.push(format!(
                "embedded the stdlib: {} files, {:.1} MB ({:.1} MB unpacked) in {:.2} s",
                base.members,
                base.bytes.len() as f64 / 1e6,
                base.raw_size as f64 / 1e6,
                t.elapsed().as_secs_f64()
            ));
        }
        let mut fingerprint = Fingerprint::new("pyforge-stdlib-1");
        fingerprint.file(&base_path);
        for (path, bytes) in self.plan.app.iter().flat_map(|a| &a.files) {
            fingerprint.bytes(path).bytes(sha256(bytes));
        }
        let key_path = self.out.file(BuildDir::STDLIB_KEY);
        let archive_file = std::path::Path::new(&archive_path);
        if !fingerprint.is_recorded(&key_path, &[archive_file]) {
            let base = Disk.read(&base_path).map_err(|e| io_diag(&base_path, "read", e))?;
            let extra = self.plan.app.as_ref().map(|a| a.files.as_slice()).unwrap_or_default();
            let archive =
                embed::with_members(&base, extra).map_err(|e| Diag::new(Some(&base_path), e).code("link::archive"))?;
            embed::write(&archive_path, &archive)?;
            fingerprint.record(&key_path, &[archive_file]).map_err(|e| io_diag(&key_path, "write", e))?;
            if !extra.is_empty() {
                log.push(format!("embedded the app: {} files in {archive_path}", extra.len()));
            }
        }
        let init = embed::InitSpec {
            archive: BuildDir::STDLIB.into(),
            home: self.kit.prefix.clone(),
            warm: self.plan.warm.clone(),
            hash_seed: embed::hash_seed(&self.plan.forge),
            app: self.plan.app.as_ref().map(|a| embed::InitApp {
                module: a.module.clone(),
                exports: a.exports.clone(),
                roots: a.roots.clone(),
                stub_wasi: a.stub_wasi,
            }),
        };
        let text = init.to_json();
        if Disk.read(&init_path).ok().as_deref() != Some(text.as_bytes()) {
            write_atomic(&init_path, text.as_bytes()).map_err(|e| io_diag(&init_path, "write", e))?;
        }
        Ok(Some(init_path))
    }

    /// Writes `python.lock` and the output's stamp.
    fn write_lock(&self, lock: &Lock) -> Result<(), Diag> {
        let lock_path = self.out.file(BuildDir::LOCK);
        let text = lock
            .to_toml()
            .map_err(|e| Diag::new(Some(&lock_path), format!("failed to encode the lock: {e}")).code("link::io"))?;
        write_atomic(&lock_path, text.as_bytes()).map_err(|e| io_diag(&lock_path, "write", e))?;
        if let Some(stamp) = stamp(&self.output) {
            let stamp_path = self.out.file(BuildDir::LINK_STAMP);
            write_atomic(&stamp_path, stamp.as_bytes()).map_err(|e| io_diag(&stamp_path, "write", e))?;
        }
        Ok(())
    }

    /// Compiles one extension's C files — its own, and CPython's when it names
    /// `cpython_sources` — unless objects for the same inputs exist; returns the object paths.
    fn compile_ext(&self, ext: &PlannedExt, ext_hash: &str, log: &mut Vec<String>) -> Result<Vec<String>, Diag> {
        let objs = ObjectDir {
            cc: self.cc,
            dir: format!("{}/{}", self.obj_dir, ext.module),
            ext_hash,
            kit_key: &self.kit.key,
        };
        std::fs::create_dir_all(&objs.dir).map_err(|e| io_diag(&objs.dir, "create", e))?;
        let mut args = self.cflags.clone();
        args.extend(ext.include.iter().map(|inc| format!("-I{inc}")));
        args.push(format!("-I{}", self.kit_path(&self.kit.include[0])));
        let name = &ext.manifest.name.value;
        let mut objects = Vec::new();
        for src in &ext.sources {
            let stem = src.rsplit('/').next().unwrap_or(src).trim_end_matches(".c");
            objects.push(objs.compile(src, stem, &args, &format!("compiling `{src}` (extension `{name}`)"), log)?);
        }
        if let Some(module_dir) = &ext.cpython_sources {
            // CPython's own module, built in: its internal headers too, after the extension's.
            args.push("-DPy_BUILD_CORE_BUILTIN".into());
            args.extend(self.kit.include.iter().skip(1).map(|inc| format!("-I{}", self.kit_path(inc))));
            for (src, file) in cpython_sources(ext, module_dir, &self.kit, self.kit_dir)? {
                // `@` keeps these apart from the extension's own objects (`<stem>-<key>.o`).
                let stem = format!("cpython@{}", file.trim_end_matches(".c"));
                let what = format!("compiling CPython's `{module_dir}/{file}` (extension `{name}`)");
                objects.push(objs.compile(&src, &stem, &args, &what, log)?);
            }
        }
        Ok(objects)
    }
}

/// Compiles `src` to `obj` through a temporary file.
fn compile(cc: &dyn Compiler, args: &[String], src: &str, obj: &str, what: &str) -> Result<(), Diag> {
    let tmp = format!("{obj}.tmp");
    let mut full = args.to_vec();
    full.extend(["-c".to_string(), src.to_string(), "-o".to_string(), tmp.clone()]);
    if let Err(d) = run_clang(cc, full, what, src) {
        let _ = std::fs::remove_file(&tmp);
        return Err(d);
    }
    std::fs::rename(&tmp, obj).map_err(|e| io_diag(obj, "move the object into place", e))
}

/// An extension's object directory: objects are named `<stem>-<key>.o`, the key hashing every
/// input — the extension's files (its headers may be included by any source), the source
/// path, the flags and the kit.
struct ObjectDir<'a> {
    cc: &'a dyn Compiler,
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
            compile(self.cc, args, src, &obj, what)?;
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

/// The C files of CPython's `module_dir` (`Modules/_sqlite`) as the kit carries them, sorted,
/// or the one file it names (`Modules/_bz2module.c`): (path, file name).
fn cpython_sources(
    ext: &PlannedExt,
    module_dir: &str,
    kit: &KitInfo,
    kit_dir: &str,
) -> Result<Vec<(String, String)>, Diag> {
    let file = &ext.manifest.file.name;
    let Some(sources) = &kit.sources else {
        return Err(Diag::new(Some(file), format!("the kit at `{kit_dir}` carries no CPython module sources"))
            .code("link::kit-sources")
            .help("rebuild the kit with this pyforge: `pyforge kit build`"));
    };
    if let Some((_, name)) = module_dir.rsplit_once('/').filter(|_| module_dir.ends_with(".c")) {
        let path = format!("{kit_dir}/{sources}/{module_dir}");
        if !std::path::Path::new(&path).is_file() {
            let carried = Disk.list(&format!("{kit_dir}/{sources}/Modules")).unwrap_or_default();
            return Err(Diag::new(
                Some(file),
                format!("`cpython_sources = \"{module_dir}\"`: the kit has no `{path}`"),
            )
            .code("link::kit-sources")
            .help(format!("name a module the kit carries: Modules/{}", carried.join(", Modules/"))));
        }
        return Ok(vec![(path, name.to_string())]);
    }
    let src_dir = format!("{kit_dir}/{sources}/{module_dir}");
    let mut c_files: Vec<String> = Disk
        .list(&src_dir)
        .map_err(|e| {
            let carried = Disk.list(&format!("{kit_dir}/{sources}/Modules")).unwrap_or_default();
            Diag::new(Some(file), format!("`cpython_sources = \"{module_dir}\"`: the kit has no `{src_dir}`: {e}"))
                .code("link::kit-sources")
                .help(format!("name a module directory the kit carries: Modules/{}", carried.join(", Modules/")))
        })?
        .into_iter()
        .filter(|n| n.ends_with(".c"))
        .collect();
    c_files.sort();
    Ok(c_files.into_iter().map(|f| (format!("{src_dir}/{f}"), f)).collect())
}

/// Copies the forge's `Lib/` overlays into `out`'s `lib/`, replacing the old tree.
fn write_overlays(plan: &ForgePlan, out: &BuildDir, log: &mut Vec<String>) -> Result<(), Diag> {
    let lib = out.file(BuildDir::OVERLAYS);
    let tmp = out.file(BuildDir::OVERLAYS_TMP);
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
        let out = config_c(TEMPLATE, &["_fixture".to_string()], false).unwrap();
        assert!(out.contains("extern PyObject* PyInit__fixture(void);\n"));
        assert!(out.contains("{\"_fixture\", PyInit__fixture},"));
        assert!(out.contains("{\"math\", PyInit_math}"));
        assert!(!out.contains("_testcapi"));
    }

    #[test]
    fn test_modules_stay_when_asked() {
        let out = config_c(TEMPLATE, &[], true).unwrap();
        assert!(out.contains("extern PyObject* PyInit__testcapi(void);\n"));
        assert!(out.contains("{\"_testcapi\", PyInit__testcapi},"));
    }

    #[test]
    fn inittab_needs_markers() {
        assert!(config_c("int x;\n", &[], false).is_err());
    }
}
