
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "krj_test.h"
#include "krj_conf.h"
#include "krj_log.h"


static char  path[64];


/* the file of text, its name in path */
static void
write_conf(const char *text)
{
    FILE  *f;

    snprintf(path, sizeof(path), "/tmp/krj-test-conf-%d", (int) getpid());
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}


static int
load(const char *text, krj_conf_t *conf, void **store, char *err)
{
    int  rc;

    write_conf(text);
    rc = krj_conf_init(conf, path, store, err);
    unlink(path);

    return rc;
}


START_TEST(test_file_sets_options)
{
    char         err[KRJ_CONF_ERRLEN];
    void        *store;
    krj_conf_t   conf;

    unsetenv("KRJ_OUTPUT_DIR");
    unsetenv("KRJ_PG_DSN");

    ck_assert_int_eq(load("# comment\n\n  input = /srv/in  \r\n"
                          "output = \" /srv/out \"\n"
                          "pg-dsn = host=db dbname=krj\n"
                          "max-size = 2m\nsettle = 250ms\npoll = 2m\n"
                          "lock-ttl = 1h\nfollow-symlinks = yes\n"
                          "log-level = debug\n", &conf, &store, err), 0);
    ck_assert_str_eq(conf.input, "/srv/in");
    ck_assert_str_eq(conf.output, " /srv/out ");
    ck_assert_str_eq(conf.pg_dsn, "host=db dbname=krj");
    ck_assert_uint_eq(conf.max_size, 2 * 1024 * 1024);
    ck_assert_uint_eq(conf.settle, 250);
    ck_assert_uint_eq(conf.poll, 120000);
    ck_assert_uint_eq(conf.lock_ttl, 3600000);
    ck_assert_int_eq(conf.follow_symlinks, 1);
    ck_assert_int_eq(conf.log_level, KRJ_LOG_DEBUG);
    ck_assert_str_eq(conf.config, path);
    krj_conf_file_free(store);
}
END_TEST


START_TEST(test_environment_wins)
{
    char         err[KRJ_CONF_ERRLEN];
    void        *store;
    krj_conf_t   conf;

    setenv("KRJ_OUTPUT_DIR", "/from/env", 1);
    ck_assert_int_eq(load("output = /from/file\n", &conf, &store, err), 0);
    ck_assert_str_eq(conf.output, "/from/env");
    krj_conf_file_free(store);
    unsetenv("KRJ_OUTPUT_DIR");
}
END_TEST


START_TEST(test_defaults)
{
    char         err[KRJ_CONF_ERRLEN];
    void        *store;
    krj_conf_t   conf;

    ck_assert_int_eq(krj_conf_init(&conf, KRJ_CONF_NONE, &store, err), 0);
    ck_assert_ptr_null(conf.config);
    ck_assert_uint_eq(conf.settle, 2000);
    ck_assert_uint_eq(conf.poll, 60000);
    ck_assert_uint_eq(conf.lock_ttl, 600000);
    ck_assert_uint_eq(conf.pg_connect_timeout, 5);
    ck_assert_uint_eq(conf.pg_statement_timeout, 60000);
    ck_assert_uint_eq(conf.redis_timeout, 5000);
    ck_assert_uint_eq(conf.stream_maxlen, 1000);
    ck_assert_ptr_null(conf.outbox);
}
END_TEST


static const struct {
    const char  *text;
    const char  *reason;
} bad[] = {
    { "x = 1\n", ":1: unknown option \"x\"" },
    { "input /tmp\n", ":1: expected \"name = value\"" },
    { "\n\nsettle = 1d\n", ":3: settle is a time from 0ms to 3600s" },
    { "poll = 50ms\n", ":1: poll is a time from 100ms" },
    { "settle = 99999999999\n", ":1: settle is a time" },
    { "max-future = 3651\n", ":1: max-future is a number from 0 to 3650" },
    { "verbose = 1\n", ":1: \"verbose\" is a command-line option only" },
    { "help = 1\n", ":1: \"help\" is a command-line option only" },
    { "input = \"\"\n", ":1: \"input\" has no value" },
    { "input = \"/x\n", ":1: unterminated quote" },
    { "log-format = xml\n", ":1: log-format is text or json" },
};


START_TEST(test_bad_lines)
{
    char         err[KRJ_CONF_ERRLEN], want[KRJ_CONF_ERRLEN];
    void        *store;
    krj_conf_t   conf;

    ck_assert_int_eq(load(bad[_i].text, &conf, &store, err), -1);
    snprintf(want, sizeof(want), "%s%s", path, bad[_i].reason);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s: \"%s\"",
                  bad[_i].text, err);
    ck_assert_ptr_null(store);
}
END_TEST


START_TEST(test_missing_file)
{
    char         err[KRJ_CONF_ERRLEN];
    void        *store;
    krj_conf_t   conf;

    ck_assert_int_eq(krj_conf_init(&conf, "/nonexistent/krj.conf", &store,
                                   err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/krj.conf: cannot open "
                                 "the configuration file"));
}
END_TEST


static int
no_loader(krj_conf_t *conf, void **store, char *err)
{
    (void) conf;
    (void) store;

    snprintf(err, KRJ_CONF_ERRLEN, "bad file");
    return -1;
}


static int
other_output(krj_conf_t *conf, void **store, char *err)
{
    if (krj_conf_init(conf, KRJ_CONF_NONE, store, err) != 0) {
        return -1;
    }

    conf->output = "/elsewhere";
    conf->settle = 1;

    return 0;
}


static int
other_settle(krj_conf_t *conf, void **store, char *err)
{
    if (krj_conf_init(conf, KRJ_CONF_NONE, store, err) != 0) {
        return -1;
    }

    conf->settle = 1;

    return 0;
}


START_TEST(test_reload)
{
    char         err[KRJ_CONF_ERRLEN];
    void        *store, *st;
    krj_conf_t   old, conf;

    ck_assert_int_eq(krj_conf_init(&old, KRJ_CONF_NONE, &store, err), 0);
    conf = old;

    krj_conf_set_loader(no_loader);
    ck_assert_int_eq(krj_conf_reload(&old, &conf, &st, err), -1);
    ck_assert_str_eq(err, "bad file");

    krj_conf_set_loader(other_output);
    ck_assert_int_eq(krj_conf_reload(&old, &conf, &st, err), -1);
    ck_assert_str_eq(err, "output cannot change without a restart");
    ck_assert_uint_eq(conf.settle, old.settle);

    krj_conf_set_loader(other_settle);
    ck_assert_int_eq(krj_conf_reload(&old, &conf, &st, err), 0);
    ck_assert_uint_eq(conf.settle, 1);
    krj_conf_file_free(st);
}
END_TEST


static Suite *
conf_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("conf");
    tc = tcase_create("file");
    tcase_add_test(tc, test_file_sets_options);
    tcase_add_test(tc, test_environment_wins);
    tcase_add_test(tc, test_defaults);
    tcase_add_loop_test(tc, test_bad_lines, 0,
                        (int) (sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_reload);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(conf_suite)
