/*
 * kmta-send: deliver one message (or a batch for one destination) over
 * SMTP and print one result line per recipient for kmta-queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harden.h"
#include "hostname.h"
#include "keysource.h"
#include "log.h"
#include "send.h"
#include "vault.h"

#define CONNECT_TIMEOUT 30	/* seconds; RFC 5321 gives none */

static const char usage_text[] =
"usage: kmta-send [-v] [-c CONF] -f SENDER [-m FILE] RCPT...\n"
"       kmta-send [-v] [-c CONF] --batch < LIST\n"
"\n"
"Deliver a message from standard input (or -m FILE) to each RCPT over\n"
"SMTP, through the [domain] relay or the domain's MX hosts, and print one\n"
"line per recipient: OUTCOME MSGREF RCPT CODE ESC HOST TEXT (tab-separated).\n"
"\n"
"  -c, --config FILE    config file (default $KMTA_CONF, else "
KMTA_CONF_DEFAULT ")\n"
"  -f, --from SENDER    envelope sender; \"\" or \"<>\" for the null sender\n"
"  -m, --message FILE   read the message from FILE instead of stdin\n"
"      --batch          read MESSAGE-FILE<TAB>SENDER<TAB>RCPT[<TAB>RCPT...]\n"
"                       lines from stdin and deliver them over shared\n"
"                       connections, with RSET between messages\n"
"  -4                   connect over IPv4 only ([send] inet_protocols)\n"
"  -6                   connect over IPv6 only\n"
"  -v, --verbose        log the SMTP dialogue to stderr (never secrets)\n"
"      --syslog         also log to syslog's mail facility\n"
"  -h, --help           print this help\n"
"\n"
"Exit status: 0 all delivered, 75 some deferred, 69 all others failed,\n"
"64 usage, 65 invalid message, 66 config or message file missing,\n"
"77 config or message file not readable, or AUTH forbidden by policy,\n"
"78 config error.\n";

struct cli {
	const char *conf_path;
	const char *sender;
	const char *message_path;
	bool batch;
	bool verbose;
	bool syslog;
	int family;
};

static int
usage_error(const char *msg)
{
	fprintf(stderr, "kmta-send: %s\nTry 'kmta-send --help'.\n", msg);
	return EX_USAGE;
}

/* Parse the options; return -1 to go on, else an exit status. */
static int
cli_parse(int argc, char **argv, struct cli *cli)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "message", required_argument, NULL, 'm' },
		{ "batch", no_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(cli, 0, sizeof(*cli));
	cli->family = AF_UNSPEC;
	while ((ch = getopt_long(argc, argv, "c:f:m:v46h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': cli->conf_path = optarg; break;
		case 'f': cli->sender = optarg; break;
		case 'm': cli->message_path = optarg; break;
		case 'B': cli->batch = true; break;
		case 'v': cli->verbose = true; break;
		case 'S': cli->syslog = true; break;
		case '4':
		case '6':
			if (cli->family != AF_UNSPEC &&
			    cli->family != (ch == '4' ? AF_INET : AF_INET6))
				return usage_error("-4 and -6 exclude each "
				    "other: give one, or neither for both");
			cli->family = ch == '4' ? AF_INET : AF_INET6;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'kmta-send --help'.\n");
			return EX_USAGE;
		}
	}
	if (cli->batch && (cli->sender != NULL || cli->message_path != NULL ||
	    optind < argc))
		return usage_error("--batch takes no -f, -m or recipients");
	if (!cli->batch && cli->sender == NULL)
		return usage_error("missing sender: use -f SENDER "
		    "(-f '<>' for the null sender)");
	if (!cli->batch && optind == argc)
		return usage_error("missing recipient: give at least one "
		    "RCPT");
	return -1;
}

/* Settings from [send] and the command line. */
static int
opts_load(const struct kmta_conf *conf, const struct cli *cli,
    struct send_opts *o)
{
	const char *helo = kmta_conf_str(conf, "send", "helo_name", NULL);
	const char *proto = kmta_conf_str(conf, "send", "inet_protocols", "all");
	const char *pref = kmta_conf_str(conf, "send", "address_preference",
	    "ipv6");
	const char *long_lines = kmta_conf_str(conf, "send", "long_lines",
	    "send");

	memset(o, 0, sizeof(*o));
	o->conf = conf;
	o->verbose = cli->verbose;
	kmta_host_name(helo, o->helo_name, sizeof(o->helo_name));
	o->connect_timeout = kmta_conf_num(conf, "send", "connect_timeout",
	    CONNECT_TIMEOUT);
	o->command_timeout = kmta_conf_num(conf, "send", "command_timeout", 0);
	o->ca_file = kmta_conf_str(conf, "send", "ca_file", NULL);

	o->family = strcmp(proto, "ipv4") == 0 ? AF_INET :
	    strcmp(proto, "ipv6") == 0 ? AF_INET6 : AF_UNSPEC;
	if (cli->family != AF_UNSPEC)
		o->family = cli->family;
	o->prefer_family = strcmp(pref, "ipv4") == 0 ? AF_INET : AF_INET6;
	o->long_lines = LONG_LINES_SEND;
	if (strcmp(long_lines, "fold") == 0)
		o->long_lines = LONG_LINES_FOLD;
	else if (strcmp(long_lines, "reject") == 0)
		o->long_lines = LONG_LINES_REJECT;
	return 0;
}

static int
send_one(const struct send_opts *o, const struct cli *cli, char **rcpts,
    size_t n)
{
	struct kmta_err err = { 0 };
	struct kmta_message m;
	struct envelope env;
	int rc;

	if (envelope_init(&env, cli->sender, rcpts, n, &err) == -1) {
		kmta_error("%s", err.msg);
		free(env.rcpts);
		return err.code;
	}
	if (send_message_load(cli->message_path, o->long_lines, &m,
	    &err) == -1) {
		kmta_error("%s", err.msg);
		free(env.rcpts);
		return err.code;
	}
	env.msg = &m;

	deliver_all(o, &env, 1);
	rc = envelope_report(&env, 1);
	kmta_message_free(&m);
	free(env.rcpts);
	return rc;
}

static void
log_setup(const struct kmta_conf *conf, const struct cli *cli)
{
	kmta_log_configure(conf);
	if (cli->verbose)
		kmta_log_level(KMTA_LOG_DEBUG);
	if (cli->syslog)
		kmta_log_syslog(true);
}

int
main(int argc, char **argv)
{
	struct kmta_err err = { 0 };
	struct kmta_conf *conf = NULL;
	struct send_opts o;
	struct cli cli;
	int rc;

	kmta_log_init("kmta-send");
	keysource_set_vault_backend(&vault_inprocess_backend);

	/* An AUTH password may be loaded: keep it out of core dumps. */
	if (harden_process(&err) == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	/* A server that hangs up must fail a write, not kill the process:
	 * OpenSSL writes to the socket without MSG_NOSIGNAL. */
	signal(SIGPIPE, SIG_IGN);

	rc = cli_parse(argc, argv, &cli);
	if (rc != -1)
		return rc;
	if (kmta_conf_load(cli.conf_path, &conf, &err) == -1) {
		kmta_error("%s", err.msg);
		return err.code;
	}
	log_setup(conf, &cli);
	opts_load(conf, &cli, &o);

	if (cli.batch)
		rc = batch_run(&o);
	else
		rc = send_one(&o, &cli, argv + optind, (size_t)(argc - optind));
	kmta_conf_free(conf);
	return rc;
}
