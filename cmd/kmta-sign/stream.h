/*
 * Signing a message as it streams from a file descriptor. The header is
 * held in memory. The body is hashed while it is read and kept in memory
 * up to SPOOL_MEMORY_MAX, then in an unlinked temporary file, so memory
 * stays bounded whatever the message size.
 */
#ifndef KMTA_SIGN_STREAM_H
#define KMTA_SIGN_STREAM_H

#include "conf.h"
#include "request.h"

#define SPOOL_MEMORY_MAX (4 * 1024 * 1024)
#define STREAM_CHUNK (64 * 1024)

/*
 * Read a message from in_fd, add the signatures the options and config
 * ask for, and write it to out_fd. Nothing is written unless every
 * signature was made. Errors are those of dkim_sign() and
 * sign_job_build(), plus EX_DATAERR for a bad header and EX_IOERR for
 * read, write or spool errors.
 */
int stream_sign(const struct kmta_conf *conf, const struct sign_options *o,
    int require, int in_fd, int out_fd, struct kmta_err *err);

#endif
