/* kmta-queue run and flush: once for cron, or --loop for runit. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "log.h"
#include "run.h"

static volatile sig_atomic_t stop_requested;

static void
request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* TERM and INT end a --loop between runs, never in the middle of one. */
static void
catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = request_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static int
parse_count(const char *s, const char *what, long min, long *out)
{
	if (kmta_parse_uint(s, out) == -1 || *out < min) {
		kmta_error("%s: invalid value: %s (expected a whole number "
		    "of at least %ld)", what, s, min);
		return -1;
	}
	return 0;
}

/*
 * Import added messages, then deliver. A failed import is logged and
 * returned after the delivery of what is in env/ already, so that one
 * bad entry in new/ does not stop the queue.
 */
static int
import_and_run(struct queue *q, const struct run_options *opt,
    struct run_stats *stats, struct kmta_err *err)
{
	struct kmta_err import_err = { 0 };
	int import_rc;

	import_rc = incoming_import(q, &import_err);
	if (import_rc == -1)
		kmta_error("%s", import_err.msg);
	if (run_parallel(q, opt, stats, err) == -1)
		return -1;
	if (import_rc == -1) {
		*err = import_err;
		return -1;
	}
	return 0;
}

static int
run_loop(struct queue *q, const struct run_options *opt, long interval)
{
	struct kmta_err err = { 0 };
	struct run_stats stats;
	unsigned left;

	catch_stop_signals();
	kmta_info("loop started: queue=%s interval=%lds jobs=%d", q->path,
	    interval, opt->jobs);
	while (!stop_requested) {
		memset(&stats, 0, sizeof(stats));
		/* A failed run is logged and retried next round: the loop is
		 * a service, and its supervisor cannot fix a queue error. */
		if (import_and_run(q, opt, &stats, &err) == -1)
			kmta_error("%s", err.msg);
		for (left = (unsigned)interval; left > 0 && !stop_requested;)
			left = sleep(left);
	}
	kmta_info("loop stopped by signal");
	return 0;
}

static int
run_command(struct setup *s, int argc, char **argv, bool flush)
{
	static const struct option longopts[] = {
		{ "loop", required_argument, NULL, 'l' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_options opt = { .conf_path = s->conf_path, .jobs = 1,
	    .ignore_schedule = flush };
	struct kmta_err err = { 0 };
	struct run_stats stats = { 0 };
	struct kmta_conf *conf;
	struct queue q;
	long interval = 0, jobs;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:j:", longopts, NULL)) != -1) {
		if (c == 'l' && !flush) {
			if (parse_count(optarg, "--loop", 1, &interval) == -1)
				return EX_USAGE;
		} else if (c == 'j') {
			if (parse_count(optarg, "-j", 1, &jobs) == -1)
				return EX_USAGE;
			if (jobs > 64) {
				kmta_error("-j: invalid value: %ld (expected at "
				    "most 64)", jobs);
				return EX_USAGE;
			}
			opt.jobs = (int)jobs;
		} else if (c == 'l') {
			kmta_error("flush: --loop is an option of run only "
			    "(see kmta-queue --help)");
			return EX_USAGE;
		} else {
			return option_error(argv[0], c, argv);
		}
	}
	if (optind != argc) {
		kmta_error("%s: unexpected argument: %s", argv[0], argv[optind]);
		return EX_USAGE;
	}

	s->create = true;
	s->runner = true;
	if ((rc = commands_open(s, &conf, &q)) != 0)
		return rc;
	opt.conf = conf;
	if (interval > 0)
		rc = run_loop(&q, &opt, interval);
	else if (import_and_run(&q, &opt, &stats, &err) == -1)
		rc = err.code;
	kmta_conf_free(conf);
	queue_close(&q);
	return rc;
}

int
cmd_run(struct setup *s, int argc, char **argv)
{
	return run_command(s, argc, argv, false);
}

int
cmd_flush(struct setup *s, int argc, char **argv)
{
	return run_command(s, argc, argv, true);
}
