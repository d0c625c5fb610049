
/*
 * Copyright (C) The krj developers
 */


#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "krj_test.h"
#include "krj_buf.h"
#include "krj_conf.h"
#include "krj_daemon.h"
#include "krj_metrics.h"
#include "krj_metrics_http.h"
#include "krj_run.h"


static char       path[64];
static krj_buf_t  text;


static void
teardown(void)
{
    krj_buf_free(&text);
    unlink(path);
}


static const char *
render(const krj_metrics_t *m)
{
    krj_buf_free(&text);
    krj_buf_init(&text);
    ck_assert_int_eq(krj_metrics_render(m, &text), 0);
    krj_buf_byte(&text, '\0');

    return (const char *) text.data;
}


/* the value of a sample line "name{...} value", or -1 when absent */
static double
sample(const char *name, const char *command)
{
    char         prefix[160];
    const char  *p;

    snprintf(prefix, sizeof(prefix), "\nkrj_batch_%s{command=\"%s\"} ", name,
             command);
    p = strstr((const char *) text.data, prefix);

    return p ? strtod(p + strlen(prefix), NULL) : -1;
}


static void
conf_with(krj_conf_t *conf, const char *metrics)
{
    memset(conf, 0, sizeof(krj_conf_t));
    conf->metrics_file = metrics;
}


START_TEST(test_nothing_run_yet)
{
    krj_conf_t     conf;
    krj_metrics_t  m;
    const char    *t;

    conf_with(&conf, NULL);
    krj_metrics_init(&m, &conf, "watch");
    t = render(&m);

    ck_assert_ptr_nonnull(strstr(t, "# HELP krj_batch_info "));
    ck_assert_ptr_nonnull(strstr(t, "# TYPE krj_batch_info gauge\n"
                                 "krj_batch_info{command=\"watch\","
                                 "version=\"" KRJ_VERSION "\"} 1\n"));
    ck_assert(sample("last_run_success", "watch") == -1);
    ck_assert(sample("last_success_timestamp_seconds", "watch") == -1);
    ck_assert(sample("outbox_depth", "watch") == -1);
    ck_assert(sample("postgresql_up", "watch") == -1);
    ck_assert(sample("follow_lag_seconds", "watch") == -1);
}
END_TEST


START_TEST(test_success_by_status)
{
    int            i;
    double         end;
    krj_conf_t     conf;
    krj_metrics_t  m;
    const int      status[] = { KRJ_EXIT_OK, KRJ_EXIT_USAGE, KRJ_EXIT_PARTIAL,
                                KRJ_EXIT_FAILED, KRJ_EXIT_PENDING };
    const int      success[] = { 1, 0, 1, 0, 1 };

    conf_with(&conf, NULL);
    krj_metrics_init(&m, &conf, "run");

    for (i = 0; i < 5; i++) {
        krj_metrics_run_begin(&m);
        m.accepted = 3;
        m.rejected = 1;
        m.rows = 42;
        m.warnings = 2;
        krj_metrics_run_end(&m, status[i]);
        render(&m);

        ck_assert(sample("last_run_success", "run") == success[i]);
        ck_assert(sample("files_accepted", "run") == 3);
        ck_assert(sample("files_rejected", "run") == 1);
        ck_assert(sample("rows_published", "run") == 42);
        ck_assert(sample("warnings", "run") == 2);
        ck_assert(sample("last_run_start_timestamp_seconds", "run")
                  <= sample("last_run_end_timestamp_seconds", "run"));
    }

    /* the last success was status 4's run, the last one */
    ck_assert(sample("last_success_timestamp_seconds", "run")
              == sample("last_run_end_timestamp_seconds", "run"));

    /* a failure keeps it */
    end = m.ended;
    usleep(2000);
    krj_metrics_run_begin(&m);
    krj_metrics_run_end(&m, KRJ_EXIT_FAILED);
    render(&m);
    ck_assert(m.last_success == end && m.ended > end);
    ck_assert(sample("last_success_timestamp_seconds", "run")
              < sample("last_run_end_timestamp_seconds", "run"));
}
END_TEST


START_TEST(test_read_back)
{
    FILE           *f;
    krj_conf_t      conf;
    krj_metrics_t   m;

    snprintf(path, sizeof(path), "/tmp/krj-test-metrics-%d.prom",
             (int) getpid());
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# HELP krj_batch_last_success_timestamp_seconds x\n"
          "krj_batch_last_success_timestamp_seconds{command=\"watch\"} "
          "1700000000.250\n"
          "krj_batch_last_success_timestamp_seconds{command=\"run\"} "
          "1600000000.5\n"
          "krj_batch_last_success_timestamp_seconds{command=\"follow\"} "
          "garbage\n", f);
    fclose(f);

    conf_with(&conf, path);

    krj_metrics_init(&m, &conf, "run");
    ck_assert(m.last_success == 1600000000.5);
    render(&m);
    ck_assert(sample("last_success_timestamp_seconds", "run")
              == 1600000000.5);
    ck_assert(sample("last_run_success", "run") == -1);

    krj_metrics_init(&m, &conf, "watch");
    ck_assert(m.last_success == 1700000000.25);

    /* not a number: nothing is known */
    krj_metrics_init(&m, &conf, "follow");
    ck_assert(m.last_success == 0);
}
END_TEST


