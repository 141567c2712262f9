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

/* Read a whole file into b; return 0, or -1 when it cannot be opened. */
static int
slurp(const char *path, struct kmta_buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		kmta_buf_append(b, chunk, n);
	fclose(fp);
	return 0;
}

/* Every key of conf_keys.c is in kmta.conf(5) and in the sample. */
static void
test_every_key_documented(const char *top, const char *sample)
{
	const struct kmta_conf_key *k;
	struct kmta_buf man = { 0 };
	char path[4096], want[128];
	int missing_man = 0, missing_sample = 0;

	snprintf(path, sizeof(path), "%s/man/kmta.conf.5", top);
	ok(slurp(path, &man) == 0, "kmta.conf(5) opens");
	for (k = kmta_conf_keys; k->section != NULL && man.data; k++) {
		snprintf(want, sizeof(want), "Ic %s", k->key);
		if (strstr(man.data, want) == NULL) {
			printf("# [%s] %s: not in kmta.conf(5)\n", k->section,
			    k->key);
			missing_man++;
		}
		snprintf(want, sizeof(want), "%s = ", k->key);
		if (k->alias_of == NULL && strstr(sample, want) == NULL) {
			printf("# [%s] %s: not in conf/kmta.conf\n",
			    k->section, k->key);
			missing_sample++;
		}
	}
	is_int(missing_man, 0, "every key is in kmta.conf(5)");
	is_int(missing_sample, 0, "every key is in conf/kmta.conf");
	kmta_buf_free(&man);
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
	test_every_key_documented(top ? top : ".", text.data);
	kmta_buf_free(&text);
	return done_testing();
}
