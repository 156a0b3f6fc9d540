#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# Install mod_oauth2: the module, its templates, the a2enmod files and the
# admin command.
# Usage: conf/install.sh APXS MODULE_SO [ADMIN]   (DESTDIR honoured for
# packaging; ADMIN, the built oauth2-admin, goes to $SBINDIR, /usr/sbin)
#
# OpenIDC's resource-server module (Debian: libapache2-mod-oauth2) uses the
# same file names; we never overwrite files a package owns.
set -e
APXS=$1
MODULE=$2
ADMIN=$3
SBINDIR=${SBINDIR:-/usr/sbin}
LIBEXEC=$($APXS -q LIBEXECDIR)
SYSCONF=$($APXS -q SYSCONFDIR)
DATADIR=$($APXS -q DATADIR)
HERE=$(cd "$(dirname "$0")/.." && pwd)

owned() {
    command -v dpkg >/dev/null 2>&1 && dpkg -S "$1" >/dev/null 2>&1
}

for f in "$LIBEXEC/mod_oauth2.so" "$SYSCONF/mods-available/oauth2.load" \
         "$SYSCONF/mods-available/oauth2.conf"; do
    if owned "$f"; then
        echo "refusing to overwrite $f: it belongs to package" \
             "$(dpkg -S "$f" | cut -d: -f1) (OpenIDC's mod_oauth2)." >&2
        echo "Remove that package first (sudo apt-get remove" \
             "libapache2-mod-oauth2); see README, 'Moving from OpenIDC's" \
             "mod_oauth2'." >&2
        exit 1
    fi
done

install -D -m 0644 "$MODULE" "$DESTDIR$LIBEXEC/mod_oauth2.so"
if [ -d "$HERE/templates" ]; then
    install -d "$DESTDIR$DATADIR/mod_oauth2/templates"
    for t in "$HERE"/templates/*.html; do
        [ -e "$t" ] && install -m 0644 "$t" "$DESTDIR$DATADIR/mod_oauth2/templates/"
    done
fi
for f in "$HERE"/conf/schema-*.sql; do
    [ -e "$f" ] && install -D -m 0644 "$f" \
        "$DESTDIR$DATADIR/mod_oauth2/$(basename "$f")"
done
if [ -d "$DESTDIR$SYSCONF/mods-available" ] || [ -n "$DESTDIR" ]; then
    install -D -m 0644 "$HERE/conf/oauth2.load" \
        "$DESTDIR$SYSCONF/mods-available/oauth2.load"
    install -D -m 0644 "$HERE/conf/oauth2.conf" \
        "$DESTDIR$SYSCONF/mods-available/oauth2.conf"
fi
echo "installed $DESTDIR$LIBEXEC/mod_oauth2.so"
if [ -n "$ADMIN" ]; then
    install -D -m 0755 "$ADMIN" "$DESTDIR$SBINDIR/oauth2-admin"
    echo "installed $DESTDIR$SBINDIR/oauth2-admin"
fi
