
/*
 * Copyright (C) The krj developers
 */


/*
 * krj_accept_gzip() over any Accept-Encoding value.  Besides reading only
 * its bytes, it must answer 0 or 1 and follow three rules that hold for
 * every value: codings and "q" compare case-insensitively, so upper-casing
 * the value changes nothing; a coding the module does not serve adds
 * nothing (", identity" appended); and a plain ", gzip" appended is a
 * gzip with q=1, which always wins.
 */


#include "krj_fuzz.h"
#include "krj_encoding.h"


#define KRJ_FUZZ_IDENTITY  ", identity"
#define KRJ_FUZZ_GZIP      ", gzip"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int krj_fuzz_accept(const uint8_t *data, size_t size,
    const char *tail, int upper);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int  gzip;

    gzip = krj_fuzz_accept(data, size, NULL, 0);

    krj_fuzz_assert(gzip == 0 || gzip == 1, "answered %d", gzip);

    krj_fuzz_assert(krj_fuzz_accept(data, size, NULL, 1) == gzip,
                    "upper case changes the answer %d", gzip);

    krj_fuzz_assert(krj_fuzz_accept(data, size, KRJ_FUZZ_IDENTITY, 0)
                    == gzip, "\"%s\" changes the answer %d",
                    KRJ_FUZZ_IDENTITY, gzip);

    krj_fuzz_assert(krj_fuzz_accept(data, size, KRJ_FUZZ_GZIP, 0) == 1,
                    "\"%s\" appended does not accept gzip", KRJ_FUZZ_GZIP);

    return 0;
}


/* the value in a buffer of its exact size, with tail appended */

static int
krj_fuzz_accept(const uint8_t *data, size_t size, const char *tail,
    int upper)
{
    int       rc;
    size_t    i, n;
    uint8_t  *p;

    n = tail ? strlen(tail) : 0;

    p = malloc(size + n ? size + n : 1);
    krj_fuzz_assert(p != NULL, "malloc(%zu)", size + n);

    if (size) {
        memcpy(p, data, size);
    }

    if (n) {
        memcpy(p + size, tail, n);
    }

    for (i = 0; upper && i < size; i++) {
        if (p[i] >= 'a' && p[i] <= 'z') {
            p[i] -= 'a' - 'A';
        }
    }

    rc = krj_accept_gzip((const char *) p, size + n);

    free(p);

    return rc;
}
