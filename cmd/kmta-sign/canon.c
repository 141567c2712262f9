#include <string.h>

#include "canon.h"

#define IS_WSP(c) ((c) == ' ' || (c) == '\t')

static const char CRLF[] = "\r\n";

int
canon_parse(const char *s, size_t len, enum canon *out)
{
	if (len == 6 && strncmp(s, "simple", 6) == 0)
		*out = CANON_SIMPLE;
	else if (len == 7 && strncmp(s, "relaxed", 7) == 0)
		*out = CANON_RELAXED;
	else
		return -1;
	return 0;
}

const char *
canon_name(enum canon c)
{
	return c == CANON_RELAXED ? "relaxed" : "simple";
}

/* Simple: the field unchanged, except that every line ends in CRLF. */
static int
header_simple(const char *raw, size_t len, struct kmta_buf *out)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (raw[i] != '\n' || (i > 0 && raw[i - 1] == '\r'))
			continue;
		if (kmta_buf_append(out, raw + start, i - start) == -1 ||
		    kmta_buf_append(out, CRLF, 2) == -1)
			return -1;
		start = i + 1;
	}
	if (kmta_buf_append(out, raw + start, len - start) == -1)
		return -1;
	return kmta_buf_append(out, CRLF, 2);
}

/*
 * Relaxed: lower-case name, no white space around the colon, folding
 * removed, runs of white space reduced to one space, none at the end.
 */
static int
header_relaxed(const char *raw, size_t len, struct kmta_buf *out)
{
	const char *colon = memchr(raw, ':', len);
	size_t name_len, i, start;
	int space = 0, value_started = 0;

	if (colon == NULL)
		return kmta_buf_append(out, CRLF, 2);
	name_len = (size_t)(colon - raw);
	while (name_len > 0 && IS_WSP(raw[name_len - 1]))
		name_len--;

	for (i = 0; i < name_len; i++) {
		char c = raw[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (kmta_buf_append(out, &c, 1) == -1)
			return -1;
	}
	if (kmta_buf_append(out, ":", 1) == -1)
		return -1;

	start = (size_t)(colon - raw) + 1;
	for (i = start; i < len; i++) {
		char c = raw[i];

		if (c == '\r' || c == '\n')
			continue;
		if (IS_WSP(c)) {
			space = 1;
			continue;
		}
		if (space && value_started &&
		    kmta_buf_append(out, " ", 1) == -1)
			return -1;
		space = 0;
		value_started = 1;
		if (kmta_buf_append(out, &c, 1) == -1)
			return -1;
	}
	return kmta_buf_append(out, CRLF, 2);
}

int
canon_header(enum canon c, const char *raw, size_t len,
    struct kmta_buf *out)
{
	if (c == CANON_RELAXED)
		return header_relaxed(raw, len, out);
	return header_simple(raw, len, out);
}

void
canon_body_init(struct canon_body *cb, enum canon c, long long limit,
    canon_emit_fn emit, void *ctx)
{
	memset(cb, 0, sizeof(*cb));
	cb->canon = c;
	cb->limit = limit;
	cb->emit = emit;
	cb->ctx = ctx;
}

/* Pass bytes on, cut at the l= limit when one is set. */
static int
body_emit(struct canon_body *cb, const char *data, size_t len)
{
	size_t n = len;

	cb->total += len;
	if (cb->limit >= 0) {
		unsigned long long room = (unsigned long long)cb->limit -
		    (cb->emitted < (unsigned long long)cb->limit ?
		    cb->emitted : (unsigned long long)cb->limit);

		if (n > room)
			n = (size_t)room;
	}
	if (n == 0)
		return 0;
	cb->emitted += n;
	return cb->emit(cb->ctx, data, n);
}

/* Emit the empty lines held back, now that a non-empty line follows. */
static int
flush_empty(struct canon_body *cb)
{
	for (; cb->pending_empty > 0; cb->pending_empty--)
		if (body_emit(cb, CRLF, 2) == -1)
			return -1;
	return 0;
}

/* Emit a run of content bytes, first settling what was held back. */
static int
body_content(struct canon_body *cb, const char *data, size_t len)
{
	if (!cb->line_content && flush_empty(cb) == -1)
		return -1;
	if (cb->pending_wsp && body_emit(cb, " ", 1) == -1)
		return -1;
	cb->pending_wsp = 0;
	cb->line_content = 1;
	return body_emit(cb, data, len);
}

/*
 * End a line. Trailing white space held back by relaxed is dropped, and
 * an empty line is held back, since empty lines at the end of the body
 * are not part of it.
 */
static int
body_line_end(struct canon_body *cb)
{
	int rc = 0;

	if (cb->line_content) {
		rc = body_emit(cb, CRLF, 2);
		cb->seen_line = 1;
	} else {
		cb->pending_empty++;
	}
	cb->line_content = 0;
	cb->pending_wsp = 0;
	return rc;
}

/* Length of the content run at data: up to CR, LF or (relaxed) WSP. */
static size_t
content_run(const struct canon_body *cb, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n' || data[i] == '\r')
			break;
		if (cb->canon == CANON_RELAXED && IS_WSP(data[i]))
			break;
	}
	return i;
}

int
canon_body_feed(struct canon_body *cb, const char *data, size_t len)
{
	size_t i = 0, n;
	int rc = 0;

	if (cb->pending_cr && len > 0) {
		cb->pending_cr = 0;
		if (data[0] == '\n') {
			rc = body_line_end(cb);
			i = 1;
		} else {
			rc = body_content(cb, "\r", 1);
		}
	}
	while (i < len && rc == 0) {
		if (data[i] == '\n') {
			rc = body_line_end(cb);
			i++;
		} else if (data[i] == '\r' && i + 1 == len) {
			cb->pending_cr = 1;
			i++;
		} else if (data[i] == '\r' && data[i + 1] == '\n') {
			rc = body_line_end(cb);
			i += 2;
		} else if (data[i] == '\r') {
			rc = body_content(cb, "\r", 1);
			i++;
		} else if (cb->canon == CANON_RELAXED && IS_WSP(data[i])) {
			cb->pending_wsp = 1;
			i++;
		} else {
			n = content_run(cb, data + i, len - i);
			rc = body_content(cb, data + i, n);
			i += n;
		}
	}
	return rc;
}

int
canon_body_finish(struct canon_body *cb)
{
	if (cb->pending_cr) {
		cb->pending_cr = 0;
		if (body_content(cb, "\r", 1) == -1)
			return -1;
	}
	if (cb->line_content && body_line_end(cb) == -1)
		return -1;

	/* An empty simple body is one CRLF; an empty relaxed body is empty. */
	if (cb->canon == CANON_SIMPLE && !cb->seen_line)
		return body_emit(cb, CRLF, 2);
	return 0;
}

int
canon_body_run(struct canon_body *cb, const char *body, size_t len)
{
	if (canon_body_feed(cb, body, len) == -1)
		return -1;
	return canon_body_finish(cb);
}
