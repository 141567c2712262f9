#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "log.h"
#include "vault.h"
#include "vault_int.h"

#define VAULT_ADDR_DEFAULT "https://127.0.0.1:8200"
#define CACHE_TTL_DEFAULT 60
#define TOKEN_MAX 4096

static struct vault_client *client;

static void
warn_default(const char *msg)
{
	kmta_warn("%s", msg);
}

static void (*warning_handler)(const char *) = warn_default;

void
vault_set_warning_handler(void (*handler)(const char *msg))
{
	warning_handler = handler != NULL ? handler : warn_default;
}

void
vault_warn(const char *fmt, ...)
{
	char msg[KMTA_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warning_handler(msg);
}

/* An environment variable wins over the [vault] key, as in Vault's CLI. */
static const char *
setting(const struct kmta_conf *conf, const char *env, const char *key)
{
	const char *v = env != NULL ? getenv(env) : NULL;

	if (v != NULL && v[0] != '\0')
		return v;
	return kmta_conf_str(conf, "vault", key, NULL);
}

static int
copy_setting(char *dst, size_t len, const char *value, const char *name,
    struct kmta_err *err)
{
	if (value == NULL) {
		dst[0] = '\0';
		return 0;
	}
	if (strlen(value) >= len)
		return kmta_err_set(err, EX_CONFIG, "%s: value longer than %zu "
		    "bytes", name, len - 1);
	strcpy(dst, value);
	return 0;
}

static bool
host_is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/*
 * Copy the host of url (brackets removed) as curl parses it, so that a
 * user name such as the "127.0.0.1" in http://127.0.0.1@host/ is never
 * taken for the host that the request goes to. Returns -1 when curl
 * rejects the URL or the host does not fit.
 */
static int
url_host(const char *url, char *host, size_t len)
{
	CURLU *u = curl_url();
	char *h = NULL;
	const char *p;
	size_t n;
	int rc = -1;

	if (u == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		p = h;
		n = strlen(h);
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
			p++;
			n -= 2;
		}
		if (n < len) {
			memcpy(host, p, n);
			host[n] = '\0';
			rc = 0;
		}
	}
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}

/*
 * Accept https:// always, http:// for loopback hosts, and any other
 * http:// address only with allow_insecure_http, warning on each use.
 */
static int
check_address(struct vault_client *c, struct kmta_err *err)
{
	char host[256];
	size_t n = strlen(c->address);

	while (n > 0 && c->address[n - 1] == '/')
		c->address[--n] = '\0';
	if (strncmp(c->address, "https://", 8) == 0)
		return 0;
	if (strncmp(c->address, "http://", 7) != 0)
		return kmta_err_set(err, EX_CONFIG, "Vault address %s: "
		    "expected an https:// URL", c->address);

	c->http.allow_http = true;
	if (url_host(c->address, host, sizeof(host)) == -1)
		return kmta_err_set(err, EX_CONFIG, "Vault address %s: "
		    "invalid URL", c->address);
	if (host_is_loopback(host))
		return 0;
	if (!kmta_conf_bool(c->conf, "vault", "allow_insecure_http", false))
		return kmta_err_set(err, EX_CONFIG, "Vault address %s: plain "
		    "http:// is accepted only for loopback hosts; use https:// "
		    "or set allow_insecure_http = yes in [vault]", c->address);
	vault_warn("Vault address %s: sending the token and secrets without "
	    "TLS (allow_insecure_http = yes)", c->address);
	return 0;
}

static int
kv_version_setting(struct vault_client *c, struct kmta_err *err)
{
	const char *v = kmta_conf_str(c->conf, "vault", "kv_version", "auto");

	if (strcmp(v, "auto") == 0)
		c->kv_version = 0;
	else if (strcmp(v, "1") == 0 || strcmp(v, "2") == 0)
		c->kv_version = v[0] - '0';
	else
		return kmta_err_set(err, EX_CONFIG, "[vault] kv_version: "
		    "invalid value \"%s\": expected auto, 1 or 2", v);
	return 0;
}

