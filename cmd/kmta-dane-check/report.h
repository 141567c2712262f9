/* kmta-dane-check's reports on stdout: text for people, JSON for scripts. */
#ifndef KMTA_DANE_CHECK_REPORT_H
#define KMTA_DANE_CHECK_REPORT_H

#include <stdio.h>

#include "check.h"

void report_text(FILE *out, const struct domain_check *c);
int report_json(FILE *out, const struct domain_check *c);

#endif
