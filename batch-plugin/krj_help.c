
/*
 * Copyright (C) The krj developers
 */


/*
 * The lines of --help that come from the option table: one option with
 * its bounds, variable and default, and words wrapped to a column.  The
 * commands and their prose are krj_main.c's.
 */


#include <stdio.h>
#include <string.h>

#include "krj_help.h"


/* "  --name ARG   help (bounds, env X, default Y)", wrapped */
void
krj_help_option(FILE *f, const krj_option_t *opt)
{
    int                       n;
    char                      text[512], buf[64];
    size_t                    len;
    const char               *arg, *sep;
    const krj_conf_bounds_t  *b;

    arg = krj_conf_arg(opt, buf, sizeof(buf));

    n = fprintf(f, "  --%s%s%s", opt->name, arg ? " " : "", arg ? arg : "");

    if (n + 2 > KRJ_HELP_COLUMN) {
        fprintf(f, "\n%*s", KRJ_HELP_COLUMN, "");

    } else {
        fprintf(f, "%*s", KRJ_HELP_COLUMN - n, "");
    }

    /* the table's help text is well under sizeof(text) */
    len = (size_t) snprintf(text, sizeof(text), "%s", opt->help);
    sep = " (";

    if (opt->kind == KRJ_OPT_NUMBER && len < sizeof(text)) {
        b = opt->post;
        len += (size_t) snprintf(text + len, sizeof(text) - len,
                                 "%s%llu to %llu", sep, b->min, b->max);
        sep = ", ";
    }

    if (opt->env != NULL && len < sizeof(text)) {
        len += (size_t) snprintf(text + len, sizeof(text) - len, "%senv %s",
                                 sep, opt->env);
        sep = ", ";
    }

    /* a flag is off unless given */
    if (opt->deflt != NULL && opt->kind != KRJ_OPT_FLAG
        && len < sizeof(text))
    {
        len += (size_t) snprintf(text + len, sizeof(text) - len,
                                 "%sdefault %s", sep, opt->deflt);
        sep = ", ";
    }

    if (sep[0] == ',' && len < sizeof(text)) {
        snprintf(text + len, sizeof(text) - len, ")");
    }

    krj_help_wrap(f, KRJ_HELP_COLUMN, text);
}


/* text from column col on, words wrapped to col before KRJ_HELP_WIDTH */
void
krj_help_wrap(FILE *f, size_t col, const char *text)
{
    size_t       at, len;
    const char  *p;

    at = col;

    for (p = text; *p != '\0'; p += len) {
        while (*p == ' ') {
            p++;
        }

        len = strcspn(p, " ");

        if (len == 0) {
            break;
        }

        if (at > col && at + 1 + len > KRJ_HELP_WIDTH) {
            fprintf(f, "\n%*s", (int) col, "");
            at = col;
        }

        if (at > col) {
            fputc(' ', f);
            at++;
        }

        fprintf(f, "%.*s", (int) len, p);
        at += len;
    }

    fputc('\n', f);
}
