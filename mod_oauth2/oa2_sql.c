/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* Every SQL statement of the module, and the schema per driver. */
#include <string.h>

#include "oa2_sql.h"

#define CLIENT_COLS                                                            \
    "client_id, secret_hash, name, redirect_uris, grant_types, scope, "        \
    "auth_method, created_at, metadata"

/* Record as revoked the access tokens of oa2_access_tokens matching
 * COND (after the issuer), unless recorded already. */
#define REVOKE_ACCESS(COND, TAIL)                                              \
    "INSERT INTO oa2_revoked (issuer, jti, expires_at) SELECT a.issuer, "      \
    "a.jti, a.expires_at FROM oa2_access_tokens a WHERE a.issuer = %s "        \
    "AND " COND                                                                \
    " AND NOT EXISTS (SELECT 1 FROM oa2_revoked r WHERE r.issuer = "           \
    "a.issuer AND r.jti = a.jti) " TAIL
#define ON_CONFLICT "ON CONFLICT DO NOTHING"
#define ON_DUPLICATE "ON DUPLICATE KEY UPDATE oa2_revoked.jti = oa2_revoked.jti"

/* PostgreSQL's advisory locks of a refresh family (its issuer, a space,
 * the family), of a user's families and of a client's families (the word
 * between keeps the keys apart). A rotation takes its family's lock and
 * shares its user's and its client's; a withdrawal (oa2_store_dbd_withdraw)
 * takes the user's or the client's alone: one or two locks, however many
 * families there are. */
#define LOCK_TOKEN_FAMILY                                                      \
    "SELECT pg_advisory_xact_lock(hashtextextended(issuer || ' ' || family, "  \
    "0)), pg_advisory_xact_lock_shared(hashtextextended(issuer || ' user ' "   \
    "|| user_id, 0)), pg_advisory_xact_lock_shared(hashtextextended(issuer "   \
    "|| ' client ' || client_id, 0)) FROM oa2_refresh WHERE issuer = %s AND "  \
    "token_hash = %s"
#define LOCK_GRANT                                                             \
    "SELECT pg_advisory_xact_lock(hashtextextended(i || ' user ' || u, 0)), "  \
    "pg_advisory_xact_lock(hashtextextended(i || ' client ' || c, 0)) FROM "   \
    "(SELECT CAST(%s AS text) AS i, CAST(%s AS text) AS u, CAST(%s AS text) "  \
    "AS c) a"
#define LOCK_USER                                                              \
    "SELECT pg_advisory_xact_lock(hashtextextended(CAST(%s AS text) || "       \
    "' user ' || CAST(%s AS text), 0))"
#define LOCK_CLIENT                                                            \
    "SELECT pg_advisory_xact_lock(hashtextextended(CAST(%s AS text) || "       \
    "' client ' || CAST(%s AS text), 0))"

/* Expired rows of every issuer, at most OA2_SQL_PURGE_BATCH of them per
 * statement, so that a purge never holds the write lock (SQLite) or a
 * transaction for long. Row values: SQLite 3.15, PostgreSQL 8.2. */
#define PURGE_BATCH(TABLE, KEY)                                                \
    "DELETE FROM " TABLE " WHERE (issuer, " KEY ") IN (SELECT issuer, " KEY    \
    " FROM " TABLE " WHERE expires_at < %lld LIMIT " OA2_SQL_PURGE_BATCH_TEXT  \
    ")"
#define PURGE_BATCH_MYSQL(TABLE)                                               \
    "DELETE FROM " TABLE                                                       \
    " WHERE expires_at < %lld LIMIT " OA2_SQL_PURGE_BATCH_TEXT

/* A device authorization request's columns, as oa2_store_device.c reads
 * them. */
#define DEVICE_COLS                                                            \
    "device_hash, client_id, scope, resource, expires_at, state, "             \
    "poll_interval, last_poll, user_id, auth_time, claims"
#define DEVICE_INSERT                                                          \
    "INSERT INTO oa2_device_codes (issuer, device_hash, user_code_hash, "      \
    "client_id, scope, resource, expires_at, state, poll_interval, "           \
    "last_poll, user_id, auth_time, claims) VALUES (%s, %s, %s, %s, %s, %s, "  \
    "%lld, 0, %lld, 0, '', 0, '')"

