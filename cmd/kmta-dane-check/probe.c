/* The STARTTLS probe of one MX address. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "probe.h"

struct smtp_conn {
	int fd;
	long timeout;
	char buf[4096];
	size_t len;
};

static int
connect_addr(const char *addr, int port, long timeout, char *why,
    size_t whylen)
{
	struct addrinfo hints = { 0 }, *ai;
	struct pollfd pfd;
	struct timeval tv = { timeout, 0 };
	char service[8];
	int fd, rc, soerr = 0;
	socklen_t len = sizeof(soerr);

	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%d", port);
	if ((rc = getaddrinfo(addr, service, &hints, &ai)) != 0) {
		snprintf(why, whylen, "%s", gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd == -1) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc == -1 && errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, (int)(timeout * 1000));
		if (rc == 0)
			soerr = ETIMEDOUT;
		else if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &len) == -1)
			soerr = errno;
	} else if (rc == -1)
		soerr = errno;
	if (soerr != 0) {
		snprintf(why, whylen, "connect: %s", strerror(soerr));
		close(fd);
		return -1;
	}

	/* Blocking from here on, with a time limit on every read and write. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * Read one SMTP reply (all its lines) into reply. Returns the reply code,
 * or -1 on a timeout, a closed connection or a malformed line.
 */
static int
read_reply(struct smtp_conn *c, char *reply, size_t replylen)
{
	char *nl;
	size_t used = 0, linelen;
	ssize_t n;
	int code = -1;
	bool last;

	reply[0] = '\0';
	for (;;) {
		nl = memchr(c->buf, '\n', c->len);
		if (nl == NULL) {
			if (c->len == sizeof(c->buf))
				return -1;
			n = read(c->fd, c->buf + c->len,
			    sizeof(c->buf) - c->len);
			if (n <= 0)
				return -1;
			c->len += (size_t)n;
			continue;
		}
		linelen = (size_t)(nl - c->buf) + 1;
		if (linelen < 4 || c->buf[0] < '2' || c->buf[0] > '5')
			return -1;
		code = atoi(c->buf);

		/* A line too long for the rest of reply is left out of it,
		 * but still decides whether the reply goes on. */
		last = linelen < 5 || c->buf[3] != '-';
		if (used + linelen < replylen) {
			memcpy(reply + used, c->buf, linelen);
			used += linelen;
			reply[used] = '\0';
		}
		memmove(c->buf, nl + 1, c->len - linelen);
		c->len -= linelen;
		if (last)
			return code;
	}
}

static int
send_line(struct smtp_conn *c, const char *line)
{
	size_t len = strlen(line);

	return write(c->fd, line, len) == (ssize_t)len ? 0 : -1;
}

/* True when an EHLO reply lists the STARTTLS keyword. */
static bool
ehlo_has_starttls(const char *reply)
{
	const char *line = reply;

	while (line != NULL && *line != '\0') {
		if (strncasecmp(line + 4, "STARTTLS", 8) == 0 &&
		    (line[12] == '\r' || line[12] == '\n' || line[12] == ' '))
			return true;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return false;
}

/* Record why the probe stopped; detail may be a server reply. */
static void
fail(struct probe_result *out, bool temporary, const char *what,
    const char *detail)
{
	char clean[160];
	size_t len = strlen(detail);

	/* Drop the reply's final CRLF; other control bytes become '?'. */
	while (len > 0 && (detail[len - 1] == '\n' || detail[len - 1] == '\r'))
		len--;
	kmta_log_clean(clean, sizeof(clean), detail, len);
	snprintf(out->error, sizeof(out->error), "%s%s%s", what,
	    what[0] ? ": " : "", clean);
	out->temporary = temporary;
}

/* Banner, EHLO and STARTTLS. Returns 0 when STARTTLS got a 220 reply. */
static int
smtp_starttls(struct smtp_conn *c, const struct probe_options *opt,
    struct probe_result *out)
{
	char reply[4096], line[300];
	int code;

	code = read_reply(c, reply, sizeof(reply));
	if (code != 220) {
		fail(out, true, "banner", code < 0 ? "no valid reply" :
		    reply);
		return -1;
	}
	snprintf(line, sizeof(line), "EHLO %s\r\n", opt->helo);
	if (send_line(c, line) == -1 ||
	    (code = read_reply(c, reply, sizeof(reply))) != 250) {
		fail(out, true, "EHLO", code < 0 ? "no valid reply" :
		    reply);
		return -1;
	}
	out->starttls_offered = ehlo_has_starttls(reply);
	if (!out->starttls_offered) {
		fail(out, false, "", "STARTTLS not offered");
		send_line(c, "QUIT\r\n");
		return -1;
	}
	if (send_line(c, "STARTTLS\r\n") == -1 ||
	    (code = read_reply(c, reply, sizeof(reply))) != 220) {
		fail(out, code >= 500 ? false : true, "STARTTLS",
		    code < 0 ? "no valid reply" : reply);
		return -1;
	}
	return 0;
}

static void
note_certificate(SSL *ssl, struct probe_result *out)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	X509_NAME *subject;
	int days = 0, secs = 0;

	if (cert == NULL)
		return;
	out->has_cert = true;
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
		out->days_left = days;
	subject = X509_get_subject_name(cert);
	X509_NAME_get_text_by_NID(subject, NID_commonName, out->subject,
	    sizeof(out->subject));
}

