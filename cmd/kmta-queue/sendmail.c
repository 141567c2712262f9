/*
 * The sendmail personality: kmta-queue called as "sendmail" (a symlink)
 * accepts the command line that cron, PHP's mail(), git send-email and
 * mailx use, and queues the message as "add" does. As "mailq" it lists.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "add.h"
#include "commands.h"
#include "list.h"
#include "log.h"
#include "submit.h"

struct sendmail_options {
	struct add_request req;
	const char *conf_path;
	char mode;		/* 'm' deliver (default), 'p' list, 'q' run */
};

/* -o options: -oi is -i; -oem, -oep, -odi, -odb, -om and others are
 * accepted and change nothing, because errors are reported by exit code
 * and the queue always delivers in the background. */
static void
option_o(struct sendmail_options *o, const char *arg)
{
	if (strcmp(arg, "i") == 0)
		o->req.dot_ends_input = false;
}

static int
option_b(struct sendmail_options *o, const char *arg)
{
	if (strcmp(arg, "m") == 0 || strcmp(arg, "p") == 0)
		o->mode = arg[0];
	else
		return -1;
	return 0;
}

/* Parse sendmail's flags; return the index of the first recipient. */
/* The name the caller used: sendmail, or mailq for mailq_main. */
static const char *personality = "sendmail";

/* The argument holding the option getopt rejected: the one it is still
 * reading, else the one before. */
static const char *
bad_argument(int argc, char **argv, int opt)
{
	if (optind < argc && argv[optind][0] == '-' &&
	    strchr(argv[optind] + 1, opt) != NULL)
		return argv[optind];
	return argv[optind - 1];
}

static int
parse_flags(int argc, char **argv, struct sendmail_options *o)
{
	int c;

	optind = 1;
	/* h, N, R, V and X take a value that does not matter here. */
	while ((c = getopt(argc, argv, "+:B:b:C:F:f:h:iN:no:qr:R:tvV:X:")) !=
	    -1) {
		switch (c) {
		case 'b':
			if (option_b(o, optarg) == -1) {
				kmta_error("-b%s: unsupported mode (only -bm "
				    "and -bp)", optarg);
				return -1;
			}
			break;
		case 'C':
			o->conf_path = optarg;
			break;
		case 'F':
			o->req.full_name = optarg;
			break;
		case 'f':
		case 'r':
			o->req.sender = optarg;
			break;
		case 'i':
			o->req.dot_ends_input = false;
			break;
		case 'o':
			option_o(o, optarg);
			break;
		case 'q':
			o->mode = 'q';
			break;
		case 't':
			o->req.from_headers = true;
			break;
		case '?':
		case ':':
			kmta_error("%s: %s -%c in \"%s\" (see "
			    "kmta-queue(1), SENDMAIL COMPATIBILITY)", personality,
			    c == ':' ? "missing value for" : "unknown option",
			    optopt, bad_argument(argc, argv, optopt));
			return -1;
		default:
			break;
		}
	}
	return optind;
}

/* The calling user's name: LOGNAME, else the name of the real uid. Read
 * before kmta-queue leaves root for [queue] user. A user who ran a
 * set-user-ID kmta-queue is named by the passwd entry alone. */
static void
calling_user(char *out, size_t outlen)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *name = getenv("LOGNAME");

	if (submit_caller() != NULL) {
		snprintf(out, outlen, "%s", submit_caller()->name);
		return;
	}

	if (name == NULL || *name == '\0')
		name = pw != NULL ? pw->pw_name : "nobody";
	snprintf(out, outlen, "%s", name);
}

/*
 * The envelope sender when -f is not given: the calling user at
 * [queue] local_domain if set, else at this host's name.
 */
static void
default_sender(char *out, size_t outlen, const char *name,
    const char *local_domain)
{
	char host[256];

	if (local_domain != NULL)
		snprintf(host, sizeof(host), "%s", local_domain);
	else if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, outlen, "%s@%s", name, host);
}

static int
sendmail_add(struct setup *s, struct sendmail_options *o)
{
	struct kmta_err err = { 0 };
	struct kmta_conf *conf;
	struct envelope env;
	struct queue q;
	char sender[QUEUE_ADDR_MAX], user[128];
	int rc;

	calling_user(user, sizeof(user));
	s->create = true;
	s->add_only = true;
	if ((rc = commands_open(s, &conf, &q)) != 0)
		return rc;
	o->req.sign = kmta_conf_bool(conf, "queue", "sign", false);
	o->req.conf_path = s->conf_path;
	o->req.local_domain = kmta_conf_str(conf, "queue", "local_domain",
	    NULL);
	o->req.max_size = (size_t)kmta_conf_num(conf, "queue",
	    "max_message_size", QUEUE_MAX_MESSAGE_SIZE);
	if (o->req.sender == NULL) {
		default_sender(sender, sizeof(sender), user,
		    o->req.local_domain);
		o->req.sender = sender;
	}
	rc = add_message(&q, &o->req, STDIN_FILENO, &env, &err);
	if (rc == 0) {
		kmta_info("queue_id=%s from=<%s> size=%zu nrcpt=%zu queued "
		    "(sendmail)", env.id, env.sender, env.size, env.nrcpts);
		submit_log(env.id);
		envelope_free(&env);
	}
	if (rc == -1)
		kmta_error("%s", err.msg);
	kmta_conf_free(conf);
	queue_close(&q);
	return rc == -1 ? err.code : 0;
}

int
sendmail_main(int argc, char **argv)
{
	struct sendmail_options o = { .mode = 'm' };
	struct setup s = { 0 };
	char *list_argv[] = { "list", NULL };
	char *run_argv[] = { "run", NULL };
	int first;

	o.req.dot_ends_input = true;
	o.req.add_missing = true;
	first = parse_flags(argc, argv, &o);
	if (first == -1)
		return EX_USAGE;
	s.conf_path = o.conf_path;
	if (submit_caller() != NULL && o.conf_path != NULL)
		return submit_refuse("sendmail -C");
	if (submit_caller() != NULL && o.mode != 'm')
		return submit_refuse(o.mode == 'p' ? "sendmail -bp" :
		    "sendmail -q");
	if (o.mode != 'm' && first < argc) {
		kmta_error("%s: unexpected argument \"%s\": %s", personality,
		    argv[first], strcmp(personality, "mailq") == 0 ?
		    "mailq takes no arguments" :
		    "-bp and -q take no recipients");
		return EX_USAGE;
	}
	if (o.mode == 'p')
		return cmd_list(&s, 1, list_argv);
	if (o.mode == 'q')
		return cmd_run(&s, 1, run_argv);

	o.req.rcpts = argv + first;
	o.req.nrcpts = (size_t)(argc - first);
	if (o.req.nrcpts == 0 && !o.req.from_headers) {
		kmta_error("no recipient given (name recipients, or use -t)");
		return EX_USAGE;
	}
	return sendmail_add(&s, &o);
}

int
mailq_main(int argc, char **argv)
{
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	int i, rc;

	if (args == NULL) {
		kmta_error("out of memory");
		return EX_OSERR;
	}
	args[0] = argc > 0 ? argv[0] : "mailq";
	args[1] = "-bp";
	personality = "mailq";
	for (i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	rc = sendmail_main(argc > 0 ? argc + 1 : 2, args);
	free(args);
	return rc;
}