static const oa2_sql_t statements[OA2_SQL_COUNT] = {
    [OA2_SQL_CLIENT_GET] = {"oa2_client_get",
                            "SELECT " CLIENT_COLS " FROM oa2_clients "
                            "WHERE issuer = %s AND client_id = %s"},
    [OA2_SQL_CLIENT_INSERT] = {"oa2_client_insert",
                               "INSERT INTO oa2_clients (issuer, " CLIENT_COLS
                               ") VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
                               "%lld, %s)"},
    [OA2_SQL_CLIENT_DELETE] = {"oa2_client_delete",
                               "DELETE FROM oa2_clients "
                               "WHERE issuer = %s AND client_id = %s"},
    [OA2_SQL_CLIENT_LIST] = {"oa2_client_list",
                             "SELECT " CLIENT_COLS " FROM oa2_clients "
                             "WHERE issuer = %s "
                             "ORDER BY created_at, client_id"},
    [OA2_SQL_CLIENT_SET_SECRET] = {"oa2_client_set_secret",
                                   "UPDATE oa2_clients SET secret_hash = %s "
                                   "WHERE issuer = %s AND client_id = %s"},
    /* A client read from its metadata document (oa2_store_clients.c):
     * added unless a client of its id is there already, perhaps stored by
     * another request a moment ago, or registered otherwise. */
    [OA2_SQL_CLIENT_INSERT_DOCUMENT] =
        {"oa2_client_insert_document",
         "INSERT INTO oa2_clients (issuer, " CLIENT_COLS
         ") VALUES (%s, %s, %s, "
         "%s, %s, %s, %s, %s, %lld, %s) "
         "ON CONFLICT DO NOTHING"},
    /* Its document read again: only over the row as it was read (its
     * metadata, with the fetch time, is the version), so a client
     * registered otherwise in the meantime stays as it is; created_at is
     * kept, and the tokens issued since with it. */
    [OA2_SQL_CLIENT_UPDATE_DOCUMENT] = {"oa2_client_update_document",
                                        "UPDATE oa2_clients SET "
                                        "secret_hash = %s, name = %s, "
                                        "redirect_uris = %s, grant_types = "
                                        "%s, scope = %s, auth_method = %s, "
                                        "metadata = %s WHERE issuer = %s "
                                        "AND client_id = %s AND metadata = "
                                        "%s"},
    [OA2_SQL_CODE_INSERT] = {"oa2_code_insert",
                             "INSERT INTO oa2_codes (issuer, code_hash, "
                             "client_id, user_id, redirect_uri, scope, "
                             "resource, code_challenge, expires_at, used, "
                             "family, access_jti, nonce, auth_time, claims, "
                             "dpop_jkt) "
                             "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %lld, "
                             "0, %s, '', %s, %lld, %s, %s)"},
    /* Single use: the affected-row count of this UPDATE decides. */
    [OA2_SQL_CODE_CONSUME] = {"oa2_code_consume",
                              "UPDATE oa2_codes SET used = 1 WHERE issuer = "
                              "%s AND code_hash = %s AND used = 0"},
    [OA2_SQL_CODE_GET] = {"oa2_code_get",
                          "SELECT client_id, user_id, redirect_uri, scope, "
                          "resource, code_challenge, expires_at, used, "
                          "family, access_jti, nonce, auth_time, claims, "
                          "dpop_jkt FROM oa2_codes "
                          "WHERE issuer = %s AND code_hash = %s"},
    [OA2_SQL_CODE_SET_ISSUED] = {"oa2_code_set_issued",
                                 "UPDATE oa2_codes SET access_jti = %s "
                                 "WHERE issuer = %s AND code_hash = %s"},
    [OA2_SQL_REFRESH_INSERT] = {"oa2_refresh_insert",
                                "INSERT INTO oa2_refresh (issuer, "
                                "token_hash, family, client_id, user_id, "
                                "scope, resource, expires_at, state, "
                                "created_at, auth_time, claims, dpop_jkt) "
                                "VALUES (%s, %s, %s, %s, %s, %s, %s, %lld, "
                                "0, %lld, %lld, %s, %s)"},
    /* Rotation: only a live token (state 0) rotates, exactly once. */
    [OA2_SQL_REFRESH_ROTATE] = {"oa2_refresh_rotate",
                                "UPDATE oa2_refresh SET state = 1 WHERE "
                                "issuer = %s AND token_hash = %s AND "
                                "state = 0"},
    [OA2_SQL_REFRESH_GET] = {"oa2_refresh_get",
                             "SELECT family, client_id, user_id, scope, "
                             "resource, expires_at, state, auth_time, "
                             "claims, dpop_jkt FROM oa2_refresh "
                             "WHERE issuer = %s AND token_hash = %s"},
    [OA2_SQL_REFRESH_REVOKE_FAMILY] = {"oa2_refresh_revoke_family",
                                       "UPDATE oa2_refresh SET state = 2 "
                                       "WHERE issuer = %s AND family = %s"},
    /* PostgreSQL only (see oa2_store_dbd.c, family_lock): a lock per
     * refresh family, held until the transaction ends, that rotations and
     * revocations of the family take first. */
    [OA2_SQL_REFRESH_LOCK_FAMILY] = {"oa2_refresh_lock_family",
                                     "SELECT pg_advisory_xact_lock("
                                     "hashtextextended(CAST(%s AS text) || "
                                     "' ' || CAST(%s AS text), 0))"},
    [OA2_SQL_REFRESH_LOCK_TOKEN_FAMILY] = {"oa2_refresh_lock_token_family",
                                           LOCK_TOKEN_FAMILY},
    [OA2_SQL_CONSENT_GET] = {"oa2_consent_get",
                             "SELECT scope FROM oa2_consents WHERE issuer = "
                             "%s AND user_id = %s AND client_id = %s"},
    [OA2_SQL_CONSENT_UPDATE] = {"oa2_consent_update",
                                "UPDATE oa2_consents SET scope = %s, "
                                "updated_at = %lld WHERE issuer = %s AND "
                                "user_id = %s AND client_id = %s"},
    /* ON CONFLICT: a request storing the same consent at the same time
     * wins instead of failing this one (the store then updates). */
    [OA2_SQL_CONSENT_INSERT] = {"oa2_consent_insert",
                                "INSERT INTO oa2_consents (scope, "
                                "updated_at, issuer, user_id, client_id) "
                                "VALUES (%s, %lld, %s, %s, %s) "
                                "ON CONFLICT DO NOTHING"},
    [OA2_SQL_CONSENT_LIST] = {"oa2_consent_list",
                              "SELECT client_id, scope, updated_at FROM "
                              "oa2_consents WHERE issuer = %s AND user_id = "
                              "%s ORDER BY client_id"},
    [OA2_SQL_CONSENT_DELETE] = {"oa2_consent_delete",
                                "DELETE FROM oa2_consents WHERE issuer = %s "
                                "AND user_id = %s AND client_id = %s"},
    [OA2_SQL_CONSENT_DELETE_ALL] = {"oa2_consent_delete_all",
                                    "DELETE FROM oa2_consents WHERE issuer = "
                                    "%s AND user_id = %s"},
    [OA2_SQL_REFRESH_REVOKE_GRANT] = {"oa2_refresh_revoke_grant",
                                      "UPDATE oa2_refresh SET state = 2 "
                                      "WHERE issuer = %s AND user_id = %s "
                                      "AND client_id = %s"},
    [OA2_SQL_REFRESH_REVOKE_USER] = {"oa2_refresh_revoke_user",
                                     "UPDATE oa2_refresh SET state = 2 "
                                     "WHERE issuer = %s AND user_id = %s"},
    [OA2_SQL_REFRESH_REVOKE_CLIENT] = {"oa2_refresh_revoke_client",
                                       "UPDATE oa2_refresh SET state = 2 "
                                       "WHERE issuer = %s AND client_id = "
                                       "%s"},
    [OA2_SQL_CONSENT_DELETE_CLIENT] = {"oa2_consent_delete_client",
                                       "DELETE FROM oa2_consents WHERE "
                                       "issuer = %s AND client_id = %s"},
    [OA2_SQL_CODE_DELETE_CLIENT] = {"oa2_code_delete_client",
                                    "DELETE FROM oa2_codes WHERE issuer = "
                                    "%s AND client_id = %s"},
    /* Access tokens issued to a user's grant (code and refresh grants),
     * so that revoking the grant's refresh family, the user's grant to a
     * client or the client revokes them too (RFC 7009 §2.1). */
    [OA2_SQL_ACCESS_INSERT] = {"oa2_access_insert",
                               "INSERT INTO oa2_access_tokens (issuer, jti, "
                               "family, client_id, user_id, expires_at, "
                               "claims) VALUES (%s, %s, %s, %s, %s, %lld, "
                               "%s)"},
    /* UserInfo (OpenID Connect Core §5.3): the claims an access token
     * releases, and whether it was revoked. */
    [OA2_SQL_ACCESS_USERINFO] = {"oa2_access_userinfo",
                                 "SELECT a.claims, (SELECT COUNT(*) FROM "
                                 "oa2_revoked r WHERE r.issuer = a.issuer "
                                 "AND r.jti = a.jti) FROM oa2_access_tokens "
                                 "a WHERE a.issuer = %s AND a.jti = %s"},
    [OA2_SQL_ACCESS_REVOKE_FAMILY] = {"oa2_access_revoke_family",
                                      REVOKE_ACCESS("a.family = %s",
                                                    ON_CONFLICT)},
    [OA2_SQL_ACCESS_REVOKE_GRANT] = {"oa2_access_revoke_grant",
                                     REVOKE_ACCESS("a.user_id = %s AND "
                                                   "a.client_id = %s",
                                                   ON_CONFLICT)},
    [OA2_SQL_ACCESS_REVOKE_USER] = {"oa2_access_revoke_user",
                                    REVOKE_ACCESS("a.user_id = %s",
                                                  ON_CONFLICT)},
    [OA2_SQL_ACCESS_REVOKE_CLIENT] = {"oa2_access_revoke_client",
                                      REVOKE_ACCESS("a.client_id = %s",
                                                    ON_CONFLICT)},
    [OA2_SQL_CODE_DELETE_GRANT] = {"oa2_code_delete_grant",
                                   "DELETE FROM oa2_codes WHERE issuer = %s "
                                   "AND user_id = %s AND client_id = %s"},
    [OA2_SQL_CODE_DELETE_USER] = {"oa2_code_delete_user",
                                  "DELETE FROM oa2_codes WHERE issuer = %s "
                                  "AND user_id = %s"},
    /* PostgreSQL only: a withdrawal waits for the rotations in flight of
     * the user's or the client's families, and keeps new ones waiting
     * until it commits, so that it revokes every token they insert. */
    [OA2_SQL_REFRESH_LOCK_GRANT] = {"oa2_refresh_lock_grant", LOCK_GRANT},
    [OA2_SQL_REFRESH_LOCK_USER] = {"oa2_refresh_lock_user", LOCK_USER},
    [OA2_SQL_REFRESH_LOCK_CLIENT] = {"oa2_refresh_lock_client", LOCK_CLIENT},
    /* Whether a token is revoked: its jti was, or the client it was
     * issued to (at iat) is gone: removed, or removed and added again
     * since (a client_credentials token is recorded nowhere else). Two
     * counts in one row: one round trip, two key lookups. */
    [OA2_SQL_TOKEN_REVOKED] = {"oa2_token_revoked",
                               "SELECT (SELECT COUNT(*) FROM oa2_revoked "
                               "WHERE issuer = %s AND jti = %s), (SELECT "
                               "COUNT(*) FROM oa2_clients WHERE issuer = %s "
                               "AND client_id = %s AND created_at <= %lld)"},
    [OA2_SQL_JTI_INSERT] = {"oa2_jti_insert",
                            "INSERT INTO oa2_revoked (issuer, jti, "
                            "expires_at) VALUES (%s, %s, %lld) "
                            "ON CONFLICT DO NOTHING"},
    [OA2_SQL_JTI_GET] = {"oa2_jti_get",
                         "SELECT expires_at FROM oa2_revoked WHERE "
                         "issuer = %s AND jti = %s"},
    /* The row count decides whether this use was the first. */
    [OA2_SQL_NONCE_INSERT] = {"oa2_nonce_insert",
                              "INSERT INTO oa2_nonces (issuer, nonce_hash, "
                              "expires_at) VALUES (%s, %s, %lld) "
                              "ON CONFLICT DO NOTHING"},
    [OA2_SQL_NONCE_GET] = {"oa2_nonce_get",
                           "SELECT expires_at FROM oa2_nonces WHERE "
                           "issuer = %s AND nonce_hash = %s"},
    /* The purge: one process of all that share the database wins the
     * claim each interval (the row count decides), then deletes expired
     * rows of every issuer in batches (oa2_store_purge). */
    [OA2_SQL_PURGE_CLAIM] = {"oa2_purge_claim",
                             "UPDATE oa2_purge SET next_at = %lld WHERE "
                             "name = 'expired' AND (next_at <= %lld OR "
                             "next_at > %lld)"},
    /* More is left: the next asker purges on. */
    [OA2_SQL_PURGE_RELEASE] = {"oa2_purge_release",
                               "UPDATE oa2_purge SET next_at = %lld WHERE "
                               "name = 'expired'"},
    [OA2_SQL_PURGE_CLAIM_FIRST] = {"oa2_purge_claim_first",
                                   "INSERT INTO oa2_purge (name, next_at) "
                                   "VALUES ('expired', %lld) "
                                   "ON CONFLICT DO NOTHING"},
    [OA2_SQL_PURGE_CODES] = {"oa2_purge_codes",
                             PURGE_BATCH("oa2_codes", "code_hash")},
    [OA2_SQL_PURGE_REFRESH] = {"oa2_purge_refresh",
                               PURGE_BATCH("oa2_refresh", "token_hash")},
    [OA2_SQL_PURGE_JTI] = {"oa2_purge_jti", PURGE_BATCH("oa2_revoked", "jti")},
    [OA2_SQL_PURGE_ACCESS] = {"oa2_purge_access",
                              PURGE_BATCH("oa2_access_tokens", "jti")},
    [OA2_SQL_PURGE_NONCES] = {"oa2_purge_nonces",
                              PURGE_BATCH("oa2_nonces", "nonce_hash")},
    /* Pushed authorization requests (RFC 9126), under the hash of their
     * request_uri. */
    [OA2_SQL_PUSHED_INSERT] = {"oa2_pushed_insert",
                               "INSERT INTO oa2_pushed_requests (issuer, "
                               "uri_hash, client_id, params, expires_at, "
                               "used) VALUES (%s, %s, %s, %s, %lld, 0)"},
    [OA2_SQL_PUSHED_GET] = {"oa2_pushed_get",
                            "SELECT client_id, params, expires_at, used "
                            "FROM oa2_pushed_requests WHERE issuer = %s "
                            "AND uri_hash = %s"},
    /* Single use: the affected-row count of this UPDATE decides; only a
     * request of its client, not used and not expired, is taken. */
    [OA2_SQL_PUSHED_CONSUME] = {"oa2_pushed_consume",
                                "UPDATE oa2_pushed_requests SET used = 1 "
                                "WHERE issuer = %s AND uri_hash = %s AND "
                                "client_id = %s AND used = 0 AND "
                                "expires_at >= %lld"},
    [OA2_SQL_PURGE_PUSHED] = {"oa2_purge_pushed",
                              PURGE_BATCH("oa2_pushed_requests", "uri_hash")},
    /* A client assertion's jti (RFC 7523 §3 item 7), single use: the row
     * count decides whether this use was the first. */
    [OA2_SQL_ASSERTION_INSERT] = {"oa2_assertion_insert",
                                  "INSERT INTO oa2_client_assertions "
                                  "(issuer, client_id, jti_hash, "
                                  "expires_at) VALUES (%s, %s, %s, %lld) "
                                  "ON CONFLICT DO NOTHING"},
    [OA2_SQL_PURGE_ASSERTIONS] = {"oa2_purge_assertions",
                                  PURGE_BATCH("oa2_client_assertions",
                                              "client_id, jti_hash")},
    /* Device authorization requests (RFC 8628), under the hashes of their
     * device_code and user_code; a user_code taken by a pending request
     * adds nothing (the row count: oa2_store_device.c draws another). */
    [OA2_SQL_DEVICE_INSERT] = {"oa2_device_insert",
                               DEVICE_INSERT " ON CONFLICT DO NOTHING"},
    [OA2_SQL_DEVICE_GET] = {"oa2_device_get",
                            "SELECT " DEVICE_COLS " FROM oa2_device_codes "
                            "WHERE issuer = %s AND device_hash = %s"},
    [OA2_SQL_DEVICE_FIND] = {"oa2_device_find",
                             "SELECT " DEVICE_COLS " FROM oa2_device_codes "
                             "WHERE issuer = %s AND user_code_hash = %s"},
    /* The user's answer, once: only a pending, unexpired request. */
    [OA2_SQL_DEVICE_DECIDE] = {"oa2_device_decide",
                               "UPDATE oa2_device_codes SET state = %lld, "
                               "user_id = %s, auth_time = %lld, claims = %s "
                               "WHERE issuer = %s AND device_hash = %s AND "
                               "state = 0 AND expires_at > %lld"},
    /* A poll at the pace asked: only over the poll time read, so that of
     * two polls racing on any nodes one is the too-fast one. */
    [OA2_SQL_DEVICE_POLL] = {"oa2_device_poll",
                             "UPDATE oa2_device_codes SET last_poll = %lld "
                             "WHERE issuer = %s AND device_hash = %s AND "
                             "last_poll = %lld"},
    /* RFC 8628 §3.5: slow_down adds 5 seconds, for every later poll. */
    [OA2_SQL_DEVICE_SLOW_DOWN] = {"oa2_device_slow_down",
                                  "UPDATE oa2_device_codes SET poll_interval "
                                  "= poll_interval + 5, last_poll = %lld "
                                  "WHERE issuer = %s AND device_hash = %s"},
    /* Tokens once: the row count of this UPDATE decides. */
    [OA2_SQL_DEVICE_TAKE] = {"oa2_device_take",
                             "UPDATE oa2_device_codes SET state = 3 WHERE "
                             "issuer = %s AND device_hash = %s AND "
                             "client_id = %s AND state = 1"},
    [OA2_SQL_PURGE_DEVICE] = {"oa2_purge_device",
                              PURGE_BATCH("oa2_device_codes", "device_hash")},
};