/* Timeouts and retries: VAULT_CLIENT_TIMEOUT and VAULT_MAX_RETRIES win. */
static int
http_settings(struct vault_client *c, struct kmta_err *err)
{
	const char *v;
	long n;

	c->http.total_timeout_ms = 1000 *
	    kmta_conf_num(c->conf, "vault", "timeout", 30);
	c->http.connect_timeout_ms = 1000 *
	    kmta_conf_num(c->conf, "vault", "connect_timeout", 10);
	c->http.max_attempts = 1 +
	    (int)kmta_conf_num(c->conf, "vault", "max_retries", 2);
	c->cache_ttl = kmta_conf_num(c->conf, "vault", "cache_ttl",
	    CACHE_TTL_DEFAULT);

	if ((v = getenv("VAULT_CLIENT_TIMEOUT")) != NULL && v[0] != '\0') {
		if (kmta_parse_duration(v, &n) == -1 || n == 0)
			return kmta_err_set(err, EX_CONFIG, "VAULT_CLIENT_TIMEOUT:"
			    " invalid duration \"%s\"", v);
		c->http.total_timeout_ms = 1000 * n;
	}
	if ((v = getenv("VAULT_MAX_RETRIES")) != NULL && v[0] != '\0') {
		if (kmta_parse_uint(v, &n) == -1 || n > 10)
			return kmta_err_set(err, EX_CONFIG, "VAULT_MAX_RETRIES: "
			    "invalid value \"%s\": expected 0 to 10", v);
		c->http.max_attempts = 1 + (int)n;
	}
	return 0;
}

static int
tls_settings(struct vault_client *c, struct kmta_err *err)
{
	const struct kmta_conf *conf = c->conf;

	if (copy_setting(c->ca_file, sizeof(c->ca_file),
	    setting(conf, "VAULT_CACERT", "ca_cert"), "ca_cert", err) == -1 ||
	    copy_setting(c->ca_path, sizeof(c->ca_path),
	    setting(conf, "VAULT_CAPATH", "ca_path"), "ca_path", err) == -1 ||
	    copy_setting(c->client_cert, sizeof(c->client_cert),
	    setting(conf, "VAULT_CLIENT_CERT", "client_cert"), "client_cert",
	    err) == -1 ||
	    copy_setting(c->client_key, sizeof(c->client_key),
	    setting(conf, "VAULT_CLIENT_KEY", "client_key"), "client_key",
	    err) == -1)
		return -1;
	if ((c->client_cert[0] == '\0') != (c->client_key[0] == '\0'))
		return kmta_err_set(err, EX_CONFIG, "Vault mutual TLS needs "
		    "both VAULT_CLIENT_CERT and VAULT_CLIENT_KEY (or [vault] "
		    "client_cert and client_key)");

	c->http.ca_file = c->ca_file[0] ? c->ca_file : NULL;
	c->http.ca_path = c->ca_path[0] ? c->ca_path : NULL;
	c->http.client_cert = c->client_cert[0] ? c->client_cert : NULL;
	c->http.client_key = c->client_key[0] ? c->client_key : NULL;
	return 0;
}

static int
client_init(struct vault_client *c, const struct kmta_conf *conf,
    struct kmta_err *err)
{
	const char *addr = setting(conf, "VAULT_ADDR", "address");

	c->conf = conf;
	if (copy_setting(c->address, sizeof(c->address),
	    addr != NULL ? addr : VAULT_ADDR_DEFAULT, "address", err) == -1 ||
	    copy_setting(c->namespace, sizeof(c->namespace),
	    setting(conf, "VAULT_NAMESPACE", "namespace"), "namespace",
	    err) == -1)
		return -1;
	if (check_address(c, err) == -1 || kv_version_setting(c, err) == -1 ||
	    http_settings(c, err) == -1 || tls_settings(c, err) == -1)
		return -1;
	return 0;
}

int
vault_client_get(const struct kmta_conf *conf, struct vault_client **out,
    struct kmta_err *err)
{
	if (client != NULL && client->conf == conf) {
		*out = client;
		return 0;
	}
	vault_client_free();
	vault_json_init();

	client = calloc(1, sizeof(*client));
	if (client == NULL)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	if (client_init(client, conf, err) == -1) {
		vault_client_free();
		return -1;
	}
	*out = client;
	return 0;
}

void
vault_client_free(void)
{
	if (client == NULL)
		return;
	kmta_secret_free(&client->token);
	explicit_bzero(client, sizeof(*client));
	free(client);
	client = NULL;
}

/*
 * Read a token or AppRole id file, trimming trailing white space. A file
 * readable by group or others is used, with a warning, as Vault's CLI does.
 */
static int
read_token_file(const char *path, struct kmta_secret *out,
    struct kmta_err *err)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return kmta_err_set(err, errno == ENOENT ? EX_CONFIG :
		    kmta_errno_code(errno), "open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		vault_warn("token file %s: mode %04o is readable by group or "
		    "others; run chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
	if (kmta_secret_alloc(out, TOKEN_MAX) == -1) {
		close(fd);
		return kmta_err_set(err, EX_OSERR, "out of memory");
	}
	do
		n = read(fd, out->data, out->cap);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n == -1) {
		kmta_secret_free(out);
		return kmta_err_set(err, EX_IOERR, "read %s: %s", path,
		    strerror(errno));
	}

	out->len = (size_t)n;
	while (out->len > 0 && strchr(" \t\r\n", out->data[out->len - 1]))
		out->data[--out->len] = '\0';
	if (out->len == 0 || out->len == out->cap) {
		const char *why = out->len == 0 ? "empty file" :
		    "longer than a Vault token";

		kmta_secret_free(out);
		return kmta_err_set(err, EX_CONFIG, "%s: %s", path, why);
	}
	return 0;
}

