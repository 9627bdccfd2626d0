//! Loading an extension's WIT world (`wit/*.wit` plus `wit/deps/`) from a [`Source`], with
//! parse and resolve errors turned into diagnostics that point at the WIT file.

use std::collections::BTreeMap;

use wit_parser::{PackageId, Resolve, SourceMap, Span, UnresolvedPackageGroup, WorldId, WorldItem, WorldKey};

use crate::diag::{Diag, SourceFile};
use crate::source::{self, Entry, Source};

/// An interface a world imports, with its package version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Import {
    /// `ns:pkg/iface`.
    pub interface: String,
    /// The package version, when the package has one.
    pub version: Option<semver::Version>,
}

impl Import {
    /// `ns:pkg/iface@version`.
    pub fn id(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{v}", self.interface),
            None => self.interface.clone(),
        }
    }
}

/// WIT text as handed to wit-parser: every `/**/` (an empty block comment) becomes four spaces.
///
/// Works around a wit-parser 0.258 bug: it takes `/**/` for a doc comment and then panics
/// (`Resolver::docs` unwraps `strip_suffix("*/")` of the `/` left after `/**`) — found by the
/// `check_wit` fuzz target. An empty comment is whitespace either way, and the text keeps its
/// length, so every span still points at the original text.
pub fn for_wit_parser(text: &str) -> String {
    text.replace("/**/", "    ")
}

/// The texts of the WIT files read, for pointing into them.
type Texts = BTreeMap<String, SourceFile>;

fn read_wit_files(src: &dyn Source, dir: &str, texts: &mut Texts) -> Result<SourceMap, Diag> {
    let mut map = SourceMap::new();
    let names = src
        .list(dir)
        .map_err(|e| Diag::new(Some(dir), format!("failed to list WIT directory: {e}")).code("wit::io"))?;
    for name in names.iter().filter(|n| n.ends_with(".wit")) {
        let path = source::join(dir, name);
        let bytes = src
            .read(&path)
            .map_err(|e| Diag::new(Some(&path), format!("failed to read WIT file: {e}")).code("wit::io"))?;
        let text =
            String::from_utf8(bytes).map_err(|_| Diag::new(Some(&path), "WIT file is not UTF-8").code("wit::utf8"))?;
        map.push_str(&path, for_wit_parser(&text));
        texts.insert(path.clone(), SourceFile::new(path, text));
    }
    Ok(map)
}

fn parse(map: SourceMap, texts: &Texts, dir: &str) -> Result<UnresolvedPackageGroup, Diag> {
    map.parse().map_err(|(map, e)| {
        let message = e.kind().to_string();
        span_diag(&map, texts, e.kind().span(), "malformed WIT", &message, dir)
    })
}

/// A diagnostic at a wit-parser span.
fn span_diag(map: &SourceMap, texts: &Texts, span: Span, what: &str, message: &str, dir: &str) -> Diag {
    let (first, rest) = message.split_once('\n').unwrap_or((message, ""));
    let diag = match map.resolve_span(span).and_then(|loc| Some((texts.get(loc.path)?, loc.range))) {
        Some((src, range)) => {
            Diag::at(src, range.start..range.end.max(range.start + 1), format!("{what}: {first}"), "here")
                .code("wit::invalid")
        }
        None => Diag::new(Some(dir), format!("{what}: {first}")).code("wit::invalid"),
    };
    let diag = diag.help("fix the WIT at this position");
    if rest.is_empty() { diag } else { diag.detail(rest.to_string()) }
}

/// The code of the diagnostic [`load`] gives when it cannot pick the world (its help speaks of
/// an extension's package; an app's build says what fits it).
pub const WORLD_CODE: &str = "wit::world";

