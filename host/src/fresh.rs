//! `pyforge run`'s cheap up-to-date check: after a build, `.run-stamp` in the forge's build
//! directory records the size and modification time of everything the build read and wrote —
//! the project's directories (a new file or package changes its directory's time), the
//! project file, every input `python.lock` lists, the caps the composition read, the kit's
//! `kit.json` and every output — with the options that chose the kit and the compiler. When all of them are as
//! recorded, `pyforge run` starts Python straight away (a few hundred `stat` calls) instead of
//! asking the tool to plan and check the forge (tens of milliseconds).

use std::path::{Path, PathBuf};

use pyforge_layout::{BuildDir, Fingerprint, Lock};

use crate::kit::Kit;

/// The files whose stamps make up the record, for the forge built in `dir` against `kit`.
fn watched(dir: &BuildDir, kit: &Kit) -> Vec<PathBuf> {
    let mut paths = vec![PathBuf::from(".")];
    project_dirs(Path::new("."), &mut paths);
    paths.push(PathBuf::from("pyforge.toml"));
    paths.push(kit.dir.join(pyforge_layout::kit::KIT_JSON));
    // What the link read (`python.lock`) and what the composition read (the caps).
    if let Ok(text) = std::fs::read_to_string(dir.file(BuildDir::LOCK))
        && let Ok(lock) = Lock::from_toml(&text)
    {
        paths.extend(lock.input.into_iter().map(|i| PathBuf::from(i.path)));
    }
    paths.extend(Fingerprint::recorded_inputs(dir.file(BuildDir::COMPOSED_KEY)).into_iter().map(PathBuf::from));
    paths.extend(BuildDir::OUTPUTS.iter().map(|out| PathBuf::from(dir.file(out))));
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

fn record(dir: &BuildDir, kit: &Kit, options: &str) -> String {
    let mut text = format!("{options}\nkit {}\n", kit.dir.display());
    for path in watched(dir, kit) {
        let stamp = pyforge_layout::stamp(&path);
        text.push_str(&format!("{} {}\n", stamp.as_deref().unwrap_or("-"), path.display()));
    }
    text
}

/// Records the build of the forge in `dir` (best effort: without it the next run checks fully).
pub fn remember(dir: &BuildDir, kit: &Kit, options: &str) {
    let _ = pyforge_layout::write_atomic(dir.file(BuildDir::RUN_STAMP), record(dir, kit, options).as_bytes());
}

/// The kit of the last build when nothing changed since it; `None` means build first.
pub fn unchanged(dir: &BuildDir, options: &str) -> Option<Kit> {
    let text = std::fs::read_to_string(dir.file(BuildDir::RUN_STAMP)).ok()?;
    let kit_dir = text.lines().nth(1)?.strip_prefix("kit ")?;
    let kit = Kit::open(Path::new(kit_dir)).ok()?;
    (record(dir, &kit, options) == text).then_some(kit)
}
