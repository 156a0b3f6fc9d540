/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file oa2_dn.h
 * @brief Distinguished names: RFC 4514 text (a registered
 * tls_client_auth_subject_dn) read into an X509_NAME and compared with a
 * certificate's subject as a name, by OpenSSL's canonical form
 * (X509_NAME_cmp()); oa2_mtls.h says what is equal.
 */
#ifndef OA2_DN_H
#define OA2_DN_H

#include <apr_pools.h>
#include <openssl/x509.h>

#include "oa2_err.h"

/** Longest DN text read. */
#define OA2_DN_MAX 1024

/**
 * Read RFC 4514 text: RDNs separated by ',' (or ';'), the last one of the
 * name first; attributes of a multi-valued RDN by '+'; types by name in
 * any case or as a numeric OID; '\' escapes a special character or is two
 * hex digits of a byte. The '#' hex form of a value is not accepted.
 * @return the name, bound to @a p; NULL with 400 invalid_client_metadata
 *         in @a err saying what is wrong (never the text itself)
 */
X509_NAME *oa2_dn_parse(const char *dn, oa2_err_t *err, apr_pool_t *p);

/** Nonzero when @a name is the DN of the RFC 4514 text @a dn (0 also for
 * text that does not parse). */
int oa2_dn_equals(const X509_NAME *name, const char *dn, apr_pool_t *p);

/** @a name as RFC 2253 text for the admin's log: ASCII, other bytes and
 * control characters escaped. */
const char *oa2_dn_text(const X509_NAME *name, apr_pool_t *p);

#endif /* OA2_DN_H */
