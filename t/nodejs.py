# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Node.js programs the tests run: find node, install a package's lock
into the test cache with npm ci, and skip or fail when that cannot be.

The npm packages are pinned by lock files committed beside the scripts
(t/oauth4webapi, t/foreign_issuer) and installed once per lock into
OA2_TEST_CACHE (default ~/.cache/mod_oauth2-tests), never into the
repository. OA2_NODE_CLIENT=required (.ci/run, where Node.js 20+ and npm
are there) turns every "cannot" into a failure instead of a skip.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CACHE_ROOT = Path(os.environ.get(
    "OA2_TEST_CACHE", Path.home() / ".cache" / "mod_oauth2-tests"))
REQUIRED = os.environ.get("OA2_NODE_CLIENT") == "required"
MIN_VERSION = 20


def unavailable(why):
    """Skip the test, or fail it under OA2_NODE_CLIENT=required."""
    if REQUIRED:
        pytest.fail("OA2_NODE_CLIENT=required: " + why, pytrace=False)
    pytest.skip(why)


def env(**extra):
    """The environment node runs with: no proxy settings (every peer is
    on 127.0.0.1) and no runtime warnings on stderr."""
    e = {k: v for k, v in os.environ.items()
         if not k.lower().endswith("_proxy")}
    e["NODE_NO_WARNINGS"] = "1"
    e.update(extra)
    return e


def _find_node(what):
    """(node, npm, None), node being 20 or later, or (.., .., why not)."""
    node = os.environ.get("OA2_NODE") or shutil.which("node")
    npm = shutil.which("npm")
    if not node or not npm:
        return node, npm, "%s: no node or npm on PATH" % what
    try:
        v = subprocess.run([node, "--version"], capture_output=True,
                           text=True, timeout=30).stdout.strip()[:40]
    except (OSError, subprocess.TimeoutExpired) as e:
        v = repr(e)
    m = re.match(r"v(\d+)\.", v)
    if not m or int(m.group(1)) < MIN_VERSION:
        return node, npm, ("%s needs Node.js %d or later; %s --version: %r"
                           % (what, MIN_VERSION, node, v))
    return node, npm, None


def _install(what, src_dir, cache_dir, package):
    """(node, node_modules) or a string saying why not."""
    node, npm, why = _find_node(what)
    if why:
        return why
    lock = (src_dir / "package-lock.json").read_text()
    installed = cache_dir / "package-lock.json"
    module = cache_dir / "node_modules" / package / "package.json"
    if not module.exists() or not installed.exists() \
            or installed.read_text() != lock:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(src_dir / name, cache_dir / name)
        try:
            p = subprocess.run([npm, "ci", "--no-audit", "--no-fund",
                                "--loglevel=error"], cwd=cache_dir,
                               capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return "%s: npm ci timed out" % what
        if p.returncode != 0 or not module.exists():
            return "%s: npm ci failed: %s" % (what,
                                              (p.stdout + p.stderr)[-500:])
    return node, cache_dir / "node_modules"


# cache_dir: what _install answered, so that a failed npm ci is not
# tried again by every test that needs the package
_installed = {}


def npm_ci(what, src_dir, cache_dir, package):
    """(node, node_modules of cache_dir) holding src_dir's
    package-lock.json, installed by npm ci unless the same lock is there
    already (package: the dependency whose package.json proves the
    install); else unavailable(), with what (the package that needs
    node) in the reason."""
    key = str(cache_dir)
    if key not in _installed:
        _installed[key] = _install(what, Path(src_dir), Path(cache_dir),
                                   package)
    result = _installed[key]
    if isinstance(result, str):
        unavailable(result)
    return result
