
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_test.h"
#include "krj_redis.h"


START_TEST(test_tcp)
{
    char             err[KRJ_REDIS_ERRLEN];
    krj_redis_url_t  u;

    ck_assert_int_eq(krj_redis_url_parse("redis://127.0.0.1", &u, err), 0);
    ck_assert_int_eq(u.scheme, KRJ_REDIS_TCP);
    ck_assert_str_eq(u.host, "127.0.0.1");
    ck_assert_str_eq(u.port, "6379");
    ck_assert_uint_eq(u.db, 0);
    ck_assert_str_eq(u.user, "");
    ck_assert_str_eq(u.password, "");

    ck_assert_int_eq(krj_redis_url_parse("redis://u%40x:p%3Aw@db:6380/7",
                                         &u, err), 0);
    ck_assert_str_eq(u.user, "u@x");
    ck_assert_str_eq(u.password, "p:w");
    ck_assert_str_eq(u.host, "db");
    ck_assert_str_eq(u.port, "6380");
    ck_assert_uint_eq(u.db, 7);

    /* a password alone, as redis-cli takes it; '@' in it is the last */
    ck_assert_int_eq(krj_redis_url_parse("redis://s@cret@h/", &u, err), 0);
    ck_assert_str_eq(u.user, "");
    ck_assert_str_eq(u.password, "s@cret");
    ck_assert_str_eq(u.host, "h");

    ck_assert_int_eq(krj_redis_url_parse("redis://[::1]:7000?db=3", &u,
                                         err), 0);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_str_eq(u.port, "7000");
    ck_assert_uint_eq(u.db, 3);
}
END_TEST


START_TEST(test_tls_and_unix)
{
    char             err[KRJ_REDIS_ERRLEN];
    krj_redis_url_t  u;

    ck_assert_int_eq(krj_redis_url_parse("rediss://h:1?ca=/etc/ca.pem&"
                                         "cert=/c.pem&key=/k%20x.pem", &u,
                                         err), 0);
    ck_assert_int_eq(u.scheme, KRJ_REDIS_TLS);
    ck_assert_str_eq(u.ca, "/etc/ca.pem");
    ck_assert_str_eq(u.cert, "/c.pem");
    ck_assert_str_eq(u.key, "/k x.pem");

    ck_assert_int_eq(krj_redis_url_parse("unix://:pw@/run/redis.sock?db=2",
                                         &u, err), 0);
    ck_assert_int_eq(u.scheme, KRJ_REDIS_UNIX);
    ck_assert_str_eq(u.path, "/run/redis.sock");
    ck_assert_str_eq(u.password, "pw");
    ck_assert_uint_eq(u.db, 2);
}
END_TEST


static const struct {
    const char  *url;
    const char  *reason;
} bad[] = {
    { "http://h", "redis://, rediss:// or unix:// expected" },
    { "redis://", "bad host" },
    { "redis://h:", "bad port" },
    { "redis://h:0", "bad port" },
    { "redis://h:65536", "bad port" },
    { "redis://h:123456", "bad port" },
    { "redis://h/x", "the database is a number" },
    { "redis://h/1x", "the database is a number" },
    { "redis://h x", "bad host" },
    { "redis://[::1", "bad host" },
    { "redis://a:%zz@h", "bad user or password encoding" },
    { "redis://a:%00@h", "bad user or password encoding" },
    { "redis://a:%4@h", "bad user or password encoding" },
    { "redis://h?ca=/x", "unknown or bad parameter \"ca\"" },
    { "rediss://h?bogus=1", "unknown or bad parameter \"bogus\"" },
    { "rediss://h?ca=", "unknown or bad parameter \"ca\"" },
    { "unix://run/redis.sock", "unix:// needs an absolute path" },
    { "unix://", "unix:// needs an absolute path" },
};


START_TEST(test_bad)
{
    char             err[KRJ_REDIS_ERRLEN];
    krj_redis_url_t  u;

    ck_assert_int_eq(krj_redis_url_parse(bad[_i].url, &u, err), -1);
    ck_assert_msg(strstr(err, bad[_i].reason) != NULL, "%s: \"%s\"",
                  bad[_i].url, err);
}
END_TEST


static Suite *
redis_url_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("redis_url");
    tc = tcase_create("parse");
    tcase_add_test(tc, test_tcp);
    tcase_add_test(tc, test_tls_and_unix);
    tcase_add_loop_test(tc, test_bad, 0,
                        (int) (sizeof(bad) / sizeof(bad[0])));
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(redis_url_suite)
