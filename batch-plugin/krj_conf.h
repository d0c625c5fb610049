
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_CONF_H_INCLUDED_
#define _KRJ_CONF_H_INCLUDED_


#include <stddef.h>
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

#define KRJ_CMD_KEYS_ALL                                                      \
    (KRJ_CMD_KEYS_ADD | KRJ_CMD_KEYS_LIST | KRJ_CMD_KEYS_REVOKE)
#define KRJ_CMD_USERS_ALL                                                     \
    (KRJ_CMD_USERS_ADD | KRJ_CMD_USERS_LIST | KRJ_CMD_USERS_REMOVE)
#define KRJ_CMD_ALL             0x07ff

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

/*
 * flags.  The configuration file of a later issue sets, by name, the
 * entries without KRJ_OPT_ARGV, through krj_conf_set() with a source of
 * its own, and owns the strings it stores.  A SIGHUP reload builds a new
 * krj_conf_t from the defaults, the environment, the file and argv again,
 * and keeps the old one when an entry without KRJ_OPT_RELOAD differs (or
 * the file has an error).
 */
#define KRJ_OPT_RELOAD          0x01    /* a SIGHUP reload may change it */
#define KRJ_OPT_ARGV            0x02    /* command line only, never in a
                                           configuration file */

/* where a value comes from: the default, the environment, argv */
#define KRJ_SRC_DEFAULT         0
#define KRJ_SRC_ENV             1
#define KRJ_SRC_ARGV            2

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


/* defaults, then the environment: every option of the table */
int krj_conf_init(krj_conf_t *conf, char *err);

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

/* "text|json" for an enum, else the entry's arg; buf of size bytes */
const char *krj_conf_arg(const krj_option_t *opt, char *buf, size_t size);


#endif /* _KRJ_CONF_H_INCLUDED_ */
