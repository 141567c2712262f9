/* The text report: one fact a line, indented by host and address. */
#include <stdio.h>
#include <string.h>

#include "report.h"

static void
text_tlsa(FILE *out, const struct host_check *h, int port)
{
	const struct kmta_dane_host *d = &h->dane;
	char rec[KMTA_TLSA_DATA_MAX * 2 + 16];
	size_t i;

	if (d->tlsa_result == KMTA_DNS_FOUND)
		fprintf(out, "  TLSA _%d._tcp.%s: %s, %zu records, %zu usable\n",
		    port, d->tlsa_base, kmta_dnssec_name(d->tlsa_security),
		    d->count, d->usable);
	else
		fprintf(out, "  TLSA _%d._tcp.%s: %s (%s)\n", port, d->tlsa_base,
		    kmta_dns_result_name(d->tlsa_result),
		    kmta_dnssec_name(d->tlsa_security));
	for (i = 0; i < d->count; i++) {
		kmta_tlsa_format(&d->tlsa[i], rec, sizeof(rec));
		fprintf(out, "    %s %s %s\n", rec,
		    kmta_tlsa_usage_name(d->tlsa[i].usage),
		    kmta_tlsa_usable(&d->tlsa[i]) ? "usable" : "unusable");
	}
}

static void
text_probe(FILE *out, const struct probe_result *p)
{
	char rec[KMTA_TLSA_DATA_MAX * 2 + 16];

	if (!p->tls) {
		fprintf(out, "    %s: %s\n", p->addr, p->error);
		return;
	}
	fprintf(out, "    %s: STARTTLS %s %s, certificate CN=%s expires in "
	    "%ld days\n", p->addr, p->tls_version, p->cipher,
	    p->subject[0] ? p->subject : "(none)", p->days_left);
	if (p->dane_checked && p->dane.verified) {
		kmta_tlsa_format(&p->dane.tlsa, rec, sizeof(rec));
		fprintf(out, "    %s: DANE verified: %s matched at depth %d\n",
		    p->addr, rec, p->dane.depth);
	} else if (p->dane_checked)
		fprintf(out, "    %s: DANE verification failed: %s\n", p->addr,
		    p->dane.why);
	fprintf(out, "    %s: PKIX %s%s%s\n", p->addr,
	    p->pkix_valid ? "valid" : "invalid",
	    p->pkix_valid ? "" : ": ", p->pkix_valid ? "" : p->pkix_why);
}

static void
text_host(FILE *out, const struct domain_check *c, const struct host_check *h)
{
	const struct kmta_dane_host *d = &h->dane;
	size_t i;

	if (c->host_mode)
		fprintf(out, "host %s\n", d->host);
	else
		fprintf(out, "mx %u %s\n", h->preference, d->host);
	fprintf(out, "  addresses: %s", kmta_dnssec_name(d->addrs.security));
	if (d->addrs.cnames > 0)
		fprintf(out, " (CNAME to %s)", d->addrs.name);
	for (i = 0; i < d->addrs.count; i++)
		fprintf(out, " %s", d->addrs.addrs[i]);
	fprintf(out, "\n");
	text_tlsa(out, h, c->port);
	fprintf(out, "  DANE: %s\n", kmta_dane_outcome_name(d->outcome));
	if (c->sts_checked && c->sts.source != KMTA_STS_SRC_NONE &&
	    c->sts.policy.mode != KMTA_STS_NONE)
		fprintf(out, "  MTA-STS mx pattern: %s\n",
		    h->sts_match ? "matches" : "no match");
	for (i = 0; i < h->nprobes; i++)
		text_probe(out, &h->probes[i]);
	fprintf(out, "  policy: %s\n", kmta_tls_policy_name(h->policy));
	fprintf(out, "  verdict: %s%s%s\n", verdict_name(h->verdict),
	    h->reason[0] ? ": " : "", h->reason);
}

static void
text_sts(FILE *out, const struct domain_check *c)
{
	static const char *source[] = { "none", "fetched", "cached",
	    "cached, refresh failed" };
	const struct kmta_sts_policy *p = &c->sts.policy;
	size_t i;

	if (!c->sts_checked)
		return;
	if (c->sts.source == KMTA_STS_SRC_NONE) {
		fprintf(out, "MTA-STS: none: %s\n", c->sts.error[0] ?
		    c->sts.error : "no v=STSv1 TXT record");
		return;
	}
	fprintf(out, "MTA-STS: mode %s, max_age %ld, id %s (%s)\n",
	    kmta_sts_mode_name(p->mode), p->max_age, p->id,
	    source[c->sts.source]);
	for (i = 0; i < p->mx_count; i++)
		fprintf(out, "  mx: %s\n", p->mx[i]);
}

static void
text_tlsrpt(FILE *out, const struct domain_check *c)
{
	size_t i;

	if (!c->tlsrpt_checked)
		return;
	if (!c->tlsrpt.found) {
		fprintf(out, "TLS-RPT: none: %s\n", c->tlsrpt.error[0] ?
		    c->tlsrpt.error : "no v=TLSRPTv1 TXT record");
		return;
	}
	fprintf(out, "TLS-RPT: v=TLSRPTv1\n");
	for (i = 0; i < c->tlsrpt.rua_count; i++)
		fprintf(out, "  rua: %s\n", c->tlsrpt.rua[i]);
}

void
report_text(FILE *out, const struct domain_check *c)
{
	size_t i;

	if (!c->host_mode) {
		fprintf(out, "domain %s\n", c->domain);
		if (c->mx.result == KMTA_DNS_FOUND)
			fprintf(out, "MX: %s, %s\n",
			    kmta_dnssec_name(c->mx.security),
			    c->mx.null_mx ? "null MX" : "found");
		else
			fprintf(out, "MX: %s (%s)%s\n",
			    kmta_dns_result_name(c->mx.result),
			    kmta_dnssec_name(c->mx.security),
			    c->implicit_mx ? ", the domain is its own host" :
			    "");
	}
	for (i = 0; i < c->nhosts; i++)
		text_host(out, c, &c->hosts[i]);
	text_sts(out, c);
	text_tlsrpt(out, c);
	for (i = 0; i < c->nwarnings; i++)
		fprintf(out, "warning: %s\n", c->warnings[i]);
	fprintf(out, "result: %s\n", c->summary);
}
