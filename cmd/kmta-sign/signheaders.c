#include <string.h>
#include <strings.h>

#include "dkim.h"
#include "signheaders.h"

const char *const dkim_default_headers[] = {
	"From", "Reply-To", "Subject", "Date", "To", "Cc",
	"Resent-Date", "Resent-From", "Resent-To", "Resent-Cc",
	"In-Reply-To", "References",
	"List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe",
	"List-Post", "List-Owner", "List-Archive",
	"Message-ID", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "Sender",
	NULL,
};

static int
add_name(struct kmta_buf *h, const char *name, size_t len)
{
	if (h->len > 0 && kmta_buf_append(h, ":", 1) == -1)
		return -1;
	return kmta_buf_append(h, name, len);
}

int
signheaders_default(const struct kmta_message *m, bool oversign,
    struct kmta_buf *h)
{
	size_t i, k, count;

	for (i = 0; dkim_default_headers[i] != NULL; i++) {
		const char *name = dkim_default_headers[i];

		kmta_message_header(m, name, 0, &count);
		if (count == 0)
			continue;
		if (oversign)
			count++;
		for (k = 0; k < count; k++)
			if (add_name(h, name, strlen(name)) == -1)
				return -1;
	}
	return 0;
}

int
signheaders_has(const char *list, const char *field)
{
	size_t flen = strlen(field), len;

	for (; *list != '\0'; list += len + (list[len] == ':')) {
		len = strcspn(list, ":");
		if (len == flen && strncasecmp(list, field, len) == 0)
			return 1;
	}
	return 0;
}

int
signheaders_normalize(const char *list, struct kmta_buf *h)
{
	const char *p = list, *end;
	size_t len;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ":");
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || strcspn(p, " \t;=") < len)
			return -1;
		if (add_name(h, p, len) == -1)
			return -1;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

/*
 * Fields are taken bottom-up: the n-th time a name appears in h=, the
 * n-th field of that name counted from the bottom is signed (RFC 6376
 * section 5.4.2). A name listed more often than the field occurs adds
 * nothing, which is what makes over-signing work.
 */
int
signheaders_data(const struct kmta_message *m, enum canon c,
    const char *list, struct kmta_buf *out)
{
	const char *p = list;
	char name[128];

	while (*p != '\0') {
		size_t len = strcspn(p, ":"), used = 0, count;
		const char *q;
		const struct kmta_header *field;

		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, p, len);
		name[len] = '\0';

		for (q = list; q < p; q += strcspn(q, ":") + 1)
			if (strncasecmp(q, name, len) == 0 &&
			    (q[len] == ':' || q[len] == '\0'))
				used++;
		kmta_message_header(m, name, 0, &count);
		if (used < count) {
			field = kmta_message_header(m, name,
			    count - 1 - used, NULL);
			if (canon_header(c, field->raw, field->raw_len,
			    out) == -1)
				return -1;
		}
		p += strcspn(p, ":");
		if (*p == ':')
			p++;
	}
	return 0;
}

const char *
signheaders_check(const char *list)
{
	struct kmta_buf h = { 0 };
	const char *reason = NULL;

	if (signheaders_normalize(list, &h) == -1)
		reason = "expected names separated by ':'";
	else if (h.len == 0 || !signheaders_has(h.data, "From"))
		reason = "the signed header list must include From";
	kmta_buf_free(&h);
	return reason;
}
