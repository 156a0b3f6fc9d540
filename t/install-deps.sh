#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# Install what building and testing mod_oauth2 needs on Debian/Ubuntu.
# Uses sudo unless already root; safe to run again. Arguments name more
# packages to install with them (the benchmarks add wrk and gnuplot).
# libapache2-mod-auth-openidc is the relying party of test_810; never add
# libapache2-mod-oauth2 here: another project's module, of our file name.
# slapd is the directory of test_830's LDAP login (t/slapd.py starts one
# of its own): it is preseeded to make no directory of the system's, so
# that its postinst starts no system slapd the tests could be confused
# with.
# dpkg-dev, debhelper and lintian build and check the Debian package of
# test_995 (debian/; apache2-dev brings dh_apache2).
set -e
SUDO=
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
fi
PACKAGES="build-essential apache2 apache2-dev libapr1-dev libaprutil1-dev
 libaprutil1-dbd-sqlite3 libaprutil1-dbd-pgsql postgresql python3-psycopg2
 libaprutil1-dbd-mysql mariadb-server python3-pymysql
 libssl-dev libjansson-dev libcurl4-openssl-dev openssl curl clang-format
 python3 python3-pytest python3-jwt python3-cryptography python3-requests
 python3-authlib python3-selenium chromium chromium-driver apache2-utils
 python3-prometheus-client
 libapache2-mod-auth-openidc slapd ldap-utils
 sqlite3 valgrind clang libclang-rt-14-dev memcached
 dpkg-dev debhelper lintian $*"
missing=
for pkg in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    $SUDO apt-get update -q
    case " $missing " in
    *" slapd "*)
        echo "slapd slapd/no_configuration boolean true" \
            | $SUDO debconf-set-selections ;;
    esac
    $SUDO env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends $missing
fi
