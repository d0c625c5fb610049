
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_KEYGEN_H_INCLUDED_
#define _KRJ_KEYGEN_H_INCLUDED_


#include <stddef.h>

#include "krj_principal.h"


/* a new key into key, KRJ_KEY_LEN + 1 bytes; 0, or -1 without entropy */
int krj_key_generate(char *key);

/* "sha256:" and the hex digest of key, KRJ_DIGEST_LEN + 1 bytes */
int krj_key_digest(const char *key, size_t len, char *digest);


#endif /* _KRJ_KEYGEN_H_INCLUDED_ */
