
/*
 * Copyright (C) The krj developers
 */


/*
 * The settings of krj-batch in one table, in the manner of pgbouncer's
 * cf_parameter table: each entry says how its value is read and checked,
 * where it is stored, which commands take it, and whether a reload may
 * change it.  getopt_long() and --help are built from it (krj_main.c),
 * and so will be the configuration file and its SIGHUP reload.
 */


#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_conf.h"
#include "krj_log.h"
#include "krj_metrics_http.h"
#include "krj_principal.h"


#define krj_conf_field(conf, opt)   ((char *) (conf) + (opt)->offset)

/* the commands that log events, and those that talk to the servers */
#define KRJ_CMD_BACKUPS         (KRJ_CMD_BACKUP | KRJ_CMD_RESTORE)
#define KRJ_CMD_LOG                                                           \
    (KRJ_CMD_INGEST | KRJ_CMD_STATUS | KRJ_CMD_FOLLOW | KRJ_CMD_MIGRATE      \
     | KRJ_CMD_BACKUPS)
#define KRJ_CMD_PG                                                            \
    (KRJ_CMD_INGEST | KRJ_CMD_STATUS | KRJ_CMD_FOLLOW | KRJ_CMD_MIGRATE      \
     | KRJ_CMD_PRINCIPALS | KRJ_CMD_BACKUPS)
#define KRJ_CMD_REDIS                                                         \
    (KRJ_CMD_INGEST | KRJ_CMD_STATUS | KRJ_CMD_FOLLOW | KRJ_CMD_PRINCIPALS)
#define KRJ_CMD_OUTBOX          KRJ_CMD_REDIS


static int krj_conf_size(const char *s, const krj_conf_bounds_t *b,
    unsigned long long *v);
static int krj_conf_number(const char *s, const krj_conf_bounds_t *b,
    unsigned long long *v);
static int krj_conf_msec(const char *s, const krj_conf_bounds_t *b,
    unsigned long long *v);
static int krj_conf_enum(int *field, const krj_option_t *opt,
    const char *value, const char *label, char *err);
static int krj_conf_same(const krj_conf_t *a, const krj_conf_t *b,
    const krj_option_t *opt);


static krj_conf_load_pt  krj_conf_loader;


static const krj_conf_enum_t  krj_conf_log_formats[] = {
    { "text", KRJ_LOG_TEXT },
    { "json", KRJ_LOG_JSON },
    { NULL, 0 }
};

static const krj_conf_enum_t  krj_conf_log_levels[] = {
    { "debug", KRJ_LOG_DEBUG },
    { "info", KRJ_LOG_INFO },
    { "warning", KRJ_LOG_WARN },
    { "error", KRJ_LOG_ERROR },
    { NULL, 0 }
};

static const krj_conf_enum_t  krj_conf_flags[] = {
    { "on", 1 }, { "off", 0 },
    { "yes", 1 }, { "no", 0 },
    { "true", 1 }, { "false", 0 },
    { "1", 1 }, { "0", 0 },
    { NULL, 0 }
};

/* the snapshot format and 32-bit offsets leave room for 1 GiB of CSV */
static const krj_conf_bounds_t  krj_conf_max_size_bounds = {
    1, 1024 * 1024 * 1024
};

/* ten years: a date beyond that is no protection, and stays 4 digits */
static const krj_conf_bounds_t  krj_conf_max_future_bounds = { 0, 3650 };

/* PostgreSQL: seconds to connect; milliseconds a statement may take */
static const krj_conf_bounds_t  krj_conf_pg_connect_bounds = { 1, 3600 };
static const krj_conf_bounds_t  krj_conf_pg_statement_bounds = {
    100, 24 * 3600 * 1000
};

/* Redis: milliseconds to connect or answer */
static const krj_conf_bounds_t  krj_conf_redis_timeout_bounds = {
    100, 600 * 1000
};

/* the stream keeps about this many announcements (XADD MAXLEN ~) */
static const krj_conf_bounds_t  krj_conf_stream_maxlen_bounds = {
    10, 10000000
};

static const krj_conf_bounds_t  krj_conf_lock_ttl_bounds = {
    1000, 24 * 3600 * 1000
};

static const krj_conf_bounds_t  krj_conf_settle_bounds = {
    0, 3600 * 1000
};

static const krj_conf_bounds_t  krj_conf_poll_bounds = {
    100, 24 * 3600 * 1000
};

