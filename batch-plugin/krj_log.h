
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_LOG_H_INCLUDED_
#define _KRJ_LOG_H_INCLUDED_


#include <stddef.h>


#define KRJ_LOG_DEBUG   0
#define KRJ_LOG_INFO    1
#define KRJ_LOG_WARN    2
#define KRJ_LOG_ERROR   3

#define KRJ_LOG_TEXT    0
#define KRJ_LOG_JSON    1

/* the longest message and file name written, escapes and "..." included */
#define KRJ_LOG_MSG_MAX     1024
#define KRJ_LOG_FILE_MAX    1024


/* format: KRJ_LOG_TEXT or _JSON; level: the least level written */
void krj_log_setup(int format, int level);

/*
 * One event, one line on stderr.  file and line give the context (file may
 * be NULL, line 0 means none): in text "file:line: message", in JSON the
 * "context" object.  Message and file name are escaped with
 * krj_str_escape(), so that no input can forge a line.
 */
void krj_log(int level, const char *file, unsigned line, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/*
 * The same, for an event with a stable name ("published", "recorded",
 * "outbox_write"): in text "event=NAME" starts the line after the level,
 * in JSON it is the context's "event".
 */
void krj_log_event(int level, const char *event, const char *file,
    unsigned line, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* how many warnings were logged (written or not) since the last reset */
unsigned krj_log_warnings(int reset);


#endif /* _KRJ_LOG_H_INCLUDED_ */
