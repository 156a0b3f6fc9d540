# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""A throwaway PostgreSQL cluster for a benchmark (t/pgsql.py's PgCluster:
initdb in a temp dir, a loopback port, scram-sha-256, fsync off).

  pgserver.py PARAMS_FILE
starts the cluster, makes one store (a role and its schema) and writes its
DBDParams to PARAMS_FILE; then waits for SIGTERM (or SIGINT) and removes
the cluster.
"""

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "t"))

import pgsql  # noqa: E402


def main():
    why = pgsql.available()
    if why:
        sys.exit("bench: no PostgreSQL: " + why)
    cluster = pgsql.PgCluster(prefix="oa2-bench-pgsql-")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    try:
        cluster.start()
        store = cluster.new_store()
        tmp = sys.argv[1] + ".tmp"
        with open(tmp, "w") as f:
            f.write(store.params + "\n")
        os.replace(tmp, sys.argv[1])
        while True:
            signal.pause()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
