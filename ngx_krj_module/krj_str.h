
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_STR_H_INCLUDED_
#define _KRJ_STR_H_INCLUDED_


/*
 * Byte strings shared by the module and krj-batch: plain C, nothing of
 * nginx.  A krj_str_t is a span of bytes that is not NUL-terminated.
 */


#include <stddef.h>
#include <stdint.h>


typedef struct {
    const char                 *data;
    size_t                      len;
} krj_str_t;


/* equal ignoring ASCII case; other bytes compare as they are */
int krj_strcaseeq(const char *a, size_t alen, const char *b, size_t blen);

/*
 * The length of the valid UTF-8 sequence that starts p (1 to 4), or 0 when
 * p does not start one: a stray continuation byte, an overlong form, a
 * surrogate, a code point over U+10FFFF, or a sequence cut by the end.
 */
size_t krj_utf8_char(const unsigned char *p, size_t len);

/*
 * The largest n <= max such that p[0, n) does not end inside a UTF-8
 * character, for cutting text that is shown or logged.
 */
size_t krj_utf8_cut(const char *p, size_t len, size_t max);

/*
 * Text that came from outside, made safe for a log: src[0, len) into dst
 * (size bytes, NUL included, at least 4) with a backslash and every byte
 * that is not part of valid UTF-8 written as "\xHH", and with controls
 * also every control character (C0, DEL, C1), so that no input can start
 * a log line of its own or reach a terminal as an escape sequence.  What
 * does not fit is cut between two characters and ends in "...".
 * Returns the length written.
 */
size_t krj_str_escape(char *dst, size_t size, const char *src, size_t len,
    int controls);


#endif /* _KRJ_STR_H_INCLUDED_ */
