
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_USERS_H_INCLUDED_
#define _KRJ_USERS_H_INCLUDED_


#include "krj_conf.h"


/* "krj-batch users add|list|remove": each returns a KRJ_EXIT_* status */
int krj_users_add(const krj_conf_t *conf, const char *name);
int krj_users_list(const krj_conf_t *conf, const char *arg);
int krj_users_remove(const krj_conf_t *conf, const char *name);


#endif /* _KRJ_USERS_H_INCLUDED_ */
