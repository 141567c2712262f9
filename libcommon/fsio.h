/*
 * Durable file writes: the one shape every queue file is written in.
 * Write to a temporary name, fsync, rename into place, fsync the
 * directory; on any failure the temporary file is unlinked, so a reader
 * that looks only at final names never sees a partial file.
 *
 * Every function returns 0 or -1 and fills err, as err.h describes. ENOSPC
 * and EDQUOT map to EX_TEMPFAIL, EIO to EX_IOERR.
 */
#ifndef KMTA_FSIO_H
#define KMTA_FSIO_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Write all len bytes to fd, retrying on EINTR and short writes. */
int kmta_write_all(int fd, const void *data, size_t len, const char *what,
    struct kmta_err *err);

/* fsync the directory at path (dirfd AT_FDCWD) or relative to dirfd. */
int kmta_fsync_dir(int dirfd, const char *path, struct kmta_err *err);

/*
 * Create path (relative to dirfd, mode 0600, which must not exist) with
 * data, fsync and close it. On failure the file is unlinked again.
 */
int kmta_write_synced(int dirfd, const char *path, const void *data,
    size_t len, struct kmta_err *err);

/*
 * Rename from to to (both relative to dirfd). With noreplace an existing
 * to is an error, EX_TEMPFAIL, instead of being replaced.
 */
int kmta_rename_into_place(int dirfd, const char *from, const char *to,
    bool noreplace, struct kmta_err *err);

/*
 * Store data durably as dst_dir/dst_name through tmp_dir/tmp_name (both
 * relative to dirfd). With noreplace set an existing destination is an
 * error (EEXIST maps to EX_TEMPFAIL) instead of being replaced, and a
 * failed fsync of the destination directory unlinks the new file again.
 */
int kmta_write_durable(int dirfd, const char *tmp_path, const char *dst_path,
    const void *data, size_t len, bool noreplace, struct kmta_err *err);

/*
 * Open a new file without a name in directory dir (relative to dirfd),
 * for data handed to a child process: O_TMPFILE where the file system
 * supports it, else a unique name that is unlinked at once. Returns the
 * fd (read-write, close-on-exec) or -1.
 */
int kmta_open_unnamed(int dirfd, const char *dir, struct kmta_err *err);

/* Create directory path (relative to dirfd) with mode if it is missing. */
int kmta_mkdir_exist_ok(int dirfd, const char *path, unsigned mode,
    struct kmta_err *err);

#endif
