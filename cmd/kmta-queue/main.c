/*
 * kmta-queue: a durable mail queue and its runner. Messages come in with
 * "add" (or as "sendmail"), wait in the queue directory, and "run" hands
 * them to kmta-send until every recipient is delivered or has failed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "submit.h"

static const char usage_text[] =
"usage: kmta-queue [-c CONF] [-q DIR] [--syslog] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  add [-f SENDER] [-t] [RCPT...]  queue a message read from standard input\n"
"                         -f SENDER  envelope sender (\"<>\" for the null\n"
"                                    sender; default: the From address)\n"
"                         -t         also send to To, Cc and Bcc; drop Bcc\n"
"  list [--json]          list the queue (also: run as mailq)\n"
"  show ID                print a message's envelope and the message\n"
"  delete ID...           remove messages without a bounce\n"
"  hold ID...             keep messages but do not deliver them\n"
"  release ID...          undo hold and deliver at the next run\n"
"  bounce ID...           return messages to their sender and remove them\n"
"  stats                  counts by state and destination domain\n"
"  run [--loop SECONDS] [-j N]\n"
"                         deliver due messages once (for cron), or every\n"
"                         SECONDS until TERM (for runit); N runners at once\n"
"  flush [-j N]           deliver all messages now, due or not\n"
"\n"
"Options:\n"
"  -c CONF     config file (default $KMTA_CONF, else /etc/kmta/kmta.conf)\n"
"  -q DIR      queue directory (default [queue] dir, else /var/spool/kmta)\n"
"  --syslog    also log to syslog's mail facility\n"
"  -h, --help  print this help\n"
"\n"
"Environment: KMTA_CONF names the config file; KMTA_SEND and KMTA_SIGN the\n"
"kmta-send and kmta-sign programs to run; KMTA_NOW (seconds since the\n"
"epoch) replaces the clock, for tests.\n"
"Called as sendmail, takes sendmail's flags; see kmta-queue(1).\n";

struct command {
	const char *name;
	int (*run)(struct setup *, int, char **);
};

static const struct command commands[] = {
	{ "add", cmd_add },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "delete", cmd_admin },
	{ "hold", cmd_admin },
	{ "release", cmd_admin },
	{ "bounce", cmd_admin },
	{ "stats", cmd_stats },
	{ "run", cmd_run },
	{ "flush", cmd_flush },
	{ NULL, NULL },
};

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "syslog", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = base_name(argc > 0 ? argv[0] : "kmta-queue");
	const struct command *cmd;
	struct setup s = { 0 };
	bool other_user;
	int c, rc;

	kmta_log_init("kmta-queue");
	opterr = 0;
	if ((rc = submit_init()) != 0)
		return rc;
	other_user = submit_caller() != NULL;
	if (strcmp(name, "sendmail") == 0)
		return sendmail_main(argc, argv);
	if (strcmp(name, "mailq") == 0)
		return other_user ? submit_refuse("mailq") : mailq_main(argc, argv);

	while ((c = getopt_long(argc, argv, "+:c:q:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (other_user)
				return submit_refuse("-c");
			s.conf_path = optarg;
			break;
		case 'q':
			if (other_user)
				return submit_refuse("-q");
			s.queue_dir = optarg;
			break;
		case 's':
			kmta_log_syslog(true);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return option_error(NULL, c, argv);
		}
	}
	if (optind >= argc) {
		kmta_error("no command given (see kmta-queue --help)");
		return EX_USAGE;
	}
	for (cmd = commands; cmd->name != NULL; cmd++) {
		if (strcmp(cmd->name, argv[optind]) != 0)
			continue;
		if (other_user && cmd->run != cmd_add)
			return submit_refuse(cmd->name);
		return cmd->run(&s, argc - optind, argv + optind);
	}
	kmta_error("unknown command: %s (see kmta-queue --help)", argv[optind]);
	return EX_USAGE;
}
