
/*
 * Copyright (C) The krj developers
 */


/*
 * krj_accept_parse() and krj_accept_choose() over any Accept-Encoding
 * value.  Besides reading only its bytes, they must follow rules that
 * hold for every value: the coding chosen is offered (or identity) and
 * has the highest q, ties to the server's preference; codings and "q"
 * compare case-insensitively, so upper-casing the value changes nothing;
 * a coding the module does not know adds nothing (", deflate" appended);
 * the value split at its first comma into two fields is the same list;
 * and a plain ", br" appended is q=1 and the most preferred, so it wins.
 */


#include "krj_fuzz.h"
#include "krj_encoding.h"


#define KRJ_FUZZ_ALL     (krj_enc_bit(KRJ_ENC_GZIP) | krj_enc_bit(KRJ_ENC_BR) \
                          | krj_enc_bit(KRJ_ENC_ZSTD))
#define KRJ_FUZZ_OTHER   ", deflate"
#define KRJ_FUZZ_BR      ", br"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void krj_fuzz_accept(krj_accept_t *a, const uint8_t *data,
    size_t size, const char *tail, int upper);
static void krj_fuzz_same(const krj_accept_t *a, const krj_accept_t *b,
    const char *what);
static void krj_fuzz_best(const krj_accept_t *a, unsigned offered);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t  *comma;
    krj_accept_t    a, b;

    krj_fuzz_accept(&a, data, size, NULL, 0);

    krj_fuzz_best(&a, KRJ_FUZZ_ALL);
    krj_fuzz_best(&a, krj_enc_bit(KRJ_ENC_GZIP));
    krj_fuzz_best(&a, 0);

    krj_fuzz_accept(&b, data, size, NULL, 1);
    krj_fuzz_same(&a, &b, "upper case");

    krj_fuzz_accept(&b, data, size, KRJ_FUZZ_OTHER, 0);
    krj_fuzz_same(&a, &b, KRJ_FUZZ_OTHER);

    comma = size ? memchr(data, ',', size) : NULL;

    if (comma != NULL) {
        krj_fuzz_accept(&b, data, comma - data, NULL, 0);
        krj_accept_parse(&b, (const char *) comma + 1,
                         size - (comma - data) - 1);
        krj_fuzz_same(&a, &b, "two fields");
    }

    krj_fuzz_accept(&b, data, size, KRJ_FUZZ_BR, 0);
    krj_fuzz_assert(krj_accept_choose(&b, KRJ_FUZZ_ALL) == KRJ_ENC_BR,
                    "\"%s\" appended does not choose br", KRJ_FUZZ_BR);

    return 0;
}


/* the value in a buffer of its exact size, with tail appended, parsed */

static void
krj_fuzz_accept(krj_accept_t *a, const uint8_t *data, size_t size,
    const char *tail, int upper)
{
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

    krj_accept_init(a);
    krj_accept_parse(a, (const char *) p, size + n);

    free(p);
}


static void
krj_fuzz_same(const krj_accept_t *a, const krj_accept_t *b,
    const char *what)
{
    int  e;

    for (e = 0; e < KRJ_ENC_N; e++) {
        krj_fuzz_assert(krj_accept_q(a, e) == krj_accept_q(b, e),
                        "%s changes the q of coding %d: %d, %d", what, e,
                        krj_accept_q(a, e), krj_accept_q(b, e));
    }
}


/* the choice is offered, and no offered coding beats it */

static void
krj_fuzz_best(const krj_accept_t *a, unsigned offered)
{
    int  e, c, q, qc;

    c = krj_accept_choose(a, offered);

    krj_fuzz_assert(c == KRJ_ENC_IDENTITY || (offered & krj_enc_bit(c)),
                    "chose %d, not offered", c);

    qc = krj_accept_q(a, c);

    for (e = 0; e < KRJ_ENC_N; e++) {
        q = krj_accept_q(a, e);

        krj_fuzz_assert(q >= 0 && q <= KRJ_ENC_QMAX, "coding %d: q %d", e,
                        q);

        if (e == c || q == 0
            || (e != KRJ_ENC_IDENTITY && !(offered & krj_enc_bit(e))))
        {
            continue;
        }

        krj_fuzz_assert(q < qc || (q == qc && e < c),
                        "chose %d (q %d) over %d (q %d)", c, qc, e, q);
    }
}
