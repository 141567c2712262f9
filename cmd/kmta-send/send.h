/*
 * kmta-send internals: routing, the SMTP client and per-recipient results.
 * Functions return 0 or -1 with a struct kmta_err, as libcommon does; only
 * main.c and result.c write to stdout.
 */
#ifndef KMTA_SEND_H
#define KMTA_SEND_H

#include <stdbool.h>
#include <stddef.h>

#include <ldns/ldns.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "dane.h"
#include "dns.h"
#include "mtasts.h"
#include "err.h"
#include "keysource.h"
#include "message.h"

#define SEND_HOST_MAX 256	/* a DNS name with its NUL */
#define SEND_PEER_MAX 320	/* "NAME[ADDRESS]:PORT" */
#define SEND_TEXT_MAX 512	/* reply text kept per recipient */
#define SEND_ESC_MAX 16		/* "5.7.1" and a little more */

enum outcome {
	OUTCOME_PENDING,
	OUTCOME_DELIVERED,
	OUTCOME_DEFERRED,
	OUTCOME_FAILED,
};

enum tls_level {
	TLS_DISABLED,
	TLS_OPPORTUNISTIC,
	TLS_REQUIRED,
	TLS_VERIFY,
	TLS_DANE,	/* per host from TLSA records, never from the config */
};

/* The final state of one recipient, printed as one result line. */
struct rcpt {
	const char *addr;
	const char *domain;	/* points into addr, after the last '@' */
	enum outcome outcome;
	char code[4];		/* "250", or "" when no server replied */
	char esc[SEND_ESC_MAX];	/* RFC 3463 code, or "" */
	char host[SEND_PEER_MAX]; /* "NAME[ADDRESS]:PORT", or "" */
	char text[SEND_TEXT_MAX];
	char tls[128];		/* "tls=TLSv1.3 cipher=...", for the log */
	bool policy_refused;	/* deferred by local policy: exit 77 */
};

/* One SMTP reply: the code, the enhanced status code and the joined text. */
struct smtp_reply {
	int code;		/* 0 when no reply arrived */
	char esc[SEND_ESC_MAX];
	char text[1024];	/* lines joined with a space, codes removed */
	char lines[4096];	/* text of each line, '\n'-separated (EHLO) */
};

/* One host to try, in order: from MX records, the implicit MX or a relay. */
struct route_host {
	char name[SEND_HOST_MAX];
	int preference;
	int port;
	bool relay;		/* from the relay setting: see route_addresses */
};

struct route {
	struct route_host *hosts;
	size_t nhosts;
	bool relay;		/* hosts come from the relay setting */
	bool dane;		/* DANE applies: decide TLS per host */
	enum kmta_dnssec mx_security;
	char esc[SEND_ESC_MAX];	/* RFC 3463 code when the lookup failed */
};

/* A connection to one server address, with or without TLS. */
struct smtp_conn {
	int fd;
	SSL *ssl;
	char name[SEND_HOST_MAX];
	char addr[64];		/* numeric address */
	int port;
	char peer[SEND_PEER_MAX];
	char rbuf[4096];
	size_t rlen;		/* bytes in rbuf */
	size_t roff;		/* first unread byte in rbuf */
	long deadline_ms;	/* CLOCK_MONOTONIC time the current step ends */

	/* EHLO extensions of the current session. */
	bool esmtp;
	bool ext_starttls;
	bool ext_8bitmime;
	bool ext_smtputf8;
	bool ext_pipelining;
	bool ext_size;
	unsigned long size_max;	/* 0 when SIZE gives no limit */
	bool auth_plain;	/* AUTH PLAIN offered (RFC 4616) */
	bool auth_login;	/* AUTH LOGIN offered */
	bool tls_verified;	/* the peer's certificate passed verification */
	char policy[128];	/* "dane=usable ..." for the log, or "" */
	bool sts_testing;	/* report what MTA-STS enforce would reject */
};

