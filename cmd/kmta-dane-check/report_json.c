/* The JSON report (jansson): the facts of the text report as one object. */
#include <stdio.h>

#include <jansson.h>

#include "report.h"

static json_t *
json_tlsa(const struct kmta_tlsa *t)
{
	char rec[KMTA_TLSA_DATA_MAX * 2 + 16];

	kmta_tlsa_format(t, rec, sizeof(rec));
	return json_pack("{s:i, s:i, s:i, s:s, s:s, s:b}",
	    "usage", t->usage, "selector", t->selector, "mtype", t->mtype,
	    "record", rec, "usage_name", kmta_tlsa_usage_name(t->usage),
	    "usable", kmta_tlsa_usable(t));
}

static json_t *
json_probe(const struct probe_result *p)
{
	json_t *o = json_pack("{s:s, s:b, s:b, s:b}", "address", p->addr,
	    "connected", p->connected, "starttls", p->starttls_offered,
	    "tls", p->tls);

	if (p->error[0])
		json_object_set_new(o, "error", json_string(p->error));
	if (!p->tls)
		return o;
	json_object_set_new(o, "tls_version", json_string(p->tls_version));
	json_object_set_new(o, "cipher", json_string(p->cipher));
	json_object_set_new(o, "certificate_cn", json_string(p->subject));
	json_object_set_new(o, "days_left", json_integer(p->days_left));
	json_object_set_new(o, "pkix_valid", json_boolean(p->pkix_valid));
	if (!p->pkix_valid)
		json_object_set_new(o, "pkix_error", json_string(p->pkix_why));
	if (p->dane_checked) {
		json_object_set_new(o, "dane_verified",
		    json_boolean(p->dane.verified));
		if (p->dane.verified) {
			json_object_set_new(o, "dane_depth",
			    json_integer(p->dane.depth));
			json_object_set_new(o, "dane_match",
			    json_tlsa(&p->dane.tlsa));
		} else
			json_object_set_new(o, "dane_error",
			    json_string(p->dane.why));
	}
	return o;
}

static json_t *
json_host(const struct domain_check *c, const struct host_check *h)
{
	const struct kmta_dane_host *d = &h->dane;
	json_t *o, *addrs = json_array(), *tlsa = json_array(),
	    *probes = json_array();
	char name[KMTA_DNS_NAME_MAX + 16];
	size_t i;

	for (i = 0; i < d->addrs.count; i++)
		json_array_append_new(addrs, json_string(d->addrs.addrs[i]));
	for (i = 0; i < d->count; i++)
		json_array_append_new(tlsa, json_tlsa(&d->tlsa[i]));
	for (i = 0; i < h->nprobes; i++)
		json_array_append_new(probes, json_probe(&h->probes[i]));
	snprintf(name, sizeof(name), "_%d._tcp.%s", c->port, d->tlsa_base);

	o = json_pack("{s:s, s:i, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:s, "
	    "s:s, s:s, s:o}",
	    "host", d->host, "preference", h->preference,
	    "address_dnssec", kmta_dnssec_name(d->addrs.security),
	    "address_name", d->addrs.name, "addresses", addrs,
	    "tlsa_name", name,
	    "tlsa_result", kmta_dns_result_name(d->tlsa_result),
	    "tlsa_dnssec", kmta_dnssec_name(d->tlsa_security),
	    "tlsa", tlsa, "dane", kmta_dane_outcome_name(d->outcome),
	    "policy", kmta_tls_policy_name(h->policy),
	    "verdict", verdict_name(h->verdict), "probes", probes);
	if (h->reason[0])
		json_object_set_new(o, "reason", json_string(h->reason));
	if (c->sts_checked && c->sts.source != KMTA_STS_SRC_NONE &&
	    c->sts.policy.mode != KMTA_STS_NONE)
		json_object_set_new(o, "mta_sts_match",
		    json_boolean(h->sts_match));
	return o;
}

static json_t *
json_sts(const struct domain_check *c)
{
	static const char *source[] = { "none", "fetched", "cache",
	    "cache-stale" };
	const struct kmta_sts_policy *p = &c->sts.policy;
	json_t *o, *mx;
	size_t i;

	o = json_pack("{s:s}", "source", source[c->sts.source]);
	if (c->sts.error[0])
		json_object_set_new(o, "error", json_string(c->sts.error));
	if (c->sts.source == KMTA_STS_SRC_NONE)
		return o;
	mx = json_array();
	for (i = 0; i < p->mx_count; i++)
		json_array_append_new(mx, json_string(p->mx[i]));
	json_object_set_new(o, "mode", json_string(kmta_sts_mode_name(p->mode)));
	json_object_set_new(o, "max_age", json_integer(p->max_age));
	json_object_set_new(o, "id", json_string(p->id));
	json_object_set_new(o, "mx", mx);
	return o;
}

static json_t *
json_tlsrpt(const struct domain_check *c)
{
	json_t *o = json_pack("{s:b}", "found", c->tlsrpt.found), *rua;
	size_t i;

	if (c->tlsrpt.error[0])
		json_object_set_new(o, "error", json_string(c->tlsrpt.error));
	rua = json_array();
	for (i = 0; i < c->tlsrpt.rua_count; i++)
		json_array_append_new(rua, json_string(c->tlsrpt.rua[i]));
	json_object_set_new(o, "rua", rua);
	return o;
}

int
report_json(FILE *out, const struct domain_check *c)
{
	json_t *o, *hosts = json_array(), *warnings = json_array();
	size_t i;
	int rc;

	for (i = 0; i < c->nhosts; i++)
		json_array_append_new(hosts, json_host(c, &c->hosts[i]));
	for (i = 0; i < c->nwarnings; i++)
		json_array_append_new(warnings, json_string(c->warnings[i]));
	o = json_pack("{s:s, s:o, s:o, s:i, s:s}",
	    c->host_mode ? "host" : "domain", c->domain, "hosts", hosts,
	    "warnings", warnings, "exit", c->exit_code, "result", c->summary);
	if (o == NULL)
		return -1;
	if (!c->host_mode) {
		json_object_set_new(o, "mx_result",
		    json_string(kmta_dns_result_name(c->mx.result)));
		json_object_set_new(o, "mx_dnssec",
		    json_string(kmta_dnssec_name(c->mx.security)));
		json_object_set_new(o, "null_mx", json_boolean(c->mx.null_mx));
		json_object_set_new(o, "implicit_mx",
		    json_boolean(c->implicit_mx));
	}
	if (c->sts_checked)
		json_object_set_new(o, "mta_sts", json_sts(c));
	if (c->tlsrpt_checked)
		json_object_set_new(o, "tls_rpt", json_tlsrpt(c));
	rc = json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(o);
	return rc;
}
