/* A growable byte buffer, always NUL-terminated after its content. */
#ifndef KMTA_BUF_H
#define KMTA_BUF_H

#include <stddef.h>

struct kmta_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Append bytes; return 0, or -1 when memory is exhausted (errno ENOMEM). */
int kmta_buf_append(struct kmta_buf *b, const void *data, size_t len);
int kmta_buf_puts(struct kmta_buf *b, const char *s);
int kmta_buf_printf(struct kmta_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Release the memory; with wipe set, zero it first (for secrets). */
void kmta_buf_free(struct kmta_buf *b);
void kmta_buf_wipe_free(struct kmta_buf *b);

#endif
