
/*
 * Copyright (C) The krj developers
 */


/*
 * The commands of krj-batch and their command lines.  Which options a
 * command takes, and its --help, come from the option table (krj_conf.c);
 * only the prose about each command and its exit statuses are written
 * here, once.
 */


#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_backup.h"
#include "krj_conf.h"
#include "krj_daemon.h"
#include "krj_follow.h"
#include "krj_help.h"
#include "krj_keys.h"
#include "krj_log.h"
#include "krj_migrate.h"
#include "krj_restore.h"
#include "krj_run.h"
#include "krj_users.h"


#define KRJ_MAIN_OPTIONS_MAX    64
/* getopt_long() returns this plus the option's index in the table */
#define KRJ_MAIN_OPT_BASE       256


typedef int (*krj_command_pt)(const krj_conf_t *conf, const char *arg);

typedef struct {
    const char         *name;       /* "keys add" */
    unsigned            id;         /* KRJ_CMD_* */
    unsigned            parent;     /* the command it is listed under */
    const char         *arg;        /* "NAME": takes one; NULL: none */
    const char         *summary;    /* one line in its parent's --help */
    const char         *about;      /* the prose of its --help */
    const char         *exit;       /* its exit statuses */
    krj_command_pt      handler;    /* NULL: only lists commands */
} krj_command_t;


static const krj_command_t *krj_main_command(int argc, char **argv,
    int *skip);
static int krj_main_options(krj_conf_t *conf, const krj_command_t *cmd,
    int argc, char **argv, const char **arg);
static int krj_main_bad_option(const krj_command_t *cmd, const char *word);
static int krj_main_usage_error(const krj_command_t *cmd);
static void krj_main_help(FILE *f, const krj_command_t *cmd);
static const char *krj_main_config(int argc, char **argv, int *help);
static int krj_main_load(krj_conf_t *conf, void **store, char *err);
static int krj_main_run(const krj_conf_t *conf, const char *arg);
static int krj_main_status(const krj_conf_t *conf, const char *arg);
static int krj_main_watch(const krj_conf_t *conf, const char *arg);
static int krj_main_follow(const krj_conf_t *conf, const char *arg);
static int krj_main_migrate(const krj_conf_t *conf, const char *arg);
static int krj_main_backup(const krj_conf_t *conf, const char *arg);


static const char  krj_main_exit[] =
    "Exit status:\n"
    "  0  done; for run: published, or the input is unchanged\n"
    "  1  usage or configuration error (unknown command, bad option)\n"
    "  2  run: published (or unchanged), but some input file was rejected\n"
    "  3  nothing could be published, or a file could not be read or\n"
    "     written; nothing already published was replaced\n"
    "  4  run: published, but recording in PostgreSQL or announcing on\n"
    "     Redis is pending in the outbox\n";

static const char  krj_run_exit[] =
    "Exit status:\n"
    "  0  published, or the input is unchanged (nothing written)\n"
    "  1  usage or configuration error (bad option, missing directory)\n"
    "  2  published (or unchanged), but some input file was rejected;\n"
    "     the rejected category keeps its published data\n"
    "  3  nothing could be published: no valid input at all, or writing\n"
    "     an output failed; nothing already published was replaced\n"
    "  4  published (or unchanged), but recording in PostgreSQL or\n"
    "     announcing on Redis is pending in the outbox, to be delivered\n"
    "     by the next run, watch or follow (2 wins when input was also\n"
    "     rejected)\n";

static const char  krj_status_exit[] =
    "Exit status:\n"
    "  0  the snapshot is valid\n"
    "  1  usage or configuration error\n"
    "  3  the snapshot is missing or invalid\n";

static const char  krj_daemon_exit[] =
    "Exit status:\n"
    "  0  stopped by SIGTERM or SIGINT\n"
    "  1  usage or configuration error\n"
    "  3  it cannot start (the input directory cannot be watched, the\n"
    "     output directory cannot be made)\n";

