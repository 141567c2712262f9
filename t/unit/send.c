/* kmta-send internals: address checks, SMTP reply parsing, exit status. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../cmd/kmta-send/send.h"
#include "tap.h"

static void
test_addresses(void)
{
	struct kmta_err err = { 0 };

	is_int(addr_check_mailbox("a@example.net", "recipient", &err), 0,
	    "plain address is valid");
	is_int(addr_check_mailbox("a@[127.0.0.1]", "recipient", &err), 0,
	    "address literal is valid");
	is_int(addr_check_mailbox("a@example..net", "recipient", &err), -1,
	    "empty label is invalid");
	is_int(addr_check_mailbox("@example.net", "recipient", &err), -1,
	    "empty local part is invalid");
	is_int(addr_check_mailbox("a@", "recipient", &err), -1,
	    "empty domain is invalid");
	is_int(addr_check_mailbox("a\tb@example.net", "recipient", &err), -1,
	    "tab is invalid");
	is_int(err.code, EX_USAGE, "invalid address is a usage error");
	is_str(addr_domain("a@b@example.net"), "example.net",
	    "domain follows the last @");
}

/* Parse reply text written into one end of a socket pair. */
static int
parse_reply(const char *wire, struct smtp_reply *r, struct kmta_err *err)
{
	struct smtp_conn c;
	int sv[2], rc;

	memset(&c, 0, sizeof(c));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	if (write(sv[1], wire, strlen(wire)) != (ssize_t)strlen(wire))
		return -1;
	close(sv[1]);
	c.fd = sv[0];
	strcpy(c.peer, "test[127.0.0.1]:25");
	conn_set_timeout(&c, 5);
	rc = reply_read(&c, r, err);
	close(sv[0]);
	return rc;
}

static void
test_replies(void)
{
	struct kmta_err err = { 0 };
	struct smtp_reply r;

	is_int(parse_reply("250-first 2.0.0\r\n250 2.1.5 second\r\n", &r, &err),
	    0, "multiline reply parses");
	is_int(r.code, 250, "multiline reply code");
	is_str(r.esc, "2.1.5", "enhanced code from the line that has one");
	is_str(r.text, "first 2.0.0 second", "lines joined with a space");

	is_int(parse_reply("550 5.1.1 no such user\r\n", &r, &err), 0,
	    "single-line reply parses");
	is_str(r.esc, "5.1.1", "enhanced code");
	is_str(r.text, "no such user", "enhanced code left out of the text");

	is_int(parse_reply("451 5.1.1 class mismatch\r\n", &r, &err), 0,
	    "reply with a mismatched enhanced code parses");
	is_str(r.esc, "", "enhanced code of another class is ignored");

	is_int(parse_reply("250\n", &r, &err), 0, "bare code with LF parses");
	is_int(parse_reply("25O ok\r\n", &r, &err), -1, "letter in code fails");
	is_int(parse_reply("250-a\r\n251 b\r\n", &r, &err), -1,
	    "changing code fails");
	is_int(parse_reply("250-a\r\n", &r, &err), -1,
	    "connection closed mid-reply fails");
	ok(strstr(err.msg, "connection closed") != NULL,
	    "closed connection is named: %s", err.msg);
}

/* Send text as a message body through a socket pair; return the bytes. */
static bool fold;

static char *
encode_body(const char *text, size_t *lineno, size_t *longest)
{
	static char out[4096];
	struct kmta_message m;
	struct kmta_err err = { 0 };
	struct smtp_conn c;
	int sv[2];
	ssize_t n;

	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	if (kmta_message_parse(&m, strdup(text), strlen(text), &err) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return NULL;
	c.fd = sv[0];
	strcpy(c.peer, "test[127.0.0.1]:25");
	if (body_send(&c, &m, fold, 5, &err) == -1)
		return NULL;
	*longest = body_longest_line(&m, lineno);
	close(sv[0]);
	n = read(sv[1], out, sizeof(out) - 1);
	close(sv[1]);
	kmta_message_free(&m);
	if (n < 0)
		return NULL;
	out[n] = '\0';
	return out;
}

/* The longest wire line in out, without its CRLF. */
static size_t
wire_longest(const char *out)
{
	size_t max = 0, len;
	const char *p = out, *nl;

	while ((nl = strstr(p, "\r\n")) != NULL) {
		len = (size_t)(nl - p);
		if (len > max)
			max = len;
		p = nl + 2;
	}
	return max;
}

static void
test_fold(void)
{
	static char text[4096], expected[4096];
	size_t lineno, longest;
	char *out;

	memset(text, 0, sizeof(text));
	strcpy(text, "A: b\n\n.");
	memset(text + strlen(text), 'x', 1999);
	strcat(text, "\n");

	fold = false;
	out = encode_body(text, &lineno, &longest);
	is_int(longest, 2000, "long line measured");
	is_int(out != NULL ? wire_longest(out) : 0, 2001,
	    "long line sent unchanged without fold");

	fold = true;
	out = encode_body(text, &lineno, &longest);
	is_int(out != NULL ? wire_longest(out) : 0, 998,
	    "folded lines are at most 998 octets");
	snprintf(expected, sizeof(expected), "A: b\r\n\r\n..%.996s\r\n %.997s"
	    "\r\n %.6s\r\n.\r\n", text + 8, text + 8, text + 8);
	is_str(out, expected, "fold inserts CRLF SPACE after the stuffed dot");
	fold = false;
}

static void
test_body(void)
{
	size_t lineno, longest;

	is_str(encode_body("A: b\n\n.x\n..\n.\nend", &lineno, &longest),
	    "A: b\r\n\r\n..x\r\n...\r\n..\r\nend\r\n.\r\n",
	    "dot stuffing, CRLF and a last line without LF");
	is_str(encode_body("A: b\r\n\r\nbody\r\n", &lineno, &longest),
	    "A: b\r\n\r\nbody\r\n.\r\n", "CRLF input is sent as is");
	is_str(encode_body("A: b\n\nbare\rcr\n", &lineno, &longest),
	    "A: b\r\n\r\nbare\r\ncr\r\n.\r\n", "bare CR ends a line");
	is_str(encode_body("A: b\n\nx\r.\r\ny\n", &lineno, &longest),
	    "A: b\r\n\r\nx\r\n..\r\ny\r\n.\r\n",
	    "CR dot CRLF cannot end the data");
	test_fold();
	encode_body("A: b\n\nxx\nxxxxx\r\nx\n", &lineno, &longest);
	is_int(longest, 5, "longest line without its CRLF");
	is_int(lineno, 4, "number of the longest line");
}

static void
test_exit_codes(void)
{
	struct rcpt r[2];
	struct envelope env = { "", "-", NULL, r, 2 };

	memset(r, 0, sizeof(r));
	r[0].outcome = OUTCOME_DELIVERED;
	r[1].outcome = OUTCOME_DELIVERED;
	is_int(result_exit_code(&env, 1), 0, "all delivered: 0");
	r[1].outcome = OUTCOME_FAILED;
	is_int(result_exit_code(&env, 1), 69, "delivered and failed: 69");
	r[0].outcome = OUTCOME_DEFERRED;
	is_int(result_exit_code(&env, 1), 75, "deferred and failed: 75");
}

int
main(void)
{
	test_addresses();
	test_replies();
	test_body();
	test_exit_codes();
	return done_testing();
}
