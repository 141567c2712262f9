/*
 * kmta-secret: fetch and store secrets named by key sources (file:, env:,
 * vault:), for shell scripts and for the other kmta programs' operators.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "harden.h"
#include "keysource.h"
#include "log.h"
#include "secret.h"
#include "vault.h"

#define BINDINGS_MAX 64

static const char usage_text[] =
"usage: kmta-secret [-c FILE] get [-n] [--json] [--version N] SOURCE\n"
"       kmta-secret [-c FILE] put [--from-file FILE] SOURCE\n"
"       kmta-secret [-c FILE] check [--version N] SOURCE\n"
"       kmta-secret [-c FILE] exec [-e NAME=SOURCE]... [--fd N=SOURCE]...\n"
"                   -- COMMAND [ARG]...\n"
"\n"
"SOURCE is file:PATH, /PATH, env:NAME or vault:MOUNT/PATH#FIELD\n"
"(FIELD defaults to key).\n"
"\n"
"  -c, --config FILE    read FILE instead of $KMTA_CONF or "
KMTA_CONF_DEFAULT "\n"
"  -h, --help           print this help and exit\n"
"get:\n"
"  -n                   end the output with a newline\n"
"      --json           print all fields of the secret as a JSON object\n"
"      --version N      read version N of a KV version 2 secret\n"
"put:\n"
"      --from-file FILE read the value from FILE instead of standard input\n"
"check:\n"
"      --version N      check version N of a KV version 2 secret\n"
"exec:\n"
"  -e, --env NAME=SOURCE  set environment variable NAME to the secret\n"
"      --fd N=SOURCE      open the secret as a pipe on file descriptor N\n";

static int
usage(FILE *out, int code)
{
	fputs(usage_text, out);
	return code;
}

static int
fail(const struct kmta_err *err)
{
	kmta_error("%s", err->msg);
	return err->code ? err->code : EX_SOFTWARE;
}

static int
parse_version(const char *arg, long *version)
{
	if (kmta_parse_uint(arg, version) == -1 || *version < 1) {
		kmta_error("--version: invalid version \"%s\": expected a "
		    "number from 1", arg);
		return -1;
	}
	return 0;
}

enum { OPT_JSON = 256, OPT_VERSION, OPT_FROM_FILE, OPT_FD };

static const struct option cmd_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "version", required_argument, NULL, OPT_VERSION },
	{ "from-file", required_argument, NULL, OPT_FROM_FILE },
	{ "env", required_argument, NULL, 'e' },
	{ "fd", required_argument, NULL, OPT_FD },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The options one command accepts, for rejecting the others. */
static bool
option_allowed(const char *cmd, int opt)
{
	switch (opt) {
	case 'h':
		return true;
	case 'n':
	case OPT_JSON:
		return strcmp(cmd, "get") == 0;
	case OPT_VERSION:
		return strcmp(cmd, "get") == 0 || strcmp(cmd, "check") == 0;
	case OPT_FROM_FILE:
		return strcmp(cmd, "put") == 0;
	case 'e':
	case OPT_FD:
		return strcmp(cmd, "exec") == 0;
	default:
		return false;
	}
}

struct cmd_args {
	struct secret_get_opts get;
	const char *from_file;
	struct secret_binding bindings[BINDINGS_MAX];
	int nbindings;
};

static int
add_binding(struct cmd_args *a, const char *arg, bool is_fd)
{
	struct kmta_err err;

	if (a->nbindings == BINDINGS_MAX) {
		kmta_error("exec: more than %d -e and --fd options",
		    BINDINGS_MAX);
		return -1;
	}
	if (secret_binding_parse(arg, is_fd, &a->bindings[a->nbindings],
	    &err) == -1) {
		kmta_error("%s", err.msg);
		return -1;
	}
	a->nbindings++;
	return 0;
}

