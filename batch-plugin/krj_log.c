
/*
 * Copyright (C) The krj developers
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "krj_date.h"
#include "krj_log.h"


static int  krj_log_format = KRJ_LOG_TEXT;
static int  krj_log_level = KRJ_LOG_INFO;

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
    char      ts[32], msg[1024], *out;
    json_t   *obj, *ctx;
    va_list   args;

    if (level < krj_log_level) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    krj_date_iso((int64_t) time(NULL), ts);

    if (krj_log_format == KRJ_LOG_TEXT) {
        if (file != NULL && line != 0) {
            fprintf(stderr, "%s krj-batch %s: %s:%u: %s\n", ts,
                    krj_log_levels[level], file, line, msg);

        } else if (file != NULL) {
            fprintf(stderr, "%s krj-batch %s: %s: %s\n", ts,
                    krj_log_levels[level], file, msg);

        } else {
            fprintf(stderr, "%s krj-batch %s: %s\n", ts,
                    krj_log_levels[level], msg);
        }

        return;
    }

    ctx = json_object();
    if (file != NULL) {
        json_object_set_new(ctx, "file", json_string(file));
    }

    if (line != 0) {
        json_object_set_new(ctx, "line", json_integer(line));
    }

    obj = json_pack("{s:s,s:s,s:s,s:s,s:o}", "timestamp", ts,
                    "service", "krj-batch", "level", krj_log_levels[level],
                    "message", msg, "context", ctx);

    /* a message cut inside a UTF-8 sequence is not valid for jansson */
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

