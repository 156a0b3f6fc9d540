/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/**
 * @file support.h
 * @brief What every fuzz target shares: APR set up once, a pool per input,
 * the unit-test key files, and pool memory that AddressSanitizer can see.
 *
 * A target is fuzz/fuzz_NAME.c with LLVMFuzzerInitialize() calling
 * fuzz_init() and LLVMFuzzerTestOneInput() doing its work in a pool from
 * fuzz_pool() that it destroys before returning, so whatever the core
 * forgets to bind to the pool (a json_t, an EVP_PKEY) shows up as a leak.
 *
 * support.c also replaces apr_palloc() for the whole process: each pool
 * allocation becomes its own malloc(), freed when its pool is cleared or
 * destroyed. APR otherwise carves allocations out of 8 KiB blocks, where
 * an overflow silently lands in a neighbour and AddressSanitizer sees
 * nothing. Set FUZZ_APR_POOLS=1 to use APR's allocator instead (faster,
 * blind to overflows inside a pool).
 */
#ifndef FUZZ_SUPPORT_H
#define FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>

/** The libFuzzer entry points, declared for -Wmissing-prototypes. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Initialize APR once; call first in LLVMFuzzerInitialize(). */
void fuzz_init(void);

/** The pool of fixtures made once, in LLVMFuzzerInitialize(). */
apr_pool_t *fuzz_global_pool(void);

/** A fresh pool for one input: destroy it before returning. */
apr_pool_t *fuzz_pool(void);

/**
 * The path of a file of t/unit/data: $OA2_FUZZ_DATA/NAME when set, else
 * the directory compiled in as OA2_FUZZ_DATA.
 */
const char *fuzz_data_path(const char *name);

/**
 * A NUL-terminated copy of @a size bytes in @a p (cut at the first NUL
 * byte, as a C caller would see it).
 */
char *fuzz_cstring(const uint8_t *data, size_t size, apr_pool_t *p);

/**
 * Split @a data at the first NUL or newline into two C strings; without
 * either, @a second is the empty string.
 */
void fuzz_split(char **first, char **second, const uint8_t *data, size_t size,
                apr_pool_t *p);

/**
 * A store of @a issuer on an in-memory SQLite database (apr_dbd), in the
 * global pool; the schema is made on first use as the module makes it.
 * A missing driver is a failure of the run, not a finding.
 */
struct oa2_store_t *fuzz_memory_store(const char *issuer);

/** Print a broken expectation of a target and abort (a finding). */
void fuzz_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/** Abort with file and line unless @a cond holds. */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fuzz_fail(__FILE__, __LINE__, "check failed: %s", #cond);          \
        }                                                                      \
    } while (0)

#endif /* FUZZ_SUPPORT_H */
