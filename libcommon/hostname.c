#include <stdio.h>
#include <unistd.h>

#include "hostname.h"

void
kmta_host_name(const char *configured, char *out, size_t outlen)
{
	if (configured != NULL)
		snprintf(out, outlen, "%s", configured);
	else if (gethostname(out, outlen - 1) == -1 || out[0] == '\0')
		snprintf(out, outlen, "localhost");
	out[outlen - 1] = '\0';
}
