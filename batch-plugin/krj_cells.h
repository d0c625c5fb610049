
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_CELLS_H_INCLUDED_
#define _KRJ_CELLS_H_INCLUDED_


/*
 * A CSV cell as the snapshot keeps it: its JSON typing and its CSV
 * quoting, decided once at publishing time.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_buf.h"


/* the JSON typing of a cell, krj_cell_json() */
#define KRJ_SNAP_NULL           0
#define KRJ_SNAP_NUMBER         1
#define KRJ_SNAP_STRING         2


/* 1 when s[0..len) matches the RFC 8259 number grammar exactly */
int krj_cell_is_json_number(const char *s, size_t len);

/*
 * Appends a cell's JSON text and returns its KRJ_SNAP_* type: the number
 * byte for byte, null for an empty cell, else a string.  A number whose
 * value overflows a double (1e999) is kept as a string, so "num" is always
 * finite.  s must be NUL-terminated at s[len].
 */
uint32_t krj_cell_json(krj_buf_t *b, const char *s, size_t len,
    double *num);

/* a JSON string, quotes included, escaped by krj_json_escape() */
void krj_cell_json_string(krj_buf_t *b, const char *s, size_t len);

/* a CSV field, quoted (quotes doubled) only if it holds , " CR or LF */
int krj_cell_csv_needs_quotes(const char *s, size_t len);
void krj_cell_csv_field(krj_buf_t *b, const char *s, size_t len);


#endif /* _KRJ_CELLS_H_INCLUDED_ */