START_TEST(test_follow_lag)
{
    double         now, lag;
    krj_conf_t     conf;
    krj_metrics_t  m;

    conf_with(&conf, NULL);
    krj_metrics_init(&m, &conf, "follow");
    now = krj_metrics_now();

    krj_metrics_lag(&m, KRJ_METRICS_LAG_CURRENT, 0);
    render(&m);
    ck_assert(sample("follow_lag_seconds", "follow") == 0);

    /* behind: the age of the revision it lacks */
    krj_metrics_lag(&m, KRJ_METRICS_LAG_BEHIND, now - 100);
    render(&m);
    lag = sample("follow_lag_seconds", "follow");
    ck_assert(lag >= 100 && lag < 101);

    /* unknown: since it was last current, a moment ago */
    m.current = now - 30;
    krj_metrics_lag(&m, KRJ_METRICS_LAG_UNKNOWN, 0);
    render(&m);
    lag = sample("follow_lag_seconds", "follow");
    ck_assert(lag >= 30 && lag < 31);

    krj_metrics_lag(&m, KRJ_METRICS_LAG_CURRENT, 0);
    render(&m);
    ck_assert(sample("follow_lag_seconds", "follow") == 0);
}
END_TEST


START_TEST(test_dirty)
{
    krj_conf_t     conf;
    krj_metrics_t  m;

    conf_with(&conf, NULL);
    krj_metrics_init(&m, &conf, "follow");

    m.dirty = 0;
    krj_metrics_lag(&m, KRJ_METRICS_LAG_UNKNOWN, 0);
    ck_assert_int_eq(m.dirty, 0);
    krj_metrics_lag(&m, KRJ_METRICS_LAG_CURRENT, 0);
    ck_assert_int_eq(m.dirty, 1);

    m.dirty = 0;
    krj_metrics_lag(&m, KRJ_METRICS_LAG_CURRENT, 0);
    ck_assert_int_eq(m.dirty, 0);
    krj_metrics_lag(&m, KRJ_METRICS_LAG_BEHIND, 1000);
    ck_assert_int_eq(m.dirty, 1);

    m.dirty = 0;
    krj_metrics_lag(&m, KRJ_METRICS_LAG_BEHIND, 1000);
    ck_assert_int_eq(m.dirty, 0);
    krj_metrics_lag(&m, KRJ_METRICS_LAG_BEHIND, 2000);
    ck_assert_int_eq(m.dirty, 1);
}
END_TEST


START_TEST(test_listen_address)
{
    char                      err[KRJ_METRICS_HTTP_ERRLEN], host[64];
    size_t                    i;
    socklen_t                 len;
    struct sockaddr_in       *sin;
    struct sockaddr_in6      *sin6;
    struct sockaddr_storage   ss;

    static const struct {
        const char  *addr;
        int          family;
        const char  *host;
        int          port;
    } good[] = {
        { "9480", AF_INET, "127.0.0.1", 9480 },
        { ":9480", AF_INET, "127.0.0.1", 9480 },
        { "127.0.0.1:1", AF_INET, "127.0.0.1", 1 },
        { "localhost:65535", AF_INET, "127.0.0.1", 65535 },
        { "0.0.0.0:9480", AF_INET, "0.0.0.0", 9480 },
        { "[::1]:9480", AF_INET6, "::1", 9480 },
        { "[::]:9480", AF_INET6, "::", 9480 },
    };

    static const char  *bad[] = {
        "", ":", "abc", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
        "127.0.0.1:123456", "127.0.0.1:80x", "127.0.0.1:-1",
        "example.com:9480", "1.2.3.4.5:9480", "::1:9480", "[::1:9480",
        "[]:9480", "[127.0.0.1]:9480", "[::1]", "[::1]:", "a:b:c"
    };

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ck_assert_msg(krj_metrics_http_parse(good[i].addr, &ss, &len, err)
                      == 0, "%s: %s", good[i].addr, err);
        ck_assert_int_eq(ss.ss_family, good[i].family);

        if (good[i].family == AF_INET) {
            sin = (struct sockaddr_in *) &ss;
            inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
            ck_assert_int_eq(ntohs(sin->sin_port), good[i].port);

        } else {
            sin6 = (struct sockaddr_in6 *) &ss;
            inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
            ck_assert_int_eq(ntohs(sin6->sin6_port), good[i].port);
        }

        ck_assert_str_eq(host, good[i].host);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(krj_metrics_http_parse(bad[i], &ss, &len, err) == -1,
                      "%s is refused", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "is ADDRESS:PORT"));
    }
}
END_TEST


static Suite *
metrics_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("metrics");
    tc = tcase_create("metrics");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_nothing_run_yet);
    tcase_add_test(tc, test_success_by_status);
    tcase_add_test(tc, test_read_back);
    tcase_add_test(tc, test_follow_lag);
    tcase_add_test(tc, test_dirty);
    tcase_add_test(tc, test_listen_address);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(metrics_suite)