/* MySQL/MariaDB have no ON CONFLICT. INSERT IGNORE would also turn a
 * value too long for its column into a truncated row, so a request that
 * finds the row there already does nothing through ON DUPLICATE KEY
 * UPDATE, which acts on a duplicate key only. Where the row count decides
 * (the nonce, the consent, a client stored from its document) it must not
 * depend on the connection's CLIENT_FOUND_ROWS flag (DBDParams flags=),
 * which counts an unchanged row as affected: the consent updates its row
 * itself, and a used nonce or a document client stored first is the plain
 * INSERT's duplicate-key error (oa2_store_dbd_insert_new()). */
static const oa2_sql_t statements_mysql[OA2_SQL_COUNT] = {
    [OA2_SQL_CLIENT_INSERT_DOCUMENT] =
        {"oa2_client_insert_document",
         "INSERT INTO oa2_clients (issuer, " CLIENT_COLS
         ") VALUES (%s, %s, %s, "
         "%s, %s, %s, %s, %s, %lld, %s)"},
    [OA2_SQL_CONSENT_INSERT] = {"oa2_consent_insert",
                                "INSERT INTO oa2_consents (scope, "
                                "updated_at, issuer, user_id, client_id) "
                                "VALUES (%s, %lld, %s, %s, %s) "
                                "ON DUPLICATE KEY UPDATE scope = "
                                "VALUES(scope), updated_at = "
                                "VALUES(updated_at)"},
    [OA2_SQL_ACCESS_REVOKE_FAMILY] = {"oa2_access_revoke_family",
                                      REVOKE_ACCESS("a.family = %s",
                                                    ON_DUPLICATE)},
    [OA2_SQL_ACCESS_REVOKE_GRANT] = {"oa2_access_revoke_grant",
                                     REVOKE_ACCESS("a.user_id = %s AND "
                                                   "a.client_id = %s",
                                                   ON_DUPLICATE)},
    [OA2_SQL_ACCESS_REVOKE_USER] = {"oa2_access_revoke_user",
                                    REVOKE_ACCESS("a.user_id = %s",
                                                  ON_DUPLICATE)},
    [OA2_SQL_ACCESS_REVOKE_CLIENT] = {"oa2_access_revoke_client",
                                      REVOKE_ACCESS("a.client_id = %s",
                                                    ON_DUPLICATE)},
    /* A duplicate key is a claim lost (oa2_store_dbd.c, run_dup). */
    [OA2_SQL_PURGE_CLAIM_FIRST] = {"oa2_purge_claim_first",
                                   "INSERT INTO oa2_purge (name, next_at) "
                                   "VALUES ('expired', %lld)"},
    /* MySQL has DELETE ... LIMIT, and no LIMIT in an IN subquery. */
    [OA2_SQL_PURGE_CODES] = {"oa2_purge_codes", PURGE_BATCH_MYSQL("oa2_codes")},
    [OA2_SQL_PURGE_REFRESH] = {"oa2_purge_refresh",
                               PURGE_BATCH_MYSQL("oa2_refresh")},
    [OA2_SQL_PURGE_JTI] = {"oa2_purge_jti", PURGE_BATCH_MYSQL("oa2_revoked")},
    [OA2_SQL_PURGE_ACCESS] = {"oa2_purge_access",
                              PURGE_BATCH_MYSQL("oa2_access_tokens")},
    [OA2_SQL_PURGE_NONCES] = {"oa2_purge_nonces",
                              PURGE_BATCH_MYSQL("oa2_nonces")},
    [OA2_SQL_PURGE_PUSHED] = {"oa2_purge_pushed",
                              PURGE_BATCH_MYSQL("oa2_pushed_requests")},
    /* A duplicate key is a replay (oa2_store_dbd.c, run_dup). */
    [OA2_SQL_ASSERTION_INSERT] = {"oa2_assertion_insert",
                                  "INSERT INTO oa2_client_assertions "
                                  "(issuer, client_id, jti_hash, "
                                  "expires_at) VALUES (%s, %s, %s, %lld)"},
    [OA2_SQL_PURGE_ASSERTIONS] = {"oa2_purge_assertions",
                                  PURGE_BATCH_MYSQL("oa2_client_assertions")},
    /* A duplicate user_code is no row added (oa2_store_dbd_insert_new). */
    [OA2_SQL_DEVICE_INSERT] = {"oa2_device_insert", DEVICE_INSERT},
    [OA2_SQL_PURGE_DEVICE] = {"oa2_purge_device",
                              PURGE_BATCH_MYSQL("oa2_device_codes")},
    [OA2_SQL_JTI_INSERT] = {"oa2_jti_insert",
                            "INSERT INTO oa2_revoked (issuer, jti, "
                            "expires_at) VALUES (%s, %s, %lld) "
                            "ON DUPLICATE KEY UPDATE jti = jti"},
    [OA2_SQL_NONCE_INSERT] = {"oa2_nonce_insert",
                              "INSERT INTO oa2_nonces (issuer, nonce_hash, "
                              "expires_at) VALUES (%s, %s, %lld)"},
};

