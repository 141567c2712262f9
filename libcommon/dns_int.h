/* Internal to dns*.c: in-process DNSSEC validation and name text. */
#ifndef KMTA_DNS_INT_H
#define KMTA_DNS_INT_H

#include "dns.h"

/* Read the DNSKEY and DS records of a root.key style file. */
int kmta_dns_load_anchors(const char *path, ldns_rr_list **out,
    struct kmta_err *err);

/*
 * The DNSSEC status of a NOERROR or NXDOMAIN reply to qname/qtype, asked
 * with the CD bit through res, whose DNSSEC anchors are set.
 */
enum kmta_dnssec kmta_dns_validate(ldns_resolver *res, ldns_pkt *pkt,
    const ldns_rdf *qname, ldns_rr_type qtype);

/* Copy a domain name as text without its trailing dot ("." stays). */
void kmta_dns_name_str(const ldns_rdf *rdf, char *out, size_t outlen);

#endif