static int
token_from_env(struct vault_client *c, const char *v, struct kmta_err *err)
{
	size_t len = strlen(v);

	if (kmta_secret_alloc(&c->token, len) == -1)
		return kmta_err_set(err, EX_OSERR, "out of memory");
	memcpy(c->token.data, v, len);
	c->token.len = len;
	snprintf(c->token_source, sizeof(c->token_source), "VAULT_TOKEN");
	return 0;
}

static void
home_token_path(char *path, size_t len)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || home[0] == '\0') {
		pw = getpwuid(geteuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	snprintf(path, len, "%s/.vault-token", home);
}

/*
 * Find the token once per process: VAULT_TOKEN, [vault] token_file, an
 * AppRole login, then ~/.vault-token.
 */
int
vault_token_get(struct vault_client *c, struct kmta_err *err)
{
	const char *env = getenv("VAULT_TOKEN");
	const char *file = kmta_conf_str(c->conf, "vault", "token_file", NULL);
	char home[1024];

	if (c->token.data != NULL)
		return 0;
	if (env != NULL && env[0] != '\0')
		return token_from_env(c, env, err);
	if (file != NULL) {
		snprintf(c->token_source, sizeof(c->token_source), "token_file");
		return read_token_file(file, &c->token, err) == -1 ?
		    kmta_err_wrap(err, "[vault] token_file") : 0;
	}
	if (kmta_conf_str(c->conf, "vault", "role_id_file", NULL) != NULL) {
		snprintf(c->token_source, sizeof(c->token_source), "approle");
		return vault_approle_login(c, err);
	}

	home_token_path(home, sizeof(home));
	if (access(home, F_OK) == 0) {
		snprintf(c->token_source, sizeof(c->token_source),
		    "~/.vault-token");
		return read_token_file(home, &c->token, err);
	}
	return kmta_err_set(err, EX_CONFIG, "no Vault token: VAULT_TOKEN is "
	    "not set, [vault] sets neither token_file nor role_id_file%s%s, "
	    "and %s does not exist", c->conf && c->conf->path ? " in " : "",
	    c->conf && c->conf->path ? c->conf->path : "", home);
}

/* Log in once with AppRole: role id and secret id come from files. */
int
vault_approle_login(struct vault_client *c, struct kmta_err *err)
{
	const char *role_file = kmta_conf_str(c->conf, "vault",
	    "role_id_file", NULL);
	const char *secret_file = kmta_conf_str(c->conf, "vault",
	    "secret_id_file", NULL);
	const char *mount = kmta_conf_str(c->conf, "vault", "approle_mount",
	    "approle");
	struct kmta_secret role = { 0 }, secret = { 0 };
	struct vault_reply reply = { 0 };
	char path[VAULT_PATH_MAX];
	json_t *body, *tok;
	int rc = -1;

	if (secret_file == NULL)
		return kmta_err_set(err, EX_CONFIG, "[vault] role_id_file is "
		    "set but secret_id_file is not");
	if (read_token_file(role_file, &role, err) == -1 ||
	    read_token_file(secret_file, &secret, err) == -1)
		goto out;

	body = json_pack("{s:s%,s:s%}", "role_id", (char *)role.data,
	    role.len, "secret_id", (char *)secret.data, secret.len);
	snprintf(path, sizeof(path), "auth/%s/login", mount);
	if (body == NULL) {
		kmta_err_set(err, EX_DATAERR, "AppRole role id or secret id is "
		    "not valid UTF-8");
		goto out;
	}
	rc = vault_request(c, "POST", path, NULL, body, false, &reply,
	    err);
	json_decref(body);
	if (rc == -1)
		goto out;
	rc = -1;
	if (reply.status != 200) {
		vault_status_error(&reply, "AppRole login", err);
		goto out;
	}

	tok = json_object_get(json_object_get(reply.json, "auth"),
	    "client_token");
	if (!json_is_string(tok) || json_string_length(tok) == 0) {
		kmta_err_set(err, EX_TEMPFAIL, "AppRole login: reply has no "
		    "auth.client_token");
		goto out;
	}
	if (kmta_secret_alloc(&c->token, json_string_length(tok)) == -1) {
		kmta_err_set(err, EX_OSERR, "out of memory");
		goto out;
	}
	memcpy(c->token.data, json_string_value(tok), json_string_length(tok));
	c->token.len = json_string_length(tok);
	rc = 0;
out:
	vault_reply_free(&reply);
	kmta_secret_free(&role);
	kmta_secret_free(&secret);
	return rc;
}