/* krj_threads.h's KRJ_THREADS_MAX */
static const krj_conf_bounds_t  krj_conf_threads_bounds = { 1, 64 };

/* the format a module upgraded or not yet reads: the snapshot's own */
static const krj_conf_enum_t  krj_conf_snapshot_formats[] = {
    { "3", 3 }, { "4", 4 }, { NULL, 0 }
};

/* ten years of weeks; a snapshot holds every one of them */
static const krj_conf_bounds_t  krj_conf_history_weeks_bounds = { 0, 520 };
/* how many backups --keep keeps; 0: every one */
static const krj_conf_bounds_t  krj_conf_keep_bounds = { 0, 100000 };

/* bcrypt's cost is a power of two: 15 is seconds per login already */
static const krj_conf_bounds_t  krj_conf_cost_bounds = { 4, 15 };


const krj_option_t  krj_options[] = {

    { "input", KRJ_OPT_STRING, "DIR", "KRJ_DATA_DIR", "/var/lib/krj/data",
      "the directory of the KRJ_signals_latest_week_*.csv files",
      KRJ_CMD_INGEST, offsetof(krj_conf_t, input), 0, 0, NULL },

    { "output", KRJ_OPT_STRING, "DIR", "KRJ_OUTPUT_DIR",
      "/var/lib/krj/output",
      "where krj.snapshot, latest_{slug}.csv and metadata.json are "
      "published; created when missing",
      KRJ_CMD_INGEST | KRJ_CMD_STATUS | KRJ_CMD_FOLLOW,
      offsetof(krj_conf_t, output), 0, 0, NULL },

    { "max-size", KRJ_OPT_SIZE, "BYTES", NULL, "16m",
      "the largest input file accepted, k and m suffixes allowed",
      KRJ_CMD_INGEST, offsetof(krj_conf_t, max_size), KRJ_OPT_RELOAD, 0,
      &krj_conf_max_size_bounds },

    { "max-future", KRJ_OPT_NUMBER, "DAYS", NULL, "7",
      "refuse a file dated more than DAYS days after today, UTC; the "
      "category's newest earlier file is used",
      KRJ_CMD_INGEST, offsetof(krj_conf_t, max_future), KRJ_OPT_RELOAD, 0,
      &krj_conf_max_future_bounds },

    { "follow-symlinks", KRJ_OPT_FLAG, NULL, NULL, "off",
      "follow a symbolic link whose target is a regular file inside the "
      "input directory; without it every link is skipped",
      KRJ_CMD_INGEST, offsetof(krj_conf_t, follow_symlinks),
      KRJ_OPT_RELOAD, 0, krj_conf_flags },

    { "log-format", KRJ_OPT_ENUM, NULL, NULL, "text",
      "one line per event on stderr",
      KRJ_CMD_LOG, offsetof(krj_conf_t, log_format),
      KRJ_OPT_RELOAD, 0, krj_conf_log_formats },

    { "log-level", KRJ_OPT_ENUM, NULL, NULL, "info",
      "the least level logged",
      KRJ_CMD_LOG, offsetof(krj_conf_t, log_level),
      KRJ_OPT_RELOAD, 0, krj_conf_log_levels },

    { "quiet", KRJ_OPT_SET, NULL, NULL, NULL,
      "log warnings and errors only (--log-level warning)",
      KRJ_CMD_LOG, offsetof(krj_conf_t, log_level),
      KRJ_OPT_ARGV, KRJ_LOG_WARN, NULL },

    { "verbose", KRJ_OPT_SET, NULL, NULL, NULL,
      "log debug events too (--log-level debug)",
      KRJ_CMD_LOG, offsetof(krj_conf_t, log_level),
      KRJ_OPT_ARGV, KRJ_LOG_DEBUG, NULL },

    { "scopes", KRJ_OPT_SCOPES, "SCOPES", NULL, NULL,
      "required: comma-separated category slugs, or *, plus metrics and "
      "admin: sp500,sp100 or '*,metrics'",
      KRJ_CMD_KEYS_ADD, offsetof(krj_conf_t, scopes), KRJ_OPT_ARGV, 0,
      NULL },

    { "rate", KRJ_OPT_RATE, "RATE", NULL, NULL,
      "the key's own rate limit, Nr/s or Nr/m (600r/m)",
      KRJ_CMD_KEYS_ADD, offsetof(krj_conf_t, rate), KRJ_OPT_ARGV, 0, NULL },

    { "expires", KRJ_OPT_DATE, "DATE", NULL, NULL,
      "YYYY-MM-DD after today: the key is refused from that date on (UTC)",
      KRJ_CMD_KEYS_ADD, offsetof(krj_conf_t, expires), KRJ_OPT_ARGV, 0,
      NULL },

    { "scopes", KRJ_OPT_SCOPES, "SCOPES", NULL, NULL,
      "comma-separated category slugs, or *, plus metrics and admin; "
      "without it a new user gets every category, an existing one keeps "
      "theirs",
      KRJ_CMD_USERS_ADD, offsetof(krj_conf_t, scopes), KRJ_OPT_ARGV, 0,
      NULL },

    { "cost", KRJ_OPT_NUMBER, "N", NULL, "10",
      "bcrypt cost",
      KRJ_CMD_USERS_ADD, offsetof(krj_conf_t, cost), KRJ_OPT_RELOAD, 0,
      &krj_conf_cost_bounds },

    { "key-file", KRJ_OPT_STRING, "PATH", "KRJ_KEY_FILE",
      "/etc/krj/api-keys",
      "the key file",
      KRJ_CMD_KEYS_ALL | KRJ_CMD_FOLLOW | KRJ_CMD_BACKUPS | KRJ_CMD_MIGRATE,
      offsetof(krj_conf_t, key_file),
      KRJ_OPT_RELOAD, 0, NULL },

    { "user-file", KRJ_OPT_STRING, "PATH", "KRJ_USER_FILE",
      "/etc/krj/users.htpasswd",
      "the user file",
      KRJ_CMD_USERS_ALL | KRJ_CMD_FOLLOW | KRJ_CMD_BACKUPS
      | KRJ_CMD_MIGRATE,
      offsetof(krj_conf_t, user_file), KRJ_OPT_RELOAD,
      0, NULL },

    { "group", KRJ_OPT_GROUP, "NAME", NULL, "www-data",
      "the group a new file gets, mode 0640, so that nginx's workers can "
      "read it (an existing file keeps its owner and group); with no "
      "www-data group, the default is krj-batch's own",
      KRJ_CMD_KEYS_ADD | KRJ_CMD_USERS_ADD, offsetof(krj_conf_t, group),
      KRJ_OPT_RELOAD, 0, NULL },

    { "config", KRJ_OPT_STRING, "PATH", NULL, NULL,
      "the configuration file, name = value lines named as these options "
      "(default " KRJ_CONF_DEFAULT_FILE " when it exists)",
      KRJ_CMD_WORK, offsetof(krj_conf_t, config), KRJ_OPT_ARGV, 0, NULL },

    { "pg-dsn", KRJ_OPT_STRING, "DSN", "KRJ_PG_DSN", NULL,
      "PostgreSQL: a libpq connection string or URI (sslmode as libpq "
      "has it); without it, PGHOST, PGDATABASE or PGSERVICE turn "
      "PostgreSQL on, with libpq's PG* variables and service file",
      KRJ_CMD_PG, offsetof(krj_conf_t, pg_dsn), KRJ_OPT_RELOAD, 0, NULL },

    { "pg-connect-timeout", KRJ_OPT_NUMBER, "SECONDS", NULL, "5",
      "how long connecting to PostgreSQL may take",
      KRJ_CMD_PG, offsetof(krj_conf_t, pg_connect_timeout), KRJ_OPT_RELOAD,
      0, &krj_conf_pg_connect_bounds },

    { "pg-statement-timeout", KRJ_OPT_MSEC, "TIME", NULL, "60s",
      "how long one PostgreSQL statement may take",
      KRJ_CMD_PG, offsetof(krj_conf_t, pg_statement_timeout),
      KRJ_OPT_RELOAD, 0, &krj_conf_pg_statement_bounds },

    { "redis-url", KRJ_OPT_STRING, "URL", "KRJ_REDIS_URL", NULL,
      "Redis: redis://[USER:PASSWORD@]HOST[:PORT][/DB], rediss:// for "
      "TLS, or unix://[USER:PASSWORD@]/PATH[?db=DB]",
      KRJ_CMD_REDIS, offsetof(krj_conf_t, redis_url), KRJ_OPT_RELOAD, 0,
      NULL },

    { "redis-timeout", KRJ_OPT_MSEC, "TIME", NULL, "5s",
      "how long connecting to Redis or one command may take",
      KRJ_CMD_REDIS, offsetof(krj_conf_t, redis_timeout), KRJ_OPT_RELOAD, 0,
      &krj_conf_redis_timeout_bounds },

    { "outbox", KRJ_OPT_STRING, "DIR", NULL, NULL,
      "where what could not be recorded or announced waits, one file per "
      "item (default OUTPUT/outbox)",
      KRJ_CMD_OUTBOX, offsetof(krj_conf_t, outbox), 0, 0, NULL },

    { "stream-maxlen", KRJ_OPT_NUMBER, "N", NULL, "1000",
      "about how many announcements the stream krj:updates keeps",
      KRJ_CMD_INGEST | KRJ_CMD_FOLLOW | KRJ_CMD_PRINCIPALS,
      offsetof(krj_conf_t, stream_maxlen), KRJ_OPT_RELOAD, 0,
      &krj_conf_stream_maxlen_bounds },

    { "lock-ttl", KRJ_OPT_MSEC, "TIME", NULL, "10m",
      "the expiry of the Redis lock that lets one node ingest at a time",
      KRJ_CMD_INGEST, offsetof(krj_conf_t, lock_ttl), KRJ_OPT_RELOAD, 0,
      &krj_conf_lock_ttl_bounds },

    { "settle", KRJ_OPT_MSEC, "TIME", NULL, "2s",
      "how long the input directory must be quiet before a run",
      KRJ_CMD_WATCH, offsetof(krj_conf_t, settle), KRJ_OPT_RELOAD, 0,
      &krj_conf_settle_bounds },

    { "poll", KRJ_OPT_MSEC, "TIME", NULL, "60s",
      "how often PostgreSQL is asked for the newest revision, in case an "
      "announcement was missed",
      KRJ_CMD_FOLLOW, offsetof(krj_conf_t, poll), KRJ_OPT_RELOAD, 0,
      &krj_conf_poll_bounds },

    { "metrics-file", KRJ_OPT_STRING, "PATH", "KRJ_METRICS_FILE", NULL,
      "write the metrics there after every run (daemons: after every "
      "change, and at least every minute, follow every --poll), in "
      "Prometheus' text format, atomically: a *.prom file in "
      "node_exporter's textfile directory",
      KRJ_CMD_METRICS, offsetof(krj_conf_t, metrics_file), KRJ_OPT_RELOAD,
      0, NULL },

    { "metrics-listen", KRJ_OPT_LISTEN, "ADDRESS:PORT", NULL, NULL,
      "answer GET /metrics there, with the text of --metrics-file: "
      "127.0.0.1:9480 (a port alone is 127.0.0.1's), or another numeric "
      "address to listen on",
      KRJ_CMD_DAEMON, offsetof(krj_conf_t, metrics_listen), 0, 0, NULL },

    { "history-weeks", KRJ_OPT_NUMBER, "N", NULL, "52",
      "the weeks of signals per ticker exported into the snapshot for "
      "GET /history/{slug}/{ticker}, from PostgreSQL (or carried over from "
      "the published snapshot); 0: none",
      KRJ_CMD_INGEST | KRJ_CMD_FOLLOW, offsetof(krj_conf_t, history_weeks),
      KRJ_OPT_RELOAD, 0, &krj_conf_history_weeks_bounds },

    { "threads", KRJ_OPT_NUMBER, "N", NULL, NULL,
      "how many threads compress the snapshot's bodies (default: the "
      "online CPUs); the snapshot is the same for every N",
      KRJ_CMD_INGEST | KRJ_CMD_FOLLOW, offsetof(krj_conf_t, threads),
      KRJ_OPT_RELOAD, 0, &krj_conf_threads_bounds },

    { "snapshot-format", KRJ_OPT_ENUM, NULL, "KRJ_SNAPSHOT_FORMAT", "4",
      "the snapshot format written: 3 for nodes whose module is still "
      "0.1.0, during a rolling upgrade",
      KRJ_CMD_INGEST | KRJ_CMD_FOLLOW, offsetof(krj_conf_t, snapshot_format),
      KRJ_OPT_RELOAD, 0, krj_conf_snapshot_formats },

    /* not the "output" above (KRJ_OUTPUT_DIR, the published files): the
       command line's word for backup only, never set by the file */
    { "output", KRJ_OPT_STRING, "DIR", "KRJ_BACKUP_DIR", "/var/backups/krj",
      "where the backup file is written (mode 0700 when it is made)",
      KRJ_CMD_BACKUP, offsetof(krj_conf_t, backup_dir), KRJ_OPT_ARGV, 0,
      NULL },

    { "keep", KRJ_OPT_NUMBER, "N", "KRJ_BACKUP_KEEP", "0",
      "after the backup, remove all but the newest N krj-backup-*.tar in "
      "the directory; 0 keeps every one",
      KRJ_CMD_BACKUP, offsetof(krj_conf_t, keep), KRJ_OPT_RELOAD, 0,
      &krj_conf_keep_bounds },

    { "session-key-file", KRJ_OPT_STRING, "PATH", "KRJ_SESSION_KEY_FILE",
      "/etc/krj/session.key",
      "the dashboard's session key, backed up and restored with the key "
      "and user files when it exists",
      KRJ_CMD_BACKUPS, offsetof(krj_conf_t, session_key_file),
      KRJ_OPT_RELOAD, 0, NULL },

    { "help", KRJ_OPT_SET, NULL, NULL, NULL,
      "this text",
      KRJ_CMD_ALL, offsetof(krj_conf_t, action), KRJ_OPT_ARGV,
      KRJ_ACTION_HELP, NULL },

    { "version", KRJ_OPT_SET, NULL, NULL, NULL,
      "the versions of krj-batch and of its libraries",
      KRJ_CMD_MAIN, offsetof(krj_conf_t, action), KRJ_OPT_ARGV,
      KRJ_ACTION_VERSION, NULL },

    { NULL, 0, NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL }
};


