//! The seams between pyforge's crates and modules, checked from the code itself:
//!
//! * no import circle between the modules of `core/` or of `host/` (a module is a file of
//!   `src/` with its subdirectory; it "imports" another when it names `crate::other`);
//! * the contracts between host and tool are defined once, in `layout/`: no other crate spells
//!   a build directory's file names or defines the contract types;
//! * every diagnostic `core/` and the tool make has a code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};

/// Every `.rs` file under `dir`, recursively, with its text.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The top-level module of a file under `src`: `link` for `src/link.rs` and `src/link/x.rs`.
fn module_of(src: &Path, file: &str) -> String {
    let rel = Path::new(file).strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// The modules a text names through `crate::` (`crate::link::…`, `use crate::{a, b::c}`),
/// outside comments.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end].split(',').map(str::trim).collect()
            } else {
                vec![rest]
            };
            for name in names {
                let name = name.trim_start_matches("r#");
                let end = name.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(name.len());
                if end > 0 {
                    out.insert(name[..end].to_string());
                }
            }
        }
    }
    out
}

/// The module graph of a crate, and a circle in it if there is one.
fn circle(src: &Path) -> Option<Vec<String>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in &files {
        let module = module_of(src, file);
        let deps = graph.entry(module.clone()).or_default();
        deps.extend(imports(text).into_iter().filter(|m| *m != module));
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    // Depth-first search; a module met again on the current path closes a circle.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut found = path[at..].to_vec();
            found.push(m.to_string());
            return Some(found);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for d in &graph[m] {
            if let Some(c) = visit(d, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|m| visit(m, &graph, &mut Vec::new(), &mut done))
}

fn no_circle(krate: &'static str) -> Trial {
    Trial::test(format!("no_import_circle_in_{krate}"), move || {
        let src = pyforge_tests::root().join(krate).join("src");
        match circle(&src) {
            None => Ok(()),
            Some(c) => Err(Failed::from(format!("`{krate}/src` has an import circle: {}", c.join(" -> ")))),
        }
    })
}

/// The build directory's file names, and the contract types: spelled only in `layout/`.
fn contracts_once() -> Trial {
    Trial::test("contracts_are_defined_once_in_layout", || {
        const SPELLED_ONCE: &[&str] = &[
            "\"python.wasm\"",
            "\"python.lock\"",
            "\"python.stdlib\"",
            "\"python.init.json\"",
            "\"python.snapshot.wasm\"",
            "\"python.composed.wasm\"",
            "/python.wasm\"",
            "/python.composed.wasm\"",
            "\"kit.json\"",
            "\".run-stamp\"",
            "\".snapshot.key\"",
            "\".composed.key\"",
            "\"target/pyforge/",
            "struct KitInfo",
            "struct InitSpec",
            "struct Lock ",
            "fn write_atomic",
            "fn hex(",
            "fn stamp(",
            "\"_PyImport_InitExternal\"",
        ];
        let mut found = Vec::new();
        for krate in ["core", "host", "args", "tool-component"] {
            let mut files = Vec::new();
            sources(&pyforge_tests::root().join(krate).join("src"), &mut files);
            for (file, text) in files {
                // Unit tests may spell paths as data.
                let text = text.split("#[cfg(test)]").next().unwrap_or_default();
                for needle in SPELLED_ONCE {
                    for (n, line) in text.lines().enumerate() {
                        let code = line.split("//").next().unwrap_or("");
                        if code.contains(needle) {
                            found.push(format!("{file}:{}: `{needle}`", n + 1));
                        }
                    }
                }
            }
        }
        if found.is_empty() {
            Ok(())
        } else {
            Err(Failed::from(format!("defined in layout/, spelled again here:\n{}", found.join("\n"))))
        }
    })
}

/// The check itself finds a circle (two modules naming each other, one through a `use` group).
fn finds_a_circle() -> Trial {
    Trial::test("a_circle_is_found", || {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        std::fs::create_dir(dir.path().join("b")).map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("a.rs"), "use crate::{diag::Diag, b};\n").map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("b.rs"), "mod inner;\n").map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("b/inner.rs"), "// crate::c in a comment\nfn f() { crate::a::g() }\n")
            .map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("c.rs"), "use crate::a;\n").map_err(|e| e.to_string())?;
        match circle(dir.path()) {
            Some(c) if c == ["a", "b", "a"] => Ok(()),
            other => Err(Failed::from(format!("expected the circle a -> b -> a, found {other:?}"))),
        }
    })
}

/// Skips the balanced parentheses of a call whose `(` is just before `i`; returns the index
/// after its `)`. String and char literals are stepped over.
fn skip_call(b: &[u8], mut i: usize) -> usize {
    let mut depth = 1;
    while depth > 0 && i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\\') && b.get(i + 3) == Some(&b'\'') => i += 3,
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// Each `Diag::new(…)`/`Diag::at(…)` in `text` (outside its tests) whose method chain sets no
/// `.code(…)`: their line numbers.
fn diagnostics_without_code(text: &str) -> Vec<usize> {
    let body = text.split("#[cfg(test)]").next().unwrap_or_default();
    let b = body.as_bytes();
    let mut missing = Vec::new();
    for start in ["Diag::new(", "Diag::at("].iter().flat_map(|p| body.match_indices(p).map(|(i, m)| i + m.len())) {
        let mut i = skip_call(b, start);
        let mut coded = false;
        loop {
            let rest = &body[i..];
            let trimmed = rest.trim_start();
            let Some(after_dot) = trimmed.strip_prefix('.') else { break };
            let name_len = after_dot.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(0);
            if name_len == 0 || !after_dot[name_len..].starts_with('(') {
                break;
            }
            coded |= &after_dot[..name_len] == "code";
            i = skip_call(b, i + (rest.len() - trimmed.len()) + 1 + name_len + 1);
        }
        if !coded {
            missing.push(body[..start].lines().count());
        }
    }
    missing.sort();
    missing
}

/// Every diagnostic the pipeline makes has a code (`area::kind`): tools that act on
/// diagnostics (the WIT `diagnostic.code`) never see the catch-all.
fn every_diagnostic_has_a_code() -> Trial {
    Trial::test("every_diagnostic_has_a_code", || {
        let planted = "fn f() { let a = Diag::new(None, format!(\"(\")).help(\"x\");\n let b = Diag::at(s, 0..1, \"m\", \"l\").help(g(')')).code(\"c::d\"); }";
        if diagnostics_without_code(planted) != [1] {
            return Err(Failed::from(format!("the scan is wrong: {:?}", diagnostics_without_code(planted))));
        }
        let mut found = Vec::new();
        for krate in ["core", "tool-component"] {
            let mut files = Vec::new();
            sources(&pyforge_tests::root().join(krate).join("src"), &mut files);
            // `diag.rs` defines the constructors (and `note`, whose callers set the code).
            for (file, text) in files.iter().filter(|(f, _)| !f.ends_with("/diag.rs")) {
                found.extend(diagnostics_without_code(text).into_iter().map(|line| format!("{file}:{line}")));
            }
        }
        if found.is_empty() {
            Ok(())
        } else {
            Err(Failed::from(format!(
                "diagnostics without a code (add `.code(\"area::kind\")`):\n{}",
                found.join("\n")
            )))
        }
    })
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        finds_a_circle(),
        no_circle("core"),
        no_circle("host"),
        no_circle("layout"),
        contracts_once(),
        every_diagnostic_has_a_code(),
    ];
    libtest_mimic::run(&args, trials).exit();
}
