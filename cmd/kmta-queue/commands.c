#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "add.h"
#include "admin.h"
#include "commands.h"
#include "list.h"
#include "log.h"
#include "run.h"
#include "submit.h"

int
commands_open(struct setup *s, struct kmta_conf **conf, struct queue *q)
{
	struct kmta_err err = { 0 };

	*conf = NULL;
	if (setup_open(s, conf, q, &err) == 0)
		return 0;
	kmta_error("%s", err.msg);
	kmta_conf_free(*conf);
	*conf = NULL;
	queue_close(q);
	return err.code;
}

/*
 * Import added messages, so that they show right after add returns. The
 * reading and admin commands go on after a failed import, with what is
 * in env/ already.
 */
static void
import_or_warn(struct queue *q)
{
	struct kmta_err err = { 0 };

	if (incoming_import(q, &err) == -1)
		kmta_warn("%s", err.msg);
}

static int
finish_command(int rc, struct kmta_err *err, struct kmta_conf *conf,
    struct queue *q)
{
	if (rc == -1)
		kmta_error("%s", err->msg);
	kmta_conf_free(conf);
	queue_close(q);
	return rc == -1 ? err->code : 0;
}

int
option_error(const char *cmd, int c, char **argv)
{
	char name[64];

	if (optopt != 0)
		snprintf(name, sizeof(name), "-%c", optopt);
	else
		snprintf(name, sizeof(name), "%s", argv[optind - 1]);
	kmta_error("%s%s%s %s (see kmta-queue --help)", cmd ? cmd : "",
	    cmd ? ": " : "", c == ':' ? "missing value for" :
	    "unknown option", name);
	return EX_USAGE;
}

static int
usage_error(const char *msg)
{
	kmta_error("%s (see kmta-queue --help)", msg);
	return EX_USAGE;
}

int
cmd_add(struct setup *s, int argc, char **argv)
{
	struct add_request req = { 0 };
	struct kmta_err err = { 0 };
	struct kmta_conf *conf;
	struct envelope env;
	struct queue q;
	int c, rc;

	optind = 1;
	while ((c = getopt(argc, argv, "+:f:t")) != -1) {
		if (c == 'f')
			req.sender = optarg;
		else if (c == 't')
			req.from_headers = true;
		else
			return option_error("add", c, argv);
	}
	req.rcpts = argv + optind;
	req.nrcpts = (size_t)(argc - optind);
	if (req.nrcpts == 0 && !req.from_headers)
		return usage_error("add: no recipient given: add -f SENDER "
		    "RCPT... or add -t");

	s->create = true;
	s->add_only = true;
	if ((rc = commands_open(s, &conf, &q)) != 0)
		return rc;
	req.sign = kmta_conf_bool(conf, "queue", "sign", false);
	req.conf_path = s->conf_path;
	req.local_domain = kmta_conf_str(conf, "queue", "local_domain", NULL);
	req.max_size = (size_t)kmta_conf_num(conf, "queue", "max_message_size",
	    QUEUE_MAX_MESSAGE_SIZE);
	rc = add_message(&q, &req, STDIN_FILENO, &env, &err);
	if (rc == 0) {
		printf("%s\n", env.id);
		kmta_info("queue_id=%s from=<%s> size=%zu nrcpt=%zu queued",
		    env.id, env.sender, env.size, env.nrcpts);
		submit_log(env.id);
		envelope_free(&env);
	}
	if (rc == 0 && (fflush(stdout) == EOF || ferror(stdout)))
		kmta_warn("queue_id=%s queued, but printing its id failed",
		    env.id);
	return finish_command(rc, &err, conf, &q);
}

int
cmd_list(struct setup *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct kmta_err err = { 0 };
	struct kmta_conf *conf;
	struct queue q;
	bool json = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		if (c != 'j')
			return option_error("list", c, argv);
		json = true;
	}
	if (optind != argc)
		return usage_error("list: takes no arguments");
	if ((rc = commands_open(s, &conf, &q)) != 0)
		return rc;
	import_or_warn(&q);
	rc = list_queue(&q, stdout, json, &err);
	return finish_command(rc, &err, conf, &q);
}

int
cmd_show(struct setup *s, int argc, char **argv)
{
	struct kmta_err err = { 0 };
	struct kmta_conf *conf;
	struct queue q;
	int rc;

	if (argc != 2)
		return usage_error("show: expected one queue id");
	if ((rc = commands_open(s, &conf, &q)) != 0)
		return rc;
	import_or_warn(&q);
	rc = list_show(&q, argv[1], stdout, &err);
	return finish_command(rc, &err, conf, &q);
}

/* delete, hold, release and bounce, each with one or more queue ids. */
int
cmd_admin(struct setup *s, int argc, char **argv)
{
	struct kmta_err err = { 0 }, first = { 0 };
	enum admin_action action;
	struct kmta_conf *conf;
	struct queue q;
	int i, rc;

	if (strcmp(argv[0], "delete") == 0)
		action = ADMIN_DELETE;
	else if (strcmp(argv[0], "hold") == 0)
		action = ADMIN_HOLD;
	else if (strcmp(argv[0], "release") == 0)
		action = ADMIN_RELEASE;
	else
		action = ADMIN_BOUNCE;
	if (argc < 2)
		return usage_error("expected one or more queue ids");
	if ((rc = commands_open(s, &conf, &q)) != 0)
		return rc;
	import_or_warn(&q);
	for (i = 1; i < argc; i++) {
		if (admin_message(&q, argv[i], action, &err) == 0) {
			kmta_info("queue_id=%s %s", argv[i], argv[0]);
			continue;
		}
		kmta_error("%s", err.msg);
		if (first.code == 0)
			first = err;
	}
	kmta_conf_free(conf);
	queue_close(&q);
	return first.code;
}

int
cmd_stats(struct setup *s, int argc, char **argv)
{
	struct kmta_err err = { 0 };
	struct kmta_conf *conf;
	struct queue q;
	int rc;

	(void)argv;
	if (argc != 1)
		return usage_error("stats: takes no arguments");
	if ((rc = commands_open(s, &conf, &q)) != 0)
		return rc;
	import_or_warn(&q);
	rc = list_stats(&q, stdout, queue_now(), &err);
	return finish_command(rc, &err, conf, &q);
}