static const char  krj_migrate_exit[] =
    "Exit status:\n"
    "  0  the schema is up to date (migrations applied, or none needed)\n"
    "  1  usage or configuration error (PostgreSQL is not configured)\n"
    "  3  PostgreSQL cannot be reached, a migration failed (rolled\n"
    "     back), or the database is newer than this krj-batch\n";

static const char  krj_backup_exit[] =
    "Exit status:\n"
    "  0  the backup is written (and older ones removed, with --keep)\n"
    "  1  usage or configuration error (PostgreSQL is not configured)\n"
    "  3  PostgreSQL cannot be reached or lacks krj's schema, pg_dump or\n"
    "     tar failed, a file could not be read or written, or an old\n"
    "     backup could not be removed; no partial backup is left\n";

static const char  krj_restore_exit[] =
    "Exit status:\n"
    "  0  the database and the files are restored\n"
    "  1  usage or configuration error (PostgreSQL is not configured)\n"
    "  3  the database is not empty, PostgreSQL cannot be reached, FILE\n"
    "     is not a krj backup, pg_restore failed (the database is left\n"
    "     empty), or a file could not be put in place (said which)\n";

static const char  krj_keys_exit[] =
    "Exit status:\n"
    "  0  done\n"
    "  1  usage or validation error (bad option or value, duplicate,\n"
    "     unknown or revoked id, a key already revoked); nothing was\n"
    "     changed\n"
    "  3  the key file could not be read or written; nothing was replaced\n"
    "  4  the key file is changed, but recording the change in PostgreSQL\n"
    "     or announcing it on Redis is pending in the outbox\n";

static const char  krj_users_exit[] =
    "Exit status:\n"
    "  0  done\n"
    "  1  usage or validation error (bad option or value, unknown user,\n"
    "     passwords that differ, an empty password); nothing was changed\n"
    "  3  the user file could not be read or written; nothing was "
    "replaced\n"
    "  4  the user file is changed, but recording the change in PostgreSQL\n"
    "     or announcing it on Redis is pending in the outbox\n";


