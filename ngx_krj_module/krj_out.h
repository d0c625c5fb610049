
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_OUT_H_INCLUDED_
#define _KRJ_OUT_H_INCLUDED_


/*
 * Measure-then-write output, shared by the module (answers built per
 * request) and krj-batch (bodies pre-rendered into the snapshot).  Every
 * writer runs twice with the same arguments: first with o->p == NULL,
 * which only adds up o->len, then into a buffer of exactly that size.
 * No libc formatting: numbers are written digit by digit.
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>


typedef struct krj_out_s  krj_out_t;

/* writes a conversion krj_out_fmt() does not know, %P say; 0: a typo */
typedef int (*krj_out_hook_pt)(krj_out_t *o, int conversion);

struct krj_out_s {
    char                       *p;          /* NULL: measure only */
    size_t                      len;        /* bytes so far */
    krj_out_hook_pt             hook;       /* NULL: none */
    const void                 *data;       /* the hook's */
};


#define krj_out_init(o, buf)                                                  \
    ((o)->p = (char *) (buf), (o)->len = 0, (o)->hook = NULL,                \
     (o)->data = NULL)


void krj_out_put(krj_out_t *o, const void *s, size_t len);
void krj_out_str(krj_out_t *o, const char *s);
void krj_out_byte(krj_out_t *o, char c);
void krj_out_uint(krj_out_t *o, uint64_t v);
void krj_out_int(krj_out_t *o, int64_t v);

/* the contents of a JSON string, without quotes; see krj_json_escape() */
void krj_out_json(krj_out_t *o, const char *s, size_t len);

/*
 * A format string as in krj_layout.h or krj_markup.h.  Conversions:
 *
 *   %s  const char *, NUL-terminated, as it is
 *   %r  const char *, size_t: bytes as they are
 *   %j  const char *, size_t: the contents of a JSON string
 *   %h  const char *, size_t: HTML-escaped (krj_html.h)
 *   %q  const char *, size_t: a query value, percent-encoded (krj_html.h)
 *   %u  unsigned int
 *   %U  uint64_t
 *   %d  int64_t
 *   %%  a percent sign
 *
 * and any other letter through o->hook (krj_page.c's %P and %A).
 */
void krj_out_fmt(krj_out_t *o, const char *fmt, ...);
void krj_out_vfmt(krj_out_t *o, const char *fmt, va_list args);

/*
 * JSON string contents of [p, p + len), without quotes, into out (NULL
 * measures); returns the length.  '"', '\' and control bytes are escaped;
 * a byte that does not belong to a valid UTF-8 sequence becomes \ufffd,
 * so the output is valid UTF-8 whatever the input.
 */
size_t krj_json_escape(char *out, const char *p, size_t len);


#endif /* _KRJ_OUT_H_INCLUDED_ */
