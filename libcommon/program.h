/* Finding the other kmta programs that a program runs. */
#ifndef KMTA_PROGRAM_H
#define KMTA_PROGRAM_H

#include <stddef.h>

/*
 * Return the program name in the directory of the running program
 * (/proc/self/exe), written into path, when it exists there and is
 * executable; otherwise return name itself, for execvp(3) to find on PATH.
 * An installed suite and a build tree thus run their own programs.
 */
const char *kmta_sibling_program(const char *name, char *path,
    size_t pathlen);

#endif
