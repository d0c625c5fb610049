
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
    krj_log_escape(msg, sizeof(msg), raw, len, krj_log_format);

    if (file != NULL) {
        krj_log_escape(name, sizeof(name), file, strlen(file),
                       krj_log_format);
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


size_t
krj_log_escape(char *dst, size_t size, const char *src, size_t len,
    int format)
{
    int                 escape;
    size_t              i, j, n, w, cut, room;
    const uint8_t      *p;
    static const char   hex[] = "0123456789ABCDEF";

    p = (const uint8_t *) src;
    room = size - 1;
    w = 0;
    cut = 0;

    for (i = 0; i < len; i += n) {
        n = krj_utf8_char(p + i, len - i);

        if (n == 0) {
            /* one stray byte; the next may start a valid character */
            escape = 1;
            n = 1;

        } else if (p[i] == '\\') {
            /* "\x0A" in the input must not read as an escaped newline */
            escape = 1;

        } else if (format == KRJ_LOG_TEXT) {
            /* C0 and DEL, and C1 (U+0080 to U+009F, 0xC2 0x80..0x9F) */
            escape = p[i] < 0x20 || p[i] == 0x7f
                     || (p[i] == 0xc2 && p[i + 1] < 0xa0);

        } else {
            /* jansson escapes the control characters itself */
            escape = 0;
        }

        if (w + (escape ? 4 * n : n) > room) {
            w = cut;
            memcpy(dst + w, "...", 3);
            w += 3;
            break;
        }

        for (j = 0; j < n; j++) {
            if (escape) {
                dst[w++] = '\\';
                dst[w++] = 'x';
                dst[w++] = hex[p[i + j] >> 4];
                dst[w++] = hex[p[i + j] & 0xf];

            } else {
                dst[w++] = (char) p[i + j];
            }
        }

        /* the last place where "..." still fits, should a cut be needed */
        if (w + 3 <= room) {
            cut = w;
        }
    }

    dst[w] = '\0';

    return w;
}
