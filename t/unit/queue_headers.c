/* kmta-queue -t: recipients from To, Cc and Bcc, Bcc removed. */
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kmta-queue/headers.h"
#include "tap.h"

static void
test_recipients(void)
{
	char msg[] =
	    "From: \"Shop, Inc.\" <shop@example.com>\r\n"
	    "To: \"Doe, Jane\" <jane@example.net>, bob@example.org (Bob,\r\n"
	    " the builder)\r\n"
	    "Cc: team: amy@example.net, <ben@example.net>;,\r\n"
	    "\tcarl@example.net\r\n"
	    "bcc: hidden@example.net\r\n"
	    "Subject: To: not@example.net\r\n"
	    "\r\n"
	    "To: body@example.net\r\n";
	struct headers_rcpts r;
	struct kmta_err err = { 0 };
	size_t len = strlen(msg);

	ok(headers_recipients(msg, &len, &r, &err) == 0, "header parses");
	is_int(r.n, 6, "six recipients");
	if (r.n == 6) {
		is_str(r.addrs[0], "jane@example.net", "quoted comma in name");
		is_str(r.addrs[1], "bob@example.org",
		    "comment with a comma and a fold");
		is_str(r.addrs[2], "amy@example.net", "group member");
		is_str(r.addrs[3], "ben@example.net", "bracketed group member");
		is_str(r.addrs[4], "carl@example.net", "folded Cc line");
		is_str(r.addrs[5], "hidden@example.net", "Bcc, any case");
	}
	msg[len] = '\0';
	ok(strstr(msg, "hidden@") == NULL, "Bcc field removed");
	ok(strstr(msg, "Subject: To: not@example.net\r\n") != NULL,
	    "other fields kept");
	ok(strstr(msg, "\r\n\r\nTo: body@example.net") != NULL,
	    "body untouched");
	headers_rcpts_free(&r);
}

static void
test_from(void)
{
	const char *msg = "Subject: x\nFrom: App <app@example.com>\n\nbody\n";
	char addr[256];

	ok(headers_from(msg, strlen(msg), addr, sizeof(addr)) == 0,
	    "From parses");
	is_str(addr, "app@example.com", "From address");
	ok(headers_from("Subject: x\n\n", 12, addr, sizeof(addr)) == 0,
	    "message without From");
	is_str(addr, "", "no From gives empty address");
}

int
main(void)
{
	test_recipients();
	test_from();
	return done_testing();
}