static const krj_command_t  krj_commands[] = {

    { "", KRJ_CMD_MAIN, 0, NULL, NULL,
      "Publishes the weekly KRJ signal files for the krj nginx module and\n"
      "manages its API keys and Basic users.\n",
      krj_main_exit, NULL },

    { "run", KRJ_CMD_RUN, KRJ_CMD_MAIN, NULL,
      "one ingest: validate the newest CSV per category and publish",
      "One ingest: finds the newest\n"
      "KRJ_signals_latest_week_{CATEGORY}_{YYYY-MM-DD}.csv per category in "
      "the\ninput directory, validates it, and publishes latest_{slug}.csv,"
      "\nkrj.snapshot and metadata.json in the output directory, each "
      "atomically.\nA category whose newest file is invalid keeps its "
      "published data.\nUnchanged input writes nothing.  Only regular "
      "files are read: a FIFO,\nsocket, device or directory with such a "
      "name is skipped with a warning,\nand so is a symbolic link unless "
      "--follow-symlinks is given; a file\ndated more than --max-future "
      "days ahead is refused.  The category's\nnext newest file is used "
      "instead.\n",
      krj_run_exit, krj_main_run },

    { "watch", KRJ_CMD_WATCH, KRJ_CMD_MAIN, NULL,
      "a daemon: run whenever new files land in the input directory",
      "A daemon that runs an ingest at start and whenever the input "
      "directory\nchanges (inotify), once it has been quiet for --settle. "
      " With Redis,\nonly one node ingests at a time (a lock with "
      "expiry).  SIGTERM or\nSIGINT finishes the current run and exits, a "
      "second one exits at once;\nSIGHUP re-reads the configuration, "
      "keeping the old one if the new one\nis bad.  Under systemd "
      "(Type=notify) it reports readiness and feeds\nthe watchdog.\n",
      krj_daemon_exit, krj_main_watch },

    { "follow", KRJ_CMD_FOLLOW, KRJ_CMD_MAIN, NULL,
      "a daemon for extra nginx nodes: publish what another node ingested",
      "A daemon for extra nginx nodes.  It reads the Redis stream "
      "krj:updates\nfrom its last id (kept in the output directory) and "
      "asks PostgreSQL\nfor the newest revision every --poll; on news it "
      "fetches that run's\nvalidated files and publishes them as run "
      "does, so that every node\nserves a byte-identical snapshot (same "
      "generation, same ETags).  It\nrewrites the key and user files "
      "from PostgreSQL when principals\nchange.  Signals and systemd as "
      "for watch.\n",
      krj_daemon_exit, krj_main_follow },

    { "migrate", KRJ_CMD_MIGRATE, KRJ_CMD_MAIN, NULL,
      "create or upgrade the PostgreSQL schema",
      "Applies the SQL migrations this krj-batch carries that the "
      "database\nlacks, in order, each in one transaction, recorded in "
      "the table\nkrj_schema.  Running it again changes nothing.  A "
      "database newer than\nthis krj-batch is refused.  Then the lines "
      "of the key and user files\nwhose names krj_principals lacks (keys "
      "and users added before pg-dsn\nwas configured) are recorded "
      "there, for the followers.\n",
      krj_migrate_exit, krj_main_migrate },

    { "status", KRJ_CMD_STATUS, KRJ_CMD_MAIN, NULL,
      "the published snapshot, the outbox, PostgreSQL and Redis",
      "Validates the published krj.snapshot in the output directory as "
      "the module\ndoes and prints its summary; then the outbox, and, "
      "when they are\nconfigured, whether PostgreSQL and Redis answer, "
      "the schema version,\nthe last recorded run, and a follower's "
      "lag.\n",
      krj_status_exit, krj_main_status },

    { "backup", KRJ_CMD_BACKUP, KRJ_CMD_MAIN, NULL,
      "one dated backup file: the database and the key and user files",
      "Writes one backup file, krj-backup-YYYYmmddTHHMMSSZ.tar (UTC, mode "
      "0600),\ninto the --output directory: a pg_dump custom-format "
      "archive of krj's\ntables (krj_*), and the key file, the user file "
      "and the session key file\nwith their owner and mode.  pg_dump "
      "(postgresql-client) and tar are run\nas child processes.  With "
      "--keep N, every other krj-backup-*.tar there\nbut the newest N is "
      "removed.  The file's path is printed on stdout.\n",
      krj_backup_exit, krj_main_backup },

    { "restore", KRJ_CMD_RESTORE, KRJ_CMD_MAIN, "FILE",
      "restore a backup into an empty database, and the files",
      "Restores a file of krj-batch backup: pg_restore into the database "
      "the\nconfiguration names, which must be empty (a new one, from "
      "createdb; any\nother is refused and left alone), in one "
      "transaction; then the key,\nuser and session key files of the "
      "backup to where this node's\n--key-file, --user-file and "
      "--session-key-file say, each replaced\natomically with the owner "
      "and mode it had.  Then run migrate (a newer\nkrj-batch's schema), "
      "and follow or run on the nodes.\n",
      krj_restore_exit, krj_restore },

    { "keys", KRJ_CMD_KEYS, KRJ_CMD_MAIN, NULL,
      "add, list or revoke API keys (krj-batch keys --help)",
      "Manages the API keys in the key file the module reads "
      "(krj_key_file).\n",
      krj_keys_exit, NULL },

    { "keys add", KRJ_CMD_KEYS_ADD, KRJ_CMD_KEYS, "NAME",
      "create a key, print it once on the last line",
      "Creates an API key with id NAME ([A-Za-z0-9_.-], 1 to 64 "
      "characters),\nappends its SHA-256 digest to the key file "
      "(rewritten atomically,\nmode 0640, owner and group kept; created "
      "with its directory when\nmissing) and prints it, alone on the "
      "last line of the output:\nthe key is shown only this once.\n",
      krj_keys_exit, krj_keys_add },

    { "keys list", KRJ_CMD_KEYS_LIST, KRJ_CMD_KEYS, NULL,
      "the keys, their status, scopes and options",
      "Lists the keys: id, status (active, expired, or revoked and the "
      "date),\nscopes and options.  Keys and digests are never shown.  "
      "Malformed lines\nare reported as warnings (file:line: reason) and "
      "skipped.\n",
      krj_keys_exit, krj_keys_list },

    { "keys revoke", KRJ_CMD_KEYS_REVOKE, KRJ_CMD_KEYS, "ID",
      "revoke a key: its line stays, marked revoked=today",
      "Revokes the key ID: its line stays in the key file, with "
      "revoked=YYYY-MM-DD\n(today, UTC) added to its options, so that "
      "nginx refuses it as revoked\nwithin krj_reload_interval, without "
      "a restart, and keys add never\ngives its id to another key.  "
      "Malformed lines of ID are removed.  The\nfile is rewritten "
      "atomically; the other lines are kept byte for byte.\nA key "
      "already revoked is an error (status 1).\n",
      krj_keys_exit, krj_keys_revoke },

    { "users", KRJ_CMD_USERS, KRJ_CMD_MAIN, NULL,
      "add, list or remove Basic users (krj-batch users --help)",
      "Manages the Basic users in the htpasswd file the module reads\n"
      "(krj_user_file).\n",
      krj_users_exit, NULL },

    { "users add", KRJ_CMD_USERS_ADD, KRJ_CMD_USERS, "NAME",
      "add a user or replace a password (read from the terminal or stdin)",
      "Adds user NAME ([A-Za-z0-9_.@-], 1 to 64 characters) to the user "
      "file,\nor replaces the password of an existing user (keeping the "
      "user's\nscopes unless --scopes is given).  The password is asked "
      "twice with\nthe echo off when stdin is a terminal, else it is the "
      "first line of\nstdin; it is never an argument.  Hashed with bcrypt "
      "($2b$) by the\nsystem's crypt.  The file is rewritten atomically, "
      "mode 0640, owner\nand group kept, other lines byte for byte.\n",
      krj_users_exit, krj_users_add },

    { "users list", KRJ_CMD_USERS_LIST, KRJ_CMD_USERS, NULL,
      "the users, their hash schemes and scopes",
      "Lists the users: name, hash scheme and scopes.  Hashes are never "
      "shown.\nMalformed lines are reported as warnings (file:line: "
      "reason) and\nskipped.\n",
      krj_users_exit, krj_users_list },

    { "users remove", KRJ_CMD_USERS_REMOVE, KRJ_CMD_USERS, "NAME",
      "remove a user",
      "Removes every line of user NAME from the user file, rewritten\n"
      "atomically; the other lines are kept byte for byte.\n",
      krj_users_exit, krj_users_remove },

    { NULL, 0, 0, NULL, NULL, NULL, NULL, NULL }
};


