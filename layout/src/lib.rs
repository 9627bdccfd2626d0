//! The contracts between pyforge's native host and its tool component, defined once.
//!
//! The host (`host/`) builds the CPython kit, pre-initializes and runs Python; the tool
//! (`core/` inside `tool-component/`) plans, links and composes. They meet in files, and each
//! file's shape lives here, so neither side keeps a private copy:
//!
//! * [`kit`]: `kit.json`, what the host's kit build writes and the link step reads (its schema
//!   checked on read);
//! * [`init`]: `python.init.json`, what the link step writes for pre-initialization;
//! * [`lock`]: `python.lock`, every input of a link with its hash;
//! * [`build_dir`]: the build directory of a forge or app and every file name in it, and which
//!   artefact ships;
//! * [`wrap`]: the linker calls the runtime wraps (`-Wl,--wrap=`), which the host's compiler
//!   allow-list accepts;
//! * [`fs`]: one `write_atomic`, one hex encoder, one file stamp and one [`fs::Fingerprint`]
//!   for every "is this output up to date?" check.
//!
//! Everything here builds for the host and for `wasm32-wasip2`.

#![deny(missing_docs)]

pub mod build_dir;
pub mod fs;
pub mod init;
pub mod kit;
pub mod lock;
pub mod wrap;

pub use build_dir::BuildDir;
pub use fs::{Fingerprint, hex, sha256_hex, stamp, write_atomic};
pub use init::{InitApp, InitSpec};
pub use kit::{KitError, KitInfo, KitInputs};
pub use lock::{Lock, LockInput, LockKit};
