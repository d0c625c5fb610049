
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "krj_keygen.h"
#include "krj_publish.h"


int
krj_key_generate(char *key)
{
    int            rc;
    size_t         i;
    unsigned char  raw[KRJ_KEY_RANDOM_BYTES];
    unsigned char  b64[4 * ((KRJ_KEY_RANDOM_BYTES + 2) / 3) + 1];

    rc = -1;

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        goto cleanup;
    }

    /* 44 characters, the last one '=' padding */
    EVP_EncodeBlock(b64, raw, sizeof(raw));

    memcpy(key, KRJ_KEY_PREFIX, sizeof(KRJ_KEY_PREFIX) - 1);

    for (i = 0; i < KRJ_KEY_LEN - (sizeof(KRJ_KEY_PREFIX) - 1); i++) {
        key[sizeof(KRJ_KEY_PREFIX) - 1 + i] = (b64[i] == '+') ? '-'
                                              : (b64[i] == '/') ? '_'
                                              : (char) b64[i];
    }

    key[KRJ_KEY_LEN] = '\0';
    rc = 0;

cleanup:

    explicit_bzero(raw, sizeof(raw));
    explicit_bzero(b64, sizeof(b64));

    return rc;
}


int
krj_key_digest(const char *key, size_t len, char *digest)
{
    memcpy(digest, KRJ_DIGEST_PREFIX, sizeof(KRJ_DIGEST_PREFIX) - 1);

    return krj_sha256_hex((const uint8_t *) key, len,
                          digest + sizeof(KRJ_DIGEST_PREFIX) - 1);
}
