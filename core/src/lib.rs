//! pyforge's pipeline as a library.
//!
//! The modules follow the pipeline:
//!
//! ```text
//! manifest, project ─► check ─► plan ─► gen ─► link ─► compose
//! ```
//!
//! * [`manifest`] and [`project`] read `pyforge-pkg.toml` and `pyforge.toml` (parse into raw
//!   serde types, then validate into types whose paths are proven to stay in the project);
//! * [`check`] cross-checks manifests, their files, their WIT worlds and the forges;
//! * [`plan`] decides what a forge is made of; [`build`] runs plan → link → compose;
//! * [`gen`] writes C bindings with wit-bindgen-c; [`link`] relinks `python.wasm` against the
//!   CPython kit through a [`link::Compiler`] (the tool's `clang` import);
//! * [`compose`] plugs components together, strictly, on bytes.
//!
//! Inputs come through a [`source::Source`] (the preopened filesystem or files by value);
//! problems are [`diag::Diag`]nostics that render like a compiler's.
//!
//! The tool component (`tool-component/`) is this library behind the `pyforge:toolchain` WIT
//! world and the one command line; other Rust hosts can call it directly.

#![deny(missing_docs)]

pub mod build;
pub mod check;
pub mod componentize;
pub mod compose;
pub mod diag;
pub mod embed;
pub mod r#gen;
pub mod link;
pub mod located;
pub mod manifest;
pub mod plan;
pub mod project;
pub mod source;
pub mod wit;

pub use diag::{Diag, Severity};
