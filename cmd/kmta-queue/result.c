/*
 * kmta-send's result lines, as kmta-send --help describes them:
 *   OUTCOME TAB MSGREF TAB RCPT TAB CODE TAB ESC TAB HOST TAB TEXT
 * with "-" for a field that has no value.
 */
#include <stdio.h>
#include <string.h>

#include "deliver.h"
#include "log.h"

#define RESULT_FIELDS 7

/* Copy field into out, "-" meaning empty, cleaned for the envelope. */
static void
copy_field(char *out, size_t outlen, const char *field, size_t len)
{
	if (len == 1 && field[0] == '-')
		len = 0;
	kmta_log_clean(out, outlen, field, len);
}

static int
outcome_parse(const char *s, size_t len, enum send_outcome *outcome)
{
	if (len == 9 && strncmp(s, "delivered", len) == 0)
		*outcome = SEND_DELIVERED;
	else if (len == 8 && strncmp(s, "deferred", len) == 0)
		*outcome = SEND_DEFERRED;
	else if (len == 6 && strncmp(s, "failed", len) == 0)
		*outcome = SEND_FAILED;
	else
		return -1;
	return 0;
}

int
send_result_parse(const char *line, struct send_result *res)
{
	const char *start[RESULT_FIELDS];
	size_t len[RESULT_FIELDS], n = 0;
	const char *p = line, *tab;

	memset(res, 0, sizeof(*res));
	while (n < RESULT_FIELDS - 1 && (tab = strchr(p, '\t')) != NULL) {
		start[n] = p;
		len[n++] = (size_t)(tab - p);
		p = tab + 1;
	}
	/* The reply text is last, so it may contain anything but a line end. */
	start[n] = p;
	len[n++] = strcspn(p, "\r\n");
	if (n != RESULT_FIELDS || outcome_parse(start[0], len[0],
	    &res->outcome) == -1 || len[2] == 0)
		return -1;

	/* The MSGREF is our own file name, matched byte for byte. */
	snprintf(res->msgref, sizeof(res->msgref), "%.*s", (int)len[1],
	    start[1]);
	copy_field(res->rcpt, sizeof(res->rcpt), start[2], len[2]);
	copy_field(res->code, sizeof(res->code), start[3], len[3]);
	copy_field(res->esc, sizeof(res->esc), start[4], len[4]);
	copy_field(res->host, sizeof(res->host), start[5], len[5]);
	copy_field(res->text, sizeof(res->text), start[6], len[6]);
	return 0;
}