int
krj_conf_init(krj_conf_t *conf, const char *path, void **store, char *err)
{
    const char          *v;
    const krj_option_t  *opt;

    memset(conf, 0, sizeof(krj_conf_t));
    *store = NULL;

    for (opt = krj_options; opt->name != NULL; opt++) {
        if (opt->deflt != NULL
            && krj_conf_set(conf, opt, opt->deflt, KRJ_SRC_DEFAULT, err)
               != 0)
        {
            return -1;
        }
    }

    /* the file is the site's; a variable and an option still win */
    if (krj_conf_file(conf, path, store, err) != 0) {
        return -1;
    }

    /* an empty variable is an unset one, as in the original script */
    for (opt = krj_options; opt->name != NULL; opt++) {
        if (opt->env == NULL) {
            continue;
        }

        v = getenv(opt->env);

        if (v != NULL && v[0] != '\0'
            && krj_conf_set(conf, opt, v, KRJ_SRC_ENV, err) != 0)
        {
            return -1;
        }
    }

    return 0;
}


int
krj_conf_set(krj_conf_t *conf, const krj_option_t *opt, const char *value,
    int source, char *err)
{
    char                      label[64], *field;
    char                      msg[KRJ_METRICS_HTTP_ERRLEN];
    long                      days;
    socklen_t                 sslen;
    struct group             *gr;
    unsigned long long        v;
    krj_conf_rate_t          *rate;
    krj_conf_group_t         *group;
    struct sockaddr_storage   ss;

    field = krj_conf_field(conf, opt);

    if (source == KRJ_SRC_ENV) {
        snprintf(label, sizeof(label), "%s", opt->env);

    } else if (source == KRJ_SRC_FILE) {
        snprintf(label, sizeof(label), "%s", opt->name);

    } else {
        snprintf(label, sizeof(label), "--%s", opt->name);
    }

    switch (opt->kind) {

    case KRJ_OPT_SET:
        *(int *) field = opt->value;
        return 0;

    case KRJ_OPT_FLAG:
        if (value == NULL) {
            *(int *) field = 1;
            return 0;
        }

        return krj_conf_enum((int *) field, opt, value, label, err);

    case KRJ_OPT_STRING:
        *(const char **) field = value;
        return 0;

    case KRJ_OPT_LISTEN:
        /* the syntax now; whether it can be bound, when the daemon starts */
        if (krj_metrics_http_parse(value, &ss, &sslen, msg) != 0) {
            snprintf(err, KRJ_CONF_ERRLEN, "%s %s", label, msg);
            return -1;
        }

        *(const char **) field = value;
        return 0;

    case KRJ_OPT_MSEC:
        if (krj_conf_msec(value, opt->post, &v) != 0) {
            snprintf(err, KRJ_CONF_ERRLEN, "%s is a time from %llums to "
                     "%llus (500ms, 2s, 10m, 1h; no unit: seconds), not "
                     "\"%.64s\"", label,
                     ((const krj_conf_bounds_t *) opt->post)->min,
                     ((const krj_conf_bounds_t *) opt->post)->max / 1000,
                     value);
            return -1;
        }

        *(unsigned *) field = (unsigned) v;
        return 0;

    case KRJ_OPT_SIZE:
        if (krj_conf_size(value, opt->post, &v) != 0) {
            snprintf(err, KRJ_CONF_ERRLEN, "invalid %s \"%.128s\"", label,
                     value);
            return -1;
        }

        *(size_t *) field = (size_t) v;
        return 0;

    case KRJ_OPT_NUMBER:
        if (krj_conf_number(value, opt->post, &v) != 0) {
            snprintf(err, KRJ_CONF_ERRLEN, "%s is a number from %llu to %llu",
                     label, ((const krj_conf_bounds_t *) opt->post)->min,
                     ((const krj_conf_bounds_t *) opt->post)->max);
            return -1;
        }

        *(unsigned *) field = (unsigned) v;
        return 0;

    case KRJ_OPT_ENUM:
        return krj_conf_enum((int *) field, opt, value, label, err);

    case KRJ_OPT_DATE:
        if (krj_date_parse(value, strlen(value), &days, msg) != 0) {
            snprintf(err, KRJ_CONF_ERRLEN, "%s: %s", label, msg);
            return -1;
        }

        *(long *) field = days;
        return 0;

    case KRJ_OPT_SCOPES:
        if (krj_scopes_check(value, strlen(value), msg) != 0) {
            snprintf(err, KRJ_CONF_ERRLEN, "%s: %s", label, msg);
            return -1;
        }

        *(const char **) field = value;
        return 0;

    case KRJ_OPT_RATE:
        rate = (krj_conf_rate_t *) field;

        if (krj_rate_parse(value, strlen(value), &rate->n, &rate->unit, msg)
            != 0)
        {
            snprintf(err, KRJ_CONF_ERRLEN, "%s: %s", label, msg);
            return -1;
        }

        return 0;

    case KRJ_OPT_GROUP:
        group = (krj_conf_group_t *) field;

        gr = getgrnam(value);

        if (gr != NULL) {
            group->name = value;
            group->gid = gr->gr_gid;
            group->source = source;
            return 0;
        }

        /* www-data is Debian's: elsewhere the default is no group */
        if (source == KRJ_SRC_DEFAULT) {
            group->name = NULL;
            return 0;
        }

        snprintf(err, KRJ_CONF_ERRLEN, "%s: unknown group \"%.64s\"",
                 label, value);
        return -1;
    }

    snprintf(err, KRJ_CONF_ERRLEN, "%s: unknown kind %d", label, opt->kind);

    return -1;
}


