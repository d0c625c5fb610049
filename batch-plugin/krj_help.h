
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_HELP_H_INCLUDED_
#define _KRJ_HELP_H_INCLUDED_


#include <stddef.h>
#include <stdio.h>

#include "krj_conf.h"


/* --help lines end before this column */
#define KRJ_HELP_WIDTH          79
/* where the help of an option starts */
#define KRJ_HELP_COLUMN         23


/* "  --name ARG   help (bounds, env X, default Y)", wrapped */
void krj_help_option(FILE *f, const krj_option_t *opt);

/* text from column col on, words wrapped to col before KRJ_HELP_WIDTH */
void krj_help_wrap(FILE *f, size_t col, const char *text);


#endif /* _KRJ_HELP_H_INCLUDED_ */