/* Handling of a line over BODY_LINE_MAX octets, set by [send] long_lines. */
enum long_lines {
	LONG_LINES_SEND,	/* send it unchanged and log a warning */
	LONG_LINES_FOLD,	/* insert CRLF SPACE, as Postfix does */
	LONG_LINES_REJECT,	/* fail the message before connecting */
};

/* RFC 5321 section 4.5.3.1.6: 1000 octets with the CRLF. */
#define BODY_LINE_MAX 998

/* Settings of one delivery, from the config and the command line. */
struct send_opts {
	const struct kmta_conf *conf;
	char helo_name[SEND_HOST_MAX];
	long connect_timeout;	/* seconds */
	long command_timeout;	/* seconds; 0 means the RFC 5321 defaults */
	const char *ca_file;	/* NULL: the system's CA store */
	int family;		/* AF_UNSPEC, AF_INET or AF_INET6 */
	int prefer_family;	/* AF_INET6 or AF_INET: tried first */
	enum long_lines long_lines;
	bool verbose;
};

/* The envelope and message of one transaction. */
struct envelope {
	const char *sender;	/* "" for the null sender */
	const char *msgref;	/* "-" for stdin or -m */
	const struct kmta_message *msg;
	struct rcpt *rcpts;
	size_t nrcpts;
};

/* addr.c */
int addr_check_mailbox(const char *addr, const char *what,
    struct kmta_err *err);
const char *addr_domain(const char *addr);
bool addr_is_ascii(const char *addr);

/* mx.c */
int mx_dns_resolver(const struct send_opts *o, ldns_resolver **out,
    struct kmta_err *err);
int mx_dns_query(ldns_resolver *res, const char *name, ldns_rr_type type,
    ldns_pkt **pkt, struct kmta_err *err);
int route_lookup(const struct send_opts *o, struct kmta_dns *dns,
    const char *domain, struct route *r, struct kmta_err *err);
void route_free(struct route *r);

/* hostaddr.c */
#define ROUTE_ADDRS_MAX 16
int route_addresses(const struct send_opts *o, const struct route_host *h,
    char (*addrs)[64], size_t *n, char *esc, struct kmta_err *err);

/* conn.c */
int conn_open(struct smtp_conn *c, const struct send_opts *o,
    const char *name, const char *addr, int port, struct kmta_err *err);
void conn_close(struct smtp_conn *c);
void conn_set_timeout(struct smtp_conn *c, long seconds);
int conn_arm(struct smtp_conn *c, const char *what, struct kmta_err *err);
int conn_write(struct smtp_conn *c, const char *data, size_t len,
    struct kmta_err *err);
int conn_read_line(struct smtp_conn *c, char *line, size_t size,
    size_t *len, struct kmta_err *err);
void conn_discard_input(struct smtp_conn *c);

/* reply.c */
int reply_read(struct smtp_conn *c, struct smtp_reply *r,
    struct kmta_err *err);
