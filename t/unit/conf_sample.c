/*
 * conf/kmta.conf stays valid: with every commented-out default and example
 * switched on, it loads without error. Placeholder values written as
 * "(text)" are left commented.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "tap.h"

/* Return the line with a leading "# " or "#[" uncommented, or as it was. */
static const char *
uncomment(const char *line)
{
	if (strncmp(line, "#[", 2) == 0)
		return line + 1;
	if (strncmp(line, "# ", 2) == 0 && strstr(line, " = ") != NULL &&
	    strchr(line, '(') == NULL &&
	    line[2] >= 'a' && line[2] <= 'z')
		return line + 2;
	return line;
}

int
main(void)
{
	const char *top = getenv("KMTA_TOP");
	struct kmta_buf text = { 0 };
	struct kmta_conf *conf = NULL;
	struct kmta_err err = { 0 };
	char path[4096], line[1024];
	int keys = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/conf/kmta.conf", top ? top : ".");
	fp = fopen(path, "r");
	ok(fp != NULL, "sample config %s opens", path);
	if (fp == NULL)
		return done_testing();
	while (fgets(line, sizeof(line), fp) != NULL) {
		const char *l = uncomment(line);

		keys += l != line && l[0] != '[';
		kmta_buf_puts(&text, l);
	}
	fclose(fp);

	ok(keys > 10, "sample switches on %d keys", keys);
	ok(kmta_conf_load_string(text.data, path, &conf, &err) == 0,
	    "sample with every key switched on loads: %s", err.msg);
	kmta_conf_free(conf);
	conf = NULL;
	ok(kmta_conf_load(path, &conf, &err) == 0,
	    "sample as shipped loads: %s", err.msg);
	kmta_conf_free(conf);
	kmta_buf_free(&text);
	return done_testing();
}
