/*
 * Logging for the kmta programs: human-readable lines on stderr as
 * "program: text", and optionally the same text to syslog's mail facility.
 * This is the one part of libcommon that writes; cmd/ calls it, library
 * code does not.
 */
#ifndef KMTA_LOG_H
#define KMTA_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum kmta_log_level {
	KMTA_LOG_ERR,
	KMTA_LOG_WARNING,
	KMTA_LOG_INFO,
	KMTA_LOG_DEBUG,
};

/* Set the program name used as prefix and syslog ident. */
void kmta_log_init(const char *progname);

/* Also send every line to syslog(3) with LOG_MAIL. */
void kmta_log_syslog(bool enable);

/* Lines above this level are dropped (default KMTA_LOG_INFO). */
void kmta_log_level(enum kmta_log_level level);

/* Apply the config's [log] section: syslog = yes, level = debug... */
struct kmta_conf;
void kmta_log_configure(const struct kmta_conf *conf);

void kmta_log(enum kmta_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define kmta_error(...) kmta_log(KMTA_LOG_ERR, __VA_ARGS__)
#define kmta_warn(...) kmta_log(KMTA_LOG_WARNING, __VA_ARGS__)
#define kmta_info(...) kmta_log(KMTA_LOG_INFO, __VA_ARGS__)
#define kmta_debug(...) kmta_log(KMTA_LOG_DEBUG, __VA_ARGS__)

/*
 * Copy untrusted bytes (an SMTP reply, a header) into dst for logging:
 * control characters and non-ASCII bytes become '?', so a peer cannot
 * forge log lines. Always NUL-terminates; returns dst.
 */
char *kmta_log_clean(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
