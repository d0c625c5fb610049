
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_PRINCIPALS_H_INCLUDED_
#define _KRJ_PRINCIPALS_H_INCLUDED_


#include <libpq-fe.h>

#include "krj_buf.h"
#include "krj_conf.h"
#include "krj_principal.h"


#define KRJ_PRINCIPALS_COLUMNS  4

/* how krj-batch follow begins the files it writes from PostgreSQL */
#define KRJ_PRINCIPALS_FOLLOWED                                               \
    "# written by krj-batch follow from PostgreSQL (krj_principals):\n"      \
    "# change it with krj-batch keys and users on the ingesting node.\n"


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

    /* the day (days since 1970) an entry was revoked, or -1; may be NULL */
    long              (*revoked)(const krj_principal_entry_t *e);
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
 * Appends what replaces the sound line of an entry (line, len: as in the
 * file, without '\n'; '\n' is added after it), or nothing to drop it.
 * Called with the file locked; -1 (logged) when it cannot.
 */
typedef int (*krj_principal_edit_pt)(void *ctx, krj_buf_t *out,
    const char *line, size_t len, const krj_principal_entry_t *e);

/*
 * Rewrites every line of name: a sound one through edit, a malformed one
 * is dropped, so that nothing is left that a later fix of that line
 * would revive.  edit NULL drops every line of name.  Every other line
 * is kept byte for byte.  Returns a KRJ_EXIT_* status: an unknown name
 * is KRJ_EXIT_USAGE, said on stderr; an edit that changes nothing writes
 * nothing and is KRJ_EXIT_USAGE too, said by the caller.  *found is the
 * number of lines of name.
 */
int krj_principals_edit(const krj_principal_kind_t *kind, const char *path,
    const char *name, krj_principal_edit_pt edit, void *ctx,
    unsigned *found);

/* every line of name dropped: krj_principals_edit() without an edit */
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

/*
 * Each sound line of the key and user files whose name krj_principals
 * lacks is recorded there: keys and users added while pg-dsn was not
 * configured (krj_principals_share() had nowhere to send them), so that
 * followers keep them.  Lines PostgreSQL has are left to it, and files
 * that krj-batch follow wrote are its copy: neither is sent.  *n is the
 * number recorded; 0, or -1 (logged).
 */
int krj_principals_upload(const krj_conf_t *conf, PGconn *pg, unsigned *n);


#endif /* _KRJ_PRINCIPALS_H_INCLUDED_ */
