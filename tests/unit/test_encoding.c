
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_test.h"
#include "krj_encoding.h"


#define ALL  (krj_enc_bit(KRJ_ENC_GZIP) | krj_enc_bit(KRJ_ENC_BR)            \
              | krj_enc_bit(KRJ_ENC_ZSTD))
#define GZ   krj_enc_bit(KRJ_ENC_GZIP)

#define I    KRJ_ENC_IDENTITY
#define G    KRJ_ENC_GZIP
#define B    KRJ_ENC_BR
#define Z    KRJ_ENC_ZSTD


static krj_accept_t  a;


/* the coding chosen for one Accept-Encoding value */

static int
choose(const char *v, unsigned offered)
{
    krj_accept_init(&a);
    krj_accept_parse(&a, v, strlen(v));

    return krj_accept_choose(&a, offered);
}


START_TEST(test_gzip_only)
{
    /* what the module offers today: gzip beside identity */
    ck_assert_int_eq(choose("", GZ), I);
    ck_assert_int_eq(choose("gzip", GZ), G);
    ck_assert_int_eq(choose("GZIP", GZ), G);
    ck_assert_int_eq(choose("x-gzip", GZ), G);
    ck_assert_int_eq(choose("deflate, gzip, br", GZ), G);
    ck_assert_int_eq(choose("gzip;q=0", GZ), I);
    ck_assert_int_eq(choose("gzip; q=0.000", GZ), I);
    ck_assert_int_eq(choose("gzip;q=0.001", GZ), G);
    ck_assert_int_eq(choose("gzip;q=0.5, br", GZ), G);
    ck_assert_int_eq(choose("gzip;Q=1.0", GZ), G);
    ck_assert_int_eq(choose("*", GZ), G);
    ck_assert_int_eq(choose("*;q=0", GZ), I);
    ck_assert_int_eq(choose("gzip;q=0, *", GZ), I);
    ck_assert_int_eq(choose("*, gzip;q=0", GZ), I);
    ck_assert_int_eq(choose("br, deflate", GZ), I);
    ck_assert_int_eq(choose("gzipx", GZ), I);
    ck_assert_int_eq(choose("identity;q=0, gzip", GZ), G);

    /* nothing offered but identity */
    ck_assert_int_eq(choose("gzip, br, zstd", 0), I);
}
END_TEST


START_TEST(test_highest_q_wins)
{
    ck_assert_int_eq(choose("gzip;q=0.9, br;q=0.8, zstd;q=0.7", ALL), G);
    ck_assert_int_eq(choose("gzip;q=0.5, zstd;q=0.6", ALL), Z);
    ck_assert_int_eq(choose("gzip, br;q=0.999", ALL), G);

    /* a named identity above the codings */
    ck_assert_int_eq(choose("identity, gzip;q=0.5", ALL), I);
    ck_assert_int_eq(choose("*;q=0.5, gzip;q=0.2", GZ), I);

    /* the highest of a coding named twice */
    ck_assert_int_eq(choose("gzip;q=0.1, br;q=0.5, gzip", ALL), G);
}
END_TEST


START_TEST(test_ties_by_preference)
{
    /* br, then zstd, then gzip, then identity */
    ck_assert_int_eq(choose("gzip, br, zstd", ALL), B);
    ck_assert_int_eq(choose("zstd, gzip", ALL), Z);
    ck_assert_int_eq(choose("*", ALL), B);
    ck_assert_int_eq(choose("gzip;q=0.5, zstd;q=0.5", ALL), Z);
    ck_assert_int_eq(choose("identity, gzip", ALL), G);

    /* not offered, not chosen */
    ck_assert_int_eq(choose("br", GZ), I);
    ck_assert_int_eq(choose("br, gzip;q=0.1", GZ), G);
}
END_TEST


START_TEST(test_identity_and_star)
{
    /* identity named by nobody: acceptable, after any coding named */
    ck_assert_int_eq(choose("deflate", ALL), I);
    ck_assert_int_eq(krj_accept_q(&a, I), KRJ_ENC_QMIN);
    ck_assert_int_eq(choose("gzip;q=0.001", ALL), G);

    /* refused, by name or by "*" */
    choose("identity;q=0", ALL);
    ck_assert_int_eq(krj_accept_q(&a, I), 0);
    choose("*;q=0", ALL);
    ck_assert_int_eq(krj_accept_q(&a, I), 0);
    ck_assert_int_eq(krj_accept_q(&a, B), 0);
    choose("*;q=0, identity", ALL);
    ck_assert_int_eq(krj_accept_q(&a, I), KRJ_ENC_QMAX);

    /* nothing acceptable at all: identity all the same */
    ck_assert_int_eq(choose("identity;q=0", ALL), I);
    ck_assert_int_eq(choose("*;q=0", ALL), I);

    /* "*" gives its q to every coding not named */
    choose("*;q=0.3, gzip", ALL);
    ck_assert_int_eq(krj_accept_q(&a, Z), 300);
    ck_assert_int_eq(krj_accept_q(&a, G), KRJ_ENC_QMAX);

    /* no field at all: identity only */
    krj_accept_init(&a);
    ck_assert_int_eq(krj_accept_q(&a, I), KRJ_ENC_QMIN);
    ck_assert_int_eq(krj_accept_q(&a, G), 0);
    ck_assert_int_eq(krj_accept_choose(&a, ALL), I);
}
END_TEST


START_TEST(test_qvalues)
{
    choose("gzip;q=0.5", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), 500);
    choose("gzip;q=0.123", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), 123);
    choose("gzip ; q=1.000", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), KRJ_ENC_QMAX);
    choose("gzip;level=9;q=0.25", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), 250);

    /* not qvalues: refusals */
    choose("gzip;q=1.001", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), 0);
    choose("gzip;q=0.1234", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), 0);
    choose("gzip;q=2", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), 0);
    choose("gzip;q=abc", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), 0);
    choose("gzip;q=", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), 0);
    choose("gzip;q=.5", ALL);
    ck_assert_int_eq(krj_accept_q(&a, G), 0);
}
END_TEST


START_TEST(test_several_fields)
{
    /* two fields are one list */
    krj_accept_init(&a);
    krj_accept_parse(&a, "gzip;q=0.5", 10);
    krj_accept_parse(&a, "br;q=0.6", 8);
    ck_assert_int_eq(krj_accept_choose(&a, ALL), B);
    ck_assert_int_eq(krj_accept_choose(&a, GZ), G);

    /* an empty field refuses nothing named elsewhere */
    krj_accept_init(&a);
    krj_accept_parse(&a, "", 0);
    krj_accept_parse(&a, "gzip", 4);
    ck_assert_int_eq(krj_accept_choose(&a, GZ), G);
}
END_TEST


static Suite *
encoding_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("encoding");
    tc = tcase_create("encoding");
    tcase_add_test(tc, test_gzip_only);
    tcase_add_test(tc, test_highest_q_wins);
    tcase_add_test(tc, test_ties_by_preference);
    tcase_add_test(tc, test_identity_and_star);
    tcase_add_test(tc, test_qvalues);
    tcase_add_test(tc, test_several_fields);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(encoding_suite)