/* what a SIGHUP reload parses again */
static int                   krj_main_argc;
static char                **krj_main_argv;
static const krj_command_t  *krj_main_cmd;


int
main(int argc, char **argv)
{
    int                   skip, rc, help;
    char                  err[KRJ_CONF_ERRLEN];
    void                 *store;
    const char           *arg;
    krj_conf_t            conf;
    const krj_command_t  *cmd;

    /* a closed pipe on stderr must not kill a run half way */
    signal(SIGPIPE, SIG_IGN);

    cmd = krj_main_command(argc, argv, &skip);
    if (cmd == NULL) {
        return KRJ_EXIT_USAGE;
    }

    krj_main_argc = argc - skip;
    krj_main_argv = argv + skip;
    krj_main_cmd = cmd;

    /* --help is answered even when the configuration file is bad */
    arg = krj_main_config(krj_main_argc, krj_main_argv, &help);

    if ((cmd->id & KRJ_CMD_WORK) && !help) {
        rc = krj_conf_init(&conf, arg, &store, err);

    } else {
        rc = krj_conf_init(&conf, KRJ_CONF_NONE, &store, err);
    }

    if (rc != 0) {
        fprintf(stderr, "krj-batch: %s\n", err);
        return KRJ_EXIT_USAGE;
    }

    rc = krj_main_options(&conf, cmd, krj_main_argc, krj_main_argv, &arg);
    if (rc != KRJ_EXIT_OK) {
        krj_conf_file_free(store);
        return rc;
    }

    if (conf.action == KRJ_ACTION_HELP) {
        krj_main_help(stdout, cmd);
        return KRJ_EXIT_OK;
    }

    if (conf.action == KRJ_ACTION_VERSION) {
        printf("krj-batch %s (%s)\n", KRJ_VERSION, krj_daemon_versions());
        return KRJ_EXIT_OK;
    }

    /* "krj-batch" or "krj-batch keys" alone: what could have been said */
    if (cmd->handler == NULL) {
        krj_main_help(stderr, cmd);
        return KRJ_EXIT_USAGE;
    }

    krj_log_setup(conf.log_format, conf.log_level);
    krj_conf_set_loader(krj_main_load);

    rc = cmd->handler(&conf, arg);

    krj_conf_file_free(store);

    return rc;
}


