
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_SESSION_H_INCLUDED_
#define _NGX_HTTP_KRJ_SESSION_H_INCLUDED_


/*
 * The session cookie on requests: krj_session_key_file, the cookie a
 * request carries and whether it is valid (the format is krj_session.h's),
 * the cookie a login sets, and the login page a dashboard location sends
 * people to.  The functions under "the login handler" are the contract of
 * the dashboard's POST {prefix}/login and {prefix}/logout.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_session.h"
#include "ngx_http_krj_auth.h"
#include "ngx_http_krj_credentials.h"


#define NGX_HTTP_KRJ_SESSION_COOKIE  "__Host-krj_session"


/*
 * krj_session_key_file path; repeatable, the first key signs: each file
 * read here, into the krj_session_key_t array at cmd->offset
 */
char *ngx_http_krj_session_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* krj_session_time: at least a second */
extern ngx_conf_post_t  ngx_http_krj_session_time_post;

/*
 * How many __Host-krj_session cookies r carries, in every Cookie header,
 * and in value the first one's value.
 */
ngx_uint_t ngx_http_krj_session_cookie(ngx_http_request_t *r,
    ngx_str_t *value);

/*
 * The session in the cookie value of r (count: how many it carries),
 * against the keys, krj_session_time and krj_user_file of alcf: NGX_OK
 * with id set (user:NAME, the user's scopes, method session), or
 * NGX_DECLINED with the reason in *reason (KRJ_SESSION_*), logged at info
 * without the cookie; NGX_ERROR without memory.  No password hash runs.
 */
ngx_int_t ngx_http_krj_session_verify(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_str_t *value, ngx_uint_t count,
    ngx_http_krj_identity_t *id, ngx_uint_t *reason);

/*
 * The prefix of the dashboard location of r: the location's name without
 * a trailing '/' ("/krj" for location /krj and location /krj/).
 */
void ngx_http_krj_session_prefix(ngx_http_request_t *r, ngx_str_t *prefix);

/*
 * 1 when r is on a dashboard location and asks for what anybody may have:
 * {prefix}/login, {prefix}/logout, {prefix}/assets/...
 */
ngx_uint_t ngx_http_krj_session_exempt(ngx_http_request_t *r);

/*
 * The refusal of a dashboard request without valid credentials: a 303 to
 * {prefix}/login?next={the path and query of r, percent-encoded}, sent in
 * place of the 401 (so satisfy any and error_page 401 apply as to any
 * 401).  Returns the status for the access handler to return.
 */
ngx_int_t ngx_http_krj_session_redirect(ngx_http_request_t *r);


/* the login handler */

/*
 * A login form's user and password against the krj_user_file of the
 * location of r, verified as Basic credentials are (the cache, the dummy
 * hash of an unknown user, the refusal of control bytes), under the
 * failed-login limit of the client address (krj_auth_fail_limit).  The
 * password is wiped, whatever the outcome (an empty field may be
 * { 0, NULL }).
 *
 * next_out is in and out: the form's next field (empty when none) in;
 * on NGX_OK, where to answer 303: next itself when it is a local path
 * under the prefix (ngx_http_krj_session_local_next()), else the prefix
 * ("/" for a dashboard at the root).
 *
 *   NGX_OK         the credentials are good; a Set-Cookie header of a new
 *                  session for the user is added to r's response
 *   NGX_DECLINED   bad credentials (an unknown user, a wrong password),
 *                  logged and counted as a failed login
 *   NGX_BUSY       the address is locked out: no hash was run; a refusal
 *                  429 auth_locked with Retry-After is recorded, which
 *                  returning NGX_HTTP_TOO_MANY_REQUESTS sends as JSON and
 *                  which a page of the handler's own replaces
 *   NGX_ERROR      no memory, libcrypto failed, or no krj_session_key_file
 *                  applies to the location (logged)
 *
 * Counted in krj_auth_outcomes_total with method "session".
 */
ngx_int_t ngx_http_krj_session_login(ngx_http_request_t *r, ngx_str_t *user,
    ngx_str_t *password, ngx_str_t *next_out);

/*
 * Adds the Set-Cookie header that clears the cookie (an empty value,
 * Max-Age=0, the same attributes).  NGX_OK, or NGX_ERROR without memory.
 */
ngx_int_t ngx_http_krj_session_logout(ngx_http_request_t *r);

/*
 * 1 when the main request of r was let in by a valid session cookie, with
 * the user's name (no "user:") in name, for the page header: a request on
 * {prefix}/login and the other pages krj_auth lets through is identified
 * only if $krj_principal was asked for.
 */
ngx_uint_t ngx_http_krj_session_signed_in(ngx_http_request_t *r,
    ngx_str_t *name);

/*
 * CSRF: 1 when the Origin header (or, without one, the Referer header)
 * names this very scheme (https when the connection is TLS), host and
 * port (the Host header); 0 otherwise, and when both are absent or there
 * is no Host header.
 */
ngx_uint_t ngx_http_krj_session_same_origin(ngx_http_request_t *r);

/*
 * 1 when next is a local path under prefix (prefix itself, or prefix and
 * then '/' or '?'; printable ASCII; no "//", no '\', no scheme, no "." or
 * ".." segment, no control byte, also after one percent-decoding): a
 * target that cannot take a browser to another site.
 */
ngx_uint_t ngx_http_krj_session_local_next(ngx_str_t *next,
    ngx_str_t *prefix);


#endif /* _NGX_HTTP_KRJ_SESSION_H_INCLUDED_ */
