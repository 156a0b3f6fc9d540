#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# House rules that a compiler does not check. Exits non-zero on a breach.
set -e
cd "$(dirname "$0")/.."
status=0
fail() { echo "lint: $*" >&2; status=1; }

# 1. The core never includes an httpd header.
if grep -nE '#include *[<"](httpd|http_[a-z_]*|ap_[a-z_]*|mod_[a-z_0-9]*|util_[a-z_]*)\.h' \
        mod_oauth2/oa2_*.c mod_oauth2/oa2_*.h; then
    fail "an httpd header is included in the core (oa2_*)"
fi

# 2. Each OA2-nnnnn log id is used at one place, and is below LOGID_NEXT.
dups=$(grep -ohE 'OA2-[0-9]{5}' mod_oauth2/*.c | sort | uniq -d)
[ -z "$dups" ] || fail "log ids used more than once: $dups"
next=$(sed 's/OA2-0*//' mod_oauth2/LOGID_NEXT)
for id in $(grep -ohE 'OA2-[0-9]{5}' mod_oauth2/*.c | sed 's/OA2-0*//' | sort -u); do
    [ "$id" -lt "$next" ] || fail "log id OA2-$id is not below LOGID_NEXT"
done

# 3. Every config field is set in its create and its merge function.
/usr/bin/python3 t/lint_config.py || status=1

# 4. No tabs, no trailing white space in C sources.
if grep -nP '\t| +$' mod_oauth2/*.[ch] admin/*.[ch]; then
    fail "tabs or trailing white space in mod_oauth2/ or admin/"
fi

# 5. The layout is what .clang-format produces.
if command -v clang-format >/dev/null 2>&1; then
    for f in mod_oauth2/*.[ch] admin/*.[ch] t/unit/*.[ch] bench/*.c; do
        [ -e "$f" ] || continue
        clang-format --dry-run -Werror "$f" 2>/dev/null \
            || fail "$f is not clang-formatted (clang-format -i $f)"
    done
else
    fail "clang-format is not installed"
fi

# 6. conf/schema-*.sql are the header and what "oauth2-admin schema" prints
#    (checked when the command is built).
if [ -x admin/oauth2-admin ]; then
    for d in sqlite3 pgsql mysql; do
        f=conf/schema-$d.sql
        if ! want=$(admin/oauth2-admin schema "$d"); then
            fail "oauth2-admin schema $d failed"
        elif [ ! -f "$f" ] || [ "$(tail -n +3 "$f")" != "$want" ]; then
            fail "$f differs from 'oauth2-admin schema $d'" \
                "(make -f apxs.mk schema)"
        fi
    done
fi

# 7. Every C source carries the license header (README "License").
for f in $(git ls-files 2>/dev/null | grep -E '\.(c|h)$'); do
    head -n 2 "$f" | grep -q "SPDX-License-Identifier: Apache-2.0" \
        || fail "$f lacks the license header line (see README, License)"
done

[ $status = 0 ] && echo "lint: ok"
exit $status