int smtp_command(struct smtp_conn *c, long timeout, struct smtp_reply *r,
    struct kmta_err *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* tls.c */
int tls_level_parse(const char *s, enum tls_level *level);
const char *tls_level_name(enum tls_level level);
int tls_start(struct smtp_conn *c, const struct send_opts *o,
    enum tls_level level, const struct kmta_dane_host *dane,
    struct kmta_err *err);
void tls_describe(const struct smtp_conn *c, char *buf, size_t size);
void tls_sts_testing_report(struct smtp_conn *c, const char *why);

/* body.c */
int body_send(struct smtp_conn *c, const struct kmta_message *m, bool fold,
    long block_timeout, struct kmta_err *err);
bool body_has_8bit(const struct kmta_message *m);
size_t body_longest_line(const struct kmta_message *m, size_t *lineno);

/* How to talk to the hosts of one destination domain. */
struct dest_policy {
	enum tls_level level;
	bool implicit_tls;	/* TLS from the first byte (RFC 8314, port 465) */
	const char *auth_username;	/* NULL: no SMTP AUTH */
	struct kmta_secret auth_password;
	bool auth_allow_unverified;	/* AUTH without verified TLS */
	const struct kmta_dane_host *dane;	/* TLS_DANE only */
	const char *dane_outcome;	/* for the log; NULL without DANE */
	enum kmta_sts_mode sts_mode;	/* MTA-STS policy of the domain */
	bool sts;			/* an MTA-STS policy applies */
};

/* auth.c */
int auth_policy_load(const struct send_opts *o, const char *domain,
    struct dest_policy *p, struct kmta_err *err);
void auth_policy_free(struct dest_policy *p);
int session_auth(struct smtp_conn *c, const struct send_opts *o,
    const struct dest_policy *p, struct rcpt *last);

/* session.c */
enum session_status {
	SESSION_DONE,		/* the session ended; see each recipient */
	SESSION_NEXT_HOST,	/* host-level failure: try the next address */
	SESSION_RETRY_PLAIN,	/* opportunistic TLS failed: retry without */
};
enum session_status session_run(struct smtp_conn *c,
    const struct send_opts *o, struct envelope *envs, size_t nenvs,
    const char *domain, const struct dest_policy *p, struct rcpt *last);
long session_timeout(const struct send_opts *o, long rfc_default);
void rcpt_set_reply(struct rcpt *r, const struct smtp_conn *c,
    const struct smtp_reply *reply);
void rcpt_set_error(struct rcpt *r, const struct smtp_conn *c,
    const struct kmta_err *err, const char *esc);

/* transaction.c */
enum transaction_status {
	TRANSACTION_DONE,	/* every recipient has a verdict */
	TRANSACTION_NEXT_HOST,	/* MAIL failed temporarily: other hosts */
	TRANSACTION_LOST,	/* the connection failed */
};
enum transaction_status transaction_run(struct smtp_conn *c,
    const struct send_opts *o, struct envelope *env, const char *domain,
    struct rcpt *last);

/* envelope.c */
int envelope_init(struct envelope *env, const char *sender, char **rcpts,
    size_t n, struct kmta_err *err);
int send_message_load(const char *path, enum long_lines long_lines,
    struct kmta_message *m, struct kmta_err *err);
void deliver_all(const struct send_opts *o, struct envelope *envs,
    size_t nenvs);
int envelope_report(struct envelope *envs, size_t nenvs);

/* batch.c */
int batch_run(const struct send_opts *o);

/* dane_policy.c */
int policy_dns_open(const struct send_opts *o, const char *domain,
    struct kmta_dns **dns, struct kmta_err *err);
int dane_host_policy(const struct send_opts *o, struct kmta_dns *dns,
    const struct route *r, const struct route_host *h,
    struct kmta_dane_host *dh, struct dest_policy *p, char (*addrs)[64],
    size_t *naddrs, struct rcpt *last);

/* sts_policy.c */
int sts_route_apply(const struct send_opts *o, struct kmta_dns *dns,
    const char *domain, struct route *r, struct dest_policy *p,
    struct rcpt *last);

/* deliver.c */
void deliver_domain(const struct send_opts *o, struct envelope *envs,
    size_t nenvs, const char *domain);
bool envelope_has_pending(const struct envelope *env, const char *domain);

/* result.c */
void rcpt_set(struct rcpt *r, enum outcome outcome, int code,
    const char *esc, const char *host, const char *text);
void rcpt_set_from(struct rcpt *r, const struct rcpt *from);
void result_print(const struct envelope *env);
int result_exit_code(const struct envelope *envs, size_t nenvs);
void result_log(const struct envelope *env, const struct rcpt *r);
const char *outcome_name(enum outcome o);
void reply_summary(const struct rcpt *r, char *buf, size_t size);

#endif
