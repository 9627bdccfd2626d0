//! The build directory of a forge (`target/pyforge/<forge>/`) or an application
//! (`target/pyforge/app-<name>/`), and every file name in it: the tool's link and compose steps
//! write it, the host's snapshot, run and freshness checks read it.

/// Where builds go, under the project root.
pub const BUILDS: &str = "target/pyforge";

/// A forge's or an app's build directory, as a `/`-separated path relative to the project root
/// (the tool sees the project as its current directory; the host runs there too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildDir {
    root: String,
}

impl BuildDir {
    /// The relinked interpreter: a component importing WASI and the caps' interfaces.
    pub const PYTHON_WASM: &'static str = "python.wasm";
    /// Every input of the link and its hash ([`crate::Lock`]).
    pub const LOCK: &'static str = "python.lock";
    /// The embedded stdlib (and an app's files), for a self-contained build.
    pub const STDLIB: &'static str = "python.stdlib";
    /// What pre-initialization needs ([`crate::InitSpec`]), for a self-contained build.
    pub const INIT: &'static str = "python.init.json";
    /// The pre-initialized interpreter (the host's wasmtime-wizer snapshot).
    pub const SNAPSHOT: &'static str = "python.snapshot.wasm";
    /// The interpreter composed with its caps and stubs.
    pub const COMPOSED: &'static str = "python.composed.wasm";
    /// The stdlib overlays the extensions provide (a directory).
    pub const OVERLAYS: &'static str = "lib";
    /// Compiled objects, named by their inputs (a directory).
    pub const OBJECTS: &'static str = "obj";
    /// `python.wasm`'s size and time as the link left it.
    pub const LINK_STAMP: &'static str = ".python.wasm.stamp";
    /// The link's output before it is moved into place.
    pub const LINK_TMP: &'static str = ".python.wasm.tmp";
    /// The compressed stdlib and overlays, made once per link.
    pub const STDLIB_BASE: &'static str = ".python.stdlib.base";
    /// The [`crate::Fingerprint`] record of `python.stdlib`.
    pub const STDLIB_KEY: &'static str = ".python.stdlib.key";
    /// The [`crate::Fingerprint`] record of the snapshot.
    pub const SNAPSHOT_KEY: &'static str = ".snapshot.key";
    /// The [`crate::Fingerprint`] record of the composition.
    pub const COMPOSED_KEY: &'static str = ".composed.key";
    /// `pyforge run`'s record of everything the last build read and wrote.
    pub const RUN_STAMP: &'static str = ".run-stamp";
    /// The overlay tree before it replaces [`BuildDir::OVERLAYS`].
    pub const OVERLAYS_TMP: &'static str = ".lib.tmp";

    /// The outputs a build leaves, in the order they are made.
    pub const OUTPUTS: &'static [&'static str] =
        &[Self::PYTHON_WASM, Self::LOCK, Self::STDLIB, Self::INIT, Self::SNAPSHOT, Self::COMPOSED];

    /// The build directory of forge `name`.
    pub fn forge(name: &str) -> BuildDir {
        BuildDir { root: format!("{BUILDS}/{name}") }
    }

    /// The build directory of application `name` (`pyforge componentize`: the app's module;
    /// `[app.NAME]`: its name).
    pub fn app(name: &str) -> BuildDir {
        BuildDir { root: format!("{BUILDS}/app-{name}") }
    }

    /// The directory itself.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// `name` in this directory.
    pub fn file(&self, name: &str) -> String {
        format!("{}/{name}", self.root)
    }

    /// The lock file that serializes builds of this directory (`<dir>.lock`, beside it).
    pub fn lock_file(&self) -> String {
        format!("{}.lock", self.root)
    }

    /// The component to run or ship: the composition when there is one, else the snapshot,
    /// else `python.wasm` (the mounted shape, without caps).
    pub fn shippable(&self) -> String {
        [Self::COMPOSED, Self::SNAPSHOT]
            .into_iter()
            .map(|name| self.file(name))
            .find(|path| std::path::Path::new(path).is_file())
            .unwrap_or_else(|| self.file(Self::PYTHON_WASM))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(BuildDir::forge("default").file(BuildDir::PYTHON_WASM), "target/pyforge/default/python.wasm");
        assert_eq!(BuildDir::app("hello").root(), "target/pyforge/app-hello");
        assert_eq!(BuildDir::app("hello").lock_file(), "target/pyforge/app-hello.lock");
    }

    #[test]
    fn shippable_prefers_the_composition_then_the_snapshot() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = BuildDir { root: tmp.path().display().to_string() };
        assert!(dir.shippable().ends_with("/python.wasm"));
        std::fs::write(dir.file(BuildDir::SNAPSHOT), "s").unwrap();
        assert!(dir.shippable().ends_with("/python.snapshot.wasm"));
        std::fs::write(dir.file(BuildDir::COMPOSED), "c").unwrap();
        assert!(dir.shippable().ends_with("/python.composed.wasm"));
    }
}
