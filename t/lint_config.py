# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Check that each field of the config records is set in create and merge.

STYLE.md: one explicit line per field in create and merge; a field added to
the struct but forgotten in either is a silent inheritance bug.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = (ROOT / "mod_oauth2" / "mod_oauth2.h").read_text()
CONFIG = (ROOT / "mod_oauth2" / "mod_oauth2_config.c").read_text()

RECORDS = {
    "oa2_server_conf_t": ("oa2_ap_config_create_server", "oa2_ap_config_merge_server"),
    "oa2_dir_conf_t": ("oa2_ap_config_create_dir", "oa2_ap_config_merge_dir"),
}


def fields(struct):
    body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (struct, struct),
                     HEADER, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return re.findall(r"\**(\w+);", body)


def function_body(name):
    m = re.search(r"\n[^\n]*\b%s\([^)]*\)\n\{(.*?)\n\}" % name, CONFIG, re.S)
    return m.group(1) if m else ""


def main():
    bad = 0
    for struct, funcs in RECORDS.items():
        for func in funcs:
            body = function_body(func)
            if not body:
                print("lint: function %s not found" % func)
                bad = 1
                continue
            for field in fields(struct):
                if not re.search(r"\bc->%s\s*=" % field, body):
                    print("lint: %s.%s is not set in %s" % (struct, field, func))
                    bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
