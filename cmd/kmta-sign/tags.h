/*
 * DKIM tag=value lists (RFC 6376 section 3.2), as found in DKIM-Signature
 * fields and in key records.
 */
#ifndef KMTA_SIGN_TAGS_H
#define KMTA_SIGN_TAGS_H

#include <stddef.h>

#define TAGS_MAX 32

struct tag {
	char name[16];
	char *value;		/* NUL-terminated, white space kept */
};

struct tag_list {
	struct tag tags[TAGS_MAX];
	size_t count;
	char *copy;		/* the list's text, owning every value */
};

/*
 * Parse text (len bytes) into list. Folding white space around names and
 * values is dropped. Returns 0, or -1 with why set to a static message for
 * a malformed list or a tag given twice.
 */
int tags_parse(const char *text, size_t len, struct tag_list *list,
    const char **why);

/* A tag's value, or NULL when the tag is absent. */
const char *tags_get(const struct tag_list *list, const char *name);

void tags_free(struct tag_list *list);

/* Copy value without white space (for b=, bh= and p=) into out. */
void tags_strip_space(const char *value, char *out);

#endif