const oa2_sql_t *oa2_sql_get(oa2_sql_id_t id, const char *driver_name)
{
    if (driver_name && !strcmp(driver_name, "mysql")
        && statements_mysql[id].text) {
        return &statements_mysql[id];
    }
    return &statements[id];
}

/* What an ID token needs (OpenID Connect Core §2, §12.2), kept with the
 * grant: the authorization request's nonce, when the user authenticated
 * and the user's claims (a compact JSON object). Added to the tables of an
 * earlier release (added_columns): the defaults keep their rows, and the
 * INSERTs of a node not upgraded yet, valid. MySQL 8 would want DEFAULT
 * ('') for a TEXT; MariaDB takes both. */
#define TEXT_EMPTY "TEXT NOT NULL DEFAULT ''"
#define BIGINT_ZERO "BIGINT NOT NULL DEFAULT 0"

/* The tables of every driver. S is the type of the short strings:
 * VARCHAR, or VARBINARY on MySQL/MariaDB, whose VARCHARs compare by a
 * collation (case-insensitive by default, and trailing spaces ignored
 * even by the _bin ones): client ids, user names and hashes are equal
 * only byte for byte, as on SQLite and PostgreSQL. A client's name is
 * only shown, and up to 255 characters of any script: VARCHAR. TEXT is
 * never in a key; BIGINT holds the times everywhere. */
