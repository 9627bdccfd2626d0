//! `python.lock`: every input of a link and its hash. The tool's link step writes it (and
//! reads it back to decide whether to link again); the host's `pyforge run` reads the inputs'
//! paths to tell cheaply whether anything changed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `python.lock`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Lock {
    /// The forge (or, for an app, the forge it is built on, or `app`).
    pub forge: String,
    /// The linked `python.wasm`.
    pub output: String,
    /// Its sha256.
    pub output_sha256: String,
    /// The kit linked against.
    pub kit: LockKit,
    /// Compile and link flags, as passed to clang.
    pub flags: BTreeMap<String, Vec<String>>,
    /// Extensions in the inittab, in order.
    pub modules: Vec<String>,
    /// Every file read, with its sha256.
    pub input: Vec<LockInput>,
}

/// The kit part of [`Lock`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LockKit {
    /// The kit's directory.
    pub path: String,
    /// Its CPython version.
    pub python_version: String,
    /// Its key.
    pub key: String,
    /// The sha256 of its `kit.json`.
    pub kit_json_sha256: String,
}

/// One input file of [`Lock`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LockInput {
    /// Its path, relative to the project.
    pub path: String,
    /// Its sha256.
    pub sha256: String,
}

impl Lock {
    /// The file's text: a comment naming the output, then the TOML.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        Ok(format!(
            "# Every input of `{}` and its sha256; written by `pyforge build`.\n{}",
            self.output,
            toml::to_string(self)?
        ))
    }

    /// Parses the file.
    pub fn from_toml(text: &str) -> Result<Lock, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let lock = Lock {
            forge: "default".into(),
            output: "target/pyforge/default/python.wasm".into(),
            output_sha256: "ab".into(),
            kit: LockKit {
                path: "/k".into(),
                python_version: "3.13.5".into(),
                key: "k".into(),
                kit_json_sha256: "cd".into(),
            },
            flags: BTreeMap::from([("cflags".to_string(), vec!["-O2".to_string()])]),
            modules: vec!["_zlib_cap".into()],
            input: vec![LockInput { path: "cpython-ext/_zlib_cap/x.c".into(), sha256: "ef".into() }],
        };
        let text = lock.to_toml().unwrap();
        assert!(text.starts_with("# Every input of `target/pyforge/default/python.wasm`"));
        assert_eq!(Lock::from_toml(&text).unwrap(), lock);
    }
}
