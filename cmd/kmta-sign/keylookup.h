/*
 * Finding a selector's key record: in a --keys file, or in DNS through
 * libcommon's resolver ([dns] name_servers and timeout).
 */
#ifndef KMTA_SIGN_KEYLOOKUP_H
#define KMTA_SIGN_KEYLOOKUP_H

#include <stddef.h>

#include "conf.h"
#include "dns.h"
#include "keyrecord.h"

struct key_lookup {
	struct keys_file file;	/* used when loaded (file_used) */
	int file_used;
	struct kmta_dns *dns;	/* opened on first DNS lookup */
	const struct kmta_conf *conf;
};

enum key_lookup_status {
	KEY_FOUND,
	KEY_MISSING,		/* no such name or no TXT record */
	KEY_TEMPFAIL,		/* DNS failed: try again later */
};

/* Use keys_path when not NULL, else DNS with conf's [dns] settings. */
int key_lookup_init(struct key_lookup *kl, const struct kmta_conf *conf,
    const char *keys_path, struct kmta_err *err);
void key_lookup_free(struct key_lookup *kl);

/*
 * Find the record of name (SELECTOR._domainkey.DOMAIN). On KEY_FOUND
 * *record is a malloc'd copy; otherwise why (whylen bytes) gets the
 * reason.
 * When DNS has several TXT records, the first is used.
 */
enum key_lookup_status key_lookup_find(struct key_lookup *kl,
    const char *name, char **record, char *why, size_t whylen);

#endif
