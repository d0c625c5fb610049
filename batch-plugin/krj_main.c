
/*
 * Copyright (C) The krj developers
 */


#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <jansson.h>
#include <openssl/opensslv.h>
#include <zlib.h>

#include "krj_keys.h"
#include "krj_log.h"
#include "krj_run.h"
#include "krj_users.h"


#define KRJ_VERSION             "0.1.0"
#define KRJ_DEFAULT_INPUT       "/var/lib/krj/data"
#define KRJ_DEFAULT_OUTPUT      "/var/lib/krj/output"
#define KRJ_DEFAULT_MAX_SIZE    (16 * 1024 * 1024)

/* the snapshot format and 32-bit offsets leave room for 1 GiB of CSV */
#define KRJ_MAX_MAX_SIZE        (1024 * 1024 * 1024)


static void krj_usage(FILE *f, const char *command);
static int krj_parse_size(const char *s, size_t *size);


static const char  krj_help_common[] =
    "Options:\n"
    "  --input DIR          input directory (env KRJ_DATA_DIR,\n"
    "                       default " KRJ_DEFAULT_INPUT ")\n"
    "  --output DIR         output directory (env KRJ_OUTPUT_DIR,\n"
    "                       default " KRJ_DEFAULT_OUTPUT ";\n"
    "                       created when missing)\n"
    "  --max-size BYTES     largest accepted input file (default 16777216;\n"
    "                       k, m suffixes accepted)\n"
    "  --log-format FORMAT  text (default) or json, one line per event on\n"
    "                       stderr\n"
    "  --quiet              log warnings and errors only\n"
    "  --verbose            log debug events too\n"
    "  --help               this text\n";

static const char  krj_help_exit[] =
    "Exit status:\n"
    "  0  published, or the input is unchanged (nothing written)\n"
    "  1  usage or configuration error (bad option, missing directory)\n"
    "  2  published (or unchanged), but some input file was rejected;\n"
    "     the rejected category keeps its published data\n"
    "  3  nothing could be published: no valid input at all, or writing\n"
    "     an output failed; nothing already published was replaced\n";


int
main(int argc, char **argv)
{
    int             c, level, format;
    char           *command;
    krj_conf_t      conf;
    struct option   opts[] = {
        { "input", required_argument, NULL, 'i' },
        { "output", required_argument, NULL, 'o' },
        { "max-size", required_argument, NULL, 's' },
        { "log-format", required_argument, NULL, 'l' },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };

    /* a closed pipe on stderr must not kill a run half way */
    signal(SIGPIPE, SIG_IGN);

    /* keys and users have commands and options of their own */
    if (argc > 1 && strcmp(argv[1], "keys") == 0) {
        return krj_keys_main(argc - 1, argv + 1);
    }

    if (argc > 1 && strcmp(argv[1], "users") == 0) {
        return krj_users_main(argc - 1, argv + 1);
    }

    conf.input = getenv("KRJ_DATA_DIR");
    conf.output = getenv("KRJ_OUTPUT_DIR");
    conf.max_size = KRJ_DEFAULT_MAX_SIZE;

    if (conf.input == NULL || conf.input[0] == '\0') {
        conf.input = KRJ_DEFAULT_INPUT;
    }

    if (conf.output == NULL || conf.output[0] == '\0') {
        conf.output = KRJ_DEFAULT_OUTPUT;
    }

    level = KRJ_LOG_INFO;
    format = KRJ_LOG_TEXT;
    command = NULL;

    /* the command may come before or after the options */
    if (argc > 1 && argv[1][0] != '-') {
        command = argv[1];
        argv++;
        argc--;
    }

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {

        case 'i':
            conf.input = optarg;
            break;

        case 'o':
            conf.output = optarg;
            break;

        case 's':
            if (krj_parse_size(optarg, &conf.max_size) != 0) {
                fprintf(stderr, "krj-batch: invalid --max-size \"%s\"\n",
                        optarg);
                return KRJ_EXIT_USAGE;
            }

            break;

        case 'l':
            if (strcmp(optarg, "text") == 0) {
                format = KRJ_LOG_TEXT;

            } else if (strcmp(optarg, "json") == 0) {
                format = KRJ_LOG_JSON;

            } else {
                fprintf(stderr, "krj-batch: --log-format is text or json\n");
                return KRJ_EXIT_USAGE;
            }

            break;

        case 'q':
            level = KRJ_LOG_WARN;
            break;

        case 'v':
            level = KRJ_LOG_DEBUG;
            break;

        case 'h':
            krj_usage(stdout, command);
            return KRJ_EXIT_OK;

        case 'V':
            printf("krj-batch %s (libcsv %d.%d.%d, jansson %s, zlib %s, "
                   "%s)\n", KRJ_VERSION, CSV_MAJOR, CSV_MINOR, CSV_RELEASE,
                   JANSSON_VERSION, zlibVersion(), OPENSSL_VERSION_TEXT);
            return KRJ_EXIT_OK;

        default:
            krj_usage(stderr, command);
            return KRJ_EXIT_USAGE;
        }
    }

    if (command == NULL && optind < argc) {
        command = argv[optind++];
    }

    if (optind < argc) {
        fprintf(stderr, "krj-batch: unexpected argument \"%s\"\n",
                argv[optind]);
        return KRJ_EXIT_USAGE;
    }

    krj_log_setup(format, level);

    if (command == NULL) {
        krj_usage(stderr, NULL);
        return KRJ_EXIT_USAGE;
    }

    if (strcmp(command, "run") == 0) {
        return krj_run(&conf);
    }

    if (strcmp(command, "status") == 0) {
        return krj_status(&conf);
    }

    fprintf(stderr, "krj-batch: unknown command \"%s\"\n", command);
    krj_usage(stderr, NULL);

    return KRJ_EXIT_USAGE;
}