/// Loads the WIT package in `dir` (and its `deps/`) and selects `world` (or the only world).
pub fn load(src: &dyn Source, dir: &str, world: Option<&str>) -> Result<(Resolve, WorldId), Diag> {
    let mut texts = Texts::new();
    // A single `.wit` file (componentize-py's `-d sandbox.wit`) is a package of its own.
    let main_map = if dir.ends_with(".wit") && src.entry(dir) == Entry::File {
        let bytes =
            src.read(dir).map_err(|e| Diag::new(Some(dir), format!("failed to read WIT file: {e}")).code("wit::io"))?;
        let text =
            String::from_utf8(bytes).map_err(|_| Diag::new(Some(dir), "WIT file is not UTF-8").code("wit::utf8"))?;
        let mut map = SourceMap::new();
        map.push_str(dir, for_wit_parser(&text));
        texts.insert(dir.to_string(), SourceFile::new(dir.to_string(), text));
        map
    } else {
        read_wit_files(src, dir, &mut texts)?
    };
    if texts.is_empty() {
        return Err(Diag::new(Some(dir), "WIT directory has no `.wit` files")
            .code("wit::empty")
            .help("add a `world.wit` declaring the extension's world"));
    }
    let main = parse(main_map, &texts, dir)?;

    let mut deps = Vec::new();
    let deps_dir = source::join(dir, "deps");
    if src.entry(&deps_dir) == Entry::Dir {
        let names = src
            .list(&deps_dir)
            .map_err(|e| Diag::new(Some(&deps_dir), format!("failed to list WIT dependencies: {e}")).code("wit::io"))?;
        for name in names {
            let path = source::join(&deps_dir, &name);
            let entry = match src.entry(&path) {
                // A symlinked dependency (e.g. `deps/foo -> ../../foo/wit`) is read through.
                Entry::Symlink(_) if src.list(&path).is_ok() => Entry::Dir,
                Entry::Symlink(_) => Entry::File,
                other => other,
            };
            let map = match entry {
                Entry::Dir => read_wit_files(src, &path, &mut texts)?,
                Entry::File if name.ends_with(".wit") => {
                    let mut map = SourceMap::new();
                    let bytes = src
                        .read(&path)
                        .map_err(|e| Diag::new(Some(&path), format!("failed to read WIT file: {e}")).code("wit::io"))?;
                    let text = String::from_utf8(bytes)
                        .map_err(|_| Diag::new(Some(&path), "WIT file is not UTF-8").code("wit::utf8"))?;
                    map.push_str(&path, for_wit_parser(&text));
                    texts.insert(path.clone(), SourceFile::new(path.clone(), text));
                    map
                }
                _ => continue,
            };
            deps.push(parse(map, &texts, &path)?);
        }
    }

    let mut resolve = Resolve::new();
    let pkg: PackageId = resolve.push_groups(main, deps).map_err(|e| {
        let message = e.kind().to_string();
        span_diag(&resolve.source_map, &texts, e.kind().span(), "invalid WIT", &message, dir)
    })?;
    let world = resolve.select_world(&[pkg], world).map_err(|e| {
        Diag::new(Some(dir), format!("cannot pick the world: {e:#}"))
            .help("keep exactly one world in the extension's WIT package")
            .code(WORLD_CODE)
    })?;
    Ok((resolve, world))
}

/// The interfaces `world` imports, sorted; bare function or type imports are errors.
pub fn imports(resolve: &Resolve, world: WorldId) -> Result<Vec<Import>, String> {
    let mut out = Vec::new();
    for (key, item) in &resolve.worlds[world].imports {
        match (key, item) {
            (WorldKey::Interface(id), WorldItem::Interface { .. }) => {
                let iface = &resolve.interfaces[*id];
                let (Some(pkg), Some(name)) = (iface.package, &iface.name) else {
                    continue;
                };
                let pkg = &resolve.packages[pkg].name;
                out.push(Import {
                    interface: format!("{}:{}/{name}", pkg.namespace, pkg.name),
                    version: pkg.version.clone(),
                });
            }
            (WorldKey::Name(name), WorldItem::Interface { .. }) => {
                return Err(format!("the world imports an inline interface `{name}`; caps provide named interfaces"));
            }
            (WorldKey::Name(name), WorldItem::Function(_)) => {
                return Err(format!(
                    "the world imports a bare function `{name}`; caps provide interfaces, not functions"
                ));
            }
            (_, WorldItem::Type { .. }) => {}
            (WorldKey::Interface(_), _) => {}
        }
    }
    out.sort();
    Ok(out)
}

/// The world's exports, by name (an extension world must not export anything).
pub fn exports(resolve: &Resolve, world: WorldId) -> Vec<String> {
    resolve.worlds[world].exports.keys().map(|k| resolve.name_world_key(k)).collect()
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use crate::source::Memory;

    /// A tree whose files under `deps/` cannot be read.
    struct UnreadableDeps(Memory);

    impl Source for UnreadableDeps {
        fn entry(&self, path: &str) -> Entry {
            self.0.entry(path)
        }
        fn read(&self, path: &str) -> io::Result<Vec<u8>> {
            if path.contains("/deps/") {
                return Err(io::Error::new(io::ErrorKind::PermissionDenied, "permission denied"));
            }
            self.0.read(path)
        }
        fn list(&self, dir: &str) -> io::Result<Vec<String>> {
            self.0.list(dir)
        }
    }

    fn tree() -> Memory {
        Memory::new([
            ("wit/world.wit".to_string(), b"package a:b@0.1.0;\nworld w { import c:d/e@0.1.0; }\n".to_vec()),
            ("wit/deps/e.wit".to_string(), b"package c:d@0.1.0;\ninterface e { f: func(); }\n".to_vec()),
        ])
    }

    #[test]
    fn loads_a_world_with_deps() {
        let (resolve, world) = load(&tree(), "wit", None).unwrap();
        assert_eq!(imports(&resolve, world).unwrap()[0].id(), "c:d/e@0.1.0");
    }

    /// A dependency that cannot be read is that error, not an "unknown package" later on.
    #[test]
    fn unreadable_dependency_is_reported() {
        let err = load(&UnreadableDeps(tree()), "wit", None).unwrap_err();
        assert_eq!(err.file.as_deref(), Some("wit/deps/e.wit"));
        assert!(err.message.contains("failed to read WIT file: permission denied"), "{}", err.message);
    }
}
