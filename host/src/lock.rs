//! Exclusive locks between pyforge processes: two `pyforge build`s of one forge (or app), or
//! two kit builds, take turns instead of writing the same files at once. The lock is an
//! advisory file lock (`flock`), released when its holder exits — also when it is killed, so
//! a crashed build never leaves a stale lock behind.

use std::fs::{File, TryLockError};
use std::path::Path;

use anyhow::Context as _;

/// Held until dropped.
#[derive(Debug)]
pub struct Lock(#[expect(dead_code, reason = "held for its drop, which releases the lock")] File);

/// Takes the lock `path` (created when missing); when another process holds it, says so on
/// stderr, naming `what` it is doing, and waits.
pub fn exclusive(path: &Path, what: &str) -> anyhow::Result<Lock> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("failed to open the lock file `{}`", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            eprintln!("pyforge: waiting for another pyforge process {what} (it holds `{}`)", path.display());
            file.lock().with_context(|| format!("failed to lock `{}`", path.display()))?;
        }
        Err(TryLockError::Error(e)) => return Err(e).with_context(|| format!("failed to lock `{}`", path.display())),
    }
    Ok(Lock(file))
}
