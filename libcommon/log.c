#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <syslog.h>

#include "conf.h"
#include "log.h"

static const char *log_progname = "kmta";
static bool log_to_syslog;
static enum kmta_log_level log_max = KMTA_LOG_INFO;

void
kmta_log_init(const char *progname)
{
	log_progname = progname;
}

void
kmta_log_syslog(bool enable)
{
	if (enable && !log_to_syslog)
		openlog(log_progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
	if (!enable && log_to_syslog)
		closelog();
	log_to_syslog = enable;
}

void
kmta_log_level(enum kmta_log_level level)
{
	log_max = level;
}

void
kmta_log_configure(const struct kmta_conf *conf)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	const char *level = kmta_conf_str(conf, "log", "level", NULL);
	size_t i;

	if (kmta_conf_bool(conf, "log", "syslog", false))
		kmta_log_syslog(true);
	for (i = 0; level != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(level, names[i]) == 0)
			kmta_log_level((enum kmta_log_level)i);
}

static int
syslog_priority(enum kmta_log_level level)
{
	switch (level) {
	case KMTA_LOG_ERR:
		return LOG_ERR;
	case KMTA_LOG_WARNING:
		return LOG_WARNING;
	case KMTA_LOG_INFO:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

void
kmta_log(enum kmta_log_level level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (level > log_max)
		return;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	fprintf(stderr, "%s: %s%s\n", log_progname,
	    level == KMTA_LOG_WARNING ? "warning: " : "", line);
	if (log_to_syslog)
		syslog(syslog_priority(level), "%s", line);
}

char *
kmta_log_clean(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i, n;

	if (dstlen == 0)
		return dst;
	n = srclen < dstlen - 1 ? srclen : dstlen - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	dst[n] = '\0';
	return dst;
}