#define CLIENTS_COLS(S)                                                        \
    " issuer " S "(255) NOT NULL, client_id " S "(128) NOT NULL,"              \
    " secret_hash " S "(64) NOT NULL, name VARCHAR(255) NOT NULL,"             \
    " redirect_uris TEXT NOT NULL, grant_types " S "(255) NOT NULL,"           \
    " scope TEXT NOT NULL, auth_method " S "(32) NOT NULL,"                    \
    " created_at BIGINT NOT NULL, metadata " TEXT_EMPTY ","                    \
    " PRIMARY KEY (issuer, client_id)"
#define CODES_COLS(S)                                                          \
    " issuer " S "(255) NOT NULL, code_hash " S "(64) NOT NULL,"               \
    " client_id " S "(128) NOT NULL, user_id " S "(255) NOT NULL,"             \
    " redirect_uri TEXT NOT NULL, scope TEXT NOT NULL,"                        \
    " resource TEXT NOT NULL, code_challenge " S "(128) NOT NULL,"             \
    " expires_at BIGINT NOT NULL, used INTEGER NOT NULL,"                      \
    " family " S "(64) NOT NULL, access_jti " S "(128) NOT NULL,"              \
    " nonce " TEXT_EMPTY ", auth_time " BIGINT_ZERO ","                        \
    " claims " TEXT_EMPTY ", dpop_jkt " TEXT_EMPTY ","                         \
    " PRIMARY KEY (issuer, code_hash)"
