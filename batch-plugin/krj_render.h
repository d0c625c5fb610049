
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_RENDER_H_INCLUDED_
#define _KRJ_RENDER_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "krj_buf.h"


/* 1 when s[0..len) matches the RFC 8259 number grammar exactly */
int krj_render_is_json_number(const char *s, size_t len);

/*
 * Appends a cell's JSON text and returns its KRJ_SNAP_* type: the number
 * byte for byte, null for an empty cell, else a string.  A number whose
 * value overflows a double (1e999) is kept as a string, so "num" is always
 * finite.  s must be NUL-terminated at s[len].
 */
uint32_t krj_render_cell(krj_buf_t *b, const char *s, size_t len,
    double *num);

/* a JSON string, quotes included; UTF-8 kept, controls as \u00XX */
void krj_render_json_string(krj_buf_t *b, const char *s, size_t len);

/* a CSV field, quoted (quotes doubled) only if it holds , " CR or LF */
int krj_render_csv_needs_quotes(const char *s, size_t len);
void krj_render_csv_field(krj_buf_t *b, const char *s, size_t len);

/* {"total":N,"long":..,"prior":{..},"delta":{..}}; counts[week][kind] */
void krj_render_summary(krj_buf_t *b, uint32_t total,
    const uint32_t counts[2][3]);


#endif /* _KRJ_RENDER_H_INCLUDED_ */
