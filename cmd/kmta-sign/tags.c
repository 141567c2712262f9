#include <stdlib.h>
#include <string.h>

#include "tags.h"

#define IS_FWS(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

static char *
trim(char *s)
{
	char *end;

	while (IS_FWS(*s))
		s++;
	end = s + strlen(s);
	while (end > s && IS_FWS(end[-1]))
		*--end = '\0';
	return s;
}

static int
name_valid(const char *name)
{
	size_t i;

	if (!((name[0] >= 'a' && name[0] <= 'z') ||
	    (name[0] >= 'A' && name[0] <= 'Z')))
		return 0;
	for (i = 1; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return 0;
	return i < sizeof(((struct tag *)0)->name);
}

/* Add one "name=value" spec, already cut out of the list. */
static int
add_spec(struct tag_list *list, char *spec, const char **why)
{
	char *eq = strchr(spec, '='), *name;

	if (eq == NULL) {
		*why = "tag without '='";
		return -1;
	}
	*eq = '\0';
	name = trim(spec);
	if (!name_valid(name)) {
		*why = "invalid tag name";
		return -1;
	}
	if (tags_get(list, name) != NULL) {
		*why = "tag given twice";
		return -1;
	}
	if (list->count == TAGS_MAX) {
		*why = "too many tags";
		return -1;
	}
	strcpy(list->tags[list->count].name, name);
	list->tags[list->count].value = trim(eq + 1);
	list->count++;
	return 0;
}

int
tags_parse(const char *text, size_t len, struct tag_list *list,
    const char **why)
{
	char *p, *semi;

	memset(list, 0, sizeof(*list));
	if ((list->copy = malloc(len + 1)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	memcpy(list->copy, text, len);
	list->copy[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		*why = "NUL byte in tag list";
		return -1;
	}

	for (p = list->copy; *p != '\0'; p = semi + 1) {
		semi = p + strcspn(p, ";");
		if (*semi == '\0') {
			/* A trailing ';' leaves only white space here. */
			if (*trim(p) != '\0' && add_spec(list, p, why) == -1)
				return -1;
			break;
		}
		*semi = '\0';
		if (add_spec(list, p, why) == -1)
			return -1;
	}
	return 0;
}

const char *
tags_get(const struct tag_list *list, const char *name)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		if (strcmp(list->tags[i].name, name) == 0)
			return list->tags[i].value;
	return NULL;
}

void
tags_free(struct tag_list *list)
{
	free(list->copy);
	memset(list, 0, sizeof(*list));
}

void
tags_strip_space(const char *value, char *out)
{
	for (; *value != '\0'; value++)
		if (!IS_FWS(*value))
			*out++ = *value;
	*out = '\0';
}