#define REFRESH_COLS(S)                                                        \
    " issuer " S "(255) NOT NULL, token_hash " S "(64) NOT NULL,"              \
    " family " S "(64) NOT NULL, client_id " S "(128) NOT NULL,"               \
    " user_id " S "(255) NOT NULL, scope TEXT NOT NULL,"                       \
    " resource TEXT NOT NULL, expires_at BIGINT NOT NULL,"                     \
    " state INTEGER NOT NULL, created_at BIGINT NOT NULL,"                     \
    " auth_time " BIGINT_ZERO ", claims " TEXT_EMPTY ","                       \
    " dpop_jkt " TEXT_EMPTY ", PRIMARY KEY (issuer, token_hash)"
#define CONSENTS_COLS(S)                                                       \
    " issuer " S "(255) NOT NULL, user_id " S "(255) NOT NULL,"                \
    " client_id " S "(128) NOT NULL, scope TEXT NOT NULL,"                     \
    " updated_at BIGINT NOT NULL,"                                             \
    " PRIMARY KEY (issuer, user_id, client_id)"
#define REVOKED_COLS(S)                                                        \
    " issuer " S "(255) NOT NULL, jti " S "(128) NOT NULL,"                    \
    " expires_at BIGINT NOT NULL, PRIMARY KEY (issuer, jti)"
/* An access token issued to a user's grant; the old oa2_issued, whose
 * rows named no client or user, is no longer read. */
#define ACCESS_COLS(S)                                                         \
    " issuer " S "(255) NOT NULL, jti " S "(128) NOT NULL,"                    \
    " family " S "(64) NOT NULL, client_id " S "(128) NOT NULL,"               \
    " user_id " S "(255) NOT NULL, expires_at BIGINT NOT NULL,"                \
    " claims " TEXT_EMPTY ", PRIMARY KEY (issuer, jti)"
/* Database-wide, not per issuer: when the next purge is due. */
#define PURGE_COLS(S)                                                          \
    " name " S "(32) NOT NULL, next_at BIGINT NOT NULL, PRIMARY KEY (name)"
#define NONCES_COLS(S)                                                         \
    " issuer " S "(255) NOT NULL, nonce_hash " S "(64) NOT NULL,"              \
    " expires_at BIGINT NOT NULL, PRIMARY KEY (issuer, nonce_hash)"
/* A pushed authorization request (RFC 9126): its validated parameters,
 * form-encoded, under the hash of its request_uri. Added after the first
 * release (added_tables). */
#define PUSHED_COLS(S)                                                         \
    " issuer " S "(255) NOT NULL, uri_hash " S "(64) NOT NULL,"                \
    " client_id " S "(128) NOT NULL, params TEXT NOT NULL,"                    \
    " expires_at BIGINT NOT NULL, used INTEGER NOT NULL,"                      \
    " PRIMARY KEY (issuer, uri_hash)"
#define CREATE_PUSHED                                                          \
    "CREATE TABLE IF NOT EXISTS oa2_pushed_requests (" PUSHED_COLS(            \
        "VARCHAR") ")"
/* The jti of each client assertion accepted (private_key_jwt, RFC 7523
 * §3), as a hash, until the assertion expires: a second use is refused.
 * Added after the first release (added_tables). */
#define ASSERTIONS_COLS(S)                                                     \
    " issuer " S "(255) NOT NULL, client_id " S "(128) NOT NULL,"              \
    " jti_hash " S "(64) NOT NULL, expires_at BIGINT NOT NULL,"                \
    " PRIMARY KEY (issuer, client_id, jti_hash)"
#define CREATE_ASSERTIONS                                                      \
    "CREATE TABLE IF NOT EXISTS oa2_client_assertions (" ASSERTIONS_COLS(      \
        "VARCHAR") ")"
/* A device authorization request (RFC 8628): under the hashes of its
 * device_code and of its user_code (one pending request per user_code),
 * its state (0 pending, 1 approved, 2 denied, 3 tokens issued), the poll
 * interval it asks for now and when it was last polled, and, once
 * approved, its user with what an ID token needs. Added after the first
 * release (added_tables). */
#define DEVICE_TABLE_COLS(S)                                                   \
    " issuer " S "(255) NOT NULL, device_hash " S "(64) NOT NULL,"             \
    " user_code_hash " S "(64) NOT NULL, client_id " S "(128) NOT NULL,"       \
    " scope TEXT NOT NULL, resource TEXT NOT NULL,"                            \
    " expires_at BIGINT NOT NULL, state INTEGER NOT NULL,"                     \
    " poll_interval INTEGER NOT NULL, last_poll BIGINT NOT NULL,"              \
    " user_id " S "(255) NOT NULL, auth_time " BIGINT_ZERO ","                 \
    " claims " TEXT_EMPTY ", PRIMARY KEY (issuer, device_hash),"               \
    " UNIQUE (issuer, user_code_hash)"
