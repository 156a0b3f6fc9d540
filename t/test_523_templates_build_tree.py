# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""A module loaded from the build tree (the README's "load it by path")
finds the checkout's templates without OAuth2TemplateDir and without
"make -f apxs.mk install": apxs.mk compiles in templates/ as the directory
searched after the installed one (OA2-01851 says it was used). Where no
directory holds them, OA2-01850 names the directive line to add; that case
is t/unit/test_tmpl.c's test_find_dir and, with the packaged module,
t/test_995_debian_package.py."""

import os
import re

import pytest

from authserver import ALICE, AS_MODULES, basic_login, write_htpasswd
from httpd import MODULE, REPO

pytestmark = pytest.mark.sqlite_only(
    "about where the module reads its page templates, not about the store")

INSTALLED = "/usr/share/apache2/mod_oauth2/templates"
INSTALLED_THERE = os.path.isfile(INSTALLED + "/consent.html")


def as_body(h, keys, extra=""):
    return """
OAuth2Issuer {iss}
OAuth2SigningKey {key}
OAuth2Scope read "Read your data"
{extra}
""".format(iss=h.issuer, key=keys["ec1"].path, extra=extra)


class TestBuildTreeTemplates:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("tmpl-tree", modules=AS_MODULES)
        h.default_templates = False
        h.start(as_body(h, keys, basic_login("/oauth2/authorize",
                                             write_htpasswd(h))))
        return h

    def test_config_names_no_template_dir(self, h):
        assert "OAuth2TemplateDir" not in h.conf_path.read_text()

    def test_build_tree_templates_used(self, h):
        if INSTALLED_THERE:
            pytest.skip("templates are installed in %s: the module reads "
                        "those first" % INSTALLED)
        if "/.libs/" not in MODULE and "/build/asan/" not in MODULE:
            pytest.skip("OA2_MODULE %s is not a build-tree module" % MODULE)
        line = [l for l in h.error_log().splitlines() if "OA2-01851" in l]
        assert line, h.error_log()
        assert "templates from the build tree, %s: none installed in %s" % (
            REPO / "templates", INSTALLED) in line[0]
        assert re.search(r"\[oauth2:info\]", line[0]), line[0]
        # once per start, not once per virtual host or child
        assert len(line) == 1, line

    def test_error_page_rendered(self, h):
        r = h.get("/oauth2/authorize?client_id=no-such-client"
                  "&response_type=code", auth=ALICE)
        assert r.status_code == 400, r.text
        assert "<title>Authorization error</title>" in r.text
        assert r.headers["Content-Type"].startswith("text/html")


class TestTemplateDirWithoutTemplates:

    @pytest.mark.log_allow(r"OA2-00500", r"AH00016", r"AH00015")
    def test_refused_with_the_directive_to_fix(self, httpd_factory, keys,
                                                tmp_path):
        empty = tmp_path / "empty"
        empty.mkdir()
        h = httpd_factory("tmpl-empty")
        rc, out = h.config_test(as_body(h, keys,
                                        'OAuth2TemplateDir "%s"' % empty))
        log = out + h.error_log()
        assert rc != 0, out
        assert "OA2-00500: template %s/consent.html" % empty in log, log
        assert "set OAuth2TemplateDir to the directory holding " \
               "consent.html and error.html" in log
        assert "OA2-01851" not in log and "OA2-01850" not in log
