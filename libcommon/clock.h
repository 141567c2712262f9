/* Monotonic time, for caches and timeouts that must ignore clock changes. */
#ifndef KMTA_CLOCK_H
#define KMTA_CLOCK_H

#include <time.h>

/* Return CLOCK_MONOTONIC in whole seconds. */
time_t kmta_monotonic_seconds(void);

#endif
