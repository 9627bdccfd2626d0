//! The linker calls pyforge's runtime wraps (`-Wl,--wrap=<symbol>`): the tool's link step passes
//! them, and the host's compiler allow-list accepts exactly these.

/// wasi-libc's preview-1 calls that take a path, wrapped by `core/runtime/wasi_paths.c` (paths
/// WASI cannot carry become `OSError` instead of a trap).
pub const WASI_PATH_CALLS: &[&str] = &[
    "__wasi_path_create_directory",
    "__wasi_path_filestat_get",
    "__wasi_path_filestat_set_times",
    "__wasi_path_link",
    "__wasi_path_open",
    "__wasi_path_readlink",
    "__wasi_path_remove_directory",
    "__wasi_path_rename",
    "__wasi_path_symlink",
    "__wasi_path_unlink_file",
];

/// CPython's import-system setup of each interpreter, wrapped by `core/runtime/pyforge_python.c`
/// so subinterpreters find the embedded stdlib.
pub const IMPORT_INIT_CALL: &str = "_PyImport_InitExternal";

/// Every wrapped symbol, in the order the link passes them.
pub fn wrapped() -> impl Iterator<Item = &'static str> {
    WASI_PATH_CALLS.iter().copied().chain([IMPORT_INIT_CALL])
}

/// True when the link wraps `symbol`.
pub fn is_wrapped(symbol: &str) -> bool {
    wrapped().any(|s| s == symbol)
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrapped_symbols() {
        assert!(super::is_wrapped("__wasi_path_open"));
        assert!(super::is_wrapped("_PyImport_InitExternal"));
        assert!(!super::is_wrapped("malloc"));
        assert_eq!(super::wrapped().count(), 11);
    }
}
