
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_BUF_H_INCLUDED_
#define _KRJ_BUF_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/*
 * A growable byte buffer.  An allocation failure is sticky: every later
 * call does nothing and "failed" stays set, so a caller that builds a long
 * document checks once at the end instead of after every append.
 */
typedef struct {
    uint8_t    *data;
    size_t      len;
    size_t      cap;
    int         failed;
} krj_buf_t;


void krj_buf_init(krj_buf_t *b);
void krj_buf_free(krj_buf_t *b);
void krj_buf_reset(krj_buf_t *b);
int krj_buf_grow(krj_buf_t *b, size_t n);
void krj_buf_append(krj_buf_t *b, const void *p, size_t n);
void krj_buf_str(krj_buf_t *b, const char *s);
void krj_buf_byte(krj_buf_t *b, uint8_t c);
void krj_buf_printf(krj_buf_t *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* a format of krj_layout.h, as krj_out_fmt() writes it */
void krj_buf_fmt(krj_buf_t *b, const char *fmt, ...);
/* appends zero bytes up to the next multiple of align */
void krj_buf_align(krj_buf_t *b, size_t align);
/* appends n zero bytes and returns the offset of the first */
size_t krj_buf_zero(krj_buf_t *b, size_t n);


#endif /* _KRJ_BUF_H_INCLUDED_ */