/*
 * The --config of argv, NULL when none, before "--"; *help is set when
 * --help is there too.
 */
static const char *
krj_main_config(int argc, char **argv, int *help)
{
    int          i;
    const char  *path;

    path = NULL;
    *help = 0;

    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            *help = 1;

        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[++i];

        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;
        }
    }

    return path;
}


/* a SIGHUP reload: the file, the environment and argv, as at start */
static int
krj_main_load(krj_conf_t *conf, void **store, char *err)
{
    int          help;
    const char  *arg, *path;

    path = krj_main_config(krj_main_argc, krj_main_argv, &help);

    if (krj_conf_init(conf, path, store, err) != 0) {
        return -1;
    }

    /* argv was fine at start, and is the same */
    if (krj_main_options(conf, krj_main_cmd, krj_main_argc, krj_main_argv,
                         &arg)
        != KRJ_EXIT_OK)
    {
        snprintf(err, KRJ_CONF_ERRLEN, "the command line is refused");
        krj_conf_file_free(*store);
        *store = NULL;
        return -1;
    }

    return 0;
}


/*
 * The command that argv names: "run", "keys add", or the main command
 * when argv[1] is an option or missing.  *skip is the number of words
 * before the command's options, the last of them standing for argv[0].
 */
static const krj_command_t *
krj_main_command(int argc, char **argv, int *skip)
{
    size_t                len;
    const char           *word;
    const krj_command_t  *cmd, *c;

    cmd = &krj_commands[0];
    *skip = 0;

    while (*skip + 1 < argc && argv[*skip + 1][0] != '-') {
        word = argv[*skip + 1];
        len = strlen(cmd->name);

        for (c = krj_commands; c->name != NULL; c++) {
            if (c->parent == cmd->id
                && strncmp(c->name, cmd->name, len) == 0
                && strcmp(c->name + len + (len ? 1 : 0), word) == 0)
            {
                break;
            }
        }

        if (c->name == NULL) {
            if (cmd->id == KRJ_CMD_MAIN) {
                fprintf(stderr, "krj-batch: unknown command \"%s\"\n",
                        word);

            } else {
                fprintf(stderr, "krj-batch: unknown %s command \"%s\"\n",
                        cmd->name, word);
            }

            return NULL;
        }

        cmd = c;
        (*skip)++;

        /* a command that does something takes the rest as arguments */
        if (cmd->handler != NULL) {
            break;
        }
    }

    return cmd;
}


