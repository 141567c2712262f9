/*
 * In-process DNSSEC validation with ldns, from a trust anchor file.
 *
 * Replies are asked for with the CD bit, so a validating resolver passes
 * data through and kmta decides. An RRset is secure when its RRSIG verifies
 * along a chain of DS and DNSKEY records up to an anchor
 * (ldns_verify_trusted). A denial is secure when its NSEC or NSEC3 records
 * verify and prove it. Otherwise the names from the root down to the
 * query name are searched for an insecure delegation: a signed NSEC or
 * NSEC3 record showing an NS and no DS record. With one the answer is
 * insecure, without one it is bogus.
 *
 * NOTE: NSEC3 opt-out spans and wildcard expansions are not checked, so
 * such answers come out bogus rather than insecure or secure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dns_int.h"

int
kmta_dns_load_anchors(const char *path, ldns_rr_list **out,
    struct kmta_err *err)
{
	ldns_rr_list *anchors;
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	ldns_status st;
	ldns_rr *rr;
	FILE *f;
	int line = 0;

	f = fopen(path, "r");
	if (f == NULL)
		return kmta_err_set(err, kmta_errno_code(errno), "%s: %s",
		    path, strerror(errno));
	anchors = ldns_rr_list_new();
	while (anchors != NULL && !feof(f)) {
		line++;
		st = ldns_rr_new_frm_fp(&rr, f, &ttl, &origin, &prev);
		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st != LDNS_STATUS_OK) {
			if (feof(f))
				break;
			fclose(f);
			ldns_rr_list_deep_free(anchors);
			ldns_rdf_deep_free(origin);
			ldns_rdf_deep_free(prev);
			return kmta_err_set(err, EX_CONFIG, "%s: record %d: %s",
			    path, line, ldns_get_errorstr_by_id(st));
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY ||
		    ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS)
			ldns_rr_list_push_rr(anchors, rr);
		else
			ldns_rr_free(rr);
	}
	fclose(f);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (anchors == NULL || ldns_rr_list_rr_count(anchors) == 0) {
		ldns_rr_list_deep_free(anchors);
		return kmta_err_set(err, EX_CONFIG,
		    "%s: no DNSKEY or DS record", path);
	}
	*out = anchors;
	return 0;
}

/* The RRSIGs in section that cover owner/type. */
static ldns_rr_list *
sigs_for(ldns_pkt *pkt, const ldns_rdf *owner, ldns_rr_type type,
    ldns_pkt_section section)
{
	ldns_rr_list *all, *sigs = ldns_rr_list_new();
	ldns_rr *rr;
	size_t i;

	all = ldns_pkt_rr_list_by_name_and_type(pkt, owner,
	    LDNS_RR_TYPE_RRSIG, section);
	for (i = 0; all != NULL && sigs != NULL &&
	    i < ldns_rr_list_rr_count(all); i++) {
		rr = ldns_rr_list_rr(all, i);
		if (ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == type)
			ldns_rr_list_push_rr(sigs, ldns_rr_clone(rr));
	}
	ldns_rr_list_deep_free(all);
	return sigs;
}

static bool
rrset_trusted(ldns_resolver *res, ldns_pkt *pkt, ldns_rr_list *rrset,
    ldns_pkt_section section)
{
	ldns_rr *first = ldns_rr_list_rr(rrset, 0);
	ldns_rr_list *sigs;
	bool ok;

	sigs = sigs_for(pkt, ldns_rr_owner(first), ldns_rr_get_type(first),
	    section);
	ok = sigs != NULL && ldns_rr_list_rr_count(sigs) > 0 &&
	    ldns_verify_trusted(res, rrset, sigs, NULL) == LDNS_STATUS_OK;
	ldns_rr_list_deep_free(sigs);
	return ok;
}

/* Every NSEC or NSEC3 record of the authority section, and whether all verify. */
static ldns_rr_list *
denial_records(ldns_resolver *res, ldns_pkt *pkt, ldns_rr_type type,
    bool *all_trusted)
{
	ldns_rr_list *recs, *single;
	size_t i;

	*all_trusted = true;
	recs = ldns_pkt_rr_list_by_type(pkt, type, LDNS_SECTION_AUTHORITY);
	for (i = 0; recs != NULL && i < ldns_rr_list_rr_count(recs); i++) {
		single = ldns_rr_list_new();
		ldns_rr_list_push_rr(single, ldns_rr_list_rr(recs, i));
		if (!rrset_trusted(res, pkt, single, LDNS_SECTION_AUTHORITY))
			*all_trusted = false;
		ldns_rr_list_free(single);
	}
	return recs;
}

/* True when nsec (NSEC or NSEC3) is the record of name itself. */
static bool
record_of(const ldns_rr *nsec, const ldns_rdf *name)
{
	ldns_rdf *hash, *label;
	bool same;

	if (ldns_rr_get_type(nsec) == LDNS_RR_TYPE_NSEC)
		return ldns_dname_compare(ldns_rr_owner(nsec), name) == 0;
	hash = ldns_nsec3_hash_name_frm_nsec3(nsec, name);
	label = ldns_dname_label(ldns_rr_owner(nsec), 0);
	same = hash != NULL && label != NULL &&
	    ldns_dname_compare(hash, label) == 0;
	ldns_rdf_deep_free(hash);
	ldns_rdf_deep_free(label);
	return same;
}

static ldns_rdf *
record_bitmap(const ldns_rr *nsec)
{
	return ldns_rr_get_type(nsec) == LDNS_RR_TYPE_NSEC ?
	    ldns_nsec_get_bitmap(nsec) : ldns_nsec3_bitmap(nsec);
}

