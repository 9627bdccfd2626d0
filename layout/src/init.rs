//! `python.init.json`: what pre-initialization needs, next to `python.wasm`. The tool's link
//! step writes it for a self-contained build; the host's snapshot step reads it and gives it to
//! `wizer-initialize` as the init run's environment.

use serde::{Deserialize, Serialize};

/// `python.init.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitSpec {
    /// The archive, relative to the init file.
    pub archive: String,
    /// CPython's prefix in the guest.
    pub home: String,
    /// Modules imported before the snapshot.
    pub warm: Vec<String>,
    /// The snapshot's str hash seed.
    pub hash_seed: u32,
    /// The application to import before the snapshot (`pyforge componentize`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<InitApp>,
}

/// The application part of [`InitSpec`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitApp {
    /// Its module.
    pub module: String,
    /// The export classes to instantiate.
    pub exports: Vec<String>,
    /// Its directories in the archive, first on `sys.path`.
    pub roots: Vec<String>,
    /// WASI is stubbed: export calls must not touch it (no argv, environment or reseeding).
    #[serde(default)]
    pub stub_wasi: bool,
}

impl InitSpec {
    /// The file's text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("an InitSpec always encodes") + "\n"
    }

    /// Parses the file.
    pub fn from_json(bytes: &[u8]) -> serde_json::Result<InitSpec> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_an_app() {
        let mut spec = InitSpec {
            archive: "python.stdlib".into(),
            home: "/usr/local".into(),
            warm: vec!["json".into()],
            hash_seed: 7,
            app: None,
        };
        assert!(!spec.to_json().contains("\"app\""));
        assert_eq!(InitSpec::from_json(spec.to_json().as_bytes()).unwrap(), spec);
        spec.app = Some(InitApp {
            module: "app".into(),
            exports: vec!["Run".into()],
            roots: vec!["/app".into()],
            stub_wasi: true,
        });
        assert_eq!(InitSpec::from_json(spec.to_json().as_bytes()).unwrap(), spec);
    }
}