static void
krj_usage(FILE *f, const char *command)
{
    if (command != NULL && strcmp(command, "run") == 0) {
        fprintf(f, "Usage: krj-batch run [options]\n\n"
                "One ingest: finds the newest KRJ_signals_latest_week_"
                "{CATEGORY}_{YYYY-MM-DD}.csv\nper category in the input "
                "directory, validates it, and publishes\nlatest_{slug}.csv, "
                "krj.snapshot and metadata.json in the output directory,\n"
                "each atomically.  A category whose newest file is invalid "
                "keeps its\npublished data.  Unchanged input writes "
                "nothing.\n\n%s\n%s", krj_help_common, krj_help_exit);
        return;
    }

    if (command != NULL && strcmp(command, "status") == 0) {
        fprintf(f, "Usage: krj-batch status [options]\n\n"
                "Validates the published krj.snapshot in the output "
                "directory and prints\nits summary.  Exit status 0 when it "
                "is valid, 3 when it is missing or\ninvalid.\n\n%s",
                krj_help_common);
        return;
    }

    fprintf(f, "Usage: krj-batch COMMAND [options]\n\n"
            "Commands:\n"
            "  run      one ingest: validate the newest CSV per category and "
            "publish\n"
            "  status   validate and summarise the published snapshot\n"
            "  keys     add, list or revoke API keys (krj-batch keys "
            "--help)\n"
            "  users    add, list or remove Basic users (krj-batch users "
            "--help)\n\n"
            "krj-batch COMMAND --help describes a command; "
            "--version prints versions.\n\n%s\n%s",
            krj_help_common, krj_help_exit);
}


static int
krj_parse_size(const char *s, size_t *size)
{
    char                *end;
    unsigned long long   v;

    if (*s < '0' || *s > '9') {
        return -1;
    }

    errno = 0;
    v = strtoull(s, &end, 10);

    if (errno != 0) {
        return -1;
    }

    if (*end == 'k' || *end == 'K') {
        v *= 1024;
        end++;

    } else if (*end == 'm' || *end == 'M') {
        v *= 1024 * 1024;
        end++;
    }

    if (*end != '\0' || v == 0 || v > KRJ_MAX_MAX_SIZE) {
        return -1;
    }

    *size = (size_t) v;

    return 0;
}
