/* POSIX advisory locks for SQLite's "unix" VFS on WASI.
 *
 * WASI has no file locks, so SQLite builds for WASI default to the "unix-dotfile" VFS, where
 * every lock is exclusive: a connection cannot read while another one of the same program
 * holds a write (RESERVED) lock, which is not how SQLite behaves elsewhere. The "unix" VFS
 * keeps the lock state of every open file in the process itself (one record per file shared
 * by all its connections) and only asks fcntl() to extend it to other processes. A WASI
 * component has no other process to coordinate with through the file system, so this fcntl
 * grants every F_SETLK and answers F_GETLK with "unlocked"; everything else goes to wasi-libc.
 * The result: connections inside one program lock each other exactly as SQLite does natively;
 * two separate programs writing one database file at once are not protected (documented).
 */
#include <fcntl.h>
#include <stdarg.h>

/* The values SQLite itself uses for these on WASI (wasi-libc has no F_*LK). */
#if __LONG_MAX == 0x7fffffffL
#define PYFORGE_F_GETLK 12
#define PYFORGE_F_SETLK 13
#define PYFORGE_F_SETLKW 14
#else
#define PYFORGE_F_GETLK 5
#define PYFORGE_F_SETLK 6
#define PYFORGE_F_SETLKW 7
#endif
#define PYFORGE_F_UNLCK 2

int pyforge_sqlite_fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    switch (cmd) {
    case PYFORGE_F_SETLK:
    case PYFORGE_F_SETLKW:
        return 0;
    case PYFORGE_F_GETLK:
        ((struct flock *)arg)->l_type = PYFORGE_F_UNLCK;
        return 0;
    default:
        return fcntl(fd, cmd, arg);
    }
}
