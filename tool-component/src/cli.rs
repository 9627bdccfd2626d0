//! The command line of the tool component (`wasi:cli/run`). The native `pyforge` host runs
//! these same commands through this entry point, so both print exactly the same thing.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::diag::Diag;
use crate::{check, compose, r#gen};

/// pyforge: build CPython into WebAssembly components whose native modules come from
/// swappable capability components.
#[derive(Debug, Parser)]
#[command(name = "pyforge", version, disable_help_subcommand = true, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "Examples:
  pyforge check                          check every cpython-ext/*/pyforge-pkg.toml
  pyforge check cpython-ext/_zlib_cap    check one extension
  pyforge gen cpython-ext/_zlib_cap      regenerate its C bindings in gen/
  pyforge compose python.wasm --plug caps/zlib.wasm -o python.composed.wasm";

#[derive(Debug, Subcommand)]
enum Command {
    /// Check extension manifests against their files, WIT worlds, each other and the forges.
    ///
    /// Each PATH is an extension directory, its `pyforge-pkg.toml`, or a directory of
    /// extension directories. With no PATH, every `cpython-ext/*/pyforge-pkg.toml` is checked.
    /// Exits 1 when any problem is found.
    Check {
        /// Extension directories, manifests or directories of extensions.
        paths: Vec<String>,
    },
    /// Regenerate an extension's C bindings (`gen/`) from its WIT world with wit-bindgen-c.
    Gen {
        /// The extension directory (or its manifest).
        capdir: String,
    },
    /// Plug cap components into a component's imports; every non-WASI import must be satisfied.
    Compose {
        /// The component whose imports get plugged (e.g. python.wasm).
        socket: PathBuf,
        /// A component whose exports satisfy imports of the socket.
        #[arg(long = "plug", short = 'p', value_name = "CAP.wasm")]
        plugs: Vec<PathBuf>,
        /// Answer this interface (`ns:pkg/iface[@version]`) with a generated stub.
        #[arg(long = "stub", value_name = "INTERFACE")]
        stubs: Vec<String>,
        /// The message stubs return where a function can return an error string.
        #[arg(long, hide = true)]
        stub_message: Option<String>,
        /// Where to write the composed component.
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
    /// Show how a composition would be wired: which component satisfies which import (also
    /// the plugs' own imports), which imports stay WASI, what is missing.
    ///
    /// With no SOCKET, the forge's built python.wasm and the caps and stubs `pyforge.toml`
    /// names for it.
    Plan {
        /// The component whose imports get plugged [default: the forge's python.wasm].
        socket: Option<PathBuf>,
        /// A component whose exports satisfy imports (repeatable).
        #[arg(long = "plug", short = 'p', value_name = "CAP.wasm")]
        plugs: Vec<PathBuf>,
        /// An interface to answer with a generated stub (repeatable).
        #[arg(long = "stub", value_name = "INTERFACE")]
        stubs: Vec<String>,
        /// The forge whose composition to show (without SOCKET).
        #[arg(long, default_value = "default", conflicts_with = "socket")]
        forge: String,
        /// Print JSON (for tools) instead of a tree.
        #[arg(long)]
        json: bool,
    },
    /// Build a forge: check, plan, compile its extensions and relink `python.wasm` against a
    /// CPython kit (with the host's `clang`). Writes `<out-dir>/python.wasm`, `python.lock`
    /// (every input and its hash) and `lib/` (the forge's stdlib overlays); when the forge
    /// names caps or stubs, also composes `python.composed.wasm`.
    Build {
        /// The CPython kit directory (made by `pyforge kit build`).
        #[arg(long, value_name = "DIR")]
        kit: String,
        /// The forge to build.
        #[arg(long, default_value = "default")]
        forge: String,
        /// Where to write the outputs [default: target/pyforge/<forge>].
        #[arg(long, value_name = "DIR")]
        out_dir: Option<String>,
        /// Print only problems (for `pyforge run`).
        #[arg(long)]
        quiet: bool,
    },
    /// Run the host's C compiler (the `clang` import) with ARGS; prints its output.
    Cc {
        /// Arguments for clang.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn print_diags(diags: &[Diag]) {
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = writeln!(err, "{}", d.render());
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Runs the CLI; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Check { paths } => {
            let report = check::check(&crate::source::Disk, &paths);
            let mut out = std::io::stdout().lock();
            for e in &report.extensions {
                let provides = if e.provides.is_empty() { "nothing".to_string() } else { e.provides.join(", ") };
                let imports = if e.imports.is_empty() { "nothing".to_string() } else { e.imports.join(", ") };
                let _ = writeln!(out, "ok: {} ({}): provides {provides}; imports {imports}", e.manifest, e.name);
            }
            drop(out);
            print_diags(&report.diagnostics);
            let n = report.diagnostics.len();
            if n == 0 {
                println!("checked {}: no problems", plural(report.extensions.len(), "extension", "extensions"));
                0
            } else {
                eprintln!("error: check found {}", plural(n, "problem", "problems"));
                1
            }
        }
        Command::Gen { capdir } => match r#gen::gen_dir(&capdir) {
            Ok(files) => {
                for f in files {
                    println!("wrote {f}");
                }
                0
            }
            Err(d) => {
                print_diags(&d);
                1
            }
        },
        Command::Build { kit, forge, out_dir, quiet } => {
            let plan = match crate::plan::plan(&crate::source::Disk, &forge) {
                Ok(p) => p,
                Err(d) => {
                    print_diags(&d);
                    eprintln!("error: forge `{forge}` was not built: {}", plural(d.len(), "problem", "problems"));
                    return 1;
                }
            };
            let out_dir = out_dir.unwrap_or_else(|| format!("target/pyforge/{forge}"));
            let modules: Vec<&str> = plan.extensions.iter().map(|e| e.module.as_str()).collect();
            let say = |line: String| {
                if !quiet {
                    println!("{line}");
                }
            };
            say(format!(
                "forge `{forge}`: {} ({})",
                plural(modules.len(), "extension", "extensions"),
                if modules.is_empty() { "none".to_string() } else { modules.join(", ") }
            ));
            for e in &plan.extensions {
                if !e.imports.is_empty() {
                    say(format!("  {} imports {}", e.module, e.imports.join(", ")));
                }
            }
            match crate::link::link(&plan, &kit, &out_dir) {
                Ok(linked) => {
                    for line in &linked.log {
                        say(format!("  {line}"));
                    }
                    if linked.rebuilt {
                        say(format!("built {} ({} bytes)", linked.output, linked.size));
                    } else {
                        say(format!("{} is up to date", linked.output));
                    }
                    match compose::compose_forge(&plan, &linked.output, &out_dir) {
                        Ok(None) => 0,
                        Ok(Some(c)) => {
                            for note in &c.notes {
                                eprintln!("note: {note}");
                            }
                            let caps: Vec<&str> = plan.caps.iter().map(|(_, p)| p.value.as_str()).collect();
                            let (before, after) = if c.rebuilt { ("composed ", "") } else { ("", " is up to date") };
                            say(format!(
                                "{before}{}{after} ({} bytes; caps: {}; stubs: {})",
                                c.output,
                                c.size,
                                if caps.is_empty() { "none".to_string() } else { caps.join(", ") },
                                if plan.stubs.is_empty() { "none".to_string() } else { plan.stubs.join(", ") }
                            ));
                            0
                        }
                        Err(d) => {
                            print_diags(&d);
                            eprintln!("error: forge `{forge}` was built but not composed");
                            1
                        }
                    }
                }
                Err(d) => {
                    print_diags(&d);
                    eprintln!("error: forge `{forge}` was not built");
                    1
                }
            }
        }
        Command::Plan { socket, plugs, stubs, forge, json } => {
            let (socket, plugs, stubs) = match socket {
                Some(s) => (s, plugs, stubs),
                None => match forge_composition(&forge) {
                    Ok((s, mut p, mut st)) => {
                        p.extend(plugs);
                        st.extend(stubs);
                        (s, p, st)
                    }
                    Err(d) => {
                        print_diags(&d);
                        return 1;
                    }
                },
            };
            let inputs = match read_components(std::iter::once(&socket).chain(&plugs)) {
                Ok(i) => i,
                Err(d) => {
                    print_diags(&[d]);
                    return 1;
                }
            };
            match compose::plan(&inputs[0], &inputs[1..], &stubs) {
                Ok(w) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&w).unwrap_or_default());
                    } else {
                        print!("{}", render_plan(&w));
                    }
                    i32::from(!w.missing.is_empty() || !w.unused.is_empty())
                }
                Err(d) => {
                    print_diags(&d);
                    1
                }
            }
        }
        Command::Cc { args } => match crate::bindings::pyforge::toolchain::clang::run(&args) {
            Ok(done) => {
                let _ = std::io::stdout().write_all(&done.stdout);
                let _ = std::io::stderr().write_all(&done.stderr);
                if done.status != 0 {
                    eprintln!("error: clang exited with status {}", done.status);
                }
                done.status.clamp(0, 255)
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        },
        Command::Compose { socket, plugs, stubs, stub_message, output } => {
            let inputs = match read_components(std::iter::once(&socket).chain(&plugs)) {
                Ok(i) => i,
                Err(d) => {
                    print_diags(&[d]);
                    return 1;
                }
            };
            let composed =
                compose::compose_full(&inputs[0], &inputs[1..], &stubs, stub_message.as_deref(), &Default::default());
            match composed {
                Ok((bytes, wiring)) => match crate::source::write_atomic(&output, &bytes) {
                    Ok(()) => {
                        for note in &wiring.notes {
                            eprintln!("note: {note}");
                        }
                        println!("wrote {} ({} bytes)", output.display(), bytes.len());
                        0
                    }
                    Err(e) => {
                        print_diags(&[Diag::new(Some(&output.display().to_string()), format!("failed to write: {e}"))]);
                        1
                    }
                },
                Err(d) => {
                    print_diags(&d);
                    eprintln!("error: composition failed with {}", plural(d.len(), "problem", "problems"));
                    1
                }
            }
        }
    }
}

/// Reads components from paths.
fn read_components<'a>(paths: impl Iterator<Item = &'a PathBuf>) -> Result<Vec<compose::Input>, Diag> {
    paths
        .map(|p| {
            let name = p.display().to_string();
            std::fs::read(p)
                .map(|bytes| compose::Input { name: name.clone(), bytes })
                .map_err(|e| Diag::new(Some(&name), format!("failed to read component: {e}")))
        })
        .collect()
}

/// The socket, plugs and stubs of a forge's composition.
fn forge_composition(forge: &str) -> Result<(PathBuf, Vec<PathBuf>, Vec<String>), Vec<Diag>> {
    let plan = crate::plan::plan(&crate::source::Disk, forge)?;
    let socket = PathBuf::from(format!("target/pyforge/{forge}/python.wasm"));
    if !socket.is_file() {
        return Err(vec![
            Diag::new(Some(&socket.display().to_string()), format!("forge `{forge}` is not built yet"))
                .help(format!("run `pyforge build --forge {forge}` first")),
        ]);
    }
    Ok((socket, plan.caps.iter().map(|(_, p)| PathBuf::from(&p.value)).collect(), plan.stubs))
}

/// The wiring as a tree: each import of the socket and what provides it, the providers' own
/// imports below them, then WASI, missing and unused parts.
fn render_plan(w: &compose::Wiring) -> String {
    fn node(w: &compose::Wiring, consumer: &str, prefix: &str, seen: &mut Vec<String>, out: &mut String) {
        let links: Vec<&compose::Link> = w.links.iter().filter(|l| l.consumer == consumer).collect();
        let wasi: Vec<&str> = w.wasi.iter().filter(|u| u.consumer == consumer).map(|u| u.import.as_str()).collect();
        let missing: Vec<&str> =
            w.missing.iter().filter(|u| u.consumer == consumer).map(|u| u.import.as_str()).collect();
        let mut rows: Vec<(String, Option<String>)> = Vec::new();
        for l in &links {
            let via = if l.export == l.import { String::new() } else { format!(" (exports `{}`)", l.export) };
            rows.push((format!("{} ← {}{via}", l.import, l.provider), Some(l.provider.clone())));
        }
        for m in &missing {
            rows.push((format!("{m} ← MISSING"), None));
        }
        if !wasi.is_empty() {
            let shown: Vec<&str> = wasi.iter().take(4).copied().collect();
            let more = if wasi.len() > 4 { format!(", … {} more", wasi.len() - 4) } else { String::new() };
            rows.push((format!("WASI, left to the host: {}{more}", shown.join(", ")), None));
        }
        for (i, (text, child)) in rows.iter().enumerate() {
            let last = i + 1 == rows.len();
            out.push_str(&format!("{prefix}{}{text}\n", if last { "└─ " } else { "├─ " }));
            if let Some(child) = child
                && !seen.contains(child)
            {
                seen.push(child.clone());
                let next = format!("{prefix}{}", if last { "   " } else { "│  " });
                node(w, child, &next, seen, out);
            }
        }
    }
    let mut out = format!("{}\n", w.socket);
    node(w, &w.socket, "", &mut Vec::new(), &mut out);
    for u in &w.unused {
        out.push_str(&format!("unused plug: {u} (provides nothing this composition imports)\n"));
    }
    for n in &w.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&format!(
        "{} satisfied by plugs, {} WASI, {} missing\n",
        plural(w.links.len(), "import", "imports"),
        w.wasi.len(),
        w.missing.len()
    ));
    out
}
