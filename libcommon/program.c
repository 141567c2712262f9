#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "program.h"

const char *
kmta_sibling_program(const char *name, char *path, size_t pathlen)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return name;
	self[n] = '\0';

	slash = strrchr(self, '/');
	if (slash == NULL)
		return name;
	*slash = '\0';
	if ((size_t)snprintf(path, pathlen, "%s/%s", self, name) >= pathlen ||
	    access(path, X_OK) == -1)
		return name;
	return path;
}
