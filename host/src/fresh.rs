//! `pyforge run`'s cheap up-to-date check: after a build, `.run-stamp` in the forge's build
//! directory records the size and modification time of everything the build read and wrote —
//! the project's directories (a new file or package changes its directory's time), the
//! project file, every input `python.lock` lists, the caps, the kit's `kit.json` and every
//! output — with the options that chose the kit and the compiler. When all of them are as
//! recorded, `pyforge run` starts Python straight away (a few hundred `stat` calls) instead of
//! asking the tool to plan and check the forge (tens of milliseconds).

use std::path::{Path, PathBuf};

use crate::kit::Kit;

const STAMP: &str = ".run-stamp";

/// The files whose stamps make up the record, for the forge built in `dir` against `kit`.
fn watched(dir: &Path, kit: &Kit) -> Vec<PathBuf> {
    let mut paths = vec![PathBuf::from(".")];
    project_dirs(Path::new("."), &mut paths);
    paths.push(PathBuf::from("pyforge.toml"));
    paths.push(kit.dir.join("kit.json"));
    if let Ok(lock) = std::fs::read_to_string(dir.join("python.lock"))
        && let Ok(lock) = toml::from_str::<toml::Value>(&lock)
    {
        let inputs = lock.get("input").and_then(|i| i.as_array()).cloned().unwrap_or_default();
        paths.extend(inputs.iter().filter_map(|i| i.get("path")?.as_str()).map(PathBuf::from));
    }
    if let Ok(project) = std::fs::read_to_string("pyforge.toml")
        && let Ok(project) = toml::from_str::<toml::Value>(&project)
        && let Some(forges) = project.get("forge").and_then(|f| f.as_table())
    {
        for forge in forges.values() {
            if let Some(caps) = forge.get("caps").and_then(|c| c.as_table()) {
                paths.extend(caps.values().filter_map(|c| c.as_str()).map(PathBuf::from));
            }
        }
    }
    for out in [
        "python.wasm",
        "python.lock",
        "python.stdlib",
        "python.init.json",
        "python.snapshot.wasm",
        "python.composed.wasm",
    ] {
        paths.push(dir.join(out));
    }
    paths
}

/// The project's directories below `dir`, minus build outputs, dependencies and hidden ones.
fn project_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !(name.starts_with('.') || name == "target" || name == "node_modules" || name == "__pycache__")
        })
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for d in dirs {
        out.push(d.clone());
        project_dirs(&d, out);
    }
}

fn record(dir: &Path, kit: &Kit, options: &str) -> String {
    let mut text = format!("{options}\nkit {}\n", kit.dir.display());
    for path in watched(dir, kit) {
        let stamp = std::fs::metadata(&path).ok().and_then(|m| {
            let t = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
            Some(format!("{} {}", m.len(), t.as_nanos()))
        });
        text.push_str(&format!("{} {}\n", stamp.as_deref().unwrap_or("-"), path.display()));
    }
    text
}

/// Records the build of the forge in `dir` (best effort: without it the next run checks fully).
pub fn remember(dir: &Path, kit: &Kit, options: &str) {
    let _ = crate::tool::write_atomic(&dir.join(STAMP), record(dir, kit, options).as_bytes());
}

/// The kit of the last build when nothing changed since it; `None` means build first.
pub fn unchanged(dir: &Path, options: &str) -> Option<Kit> {
    let text = std::fs::read_to_string(dir.join(STAMP)).ok()?;
    let kit_dir = text.lines().nth(1)?.strip_prefix("kit ")?;
    let kit = Kit::open(Path::new(kit_dir)).ok()?;
    (record(dir, &kit, options) == text).then_some(kit)
}
