
/*
 * Copyright (C) The krj developers
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_buf.h"
#include "krj_out.h"


void
krj_buf_init(krj_buf_t *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}


void
krj_buf_free(krj_buf_t *b)
{
    free(b->data);
    krj_buf_init(b);
}


void
krj_buf_reset(krj_buf_t *b)
{
    b->len = 0;
}


int
krj_buf_grow(krj_buf_t *b, size_t n)
{
    size_t    cap;
    uint8_t  *p;

    if (b->failed) {
        return -1;
    }

    if (n <= b->cap - b->len) {
        return 0;
    }

    if (n > SIZE_MAX / 2 - b->len) {
        b->failed = 1;
        return -1;
    }

    cap = b->cap ? b->cap : 256;

    while (cap - b->len < n) {
        cap *= 2;
    }

    p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = 1;
        return -1;
    }

    b->data = p;
    b->cap = cap;

    return 0;
}


void
krj_buf_append(krj_buf_t *b, const void *p, size_t n)
{
    if (n == 0 || krj_buf_grow(b, n) != 0) {
        return;
    }

    memcpy(b->data + b->len, p, n);
    b->len += n;
}


void
krj_buf_str(krj_buf_t *b, const char *s)
{
    krj_buf_append(b, s, strlen(s));
}


void
krj_buf_byte(krj_buf_t *b, uint8_t c)
{
    if (krj_buf_grow(b, 1) != 0) {
        return;
    }

    b->data[b->len++] = c;
}


void
krj_buf_printf(krj_buf_t *b, const char *fmt, ...)
{
    int      n;
    va_list  args;

    va_start(args, fmt);
    n = vsnprintf(NULL, 0, fmt, args);
    va_end(args);

    /* one more for the NUL that vsnprintf writes */
    if (n < 0 || krj_buf_grow(b, (size_t) n + 1) != 0) {
        b->failed = 1;
        return;
    }

    va_start(args, fmt);
    vsnprintf((char *) b->data + b->len, (size_t) n + 1, fmt, args);
    va_end(args);

    b->len += n;
}


void
krj_buf_fmt(krj_buf_t *b, const char *fmt, ...)
{
    va_list    args;
    krj_out_t  o;

    krj_out_init(&o, NULL);

    va_start(args, fmt);
    krj_out_vfmt(&o, fmt, args);
    va_end(args);

    if (krj_buf_grow(b, o.len) != 0) {
        return;
    }

    krj_out_init(&o, b->data + b->len);

    va_start(args, fmt);
    krj_out_vfmt(&o, fmt, args);
    va_end(args);

    b->len += o.len;
}


void
krj_buf_align(krj_buf_t *b, size_t align)
{
    size_t  pad;

    pad = (align - b->len % align) % align;

    if (pad) {
        (void) krj_buf_zero(b, pad);
    }
}


size_t
krj_buf_zero(krj_buf_t *b, size_t n)
{
    size_t  off;

    off = b->len;

    if (n == 0 || krj_buf_grow(b, n) != 0) {
        return off;
    }

    memset(b->data + b->len, 0, n);
    b->len += n;

    return off;
}