/* PKIX: a second verification of the chain the server sent. */
static void
check_pkix(SSL *ssl, const struct probe_options *opt, const char *host,
    struct probe_result *out)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int ok = 0;

	if (chain == NULL || sk_X509_num(chain) == 0 || store == NULL ||
	    ctx == NULL) {
		snprintf(out->pkix_why, sizeof(out->pkix_why),
		    "no certificate chain");
		goto done;
	}
	if (opt->ca_file != NULL ?
	    X509_STORE_load_file(store, opt->ca_file) != 1 :
	    X509_STORE_set_default_paths(store) != 1) {
		snprintf(out->pkix_why, sizeof(out->pkix_why),
		    "loading CA certificates %s failed",
		    opt->ca_file ? opt->ca_file : "(system default)");
		goto done;
	}
	X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), chain);
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set1_host(param, host, 0);
	X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
	ok = X509_verify_cert(ctx) == 1;
	if (!ok)
		snprintf(out->pkix_why, sizeof(out->pkix_why), "%s",
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
done:
	out->pkix_valid = ok;
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
}

static SSL_CTX *
new_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_dane_enable(ctx) <= 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void
handshake(struct smtp_conn *c, const struct probe_options *opt,
    const struct kmta_dane_host *h, struct probe_result *out)
{
	SSL_CTX *ctx = new_ctx();
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	struct kmta_err err;
	unsigned long e;

	if (ssl == NULL) {
		fail(out, true, "TLS setup", "OpenSSL failed");
		goto done;
	}
	if (h->outcome == KMTA_DANE_USABLE) {
		if (kmta_dane_ssl_arm(ssl, h, &err) == -1) {
			fail(out, true, "", err.msg);
			goto done;
		}
		out->dane_checked = true;
	} else
		SSL_set_tlsext_host_name(ssl, h->host);

	SSL_set_fd(ssl, c->fd);
	if (SSL_connect(ssl) != 1) {
		e = ERR_get_error();
		fail(out, true, "TLS handshake",
		    e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) :
		    "failed" : "connection closed");
		goto done;
	}
	out->tls = true;
	snprintf(out->tls_version, sizeof(out->tls_version), "%s",
	    SSL_get_version(ssl));
	snprintf(out->cipher, sizeof(out->cipher), "%s",
	    SSL_get_cipher_name(ssl));
	note_certificate(ssl, out);
	if (out->dane_checked)
		kmta_dane_ssl_result(ssl, &out->dane);
	check_pkix(ssl, opt, h->host, out);

	SSL_write(ssl, "QUIT\r\n", 6);
	SSL_shutdown(ssl);
done:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
}

void
probe_host(const struct probe_options *opt, const struct kmta_dane_host *h,
    const char *addr, struct probe_result *out)
{
	struct smtp_conn c = { 0 };
	char why[160];

	memset(out, 0, sizeof(*out));
	snprintf(out->addr, sizeof(out->addr), "%s", addr);
	c.timeout = opt->timeout;
	c.fd = connect_addr(addr, opt->port, opt->timeout, why, sizeof(why));
	if (c.fd == -1) {
		fail(out, true, "", why);
		return;
	}
	out->connected = true;
	if (smtp_starttls(&c, opt, out) == 0)
		handshake(&c, opt, h, out);
	close(c.fd);
}