/*
 * getopt_long() with the options of cmd from the table; *arg is the one
 * argument of a command that takes one.  Returns KRJ_EXIT_OK or
 * KRJ_EXIT_USAGE (said on stderr).
 */
static int
krj_main_options(krj_conf_t *conf, const krj_command_t *cmd, int argc,
    char **argv, const char **arg)
{
    int                  c, n, nargs;
    char                 err[KRJ_CONF_ERRLEN];
    const char          *extra;
    struct option        longopts[KRJ_MAIN_OPTIONS_MAX + 1];
    const krj_option_t  *opt;

    n = 0;

    for (opt = krj_options; opt->name != NULL; opt++) {
        if (!(opt->commands & cmd->id)) {
            continue;
        }

        if (n == KRJ_MAIN_OPTIONS_MAX) {
            fprintf(stderr, "krj-batch: too many options\n");
            return KRJ_EXIT_USAGE;
        }

        longopts[n].name = opt->name;
        longopts[n].has_arg = (opt->kind == KRJ_OPT_SET
                               || opt->kind == KRJ_OPT_FLAG)
                              ? no_argument : required_argument;
        longopts[n].flag = NULL;
        longopts[n].val = KRJ_MAIN_OPT_BASE + (int) (opt - krj_options);
        n++;
    }

    memset(&longopts[n], 0, sizeof(struct option));

    *arg = NULL;
    extra = NULL;
    nargs = 0;
    opterr = 0;
    optind = 1;

    /*
     * "-": arguments come back in order as 1, so options may follow them
     * even with POSIXLY_CORRECT; ":" tells a missing value from an
     * unknown option
     */
    while ((c = getopt_long(argc, argv, "-:", longopts, NULL)) != -1) {

        if (c == 1) {
            if (nargs++ == 0) {
                *arg = optarg;

            } else if (extra == NULL) {
                extra = optarg;
            }

            continue;
        }

        if (c == ':') {
            opt = &krj_options[optopt - KRJ_MAIN_OPT_BASE];
            fprintf(stderr, "krj-batch: --%s needs a value\n", opt->name);
            return krj_main_usage_error(cmd);
        }

        if (c == '?') {
            if (optopt >= KRJ_MAIN_OPT_BASE) {
                opt = &krj_options[optopt - KRJ_MAIN_OPT_BASE];
                fprintf(stderr, "krj-batch: --%s takes no value\n",
                        opt->name);
                return krj_main_usage_error(cmd);
            }

            if (optopt != 0) {
                fprintf(stderr, "krj-batch: unknown option \"-%c\"\n",
                        optopt);
                return krj_main_usage_error(cmd);
            }

            return krj_main_bad_option(cmd, argv[optind - 1]);
        }

        opt = &krj_options[c - KRJ_MAIN_OPT_BASE];

        if (krj_conf_set(conf, opt, optarg, KRJ_SRC_ARGV, err) != 0) {
            fprintf(stderr, "krj-batch: %s\n", err);
            return KRJ_EXIT_USAGE;
        }

        /* nothing after --help or --version is looked at */
        if (conf->action != KRJ_ACTION_RUN) {
            return KRJ_EXIT_OK;
        }
    }

    for ( /* void */ ; optind < argc; optind++) {
        if (nargs++ == 0) {
            *arg = argv[optind];

        } else if (extra == NULL) {
            extra = argv[optind];
        }
    }

    if (cmd->arg == NULL && nargs > 0) {
        fprintf(stderr, "krj-batch: unexpected argument \"%s\"\n", *arg);
        return krj_main_usage_error(cmd);
    }

    if (cmd->arg != NULL && nargs != 1) {
        fprintf(stderr, "krj-batch: %s takes one %s\n", cmd->name,
                cmd->arg);
        return krj_main_usage_error(cmd);
    }

    return KRJ_EXIT_OK;
}


