
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_CONF_H_INCLUDED_
#define _KRJ_CONF_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


#define KRJ_CONF_ERRLEN         320

/* the commands an option belongs to */
#define KRJ_CMD_MAIN            0x0001      /* krj-batch --help */
#define KRJ_CMD_RUN             0x0002
#define KRJ_CMD_STATUS          0x0004
#define KRJ_CMD_KEYS            0x0008      /* krj-batch keys --help */
#define KRJ_CMD_KEYS_ADD        0x0010
#define KRJ_CMD_KEYS_LIST       0x0020
#define KRJ_CMD_KEYS_REVOKE     0x0040
#define KRJ_CMD_USERS           0x0080
#define KRJ_CMD_USERS_ADD       0x0100
#define KRJ_CMD_USERS_LIST      0x0200
#define KRJ_CMD_USERS_REMOVE    0x0400
#define KRJ_CMD_WATCH           0x0800
#define KRJ_CMD_FOLLOW          0x1000
#define KRJ_CMD_MIGRATE         0x2000
#define KRJ_CMD_BACKUP          0x4000
#define KRJ_CMD_RESTORE         0x8000

#define KRJ_CMD_KEYS_ALL                                                      \
    (KRJ_CMD_KEYS_ADD | KRJ_CMD_KEYS_LIST | KRJ_CMD_KEYS_REVOKE)
#define KRJ_CMD_USERS_ALL                                                     \
    (KRJ_CMD_USERS_ADD | KRJ_CMD_USERS_LIST | KRJ_CMD_USERS_REMOVE)
#define KRJ_CMD_ALL             0xffff
/* the commands that do something, and so read the configuration file */
#define KRJ_CMD_WORK            (KRJ_CMD_ALL & ~(KRJ_CMD_MAIN | KRJ_CMD_KEYS \
                                                 | KRJ_CMD_USERS))
/* the commands that record or announce a run */
#define KRJ_CMD_INGEST          (KRJ_CMD_RUN | KRJ_CMD_WATCH)
/* the daemons, and the commands that report metrics */
#define KRJ_CMD_DAEMON          (KRJ_CMD_WATCH | KRJ_CMD_FOLLOW)
#define KRJ_CMD_METRICS         (KRJ_CMD_RUN | KRJ_CMD_DAEMON)
/* the commands that change principals, and so write PostgreSQL */
#define KRJ_CMD_PRINCIPALS                                                    \
    (KRJ_CMD_KEYS_ADD | KRJ_CMD_KEYS_REVOKE | KRJ_CMD_USERS_ADD              \
     | KRJ_CMD_USERS_REMOVE)

/* what the value of an option is */
#define KRJ_OPT_SET             0   /* no value: stores the entry's value */
#define KRJ_OPT_FLAG            1   /* no value on the command line: on */
#define KRJ_OPT_STRING          2
#define KRJ_OPT_SIZE            3   /* bytes, with a k or m suffix */
#define KRJ_OPT_NUMBER          4   /* an unsigned number within bounds */
#define KRJ_OPT_ENUM            5   /* one of the names in post */
#define KRJ_OPT_DATE            6   /* YYYY-MM-DD */
#define KRJ_OPT_SCOPES          7
#define KRJ_OPT_RATE            8   /* Nr/s or Nr/m */
#define KRJ_OPT_GROUP           9   /* a group name that exists */
#define KRJ_OPT_MSEC            10  /* a time: 500ms, 2s, 10m, 1h; 2 = 2s */
#define KRJ_OPT_LISTEN          11  /* ADDRESS:PORT, numeric, checked */

/*
 * flags.  The configuration file (krj_conf_file.c) sets, by name, the
 * entries without KRJ_OPT_ARGV, through krj_conf_set() with the source
 * KRJ_SRC_FILE, and owns the strings it stores.  A SIGHUP reload builds a
 * new krj_conf_t from the defaults, the file, the environment and argv
 * again, and keeps the old one when an entry without KRJ_OPT_RELOAD
 * differs (or the file has an error).
 */
#define KRJ_OPT_RELOAD          0x01    /* a SIGHUP reload may change it */
#define KRJ_OPT_ARGV            0x02    /* command line only, never in a
                                           configuration file */

/*
 * where a value comes from, in the order they are applied: the default,
 * the configuration file, the environment, argv (the last one wins)
 */
#define KRJ_SRC_DEFAULT         0
#define KRJ_SRC_ENV             1
#define KRJ_SRC_ARGV            2
#define KRJ_SRC_FILE            3

#define KRJ_ACTION_RUN          0
#define KRJ_ACTION_HELP         1
#define KRJ_ACTION_VERSION      2


typedef struct {
    unsigned        n;                  /* 0: none */
    char            unit;               /* 's' or 'm' */
} krj_conf_rate_t;


typedef struct {
    const char     *name;               /* NULL: none */
    gid_t           gid;
    int             source;             /* KRJ_SRC_*: asked for, or not */
} krj_conf_group_t;


/*
 * Everything every command can be told.  Strings point into argv, the
 * environment or the option table: nothing here is allocated.
 */
