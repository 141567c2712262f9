/*
 * DKIM canonicalization (RFC 6376 section 3.4): the "simple" and "relaxed"
 * forms of header fields and of the body. Output always uses CRLF line
 * endings, as the message would be on the wire, whatever the input used.
 */
#ifndef KMTA_SIGN_CANON_H
#define KMTA_SIGN_CANON_H

#include <stddef.h>

#include "buf.h"

enum canon {
	CANON_SIMPLE,
	CANON_RELAXED,
};

/* Receives canonical bytes; returns 0, or -1 to stop with an error. */
typedef int (*canon_emit_fn)(void *ctx, const char *data, size_t len);

/*
 * Append the canonical form of one header field to out: raw is the whole
 * field (name, colon, value, folded lines) without its final line ending.
 * The result ends in CRLF. Returns 0, or -1 when memory is exhausted.
 */
int canon_header(enum canon c, const char *raw, size_t len,
    struct kmta_buf *out);

/* Parse "simple" or "relaxed"; returns 0 or -1. */
int canon_parse(const char *s, size_t len, enum canon *out);
const char *canon_name(enum canon c);

/*
 * Canonical body state. Empty lines are held back until a non-empty line
 * follows, because trailing empty lines are not part of the canonical body.
 * limit caps the bytes emitted (the l= tag), or is -1 for no cap.
 */
struct canon_body {
	enum canon canon;
	canon_emit_fn emit;
	void *ctx;
	long long limit;
	unsigned long long emitted;	/* canonical bytes passed to emit */
	unsigned long long total;	/* canonical length without a cap */
	size_t pending_empty;		/* empty lines held back */
	int seen_line;			/* a non-empty line was emitted */
	int line_content;		/* the current line has content */
	int pending_wsp;		/* relaxed: white space held back */
	int pending_cr;			/* the last chunk ended in CR */
};

void canon_body_init(struct canon_body *cb, enum canon c, long long limit,
    canon_emit_fn emit, void *ctx);

/*
 * Feed the next chunk of the body. Chunks may split lines anywhere, even
 * between CR and LF, so a body can be hashed as it streams past. LF and
 * CRLF both end a line; a CR before anything else is content.
 */
int canon_body_feed(struct canon_body *cb, const char *data, size_t len);

/* End the body: a last line without an ending gets CRLF, and an empty
 * simple body becomes one CRLF. */
int canon_body_finish(struct canon_body *cb);

/*
 * Feed a whole body (the bytes after the header's empty line) and finish:
 * LF or CRLF endings, and a last line without an ending, are accepted.
 */
int canon_body_run(struct canon_body *cb, const char *body, size_t len);

#endif