/* Parse a command's options; return -1 after printing an error. */
static int
parse_cmd_options(const char *cmd, int argc, char **argv,
    struct cmd_args *a)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hne:", cmd_options, NULL)) != -1) {
		if (c == '?' || !option_allowed(cmd, c)) {
			kmta_error("%s: %s option %s", cmd, c == '?' ?
			    "invalid or incomplete" : "does not take the",
			    argv[optind - 1]);
			usage(stderr, 0);
			return -1;
		}
		if (c == 'h')
			exit(usage(stdout, 0));
		if (c == 'n')
			a->get.newline = true;
		else if (c == OPT_JSON)
			a->get.json = true;
		else if (c == OPT_VERSION &&
		    parse_version(optarg, &a->get.version) == -1)
			return -1;
		else if (c == OPT_FROM_FILE)
			a->from_file = optarg;
		else if ((c == 'e' || c == OPT_FD) &&
		    add_binding(a, optarg, c == OPT_FD) == -1)
			return -1;
	}
	return 0;
}

static int
run_put(const struct kmta_conf *conf, const char *src, const char *file,
    struct kmta_err *err)
{
	int fd = STDIN_FILENO, rc;

	/* A missing file is 66 and an unreadable one 77 (kmta_errno_code). */
	if (file != NULL && (fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return kmta_err_set(err, kmta_errno_code(errno), "open %s: %s",
		    file, strerror(errno));
	rc = secret_put(conf, src, fd, file ? file : "standard input", err);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

static int
run(const struct kmta_conf *conf, const char *cmd, int argc, char **argv,
    struct cmd_args *a, struct kmta_err *err)
{
	if (strcmp(cmd, "exec") == 0) {
		if (argc < 1 || a->nbindings == 0) {
			kmta_error("exec: expected -e or --fd options and a "
			    "command after --");
			return usage(stderr, EX_USAGE);
		}
		secret_exec(conf, a->bindings, a->nbindings, argv, err);
		return fail(err);
	}
	if (argc != 1) {
		kmta_error("%s: expected one SOURCE argument", cmd);
		return usage(stderr, EX_USAGE);
	}
	if (strcmp(cmd, "get") == 0 &&
	    secret_get(conf, argv[0], &a->get, err) == -1)
		return fail(err);
	if (strcmp(cmd, "put") == 0 &&
	    run_put(conf, argv[0], a->from_file, err) == -1)
		return fail(err);
	if (strcmp(cmd, "check") == 0 &&
	    secret_check(conf, argv[0], a->get.version, err) == -1)
		return fail(err);
	return 0;
}

static const struct option global_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	static struct cmd_args args;
	struct kmta_conf *conf = NULL;
	const char *config = NULL, *cmd;
	struct kmta_err err;
	int c, rc;

	kmta_log_init("kmta-secret");
	keysource_set_vault_backend(&vault_inprocess_backend);
	if (harden_process(&err) == -1)
		return fail(&err);

	while ((c = getopt_long(argc, argv, "+c:h", global_options, NULL)) != -1) {
		if (c == 'c')
			config = optarg;
		else if (c == 'h')
			return usage(stdout, 0);
		else
			return usage(stderr, EX_USAGE);
	}
	if (optind >= argc)
		return usage(stderr, EX_USAGE);
	cmd = argv[optind];
	if (strcmp(cmd, "get") != 0 && strcmp(cmd, "put") != 0 &&
	    strcmp(cmd, "check") != 0 && strcmp(cmd, "exec") != 0) {
		kmta_error("unknown command \"%s\"", cmd);
		return usage(stderr, EX_USAGE);
	}
	argc -= optind;
	argv += optind;
	if (parse_cmd_options(cmd, argc, argv, &args) == -1)
		return EX_USAGE;

	if (kmta_conf_load(config, &conf, &err) == -1)
		return fail(&err);
	kmta_log_configure(conf);
	rc = run(conf, cmd, argc - optind, argv + optind, &args, &err);
	vault_cleanup();
	kmta_conf_free(conf);
	return rc;
}
