#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <string.h>

#include "harden.h"

int
harden_process(struct kmta_err *err)
{
	struct rlimit none = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &none) == -1)
		return kmta_err_set(err, EX_OSERR, "setrlimit RLIMIT_CORE: %s",
		    strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return kmta_err_set(err, EX_OSERR, "prctl PR_SET_DUMPABLE: %s",
		    strerror(errno));
	return 0;
}