#define CREATE_DEVICE                                                          \
    "CREATE TABLE IF NOT EXISTS oa2_device_codes (" DEVICE_TABLE_COLS(         \
        "VARCHAR") ")"

/* The tables of SQLite and PostgreSQL. */
#define SCHEMA_GENERIC                                                         \
    "CREATE TABLE IF NOT EXISTS oa2_clients (" CLIENTS_COLS("VARCHAR") ")",    \
        "CREATE TABLE IF NOT EXISTS oa2_codes (" CODES_COLS("VARCHAR") ")",    \
        "CREATE TABLE IF NOT EXISTS oa2_refresh (" REFRESH_COLS(               \
            "VARCHAR") ")",                                                    \
        "CREATE INDEX IF NOT EXISTS oa2_refresh_family ON oa2_refresh "        \
        "(issuer, family)",                                                    \
        "CREATE INDEX IF NOT EXISTS oa2_refresh_grant ON oa2_refresh "         \
        "(issuer, user_id, client_id)",                                        \
        "CREATE INDEX IF NOT EXISTS oa2_codes_grant ON oa2_codes "             \
        "(issuer, user_id, client_id)",                                        \
        "CREATE TABLE IF NOT EXISTS oa2_consents (" CONSENTS_COLS(             \
            "VARCHAR") ")",                                                    \
        "CREATE TABLE IF NOT EXISTS oa2_revoked (" REVOKED_COLS(               \
            "VARCHAR") ")",                                                    \
        "CREATE TABLE IF NOT EXISTS oa2_nonces (" NONCES_COLS("VARCHAR") ")",  \
        "CREATE TABLE IF NOT EXISTS oa2_access_tokens (" ACCESS_COLS(          \
            "VARCHAR") ")",                                                    \
        "CREATE INDEX IF NOT EXISTS oa2_access_tokens_family ON "              \
        "oa2_access_tokens (issuer, family)",                                  \
        "CREATE INDEX IF NOT EXISTS oa2_access_tokens_grant ON "               \
        "oa2_access_tokens (issuer, user_id, client_id)",                      \
        "CREATE TABLE IF NOT EXISTS oa2_purge (" PURGE_COLS("VARCHAR") ")",    \
        CREATE_PUSHED, CREATE_ASSERTIONS, CREATE_DEVICE

/* The columns added since their table's first release (also listed one by
 * one in added_columns). SQLite has no ADD COLUMN IF NOT EXISTS: the store
 * probes each column first, on every driver. The schema files of
 * PostgreSQL and MariaDB end with these statements, so that a DBA brings
 * an older database up to date by running the file again. */
#define ADD_COLUMN_IF_MISSING(TABLE, COLUMN, TYPE)                             \
    "ALTER TABLE " TABLE " ADD COLUMN IF NOT EXISTS " COLUMN " " TYPE
#define ADD_COLUMNS_IF_MISSING                                                 \
    ADD_COLUMN_IF_MISSING("oa2_codes", "nonce", TEXT_EMPTY),                   \
        ADD_COLUMN_IF_MISSING("oa2_codes", "auth_time", BIGINT_ZERO),          \
        ADD_COLUMN_IF_MISSING("oa2_codes", "claims", TEXT_EMPTY),              \
        ADD_COLUMN_IF_MISSING("oa2_refresh", "auth_time", BIGINT_ZERO),        \
        ADD_COLUMN_IF_MISSING("oa2_refresh", "claims", TEXT_EMPTY),            \
        ADD_COLUMN_IF_MISSING("oa2_access_tokens", "claims", TEXT_EMPTY),      \
        ADD_COLUMN_IF_MISSING("oa2_clients", "metadata", TEXT_EMPTY),          \
        ADD_COLUMN_IF_MISSING("oa2_refresh", "dpop_jkt", TEXT_EMPTY),          \
        ADD_COLUMN_IF_MISSING("oa2_codes", "dpop_jkt", TEXT_EMPTY)

static const char *const schema_sqlite[] = {SCHEMA_GENERIC, NULL};

static const char *const schema_pgsql[] = {SCHEMA_GENERIC,
                                           ADD_COLUMNS_IF_MISSING, NULL};

/* InnoDB, whatever the server's default engine: the transactions and the
 * row locks of single use need it. The TEXTs are utf8mb4 (a BLOB would
 * come back from apr_dbd's mysql driver without its terminating NUL).
 * MySQL has no CREATE INDEX IF NOT EXISTS: the indexes go inline. */
#define MYSQL_TABLE " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
/* A withdrawal's rows by user (and client): without it InnoDB would
 * lock every row it scans, and stall the other users' rotations. */
#define GRANT_INDEX(NAME) "INDEX " NAME " (issuer, user_id, client_id)"
#define CREATE_PUSHED_MYSQL                                                    \
    "CREATE TABLE IF NOT EXISTS oa2_pushed_requests (" PUSHED_COLS(            \
        "VARBINARY") ")" MYSQL_TABLE
#define CREATE_ASSERTIONS_MYSQL                                                \
    "CREATE TABLE IF NOT EXISTS oa2_client_assertions (" ASSERTIONS_COLS(      \
        "VARBINARY") ")" MYSQL_TABLE
#define CREATE_DEVICE_MYSQL                                                    \
    "CREATE TABLE IF NOT EXISTS oa2_device_codes (" DEVICE_TABLE_COLS(         \
        "VARBINARY") ")" MYSQL_TABLE