/* an option this command does not take: perhaps another one does */
static int
krj_main_bad_option(const krj_command_t *cmd, const char *word)
{
    size_t  len;

    if (strncmp(word, "--", 2) == 0) {
        len = strcspn(word + 2, "=");

        if (len > 0 && krj_conf_find(word + 2, len, 0) != NULL) {
            fprintf(stderr, "krj-batch: --%.*s is not an option of "
                    "\"krj-batch%s%s\"\n", (int) len, word + 2,
                    cmd->name[0] ? " " : "", cmd->name);
            return krj_main_usage_error(cmd);
        }
    }

    fprintf(stderr, "krj-batch: unknown option \"%s\"\n", word);

    return krj_main_usage_error(cmd);
}


static int
krj_main_usage_error(const krj_command_t *cmd)
{
    fprintf(stderr, "krj-batch: \"krj-batch%s%s --help\" lists its "
            "options\n", cmd->name[0] ? " " : "", cmd->name);

    return KRJ_EXIT_USAGE;
}


static void
krj_main_help(FILE *f, const krj_command_t *cmd)
{
    int                   n, width;
    char                  label[64];
    size_t                skip;
    const krj_option_t   *opt;
    const krj_command_t  *c;

    fprintf(f, "Usage: krj-batch%s%s%s%s%s [options]\n\n",
            cmd->name[0] ? " " : "", cmd->name,
            cmd->handler == NULL ? " COMMAND" : "",
            cmd->arg != NULL ? " " : "", cmd->arg != NULL ? cmd->arg : "");

    fprintf(f, "%s", cmd->about);

    if (cmd->handler == NULL) {
        /* "keys add" is listed under "keys" as "add NAME" */
        skip = strlen(cmd->name) + (cmd->name[0] ? 1 : 0);
        width = 0;

        for (c = krj_commands; c->name != NULL; c++) {
            if (c->parent == cmd->id) {
                n = snprintf(label, sizeof(label), "%s%s%s", c->name + skip,
                             c->arg ? " " : "", c->arg ? c->arg : "");
                width = (n > width) ? n : width;
            }
        }

        fprintf(f, "\nCommands:\n");

        for (c = krj_commands; c->name != NULL; c++) {
            if (c->parent == cmd->id) {
                snprintf(label, sizeof(label), "%s%s%s", c->name + skip,
                         c->arg ? " " : "", c->arg ? c->arg : "");
                fprintf(f, "  %-*s  ", width, label);
                krj_help_wrap(f, (size_t) width + 4, c->summary);
            }
        }

        fprintf(f, "\n\"krj-batch %s%sCOMMAND --help\" describes a "
                "command.\n", cmd->name, cmd->name[0] ? " " : "");
    }

    fprintf(f, "\nOptions:\n");

    for (opt = krj_options; opt->name != NULL; opt++) {
        if (opt->commands & cmd->id) {
            krj_help_option(f, opt);
        }
    }

    fprintf(f, "\n%s", cmd->exit);
}



static int
krj_main_run(const krj_conf_t *conf, const char *arg)
{
    (void) arg;

    return krj_run(conf);
}


static int
krj_main_status(const krj_conf_t *conf, const char *arg)
{
    (void) arg;

    return krj_status(conf);
}


static int
krj_main_watch(const krj_conf_t *conf, const char *arg)
{
    (void) arg;

    return krj_daemon_watch(conf);
}


static int
krj_main_follow(const krj_conf_t *conf, const char *arg)
{
    (void) arg;

    return krj_daemon_follow(conf);
}


static int
krj_main_migrate(const krj_conf_t *conf, const char *arg)
{
    (void) arg;

    return krj_migrate(conf);
}


static int
krj_main_backup(const krj_conf_t *conf, const char *arg)
{
    (void) arg;

    return krj_backup(conf);
}
