/* kmta-sign testkey: check a published key record against a private key. */
#ifndef KMTA_SIGN_TESTKEY_H
#define KMTA_SIGN_TESTKEY_H

/*
 * kmta-sign testkey -d DOMAIN -s SELECTOR -k KEYSOURCE --keys FILE:
 * returns 0 when the record matches the key, 1 when it is missing, broken
 * or for another key, or the exit status of a usage or key error.
 */
int testkey_main(int argc, char **argv);

#endif
