/* SMTP replies (RFC 5321 section 4.2) with enhanced status codes (RFC 3463). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "send.h"

#define REPLY_LINES_MAX 200	/* guards against a server that never ends */

/* Length of "C.SSS.DDD" at s when its class matches the reply code, else 0. */
static size_t
esc_length(const char *s, int code)
{
	size_t i = 0, digits;
	int part;

	if (s[0] != '0' + code / 100 || s[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (digits = 0; isdigit((unsigned char)s[i]); digits++)
			i++;
		if (digits < 1 || digits > 3)
			return 0;
		if (part == 0 && s[i++] != '.')
			return 0;
	}
	return s[i] == ' ' || s[i] == '\0' ? i : 0;
}

static void
append(char *dst, size_t size, const char *sep, const char *src)
{
	size_t len = strlen(dst);

	if (len > 0 && len + 1 < size)
		snprintf(dst + len, size - len, "%s", sep);
	len = strlen(dst);
	if (len + 1 < size)
		snprintf(dst + len, size - len, "%s", src);
}

/* Take one reply line; set *last when it ends the reply. */
static int
reply_line(struct smtp_conn *c, struct smtp_reply *r, const char *line,
    size_t len, bool *last, struct kmta_err *err)
{
	char clean[1024];
	const char *text;
	size_t esclen;
	int code;

	if (len < 3 || !isdigit((unsigned char)line[0]) ||
	    !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) ||
	    (len > 3 && line[3] != ' ' && line[3] != '-'))
		return kmta_err_set(err, EX_TEMPFAIL, "invalid reply from %s: "
		    "\"%s\"", c->peer, kmta_log_clean(clean, 80, line, len));
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->code != 0 && code != r->code)
		return kmta_err_set(err, EX_TEMPFAIL, "invalid reply from %s: "
		    "code %d inside a %d reply", c->peer, code, r->code);
	r->code = code;
	*last = len == 3 || line[3] == ' ';

	text = len > 3 ? line + 4 : "";
	append(r->lines, sizeof(r->lines), "\n", text);
	esclen = esc_length(text, code);
	if (esclen > 0 && r->esc[0] == '\0')
		snprintf(r->esc, sizeof(r->esc), "%.*s", (int)esclen, text);
	if (esclen > 0 && strncmp(text, r->esc, esclen) == 0)
		text += esclen + (text[esclen] == ' ');
	append(r->text, sizeof(r->text), " ", text);
	return 0;
}

int
reply_read(struct smtp_conn *c, struct smtp_reply *r, struct kmta_err *err)
{
	char line[1024];
	bool last = false;
	size_t len;
	int n;

	memset(r, 0, sizeof(*r));
	for (n = 0; !last; n++) {
		if (n == REPLY_LINES_MAX)
			return kmta_err_set(err, EX_TEMPFAIL, "invalid reply from "
			    "%s: more than %d lines", c->peer, REPLY_LINES_MAX);
		if (conn_read_line(c, line, sizeof(line), &len, err) == -1)
			return -1;
		if (reply_line(c, r, line, len, &last, err) == -1)
			return -1;
	}
	kmta_debug("%s: <<< %d %s%s%s", c->peer, r->code, r->esc,
	    r->esc[0] != '\0' ? " " : "", kmta_log_clean(line, sizeof(line),
	    r->text, strlen(r->text)));
	return 0;
}

/*
 * Send one command line and read its reply within timeout seconds. The
 * command is logged at debug level, so it must not contain a secret.
 */
int
smtp_command(struct smtp_conn *c, long timeout, struct smtp_reply *r,
    struct kmta_err *err, const char *fmt, ...)
{
	char cmd[1100];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(cmd, sizeof(cmd) - 2, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(cmd) - 2)
		return kmta_err_set(err, EX_SOFTWARE, "SMTP command too long");
	kmta_debug("%s: >>> %s", c->peer, cmd);
	memcpy(cmd + len, "\r\n", 2);

	conn_set_timeout(c, timeout);
	if (conn_write(c, cmd, (size_t)len + 2, err) == -1)
		return -1;
	return reply_read(c, r, err);
}
