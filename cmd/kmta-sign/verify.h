/* Verifying DKIM-Signature fields (RFC 6376 section 6, RFC 8463). */
#ifndef KMTA_SIGN_VERIFY_H
#define KMTA_SIGN_VERIFY_H

#include "buf.h"
#include "keylookup.h"
#include "message.h"

/* Results as RFC 8601 names them for the dkim method. */
enum dkim_result {
	DKIM_PASS,
	DKIM_FAIL,
	DKIM_NEUTRAL,
	DKIM_TEMPERROR,
	DKIM_PERMERROR,
};

/* Signatures whose t= is further ahead of the local clock are rejected. */
#define VERIFY_CLOCK_SKEW 300

struct dkim_verdict {
	enum dkim_result result;
	char domain[256];
	char selector[128];
	char algo[32];
	char reason[160];	/* empty on pass, unless worth a comment */
};

const char *dkim_result_name(enum dkim_result r);

/*
 * Append the raw field with the value of its b= tag removed, which is the
 * form the signer hashed (RFC 6376 section 3.7).
 */
int dkim_strip_b_value(const struct kmta_header *field,
    struct kmta_buf *out);

/*
 * Verify the DKIM-Signature field at m->headers[field] with key records
 * from keys, at time now. Never fails as a call: every problem is a
 * verdict with a reason.
 */
void dkim_verify_field(const struct kmta_message *m, size_t field,
    struct key_lookup *keys, long long now, struct dkim_verdict *v);



/*
 * kmta-sign verify [-c FILE] [--keys FILE] [--now SECONDS] < message: print one
 * Authentication-Results style line per signature; returns the exit
 * status (0 when one passes, 1 when none does, 75 on a temporary error).
 */
int verify_main(int argc, char **argv);
#endif
