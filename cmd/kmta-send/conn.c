/*
 * One TCP connection to an SMTP server, plain or inside TLS. Every read
 * and write runs against the deadline that conn_set_timeout() set for the
 * current step, so a server that stalls or trickles bytes cannot hold a
 * delivery past its timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "send.h"

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
conn_set_timeout(struct smtp_conn *c, long seconds)
{
	c->deadline_ms = now_ms() + seconds * 1000;
}

/* Arm the socket's receive and send timeouts with the time left. */
int
conn_arm(struct smtp_conn *c, const char *what, struct kmta_err *err)
{
	long left = c->deadline_ms - now_ms();
	struct timeval tv;

	if (left <= 0)
		return kmta_err_set(err, EX_TEMPFAIL, "%s %s: timed out",
		    what, c->peer);
	tv.tv_sec = left / 1000;
	tv.tv_usec = (left % 1000) * 1000;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

static int
sockaddr_fill(const char *addr, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* connect(2) without blocking past connect_timeout. */
static int
conn_connect(struct smtp_conn *c, const struct sockaddr_storage *ss,
    socklen_t len, long timeout, struct kmta_err *err)
{
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	int e = 0, rc;

	if (connect(c->fd, (const struct sockaddr *)ss, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return kmta_err_set(err, EX_TEMPFAIL, "connect to %s: %s",
		    c->peer, strerror(errno));

	pfd.fd = c->fd;
	pfd.events = POLLOUT;
	do
		rc = poll(&pfd, 1, (int)(timeout * 1000));
	while (rc == -1 && errno == EINTR);
	if (rc == 0)
		return kmta_err_set(err, EX_TEMPFAIL, "connect to %s: timed out",
		    c->peer);
	if (rc == -1 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
		e = errno;
	if (e != 0)
		return kmta_err_set(err, EX_TEMPFAIL, "connect to %s: %s",
		    c->peer, strerror(e));
	return 0;
}

int
conn_open(struct smtp_conn *c, const struct send_opts *o, const char *name,
    const char *addr, int port, struct kmta_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->port = port;
	snprintf(c->peer, sizeof(c->peer), "%s[%s]:%d", name, addr, port);

	if (sockaddr_fill(addr, port, &ss, &len) == -1)
		return kmta_err_set(err, EX_SOFTWARE, "connect to %s: invalid "
		    "address", c->peer);
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (c->fd == -1)
		return kmta_err_set(err, EX_OSERR, "socket: %s", strerror(errno));
	if (conn_connect(c, &ss, len, o->connect_timeout, err) == -1) {
		conn_close(c);
		return -1;
	}

	/* Blocking from here on: conn_arm() bounds each read and write. */
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	return 0;
}

void
conn_close(struct smtp_conn *c)
{
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

/* Whether a failed read or write was the socket timeout firing. */
static bool
io_timed_out(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK;
}

static int
io_fail(struct smtp_conn *c, const char *what, int e, struct kmta_err *err)
{
	if (io_timed_out(e))
		return kmta_err_set(err, EX_TEMPFAIL, "%s %s: timed out", what,
		    c->peer);
	if (e == 0)
		return kmta_err_set(err, EX_TEMPFAIL, "%s %s: connection closed "
		    "by server", what, c->peer);
	return kmta_err_set(err, EX_TEMPFAIL, "%s %s: %s", what, c->peer,
	    strerror(e));
}

/* Read more bytes into rbuf; rbuf must be empty. */
static int
conn_fill(struct smtp_conn *c, struct kmta_err *err)
{
	int n, e;

	for (;;) {
		if (conn_arm(c, "read from", err) == -1)
			return -1;
		errno = 0;
		if (c->ssl != NULL) {
			ERR_clear_error();
			n = SSL_read(c->ssl, c->rbuf, sizeof(c->rbuf));
			e = n > 0 ? 0 : SSL_get_error(c->ssl, n);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				continue;
			if (n <= 0)
				return io_fail(c, "read from", e ==
				    SSL_ERROR_ZERO_RETURN ? 0 : errno, err);
		} else {
			n = (int)recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				return io_fail(c, "read from", n == 0 ? 0 : errno,
				    err);
		}
		c->rlen = (size_t)n;
		c->roff = 0;
		return 0;
	}
}

/*
 * Read one line without its CRLF (or bare LF) into line. A longer line is
 * cut to size - 1 bytes, and the rest of it is read and dropped.
 */
int
conn_read_line(struct smtp_conn *c, char *line, size_t size, size_t *len,
    struct kmta_err *err)
{
	size_t n = 0;
	char ch;

	for (;;) {
		if (c->roff == c->rlen && conn_fill(c, err) == -1)
			return -1;
		ch = c->rbuf[c->roff++];
		if (ch == '\n')
			break;
		if (n + 1 < size)
			line[n++] = ch;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	*len = n;
	return 0;
}

/*
 * Drop bytes already received but not read. After STARTTLS this throws
 * away anything a man in the middle sent ahead of the TLS handshake, so it
 * is never taken for a reply from inside TLS.
 */
void
conn_discard_input(struct smtp_conn *c)
{
	c->roff = c->rlen = 0;
}

int
conn_write(struct smtp_conn *c, const char *data, size_t len,
    struct kmta_err *err)
{
	ssize_t n;
	int e;

	while (len > 0) {
		if (conn_arm(c, "write to", err) == -1)
			return -1;
		errno = 0;
		if (c->ssl != NULL) {
			ERR_clear_error();
			n = SSL_write(c->ssl, data, len > 1 << 30 ? 1 << 30 :
			    (int)len);
			e = n > 0 ? 0 : SSL_get_error(c->ssl, (int)n);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				continue;
		} else {
			n = send(c->fd, data, len, MSG_NOSIGNAL);
			if (n == -1 && errno == EINTR)
				continue;
		}
		if (n <= 0)
			return io_fail(c, "write to", errno == 0 ? EPIPE : errno,
			    err);
		data += n;
		len -= (size_t)n;
	}
	return 0;
}
