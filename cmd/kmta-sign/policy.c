#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keylookup.h"
#include "log.h"
#include "request.h"

/*
 * Look up the request's record and compare it with its private key.
 * Returns 0 when it matches, 1 when it is missing or does not match
 * (reason in why), or -1 when the lookup failed for now.
 */
static int
record_matches(struct key_lookup *kl, const struct dkim_request *req,
    char *why, size_t whylen)
{
	struct key_record rec;
	enum key_lookup_status status;
	const char *reason;
	char name[512], *record;
	int rc = 1;

	snprintf(name, sizeof(name), "%s._domainkey.%s", req->selector,
	    req->domain);
	status = key_lookup_find(kl, name, &record, why, whylen);
	if (status != KEY_FOUND)
		return status == KEY_MISSING ? 1 : -1;
	memset(&rec, 0, sizeof(rec));
	if (key_record_parse(record, req->algo, &rec, &reason) == -1) {
		snprintf(why, whylen, "key record %s is unusable: %s", name,
		    reason);
	} else if (EVP_PKEY_eq(rec.key, req->key) != 1) {
		snprintf(why, whylen, "key record %s is for a different key",
		    name);
	} else {
		rc = 0;
	}
	EVP_PKEY_free(rec.key);
	free(record);
	return rc;
}

static void
drop_request(struct sign_job *job, size_t i)
{
	EVP_PKEY_free(job->req[i].key);
	memmove(&job->req[i], &job->req[i + 1],
	    (job->count - i - 1) * sizeof(job->req[0]));
	job->count--;
}

int
sign_job_check_published(const struct kmta_conf *conf, struct sign_job *job,
    struct kmta_err *err)
{
	struct key_lookup kl;
	char why[256];
	size_t i = 0;
	int rc = 0, match;

	key_lookup_init(&kl, conf, NULL, err);
	while (i < job->count && rc == 0) {
		const struct dkim_request *req = &job->req[i];

		if (req->policy == POLICY_ALWAYS) {
			i++;
			continue;
		}
		match = record_matches(&kl, req, why, sizeof(why));
		if (match == 0) {
			i++;
		} else if (match == -1 ||
		    req->policy == POLICY_REQUIRE_KEY_PUBLISHED) {
			rc = kmta_err_set(err, EX_TEMPFAIL, "%s; message not "
			    "signed, try again later", why);
		} else {
			kmta_warn("%s; leaving out the %s signature for %s",
			    why, dkim_algo_name(req->algo), req->domain);
			drop_request(job, i);
		}
	}
	key_lookup_free(&kl);
	return rc;
}
