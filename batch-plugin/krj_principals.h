
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_PRINCIPALS_H_INCLUDED_
#define _KRJ_PRINCIPALS_H_INCLUDED_


#include "krj_buf.h"
#include "krj_conf.h"
#include "krj_principal.h"


#define KRJ_PRINCIPALS_COLUMNS  4


typedef union {
    krj_key_entry_t     key;
    krj_user_entry_t    user;
} krj_principal_entry_t;


typedef struct {
    const char         *header;         /* NULL ends the list */
    int                 width;          /* the least, header included */
} krj_principal_column_t;


/*
 * What differs between the key file and the user file; the commands on
 * them (add, list, revoke or remove) are the same otherwise.
 */
typedef struct {
    const char         *noun;           /* "key" */
    const char         *plural;         /* "keys" */
    const char         *id_noun;        /* "key id" */
    const char         *remove;         /* its remove command, "revoke" */
    int                 name_kind;      /* KRJ_NAME_KEY or KRJ_NAME_USER */
    int                 replace;        /* add may replace an entry */

    int               (*parse)(const char *p, size_t len,
                               krj_principal_entry_t *e, char *err);

    /* list: the columns, the last one unpadded, and one row's cells */
    krj_principal_column_t  columns[KRJ_PRINCIPALS_COLUMNS + 1];
    void              (*row)(void *ctx, const krj_principal_entry_t *e,
                             krj_span_t *cells);
} krj_principal_kind_t;


/*
 * Appends the new line, '\n' included, to out; old is the entry it
 * replaces, or NULL.  Called with the file locked; -1 (logged) when it
 * cannot make the line.
 */
typedef int (*krj_principal_line_pt)(void *ctx, krj_buf_t *out,
    const krj_principal_entry_t *old);


/* KRJ_EXIT_OK, or KRJ_EXIT_USAGE with the reason on stderr */
int krj_principals_check_name(const krj_principal_kind_t *kind,
    const char *name);

/*
 * Adds name: a kind that cannot replace refuses a name already on any
 * line, even a malformed one; one that can replaces its only, sound line
 * in place and refuses a malformed or repeated one.  Every other line is
 * kept byte for byte; a file that is created gets group.  Returns a
 * KRJ_EXIT_* status, with *replaced set.
 */
int krj_principals_add(const krj_principal_kind_t *kind, const char *path,
    const krj_conf_group_t *group, const char *name,
    krj_principal_line_pt line, void *ctx, int *replaced);

/* a table of the sound lines; malformed ones are warned about */
int krj_principals_list(const krj_principal_kind_t *kind, const char *path,
    void *ctx);

/*
 * Removes every line of name, malformed and repeated ones too, so that
 * nothing is left that a later fix of a line would revive.  Returns a
 * KRJ_EXIT_* status (an unknown name: KRJ_EXIT_USAGE, said on stderr),
 * with the number of lines removed in *removed.
 */
int krj_principals_remove(const krj_principal_kind_t *kind, const char *path,
    const char *name, unsigned *removed);


/*
 * After a change of the file: the line of kind ("key", "user") name, or
 * NULL when it was removed, recorded in PostgreSQL and announced on
 * Redis, when they are configured, through the outbox.  Returns
 * KRJ_EXIT_OK, or KRJ_EXIT_PENDING when it waits in the outbox.
 */
int krj_principals_share(const krj_conf_t *conf, const char *kind,
    const char *name, const char *line);


#endif /* _KRJ_PRINCIPALS_H_INCLUDED_ */
