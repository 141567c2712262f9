#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keylookup.h"

int
key_lookup_init(struct key_lookup *kl, const struct kmta_conf *conf,
    const char *keys_path, struct kmta_err *err)
{
	memset(kl, 0, sizeof(*kl));
	kl->conf = conf;
	if (keys_path == NULL)
		return 0;
	kl->file_used = 1;
	return keys_file_load(keys_path, &kl->file, err);
}

void
key_lookup_free(struct key_lookup *kl)
{
	keys_file_free(&kl->file);
	if (kl->dns != NULL)
		kmta_dns_close(kl->dns);
	memset(kl, 0, sizeof(*kl));
}

static enum key_lookup_status
from_file(struct key_lookup *kl, const char *name, char **record, char *why,
    size_t whylen)
{
	const char *text = keys_file_find(&kl->file, name);

	if (text == NULL) {
		snprintf(why, whylen, "no key record for %s", name);
		return KEY_MISSING;
	}
	if ((*record = strdup(text)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return KEY_TEMPFAIL;
	}
	return KEY_FOUND;
}

static int
open_dns(struct key_lookup *kl, char *why, size_t whylen)
{
	struct kmta_dns_options opt = { 0 };
	struct kmta_err err = { 0 };

	opt.name_servers = kmta_conf_str(kl->conf, "dns", "name_servers",
	    NULL);
	opt.timeout = kmta_conf_num(kl->conf, "dns", "timeout", 0);
	if (kmta_dns_open(&opt, &kl->dns, &err) == -1) {
		snprintf(why, whylen, "%s", err.msg);
		return -1;
	}
	return 0;
}

enum key_lookup_status
key_lookup_find(struct key_lookup *kl, const char *name, char **record,
    char *why, size_t whylen)
{
	struct kmta_txt_set txt;
	struct kmta_err err = { 0 };
	enum key_lookup_status status = KEY_TEMPFAIL;

	*record = NULL;
	if (kl->file_used)
		return from_file(kl, name, record, why, whylen);
	if (kl->dns == NULL && open_dns(kl, why, whylen) == -1)
		return KEY_TEMPFAIL;

	if (kmta_dns_txt(kl->dns, name, &txt, &err) == -1) {
		snprintf(why, whylen, "%s", err.msg);
		return KEY_TEMPFAIL;
	}
	if (txt.result == KMTA_DNS_FAILED) {
		snprintf(why, whylen, "DNS lookup of %s failed: %s", name,
		    txt.why);
	} else if (txt.result != KMTA_DNS_FOUND || txt.count == 0) {
		snprintf(why, whylen, "no key record for %s", name);
		status = KEY_MISSING;
	} else if ((*record = strdup(txt.texts[0])) == NULL) {
		snprintf(why, whylen, "out of memory");
	} else {
		status = KEY_FOUND;
	}
	kmta_txt_set_free(&txt);
	return status;
}
