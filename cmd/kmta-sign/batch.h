/*
 * Batch signing for bulk senders: many message files signed in place by
 * one process, each key loaded and parsed once.
 */
#ifndef KMTA_SIGN_BATCH_H
#define KMTA_SIGN_BATCH_H

#include "conf.h"
#include "request.h"

#define BATCH_JOBS_MAX 64

/*
 * Sign each file in place: the signed message is written to a temporary
 * file in the same directory, synced and renamed over the original, so a
 * reader sees the old or the new message, never a mix. A file that cannot
 * be signed is left unchanged and reported; the others go on. With jobs
 * above 1 that many processes share the files. Returns 0, or the exit
 * status of the first failure.
 */
int batch_sign(const struct kmta_conf *conf, const struct sign_options *o,
    int require, char **files, int nfiles, int jobs);

#endif
