/* A minimal TAP producer for C unit tests run by prove. */
#ifndef KMTA_TAP_H
#define KMTA_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_str(got, want, name) do { \
	const char *g_ = (got), *w_ = (want); \
	int same_ = (g_ == NULL && w_ == NULL) || \
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0); \
	ok(same_, "%s", name); \
	if (!same_) \
		printf("#   got:      \"%s\"\n#   expected: \"%s\"\n", \
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

#define is_int(got, want, name) do { \
	long g_ = (long)(got), w_ = (long)(want); \
	ok(g_ == w_, "%s", name); \
	if (g_ != w_) \
		printf("#   got:      %ld\n#   expected: %ld\n", g_, w_); \
} while (0)

__attribute__((format(printf, 4, 5))) static void
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s line %d\n", file, line);
	}
}

static int
done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
