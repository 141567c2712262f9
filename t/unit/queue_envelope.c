/* kmta-queue's envelope format, kmta-send result lines, backoff, addresses. */
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kmta-queue/deliver.h"
#include "../../cmd/kmta-queue/queue.h"
#include "../../cmd/kmta-queue/run.h"
#include "tap.h"

static void
test_envelope_round_trip(void)
{
	struct envelope env = { 0 }, back;
	struct kmta_err err = { 0 };
	char *text = NULL;
	size_t len = 0;

	snprintf(env.id, sizeof(env.id), "6B1329BA2B7D416577");
	env.arrival = 1800000000;
	env.next_attempt = 1800000300;
	env.attempts = 2;
	env.hold = true;
	env.size = 1234;
	envelope_add_rcpt(&env, "a@example.net", &err);
	envelope_add_rcpt(&env, "b@example.net", &err);
	env.rcpts[1].state = RCPT_DEFERRED;
	env.rcpts[1].attempts = 2;
	env.rcpts[1].last_attempt = 1800000000;
	snprintf(env.rcpts[1].code, sizeof(env.rcpts[1].code), "451");
	snprintf(env.rcpts[1].esc, sizeof(env.rcpts[1].esc), "4.7.1");
	snprintf(env.rcpts[1].host, sizeof(env.rcpts[1].host),
	    "mx.example.net[192.0.2.1]:25");
	snprintf(env.rcpts[1].text, sizeof(env.rcpts[1].text),
	    "greylisted: try again");

	ok(envelope_format(&env, &text, &len, &err) == 0, "envelope formats");
	ok(envelope_parse(&back, text, len, &err) == 0,
	    "formatted envelope parses: %s", err.msg);
	is_str(back.id, env.id, "id kept");
	is_str(back.sender, "", "null sender kept as empty");
	is_int(back.arrival, env.arrival, "arrival kept");
	is_int(back.next_attempt, env.next_attempt, "next attempt kept");
	is_int(back.attempts, 2, "attempts kept");
	ok(back.hold, "hold kept");
	is_int(back.size, 1234, "size kept");
	is_int(back.nrcpts, 2, "both recipients kept");
	is_int(back.rcpts[1].state, RCPT_DEFERRED, "recipient state kept");
	is_str(back.rcpts[1].host, "mx.example.net[192.0.2.1]:25",
	    "recipient host kept");
	is_str(back.rcpts[1].text, "greylisted: try again",
	    "reply text kept");
	is_int(envelope_pending(&back), 2, "queued and deferred are pending");
	envelope_free(&back);

	/* A cut file (no end line) must not pass for a whole envelope. */
	ok(envelope_parse(&back, text, len - 4, &err) == -1,
	    "envelope without end line rejected");
	is_int(err.code, EX_DATAERR, "cut envelope is EX_DATAERR");
	free(text);
	envelope_free(&env);
}

static void
expect_bad_envelope(const char *text, const char *name)
{
	struct envelope env;
	struct kmta_err err = { 0 };

	ok(envelope_parse(&env, text, strlen(text), &err) == -1, "%s", name);
}

static void
test_result_lines(void)
{
	struct send_result res;

	ok(send_result_parse("deferred\t-\t<b@example.net>\t451\t4.7.1\t"
	    "mx.example.net[192.0.2.1]:25\tgreylisted\tplease wait\n",
	    &res) == 0, "result line parses");
	is_int(res.outcome, SEND_DEFERRED, "outcome");
	is_str(res.rcpt, "<b@example.net>", "recipient");
	is_str(res.code, "451", "reply code");
	is_str(res.esc, "4.7.1", "enhanced status code");
	is_str(res.host, "mx.example.net[192.0.2.1]:25", "host");
	is_str(res.text, "greylisted?please wait",
	    "tab in the text cleaned");

	ok(send_result_parse("failed\t-\tb@example.net\t-\t-\t-\tno MX\n",
	    &res) == 0, "result with empty fields parses");
	is_str(res.code, "", "\"-\" code is empty");
	is_str(res.host, "", "\"-\" host is empty");
	ok(send_result_parse("bounced\t-\tb@example.net\t550\t5.1.1\t-\tx",
	    &res) == -1, "unknown outcome rejected");
	ok(send_result_parse("delivered\t-\tb@example.net\t250", &res) == -1,
	    "short line rejected");
}

static void
test_backoff(void)
{
	struct queue q = { .min_backoff = 300, .max_backoff = 4000 };

	is_int(run_backoff(&q, 1), 300, "first retry after min_backoff");
	is_int(run_backoff(&q, 2), 600, "second wait doubles");
	is_int(run_backoff(&q, 4), 2400, "fourth wait 2400");
	is_int(run_backoff(&q, 5), 4000, "capped at max_backoff");
	is_int(run_backoff(&q, 1000), 4000, "many attempts stay capped");
}

static void
test_addresses(void)
{
	struct kmta_err err = { 0 };

	ok(address_check("a@example.net", false, &err) == 0, "plain address");
	ok(address_check("", true, &err) == 0, "null sender allowed");
	ok(address_check("", false, &err) == -1, "empty recipient rejected");
	ok(address_check("a b@example.net", false, &err) == -1,
	    "space rejected");
	ok(address_check("a@example.net\n", false, &err) == -1,
	    "newline rejected");
	ok(address_check("-oQ@example.net", false, &err) == -1,
	    "leading dash rejected");
	ok(address_check("root", false, &err) == -1, "bare name rejected");
	ok(address_check("a@", false, &err) == -1, "empty domain rejected");
	is_str(address_domain("a@Example.NET"), "Example.NET",
	    "domain of an address");
	ok(queue_valid_id("6B1329BA2B7D416577"), "queue id accepted");
	ok(!queue_valid_id("../env/x"), "path rejected as queue id");
	ok(!queue_valid_id("6b1329ba2b7d416577"), "lower case id rejected");
}

int
main(void)
{
	test_envelope_round_trip();
	expect_bad_envelope("kmta-envelope 2\nid\tABCDEF0123\nend\n",
	    "unknown envelope version rejected");
	expect_bad_envelope("kmta-envelope 1\nid\tABCDEF0123\nrcpt\tlost\t0\t"
	    "0\ta@example.net\t\t\t\t\nend\n", "unknown state rejected");
	expect_bad_envelope("kmta-envelope 1\nid\tABCDEF0123\nend\n",
	    "envelope without recipients rejected");
	expect_bad_envelope("kmta-envelope 1\nid\tABCDEF0123\nnext\tsoon\n"
	    "rcpt\tqueued\t0\t0\ta@example.net\t\t\t\t\nend\n",
	    "non-numeric time rejected");
	test_result_lines();
	test_backoff();
	test_addresses();
	return done_testing();
}