void
krj_conf_set_loader(krj_conf_load_pt load)
{
    krj_conf_loader = load;
}


int
krj_conf_reload(const krj_conf_t *old, krj_conf_t *conf, void **store,
    char *err)
{
    void                *st;
    krj_conf_t           c;
    const krj_option_t  *opt;

    if (krj_conf_loader == NULL) {
        snprintf(err, KRJ_CONF_ERRLEN, "no configuration loader");
        return -1;
    }

    if (krj_conf_loader(&c, &st, err) != 0) {
        return -1;
    }

    for (opt = krj_options; opt->name != NULL; opt++) {
        if (!(opt->flags & (KRJ_OPT_RELOAD | KRJ_OPT_ARGV))
            && !krj_conf_same(old, &c, opt))
        {
            snprintf(err, KRJ_CONF_ERRLEN, "%s cannot change without a "
                     "restart", opt->name);
            krj_conf_file_free(st);
            return -1;
        }
    }

    *conf = c;
    *store = st;

    return 0;
}


static int
krj_conf_same(const krj_conf_t *a, const krj_conf_t *b,
    const krj_option_t *opt)
{
    const char  *fa, *fb, *sa, *sb;

    fa = krj_conf_field(a, opt);
    fb = krj_conf_field(b, opt);

    switch (opt->kind) {

    case KRJ_OPT_STRING:
    case KRJ_OPT_SCOPES:
    case KRJ_OPT_LISTEN:
        sa = *(const char **) fa;
        sb = *(const char **) fb;
        return (sa == NULL || sb == NULL) ? sa == sb : strcmp(sa, sb) == 0;

    case KRJ_OPT_SIZE:
        return *(size_t *) fa == *(size_t *) fb;

    case KRJ_OPT_GROUP:
        return ((krj_conf_group_t *) fa)->gid
               == ((krj_conf_group_t *) fb)->gid;

    case KRJ_OPT_RATE:
        return memcmp(fa, fb, sizeof(krj_conf_rate_t)) == 0;

    case KRJ_OPT_DATE:
        return *(long *) fa == *(long *) fb;

    default:
        /* int and unsigned */
        return *(int *) fa == *(int *) fb;
    }
}


