
/*
 * Copyright (C) The krj developers
 */


#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "krj_date.h"
#include "krj_log.h"
#include "krj_str.h"


/*
 * A message is formatted into this much first; more than four times
 * KRJ_LOG_MSG_MAX would be needed before a cut could fall short of it.
 */
#define KRJ_LOG_RAW_MAX     4096




static void krj_log_write(int level, const char *event, const char *file,
    unsigned line, const char *fmt, va_list args);


static int       krj_log_format = KRJ_LOG_TEXT;
static int       krj_log_level = KRJ_LOG_INFO;
static unsigned  krj_log_nwarnings;

static const char  *krj_log_levels[] = { "debug", "info", "warning", "error" };


void
krj_log_setup(int format, int level)
{
    krj_log_format = format;
    krj_log_level = level;
}


void
krj_log(int level, const char *file, unsigned line, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    krj_log_write(level, NULL, file, line, fmt, args);
    va_end(args);
}


void
krj_log_event(int level, const char *event, const char *file,
    unsigned line, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    krj_log_write(level, event, file, line, fmt, args);
    va_end(args);
}


unsigned
krj_log_warnings(int reset)
{
    unsigned  n;

    n = krj_log_nwarnings;

    if (reset) {
        krj_log_nwarnings = 0;
    }

    return n;
}


static void
krj_log_write(int level, const char *event, const char *file,
    unsigned line, const char *fmt, va_list args)
{
    int       n;
    char      ts[32], raw[KRJ_LOG_RAW_MAX], msg[KRJ_LOG_MSG_MAX];
    char      name[KRJ_LOG_FILE_MAX], ev[80], *out;
    size_t    len;
    json_t   *obj, *ctx;

    if (level == KRJ_LOG_WARN) {
        krj_log_nwarnings++;
    }

    if (level < krj_log_level) {
        return;
    }

    n = vsnprintf(raw, sizeof(raw), fmt, args);

    len = (n < 0) ? 0 : ((size_t) n >= sizeof(raw) ? sizeof(raw) - 1
                                                    : (size_t) n);

    /*
     * a CSV cell or a file name in a message must not start a line of its
     * own, nor reach a terminal as an escape sequence
     */
    krj_str_escape(msg, sizeof(msg), raw, len,
                   krj_log_format == KRJ_LOG_TEXT);

    if (file != NULL) {
        krj_str_escape(name, sizeof(name), file, strlen(file),
                       krj_log_format == KRJ_LOG_TEXT);
        file = name;
    }

    krj_date_iso((int64_t) time(NULL), ts);

    /* event names are the program's own words, never input */
    ev[0] = '\0';

    if (event != NULL && krj_log_format == KRJ_LOG_TEXT) {
        snprintf(ev, sizeof(ev), "event=%s ", event);
    }

    if (krj_log_format == KRJ_LOG_TEXT) {
        if (file != NULL && line != 0) {
            fprintf(stderr, "%s krj-batch %s: %s%s:%u: %s\n", ts,
                    krj_log_levels[level], ev, file, line, msg);

        } else if (file != NULL) {
            fprintf(stderr, "%s krj-batch %s: %s%s: %s\n", ts,
                    krj_log_levels[level], ev, file, msg);

        } else {
            fprintf(stderr, "%s krj-batch %s: %s%s\n", ts,
                    krj_log_levels[level], ev, msg);
        }

        return;
    }

    ctx = json_object();

    if (event != NULL) {
        json_object_set_new(ctx, "event", json_string(event));
    }

    if (file != NULL) {
        json_object_set_new(ctx, "file", json_string(file));
    }

    if (line != 0) {
        json_object_set_new(ctx, "line", json_integer(line));
    }

    obj = json_pack("{s:s,s:s,s:s,s:s,s:o}", "timestamp", ts,
                    "service", "krj-batch", "level", krj_log_levels[level],
                    "message", msg, "context", ctx);

    out = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

    if (out != NULL) {
        fprintf(stderr, "%s\n", out);
        free(out);

    } else {
        fprintf(stderr, "{\"timestamp\":\"%s\",\"service\":\"krj-batch\","
                "\"level\":\"%s\",\"message\":\"unloggable message\","
                "\"context\":{}}\n", ts, krj_log_levels[level]);
    }

    json_decref(obj);
}