/*
 * One step of the walk down: is name an insecure delegation (1), a
 * secure one or no delegation (0), or does its proof fail (-1)?
 */
static int
delegation_insecure(ldns_resolver *res, const ldns_rdf *name)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *ds, *recs;
	ldns_rdf *bitmap;
	bool trusted;
	int rc = 0;
	size_t i;

	if (ldns_resolver_query_status(&pkt, res, name, LDNS_RR_TYPE_DS,
	    LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK || pkt == NULL)
		return -1;
	ds = ldns_pkt_rr_list_by_name_and_type(pkt, name, LDNS_RR_TYPE_DS,
	    LDNS_SECTION_ANSWER);
	if (ds != NULL && ldns_rr_list_rr_count(ds) > 0) {
		rc = rrset_trusted(res, pkt, ds, LDNS_SECTION_ANSWER) ? 0 : -1;
		goto done;
	}
	recs = denial_records(res, pkt, LDNS_RR_TYPE_NSEC, &trusted);
	if (recs == NULL || ldns_rr_list_rr_count(recs) == 0) {
		ldns_rr_list_deep_free(recs);
		recs = denial_records(res, pkt, LDNS_RR_TYPE_NSEC3, &trusted);
	}
	for (i = 0; recs != NULL && i < ldns_rr_list_rr_count(recs); i++) {
		if (!record_of(ldns_rr_list_rr(recs, i), name))
			continue;
		bitmap = record_bitmap(ldns_rr_list_rr(recs, i));
		if (!trusted)
			rc = -1;
		else if (ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_NS) &&
		    !ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_DS) &&
		    !ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_SOA))
			rc = 1;
	}
	ldns_rr_list_deep_free(recs);
done:
	ldns_rr_list_deep_free(ds);
	ldns_pkt_free(pkt);
	return rc;
}

/* An answer that did not verify: insecure below an unsigned cut, else bogus. */
static enum kmta_dnssec
insecure_or_bogus(ldns_resolver *res, const ldns_rdf *qname)
{
	uint8_t labels = ldns_dname_label_count(qname), depth;
	ldns_rdf *name;
	int rc;

	for (depth = 1; depth <= labels; depth++) {
		name = ldns_dname_clone_from(qname, (uint16_t)(labels - depth));
		if (name == NULL)
			return KMTA_DNSSEC_FAILED;
		rc = delegation_insecure(res, name);
		ldns_rdf_deep_free(name);
		if (rc == 1)
			return KMTA_DNSSEC_INSECURE;
		if (rc == -1)
			return KMTA_DNSSEC_BOGUS;
	}
	return KMTA_DNSSEC_BOGUS;
}

static enum kmta_dnssec
validate_denial(ldns_resolver *res, ldns_pkt *pkt, const ldns_rdf *qname,
    ldns_rr_type qtype)
{
	ldns_rr_list *recs, *sigs;
	ldns_rr *question;
	ldns_status st;
	bool trusted, nsec3 = false;

	recs = denial_records(res, pkt, LDNS_RR_TYPE_NSEC, &trusted);
	if (recs == NULL || ldns_rr_list_rr_count(recs) == 0) {
		ldns_rr_list_deep_free(recs);
		recs = denial_records(res, pkt, LDNS_RR_TYPE_NSEC3, &trusted);
		nsec3 = true;
	}
	if (recs == NULL || ldns_rr_list_rr_count(recs) == 0 || !trusted) {
		ldns_rr_list_deep_free(recs);
		return insecure_or_bogus(res, qname);
	}

	question = ldns_rr_new();
	sigs = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_RRSIG,
	    LDNS_SECTION_AUTHORITY);
	ldns_rr_set_owner(question, ldns_rdf_clone(qname));
	ldns_rr_set_type(question, qtype);
	ldns_rr_set_question(question, true);
	st = nsec3 ? ldns_dnssec_verify_denial_nsec3(question, recs, sigs,
	    ldns_pkt_get_rcode(pkt), qtype, true) :
	    ldns_dnssec_verify_denial(question, recs, sigs);
	ldns_rr_free(question);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list_deep_free(recs);
	return st == LDNS_STATUS_OK ? KMTA_DNSSEC_SECURE : KMTA_DNSSEC_BOGUS;
}

enum kmta_dnssec
kmta_dns_validate(ldns_resolver *res, ldns_pkt *pkt, const ldns_rdf *qname,
    ldns_rr_type qtype)
{
	ldns_rr_list *rrset;
	enum kmta_dnssec s;

	rrset = ldns_pkt_rr_list_by_name_and_type(pkt, qname, qtype,
	    LDNS_SECTION_ANSWER);
	if (rrset == NULL || ldns_rr_list_rr_count(rrset) == 0) {
		ldns_rr_list_deep_free(rrset);
		rrset = ldns_pkt_rr_list_by_name_and_type(pkt, qname,
		    LDNS_RR_TYPE_CNAME, LDNS_SECTION_ANSWER);
	}
	if (rrset == NULL || ldns_rr_list_rr_count(rrset) == 0) {
		ldns_rr_list_deep_free(rrset);
		return validate_denial(res, pkt, qname, qtype);
	}
	s = rrset_trusted(res, pkt, rrset, LDNS_SECTION_ANSWER) ?
	    KMTA_DNSSEC_SECURE : insecure_or_bogus(res, qname);
	ldns_rr_list_deep_free(rrset);
	return s;
}
