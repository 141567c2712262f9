/* kmta-queue's commands, each called with its own argc/argv. */
#ifndef KMTA_QUEUE_COMMANDS_H
#define KMTA_QUEUE_COMMANDS_H

#include "setup.h"

/* Each returns the exit status and has reported any error on stderr. */
int cmd_add(struct setup *s, int argc, char **argv);
int cmd_list(struct setup *s, int argc, char **argv);
int cmd_show(struct setup *s, int argc, char **argv);
int cmd_admin(struct setup *s, int argc, char **argv);
int cmd_stats(struct setup *s, int argc, char **argv);
int cmd_run(struct setup *s, int argc, char **argv);
int cmd_flush(struct setup *s, int argc, char **argv);

/* The sendmail personality: sendmail(8)-compatible flags. */
int sendmail_main(int argc, char **argv);

/* The mailq personality: sendmail -bp with the same flags, such as -C. */
int mailq_main(int argc, char **argv);

/*
 * Report the option getopt rejected (c is '?' or ':', with optstring
 * starting "+:") for command cmd (NULL before the command); returns
 * EX_USAGE. getopt's own message
 * is off (opterr = 0) so that every error starts with "kmta-queue: ".
 */
int option_error(const char *cmd, int c, char **argv);

/* Open config and queue; on failure report and return the exit status. */
int commands_open(struct setup *s, struct kmta_conf **conf,
    struct queue *q);

#endif
