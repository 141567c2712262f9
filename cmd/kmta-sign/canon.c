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

static int
line_relaxed(struct canon_body *cb, const char *line, size_t len)
{
	size_t i = 0, start;

	while (len > 0 && IS_WSP(line[len - 1]))
		len--;
	if (len == 0) {
		cb->pending_empty++;
		return 0;
	}
	if (flush_empty(cb) == -1)
		return -1;

	while (i < len) {
		start = i;
		while (i < len && !IS_WSP(line[i]))
			i++;
		if (i > start && body_emit(cb, line + start, i - start) == -1)
			return -1;
		if (i == len)
			break;
		while (IS_WSP(line[i]))
			i++;
		if (body_emit(cb, " ", 1) == -1)
			return -1;
	}
	cb->seen_line = 1;
	return body_emit(cb, CRLF, 2);
}

int
canon_body_line(struct canon_body *cb, const char *line, size_t len)
{
	if (cb->canon == CANON_RELAXED)
		return line_relaxed(cb, line, len);

	if (len == 0) {
		cb->pending_empty++;
		return 0;
	}
	if (flush_empty(cb) == -1 || body_emit(cb, line, len) == -1)
		return -1;
	cb->seen_line = 1;
	return body_emit(cb, CRLF, 2);
}

int
canon_body_finish(struct canon_body *cb)
{
	/* An empty simple body is one CRLF; an empty relaxed body is empty. */
	if (cb->canon == CANON_SIMPLE && !cb->seen_line)
		return body_emit(cb, CRLF, 2);
	return 0;
}

int
canon_body_run(struct canon_body *cb, const char *body, size_t len)
{
	const char *p = body, *end = body + len, *nl;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (nl && n > 0 && p[n - 1] == '\r')
			n--;
		if (canon_body_line(cb, p, n) == -1)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return canon_body_finish(cb);
}