const krj_option_t *
krj_conf_find(const char *name, size_t len, unsigned command)
{
    const krj_option_t  *opt;

    for (opt = krj_options; opt->name != NULL; opt++) {
        if (strlen(opt->name) == len && memcmp(opt->name, name, len) == 0
            && (command == 0 || (opt->commands & command)))
        {
            return opt;
        }
    }

    return NULL;
}


const char *
krj_conf_arg(const krj_option_t *opt, char *buf, size_t size)
{
    size_t                  n;
    const krj_conf_enum_t  *e;

    if (opt->kind != KRJ_OPT_ENUM) {
        return opt->arg;
    }

    n = 0;
    buf[0] = '\0';

    for (e = opt->post; e->name != NULL && n < size; e++) {
        n += snprintf(buf + n, size - n, "%s%s", n ? "|" : "", e->name);
    }

    return buf;
}


/* digits and an optional k or m; 0 when min <= value <= max */
static int
krj_conf_size(const char *s, const krj_conf_bounds_t *b,
    unsigned long long *v)
{
    char  *end;

    if (*s < '0' || *s > '9') {
        return -1;
    }

    errno = 0;
    *v = strtoull(s, &end, 10);

    if (errno != 0 || *v > b->max) {
        return -1;
    }

    if (*end == 'k' || *end == 'K') {
        *v *= 1024;
        end++;

    } else if (*end == 'm' || *end == 'M') {
        *v *= 1024 * 1024;
        end++;
    }

    return (*end != '\0' || *v < b->min || *v > b->max) ? -1 : 0;
}


