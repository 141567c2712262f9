/* The TLS-RPT record parser and lookup. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tlsrpt.h"

static int
add_rua(struct kmta_tlsrpt *out, const char *uri, size_t len,
    struct kmta_err *err)
{
	while (len > 0 && (*uri == ' ' || *uri == '\t')) {
		uri++;
		len--;
	}
	while (len > 0 && (uri[len - 1] == ' ' || uri[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(out->rua[0]))
		return kmta_err_set(err, EX_DATAERR, "rua: empty or too long "
		    "URI");
	if (strncasecmp(uri, "mailto:", 7) != 0 &&
	    strncasecmp(uri, "https://", 8) != 0)
		return kmta_err_set(err, EX_DATAERR, "rua: \"%.*s\": not a "
		    "mailto: or https: URI", (int)len, uri);
	if (out->rua_count == KMTA_TLSRPT_MAX_RUA)
		return kmta_err_set(err, EX_DATAERR, "rua: more than %d URIs",
		    KMTA_TLSRPT_MAX_RUA);
	memcpy(out->rua[out->rua_count], uri, len);
	out->rua[out->rua_count++][len] = '\0';
	return 0;
}

static int
parse_rua(struct kmta_tlsrpt *out, const char *value, size_t len,
    struct kmta_err *err)
{
	const char *comma;
	size_t n;

	while (len > 0) {
		comma = memchr(value, ',', len);
		n = comma ? (size_t)(comma - value) : len;
		if (add_rua(out, value, n, err) == -1)
			return -1;
		value += n;
		len -= n;
		if (comma != NULL) {
			value++;
			len--;
		}
	}
	return 0;
}

int
kmta_tlsrpt_parse(const char *txt, struct kmta_tlsrpt *out,
    struct kmta_err *err)
{
	const char *p;
	size_t n;
	bool have_rua = false;

	out->rua_count = 0;
	if (strncmp(txt, "v=TLSRPTv1", 10) != 0 ||
	    (txt[10] != ';' && txt[10] != ' ' && txt[10] != '\0'))
		return kmta_err_set(err, EX_DATAERR,
		    "does not start with v=TLSRPTv1");
	p = txt + 10;
	while (*p != '\0') {
		while (*p == ';' || *p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ";");
		if (n == 0)
			break;
		if (strncmp(p, "rua=", 4) == 0) {
			if (have_rua)
				return kmta_err_set(err, EX_DATAERR,
				    "rua given twice");
			if (parse_rua(out, p + 4, n - 4, err) == -1)
				return -1;
			have_rua = true;
		} else if (memchr(p, '=', n) == NULL)
			return kmta_err_set(err, EX_DATAERR,
			    "field \"%.*s\" without \"=\"", (int)n, p);
		p += n;
	}
	if (!have_rua)
		return kmta_err_set(err, EX_DATAERR, "rua missing");
	return 0;
}

int
kmta_tlsrpt_get(struct kmta_dns *dns, const char *domain,
    struct kmta_tlsrpt *out, struct kmta_err *err)
{
	struct kmta_txt_set txt;
	struct kmta_err perr;
	char name[KMTA_DNS_NAME_MAX + 16];
	size_t i, versions = 0;

	memset(out, 0, sizeof(*out));
	snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
	if (kmta_dns_txt(dns, name, &txt, err) == -1)
		return -1;
	out->result = txt.result;
	if (txt.result == KMTA_DNS_FAILED)
		snprintf(out->error, sizeof(out->error), "%s", txt.why);
	for (i = 0; i < txt.count; i++) {
		if (strncmp(txt.texts[i], "v=TLSRPTv1", 10) != 0)
			continue;
		versions++;
		if (kmta_tlsrpt_parse(txt.texts[i], out, &perr) == -1)
			snprintf(out->error, sizeof(out->error), "%s: %s",
			    name, perr.msg);
	}
	/* RFC 8460 section 3: more than one record means none applies. */
	if (versions > 1)
		snprintf(out->error, sizeof(out->error),
		    "%s: more than one v=TLSRPTv1 record", name);
	out->found = versions == 1 && out->error[0] == '\0';
	if (!out->found)
		out->rua_count = 0;
	kmta_txt_set_free(&txt);
	return 0;
}
