/* libcommon logging: untrusted bytes are cleaned, [log] is applied. */
#include <string.h>

#include "conf.h"
#include "log.h"
#include "tap.h"

int
main(void)
{
	static char captured[256];
	char out[16];
	struct kmta_conf *conf = NULL;
	struct kmta_err err = { 0 };

	is_str(kmta_log_clean(out, sizeof(out), "250 ok\r\nfake", 12),
	    "250 ok??fake", "CR and LF replaced");
	is_str(kmta_log_clean(out, sizeof(out), "caf\xc3\xa9", 5), "caf??",
	    "non-ASCII bytes replaced");
	is_str(kmta_log_clean(out, 4, "abcdef", 6), "abc",
	    "output cut to the buffer with a NUL");

	ok(kmta_conf_load_string("[log]\nlevel = error\n", "log.conf", &conf,
	    &err) == 0, "log config loads");
	kmta_log_configure(conf);
	kmta_log_init("unit");
	if (freopen("/dev/null", "w", stderr) == NULL ||
	    setvbuf(stderr, captured, _IOFBF, sizeof(captured)) != 0)
		return 1;
	kmta_info("dropped at level error");
	kmta_error("kept: %s", "disk full");
	is_str(captured, "unit: kept: disk full\n",
	    "level error drops info and keeps errors");
	kmta_conf_free(conf);
	return done_testing();
}
