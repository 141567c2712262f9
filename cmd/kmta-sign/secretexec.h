/*
 * vault: key sources for kmta-sign, read and written by running
 * kmta-secret instead of linking the in-process Vault client.
 */
#ifndef KMTA_SIGN_SECRETEXEC_H
#define KMTA_SIGN_SECRETEXEC_H

#include <stddef.h>

#include "keysource.h"

/* The backend to pass to keysource_set_vault_backend(). */
extern const struct keysource_vault_backend secretexec_backend;

/*
 * Copy the string value of field from the JSON object text json into a
 * locked buffer. Errors: EX_CONFIG when the field is missing (the message
 * contains ': no field "'), EX_DATAERR for a value that is not a string or
 * for text that is not a JSON object. path names the secret in messages.
 */
int secretexec_json_field(const unsigned char *json, size_t len,
    const char *path, const char *field, struct kmta_secret *out,
    struct kmta_err *err);

#endif
