
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_USERS_H_INCLUDED_
#define _KRJ_USERS_H_INCLUDED_


/* the path conf/ gives krj_user_file */
#define KRJ_DEFAULT_USER_FILE   "/etc/krj/users.htpasswd"


/* "krj-batch users ...": argv[0] is "users"; returns a KRJ_EXIT_* status */
int krj_users_main(int argc, char **argv);


#endif /* _KRJ_USERS_H_INCLUDED_ */
