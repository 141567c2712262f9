/* Finding the other kmta programs that a program runs. */
#ifndef KMTA_PROGRAM_H
#define KMTA_PROGRAM_H

#include <stddef.h>

/*
 * Return the path of program name in the directory of the running program
 * (/proc/self/exe), written into path, when it is executable there.
 * Otherwise return name itself, so that execvp(3) searches PATH. This way
 * an installed suite and a build tree each run their own programs.
 */
const char *kmta_sibling_program(const char *name, char *path,
    size_t pathlen);

#endif
