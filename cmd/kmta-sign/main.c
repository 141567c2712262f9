/* kmta-sign: not built yet; exits 69 (EX_UNAVAILABLE) so scripts can tell. */
#include <stdio.h>
#include <sysexits.h>

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "kmta-sign: not implemented yet in this version of kmta\n");
	return EX_UNAVAILABLE;
}