static int
krj_conf_number(const char *s, const krj_conf_bounds_t *b,
    unsigned long long *v)
{
    char  *end;

    if (*s < '0' || *s > '9') {
        return -1;
    }

    errno = 0;
    *v = strtoull(s, &end, 10);

    return (errno != 0 || *end != '\0' || *v < b->min || *v > b->max)
           ? -1 : 0;
}


/* digits and a unit, ms, s (the default), m or h; stored in ms */
static int
krj_conf_msec(const char *s, const krj_conf_bounds_t *b,
    unsigned long long *v)
{
    char                *end;
    unsigned long long   unit;

    if (*s < '0' || *s > '9') {
        return -1;
    }

    errno = 0;
    *v = strtoull(s, &end, 10);

    /* bounds are far below this: no product below can overflow */
    if (errno != 0 || *v > 1000ULL * 1000 * 1000) {
        return -1;
    }

    if (strcmp(end, "ms") == 0) {
        unit = 1;

    } else if (*end == '\0' || strcmp(end, "s") == 0) {
        unit = 1000;

    } else if (strcmp(end, "m") == 0) {
        unit = 60 * 1000;

    } else if (strcmp(end, "h") == 0) {
        unit = 3600 * 1000;

    } else {
        return -1;
    }

    *v *= unit;

    return (*v < b->min || *v > b->max) ? -1 : 0;
}


/* the names' value into field; the message lists the names */
static int
krj_conf_enum(int *field, const krj_option_t *opt, const char *value,
    const char *label, char *err)
{
    size_t                  n;
    const krj_conf_enum_t  *e;

    for (e = opt->post; e->name != NULL; e++) {
        if (strcmp(e->name, value) == 0) {
            *field = e->value;
            return 0;
        }
    }

    if (opt->kind == KRJ_OPT_FLAG) {
        snprintf(err, KRJ_CONF_ERRLEN, "%s is on or off", label);
        return -1;
    }

    /* "--log-format is text or json" */
    n = snprintf(err, KRJ_CONF_ERRLEN, "%s is", label);

    for (e = opt->post; e->name != NULL && n < KRJ_CONF_ERRLEN; e++) {
        n += snprintf(err + n, KRJ_CONF_ERRLEN - n, "%s%s",
                      e == opt->post ? " " : (e[1].name ? ", " : " or "),
                      e->name);
    }

    return -1;
}
