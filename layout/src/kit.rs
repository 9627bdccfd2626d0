//! `kit.json`: what a CPython kit is, what it was built from and how to link against it.
//! Written by the host's kit build (`pyforge kit build`), read by the host (`Kit::open`) and by
//! the tool's link step.

use serde::{Deserialize, Serialize};

/// The schema string of [`KitInfo`]; a kit whose `kit.json` names another is refused.
pub const KIT_SCHEMA: &str = "pyforge:kit@0.1.0";

/// The kit's description file, at the kit's root.
pub const KIT_JSON: &str = "kit.json";

/// `kit.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KitInfo {
    /// [`KIT_SCHEMA`].
    pub schema: String,
    /// CPython version, e.g. `3.13.5`.
    pub python_version: String,
    /// `3.13`.
    pub python_short: String,
    /// `wasm32-wasip2`.
    pub target: String,
    /// Hash of every input below; also the end of the kit's directory name.
    pub key: String,
    /// What the kit was built from.
    pub inputs: KitInputs,
    /// Compile flags for extension modules (configure's `PY_CFLAGS` and `PY_CFLAGS_NODIST`).
    pub cflags: Vec<String>,
    /// Link flags (configure's `PY_CORE_LDFLAGS` and `LINKFORSHARED`).
    pub ldflags: Vec<String>,
    /// Libraries after the archives (configure's `LIBS`, `MODLIBS`, `SYSLIBS`).
    pub libs: Vec<String>,
    /// Archives to link, `lib/libpython3.13.a` first, relative to the kit.
    pub archives: Vec<String>,
    /// `Programs/python.o`, relative to the kit.
    pub python_o: String,
    /// The inittab template (`Modules/config.c`), relative to the kit.
    pub config_c: String,
    /// Header directories, relative to the kit: the public ones first, then CPython's internal
    /// ones (for CPython's own modules, built in).
    pub include: Vec<String>,
    /// The byte-compiled stdlib tree (`stdlib/lib/python3.13`), mounted at
    /// `{prefix}/lib/python3.13`.
    pub stdlib: String,
    /// The same stdlib as a stored zip of `.pyc` files (`python313.zip`).
    pub stdlib_zip: String,
    /// CPython's `Lib/test` (its parent is mounted on `PYTHONPATH` by `pyforge run --with-tests`).
    pub tests: String,
    /// Where CPython's own sources of the modules a WASI build leaves out for want of a library
    /// are (`src`, holding `Modules/<name>`), for extensions that compile them against a cap
    /// (`cpython_sources` in a manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<String>,
    /// CPython's configured prefix (`/usr/local`): the guest sees the stdlib under it.
    pub prefix: String,
    /// Wall time of the build that made the kit, in seconds.
    pub build_seconds: f64,
}

/// The inputs a kit's key is computed from (the hash of their JSON, in this field order).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KitInputs {
    /// The recipe's version (bumped when the recipe changes what a kit contains).
    pub recipe: String,
    /// The CPython source: a tarball's file name or a directory.
    pub source: String,
    /// Its sha256 (a tree hash for a directory).
    pub source_sha256: String,
    /// The wasm C compiler.
    pub compiler: String,
    /// Its `--version` line.
    pub compiler_version: String,
    /// The wasi-libc sysroot.
    pub sysroot: String,
    /// clang's resource directory.
    pub resource_dir: String,
    /// The cross build's optimisation flags.
    pub cross_opt: String,
}

/// Why a `kit.json` was not read.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// Not JSON, or not the fields of [`KitInfo`].
    #[error("not a pyforge kit.json: {0}")]
    Json(#[source] serde_json::Error),
    /// A kit of another format (a newer or older pyforge's).
    #[error(
        "the kit's schema is `{found}`; this pyforge reads `{KIT_SCHEMA}` (rebuild the kit with `pyforge kit build --rebuild`)"
    )]
    Schema {
        /// The schema the file names.
        found: String,
    },
    /// A kit without header directories cannot compile anything.
    #[error("the kit names no include directory (rebuild the kit with `pyforge kit build --rebuild`)")]
    NoInclude,
}

impl KitInfo {
    /// Parses `kit.json`, checking its schema first.
    pub fn from_json(bytes: &[u8]) -> Result<KitInfo, KitError> {
        #[derive(Deserialize)]
        struct Schema {
            schema: String,
        }
        let Schema { schema } = serde_json::from_slice(bytes).map_err(KitError::Json)?;
        if schema != KIT_SCHEMA {
            return Err(KitError::Schema { found: schema });
        }
        let info: KitInfo = serde_json::from_slice(bytes).map_err(KitError::Json)?;
        if info.include.is_empty() {
            return Err(KitError::NoInclude);
        }
        Ok(info)
    }

    /// The text of `kit.json` for this kit.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a KitInfo always encodes") + "\n"
    }

    /// The key of a kit built from `inputs`: the first 6 bytes of the sha256 of their JSON.
    pub fn key_of(inputs: &KitInputs) -> String {
        let json = serde_json::to_vec(inputs).expect("KitInputs always encode");
        crate::fs::sha256_hex(&json)[..12].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> KitInfo {
        let inputs = KitInputs {
            recipe: "r".into(),
            source: "Python-3.13.5.tar.xz".into(),
            source_sha256: "0".into(),
            compiler: "clang-19".into(),
            compiler_version: "19".into(),
            sysroot: "/s".into(),
            resource_dir: "/r".into(),
            cross_opt: "-O3".into(),
        };
        KitInfo {
            schema: KIT_SCHEMA.into(),
            python_version: "3.13.5".into(),
            python_short: "3.13".into(),
            target: "wasm32-wasip2".into(),
            key: KitInfo::key_of(&inputs),
            inputs,
            cflags: vec![],
            ldflags: vec![],
            libs: vec![],
            archives: vec!["lib/libpython3.13.a".into()],
            python_o: "obj/python.o".into(),
            config_c: "config.c.in".into(),
            include: vec!["include".into()],
            stdlib: "stdlib/lib/python3.13".into(),
            stdlib_zip: "stdlib/lib/python313.zip".into(),
            tests: "tests/test".into(),
            sources: Some("src".into()),
            prefix: "/usr/local".into(),
            build_seconds: 1.5,
        }
    }

    #[test]
    fn round_trips() {
        let info = info();
        assert_eq!(KitInfo::from_json(info.to_json().as_bytes()).unwrap(), info);
        assert_eq!(info.key.len(), 12);
    }

    #[test]
    fn another_schema_is_refused_by_name() {
        let text = info().to_json().replace(KIT_SCHEMA, "pyforge:kit@9.0.0");
        let e = KitInfo::from_json(text.as_bytes()).unwrap_err();
        assert!(matches!(e, KitError::Schema { ref found } if found == "pyforge:kit@9.0.0"), "{e}");
        assert!(e.to_string().contains("pyforge kit build --rebuild"), "{e}");
    }

    #[test]
    fn no_include_directory_is_refused() {
        let mut info = info();
        info.include.clear();
        assert!(matches!(KitInfo::from_json(info.to_json().as_bytes()), Err(KitError::NoInclude)));
    }
}