static const char *const schema_mysql[] = {
    "CREATE TABLE IF NOT EXISTS oa2_clients (" CLIENTS_COLS(
        "VARBINARY") ")" MYSQL_TABLE,
    "CREATE TABLE IF NOT EXISTS oa2_codes (" CODES_COLS(
        "VARBINARY") ", " GRANT_INDEX("oa2_codes_grant") ")" MYSQL_TABLE,
    "CREATE TABLE IF NOT EXISTS oa2_refresh (" REFRESH_COLS(
        "VARBINARY") ", INDEX oa2_refresh_family (issuer, "
                     "family), " GRANT_INDEX(
                         "oa2_refresh_grant") ")" MYSQL_TABLE,
    "CREATE TABLE IF NOT EXISTS oa2_consents (" CONSENTS_COLS(
        "VARBINARY") ")" MYSQL_TABLE,
    "CREATE TABLE IF NOT EXISTS oa2_revoked (" REVOKED_COLS(
        "VARBINARY") ")" MYSQL_TABLE,
    "CREATE TABLE IF NOT EXISTS oa2_nonces (" NONCES_COLS(
        "VARBINARY") ")" MYSQL_TABLE,
    "CREATE TABLE IF NOT EXISTS oa2_access_tokens (" ACCESS_COLS(
        "VARBINARY") ", INDEX oa2_access_tokens_family (issuer, family), "
                     "INDEX oa2_access_tokens_grant (issuer, user_id, "
                     "client_id))" MYSQL_TABLE,
    "CREATE TABLE IF NOT EXISTS oa2_purge (" PURGE_COLS(
        "VARBINARY") ")" MYSQL_TABLE,
    CREATE_PUSHED_MYSQL,
    CREATE_ASSERTIONS_MYSQL,
    CREATE_DEVICE_MYSQL,
    ADD_COLUMNS_IF_MISSING,
    NULL};

/* Names every table and every added column: it fails unless the whole
 * schema is there. The planner sees the constant-false condition and
 * reads no row. */
static const char schema_probe[] =
    "SELECT oa2_codes.nonce, oa2_codes.auth_time, oa2_codes.claims, "
    "oa2_refresh.auth_time, oa2_refresh.claims, oa2_access_tokens.claims, "
    "oa2_clients.metadata, oa2_refresh.dpop_jkt, oa2_codes.dpop_jkt "
    "FROM oa2_clients, oa2_codes, "
    "oa2_refresh, oa2_consents, oa2_revoked, oa2_nonces, oa2_access_tokens, "
    "oa2_purge, oa2_pushed_requests, oa2_client_assertions, "
    "oa2_device_codes WHERE 1 = 0";

/* Names every table of the first release only. */
static const char tables_probe[] =
    "SELECT 1 FROM oa2_clients, oa2_codes, oa2_refresh, oa2_consents, "
    "oa2_revoked, oa2_nonces, oa2_access_tokens, oa2_purge WHERE 1 = 0";

/* The columns of ADD_COLUMNS_IF_MISSING, each with its probe and its ALTER
 * without IF NOT EXISTS, which SQLite lacks (MySQL too). */
#define ADDED_COLUMN(TABLE, COLUMN, TYPE)                                      \
    {                                                                          \
        TABLE, COLUMN, "SELECT " COLUMN " FROM " TABLE " WHERE 1 = 0",         \
            "ALTER TABLE " TABLE " ADD COLUMN " COLUMN " " TYPE                \
    }

static const oa2_sql_column_t added_columns[] = {
    ADDED_COLUMN("oa2_codes", "nonce", TEXT_EMPTY),
    ADDED_COLUMN("oa2_codes", "auth_time", BIGINT_ZERO),
    ADDED_COLUMN("oa2_codes", "claims", TEXT_EMPTY),
    ADDED_COLUMN("oa2_refresh", "auth_time", BIGINT_ZERO),
    ADDED_COLUMN("oa2_refresh", "claims", TEXT_EMPTY),
    ADDED_COLUMN("oa2_access_tokens", "claims", TEXT_EMPTY),
    ADDED_COLUMN("oa2_clients", "metadata", TEXT_EMPTY),
    /* RFC 9449 §5: the DPoP key a public client's refresh token is bound
     * to (oa2_dpop.h). */
    ADDED_COLUMN("oa2_refresh", "dpop_jkt", TEXT_EMPTY),
    /* RFC 9449 §10: the DPoP key a code is bound to (dpop_jkt, or the
     * proof at the pushed authorization request endpoint). */
    ADDED_COLUMN("oa2_codes", "dpop_jkt", TEXT_EMPTY),
    {NULL, NULL, NULL, NULL}};

/* The tables added since the first release, each with its probe: a role
 * that may not create tables goes on past the CREATEs of the schema
 * (oa2_store_dbd.c, make_schema) and learns which one a DBA must make. */
static const oa2_sql_table_t added_tables[] = {
    {"oa2_pushed_requests", "SELECT 1 FROM oa2_pushed_requests WHERE 1 = 0",
     CREATE_PUSHED, CREATE_PUSHED_MYSQL},
    {"oa2_client_assertions", "SELECT 1 FROM oa2_client_assertions WHERE 1 = 0",
     CREATE_ASSERTIONS, CREATE_ASSERTIONS_MYSQL},
    {"oa2_device_codes", "SELECT 1 FROM oa2_device_codes WHERE 1 = 0",
     CREATE_DEVICE, CREATE_DEVICE_MYSQL},
    {NULL, NULL, NULL, NULL}};

const oa2_sql_table_t *oa2_sql_added_tables(void)
{
    return added_tables;
}

const char *oa2_sql_schema_probe(void)
{
    return schema_probe;
}

const char *oa2_sql_tables_probe(void)
{
    return tables_probe;
}

const oa2_sql_column_t *oa2_sql_added_columns(void)
{
    return added_columns;
}

const char *const *oa2_sql_schema(const char *driver_name)
{
    if (driver_name && !strcmp(driver_name, "mysql")) {
        return schema_mysql;
    }
    if (driver_name && !strcmp(driver_name, "pgsql")) {
        return schema_pgsql;
    }
    return schema_sqlite;
}

static const char *const setup_sqlite[] = {"PRAGMA busy_timeout = 5000",
                                           "PRAGMA journal_mode = WAL", NULL};
static const char *const setup_none[] = {NULL};

const char *const *oa2_sql_connection_setup(const char *driver_name)
{
    if (driver_name && !strcmp(driver_name, "sqlite3")) {
        return setup_sqlite;
    }
    return setup_none;
}