typedef struct {
    int                 action;         /* KRJ_ACTION_* */

    const char         *input;
    const char         *output;
    size_t              max_size;
    unsigned            max_future;     /* days */
    int                 follow_symlinks;
    int                 log_format;     /* KRJ_LOG_TEXT, KRJ_LOG_JSON */
    int                 log_level;      /* KRJ_LOG_DEBUG ... */

    const char         *key_file;
    const char         *user_file;
    krj_conf_group_t    group;          /* of a file that is created */
    const char         *scopes;         /* NULL: not given */
    krj_conf_rate_t     rate;
    long                expires;        /* days since 1970, 0: none */
    unsigned            cost;

    const char         *config;         /* the file read, NULL: none */
    const char         *pg_dsn;         /* NULL: see krj_pg_configured() */
    unsigned            pg_connect_timeout;     /* seconds */
    unsigned            pg_statement_timeout;   /* milliseconds */
    const char         *redis_url;      /* NULL: no Redis */
    unsigned            redis_timeout;  /* milliseconds */
    const char         *outbox;         /* NULL: OUTPUT/outbox */
    unsigned            stream_maxlen;
    unsigned            lock_ttl;       /* milliseconds */
    unsigned            settle;         /* milliseconds */
    unsigned            poll;           /* milliseconds */
    const char         *metrics_file;   /* NULL or "": none */
    const char         *metrics_listen; /* NULL: none; checked */
    unsigned            history_weeks;  /* 0: no history exported */
    unsigned            threads;        /* 0: the online CPUs */
    int                 snapshot_format; /* KRJ_SNAP_VERSION(_PREV) */
    int64_t             generated_at;   /* 0: now; set by follow */

    const char         *backup_dir;
    unsigned            keep;           /* backups kept; 0: all */
    const char         *session_key_file;
} krj_conf_t;


typedef struct {
    const char         *name;
    int                 value;
} krj_conf_enum_t;


typedef struct {
    unsigned long long  min;
    unsigned long long  max;
} krj_conf_bounds_t;


/*
 * One setting.  The same entry drives getopt_long(), --help, the
 * environment and, later, the configuration file and its SIGHUP reload.
 */
typedef struct {
    const char         *name;           /* "max-size": --max-size */
    int                 kind;           /* KRJ_OPT_* */
    const char         *arg;            /* "BYTES" in --help; NULL: none */
    const char         *env;            /* variable that sets it, or NULL */
    const char         *deflt;          /* read like a value; NULL: none */
    const char         *help;           /* one line, without the default */
    unsigned            commands;       /* KRJ_CMD_* that accept it */
    size_t              offset;         /* of the value in krj_conf_t */
    unsigned            flags;          /* KRJ_OPT_RELOAD, KRJ_OPT_ARGV */
    int                 value;          /* what KRJ_OPT_SET stores */
    const void         *post;           /* enum names or bounds */
} krj_option_t;


/* the table, ended by an entry with a NULL name */
extern const krj_option_t  krj_options[];


/*
 * Every option of the table: its default, then the configuration file
 * (path, or the default file when it exists; see krj_conf_file()), then
 * the environment.  The file's strings go to *store.
 */
int krj_conf_init(krj_conf_t *conf, const char *path, void **store,
    char *err);

/*
 * Sets one option from text (NULL for an option without a value on the
 * command line).  0, or -1 with the reason in err (KRJ_CONF_ERRLEN bytes)
 * naming the option as its source spells it: "--cost", "KRJ_KEY_FILE".
 */
int krj_conf_set(krj_conf_t *conf, const krj_option_t *opt,
    const char *value, int source, char *err);

/* the entry of name that command accepts, or NULL; command 0: any */
const krj_option_t *krj_conf_find(const char *name, size_t len,
    unsigned command);

/*
 * Reads the configuration file: conf->config, or the default file when
 * it exists (a missing default is no error).  "name = value" lines, as
 * the options are named; # comments.  Strings are kept in *store, to be
 * freed with krj_conf_file_free() after the last use of conf.  0, or -1
 * with "file:line: reason" in err.
 */
int krj_conf_file(krj_conf_t *conf, const char *path, void **store,
    char *err);
void krj_conf_file_free(void *store);

/*
 * A SIGHUP reload: the loader (set by main) builds a new krj_conf_t from
 * the defaults, the file, the environment and argv, as at start.
 */
typedef int (*krj_conf_load_pt)(krj_conf_t *conf, void **store,
    char *err);

void krj_conf_set_loader(krj_conf_load_pt load);

/*
 * Loads the configuration again into *conf and *store (the caller frees
 * the old store after the swap), unless it fails or an option that a
 * reload may not change differs from old: then -1, the reason in err,
 * and conf and store untouched.
 */
int krj_conf_reload(const krj_conf_t *old, krj_conf_t *conf, void **store,
    char *err);

/* the default configuration file */
#define KRJ_CONF_DEFAULT_FILE   "/etc/krj/krj-batch.conf"
/* as path: no configuration file at all (--config "") */
#define KRJ_CONF_NONE           ""

/* "text|json" for an enum, else the entry's arg; buf of size bytes */
const char *krj_conf_arg(const krj_option_t *opt, char *buf, size_t size);


#endif /* _KRJ_CONF_H_INCLUDED_ */
