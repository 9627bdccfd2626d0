/* Paths that WASI cannot carry: refused here, with EILSEQ, instead of trapping.
 *
 * Why: wasi-libc's file system calls go through WASI preview 1 (`__wasi_path_*`), which the
 * component's adapter lifts into WASI 0.2's `string` — and lifting bytes that are not UTF-8
 * traps the whole instance. Python hands such bytes over as a matter of course
 * (`os.path.exists(b"\xff")`, `open(b"\xff.txt")`, surrogate-escaped names), and a
 * Python-level error must be a Python exception. So the link wraps every preview-1 call that
 * takes a path (`-Wl,--wrap=__wasi_path_*`, see core/src/link.rs): bytes that are not valid
 * UTF-8 come back as `__WASI_ERRNO_ILSEQ` (EILSEQ, an `OSError` in Python) before they reach
 * the boundary; valid ones go on unchanged. This is the one place that knows. */
#include <stdint.h>
#include <string.h>
#include <wasi/api.h>

/* Strict UTF-8 (as the canonical ABI's `string` is): no overlongs, no surrogates, at most
 * U+10FFFF. */
static int valid_utf8(const char *path) {
    const unsigned char *s = (const unsigned char *)path;
    while (*s) {
        unsigned char c = *s;
        if (c < 0x80) {
            s++;
            continue;
        }
        int n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (int i = 1; i <= n; i++) {
            if ((s[i] & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return 0;
        }
        s += n + 1;
    }
    return 1;
}

#define REFUSE(p)                                                                                            \
    do {                                                                                                     \
        if (!valid_utf8(p)) {                                                                                \
            return __WASI_ERRNO_ILSEQ;                                                                       \
        }                                                                                                    \
    } while (0)

__wasi_errno_t __real___wasi_path_create_directory(__wasi_fd_t, const char *);
__wasi_errno_t __wrap___wasi_path_create_directory(__wasi_fd_t fd, const char *path) {
    REFUSE(path);
    return __real___wasi_path_create_directory(fd, path);
}

__wasi_errno_t __real___wasi_path_filestat_get(__wasi_fd_t, __wasi_lookupflags_t, const char *, __wasi_filestat_t *);
__wasi_errno_t __wrap___wasi_path_filestat_get(__wasi_fd_t fd, __wasi_lookupflags_t flags, const char *path,
                                               __wasi_filestat_t *out) {
    REFUSE(path);
    return __real___wasi_path_filestat_get(fd, flags, path, out);
}

__wasi_errno_t __real___wasi_path_filestat_set_times(__wasi_fd_t, __wasi_lookupflags_t, const char *,
                                                     __wasi_timestamp_t, __wasi_timestamp_t, __wasi_fstflags_t);
__wasi_errno_t __wrap___wasi_path_filestat_set_times(__wasi_fd_t fd, __wasi_lookupflags_t flags, const char *path,
                                                     __wasi_timestamp_t atim, __wasi_timestamp_t mtim,
                                                     __wasi_fstflags_t fst) {
    REFUSE(path);
    return __real___wasi_path_filestat_set_times(fd, flags, path, atim, mtim, fst);
}

__wasi_errno_t __real___wasi_path_link(__wasi_fd_t, __wasi_lookupflags_t, const char *, __wasi_fd_t, const char *);
__wasi_errno_t __wrap___wasi_path_link(__wasi_fd_t old_fd, __wasi_lookupflags_t flags, const char *old_path,
                                       __wasi_fd_t new_fd, const char *new_path) {
    REFUSE(old_path);
    REFUSE(new_path);
    return __real___wasi_path_link(old_fd, flags, old_path, new_fd, new_path);
}

__wasi_errno_t __real___wasi_path_open(__wasi_fd_t, __wasi_lookupflags_t, const char *, __wasi_oflags_t,
                                       __wasi_rights_t, __wasi_rights_t, __wasi_fdflags_t, __wasi_fd_t *);
__wasi_errno_t __wrap___wasi_path_open(__wasi_fd_t fd, __wasi_lookupflags_t dirflags, const char *path,
                                       __wasi_oflags_t oflags, __wasi_rights_t base, __wasi_rights_t inheriting,
                                       __wasi_fdflags_t fdflags, __wasi_fd_t *out) {
    REFUSE(path);
    return __real___wasi_path_open(fd, dirflags, path, oflags, base, inheriting, fdflags, out);
}

__wasi_errno_t __real___wasi_path_readlink(__wasi_fd_t, const char *, uint8_t *, __wasi_size_t, __wasi_size_t *);
__wasi_errno_t __wrap___wasi_path_readlink(__wasi_fd_t fd, const char *path, uint8_t *buf, __wasi_size_t len,
                                           __wasi_size_t *out) {
    REFUSE(path);
    return __real___wasi_path_readlink(fd, path, buf, len, out);
}

__wasi_errno_t __real___wasi_path_remove_directory(__wasi_fd_t, const char *);
__wasi_errno_t __wrap___wasi_path_remove_directory(__wasi_fd_t fd, const char *path) {
    REFUSE(path);
    return __real___wasi_path_remove_directory(fd, path);
}

__wasi_errno_t __real___wasi_path_rename(__wasi_fd_t, const char *, __wasi_fd_t, const char *);
__wasi_errno_t __wrap___wasi_path_rename(__wasi_fd_t fd, const char *old_path, __wasi_fd_t new_fd,
                                         const char *new_path) {
    REFUSE(old_path);
    REFUSE(new_path);
    return __real___wasi_path_rename(fd, old_path, new_fd, new_path);
}

__wasi_errno_t __real___wasi_path_symlink(const char *, __wasi_fd_t, const char *);
__wasi_errno_t __wrap___wasi_path_symlink(const char *old_path, __wasi_fd_t fd, const char *new_path) {
    REFUSE(old_path);
    REFUSE(new_path);
    return __real___wasi_path_symlink(old_path, fd, new_path);
}

__wasi_errno_t __real___wasi_path_unlink_file(__wasi_fd_t, const char *);
__wasi_errno_t __wrap___wasi_path_unlink_file(__wasi_fd_t fd, const char *path) {
    REFUSE(path);
    return __real___wasi_path_unlink_file(fd, path);
}
