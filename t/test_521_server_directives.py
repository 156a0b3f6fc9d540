# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The string-valued server directives (OAuth2Issuer, OAuth2BasePath,
OAuth2DefaultAudience, OAuth2RegistrationToken, OAuth2TemplateDir): where
they may stand, repeats, and the reason `apache2 -t` gives for a bad
value, word for word."""

import pytest

pytestmark = pytest.mark.sqlite_only(
    "directive parsing reads no database")

# a valid value of each
VALID = {
    "OAuth2Issuer": "https://as.example.com",
    "OAuth2BasePath": "/auth/",
    "OAuth2DefaultAudience": "https://api.example.com/",
    "OAuth2RegistrationToken": "0123456789abcdef",
    "OAuth2TemplateDir": "/tmp",
}
# one value per server: a second one in the same server is an error
ONCE = ["OAuth2Issuer", "OAuth2BasePath", "OAuth2DefaultAudience"]
# a second one replaces the first
REPEATABLE = ["OAuth2RegistrationToken", "OAuth2TemplateDir"]

BAD_VALUES = [
    ("OAuth2Issuer", "http://as.example.com",
     "OAuth2Issuer http://as.example.com must be https (http only for a "
     "loopback host)"),
    ("OAuth2Issuer", "as.example.com",
     "OAuth2Issuer as.example.com is not an absolute URL"),
    ("OAuth2Issuer", "https://as.example.com/x?y=1",
     "OAuth2Issuer https://as.example.com/x?y=1 must not have a query or "
     "fragment (RFC 8414)"),
    ("OAuth2BasePath", "auth",
     "OAuth2BasePath must be a URL path starting with '/' (no query or "
     "fragment)"),
    ("OAuth2BasePath", "/auth?x",
     "OAuth2BasePath must be a URL path starting with '/' (no query or "
     "fragment)"),
    ("OAuth2RegistrationToken", "too-short",
     "OAuth2RegistrationToken must be at least 16 characters (e.g. openssl "
     "rand -hex 32)"),
]


def assert_syntax_error(rc, out, message):
    """httpd refused the line with exactly this reason."""
    assert rc != 0, out
    assert "Syntax error on line" in out, out
    assert message in out.splitlines(), out


class TestServerDirectives:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory):
        return httpd_factory("server-directives", modules=["proxy"])

    @pytest.mark.parametrize("directive", sorted(VALID))
    def test_accepted_in_vhost(self, h, directive):
        # OAuth2Issuer alone fails later, at post_config (no signing key)
        rc, out = h.config_test("<VirtualHost *:80>\n%s %s\n"
                                "</VirtualHost>\n"
                                % (directive, VALID[directive]),
                                start=False)
        if directive == "OAuth2Issuer":
            assert "Syntax error" not in out, out
        else:
            assert rc == 0, out

    @pytest.mark.parametrize("directive", ONCE)
    @pytest.mark.parametrize("where", ["server", "vhost"])
    def test_duplicate(self, h, directive, where):
        line = "%s %s\n" % (directive, VALID[directive])
        body = line + line
        if where == "vhost":
            body = "<VirtualHost *:80>\n%s</VirtualHost>\n" % body
        rc, out = h.config_test(body, start=False)
        assert_syntax_error(rc, out,
                            "%s is duplicate in this server" % directive)

    @pytest.mark.parametrize("directive", ONCE + REPEATABLE)
    def test_main_server_and_vhost_are_not_a_repeat(self, h, directive):
        line = "%s %s\n" % (directive, VALID[directive])
        rc, out = h.config_test(
            line + "<VirtualHost *:80>\n%s</VirtualHost>\n" % line,
            start=False)
        assert "Syntax error" not in out, out

    @pytest.mark.parametrize("directive", REPEATABLE)
    def test_repeat_replaces(self, h, directive):
        line = "%s %s\n" % (directive, VALID[directive])
        rc, out = h.config_test(line + line, start=False)
        assert rc == 0, out

    @pytest.mark.parametrize("directive", sorted(VALID))
    @pytest.mark.parametrize("section", ["Location /x", 'If "true"',
                                         'Proxy "http://backend/"'])
    def test_not_in_sections(self, h, directive, section):
        tag = section.split()[0]
        rc, out = h.config_test("<%s>\n%s %s\n</%s>\n"
                                % (section, directive, VALID[directive],
                                   tag), start=False)
        assert_syntax_error(rc, out,
                            "%s not allowed in <%s> context"
                            % (directive, tag))

    @pytest.mark.parametrize("directive,value,message", BAD_VALUES)
    def test_bad_value(self, h, directive, value, message):
        rc, out = h.config_test("%s %s\n" % (directive, value), start=False)
        assert_syntax_error(rc, out, message)

    def test_duplicate_checked_before_value(self, h):
        # the second line is both a repeat and a bad value: the repeat
        # is what the admin hears about
        rc, out = h.config_test("OAuth2Issuer %s\nOAuth2Issuer ftp://x\n"
                                % VALID["OAuth2Issuer"], start=False)
        assert_syntax_error(rc, out,
                            "OAuth2Issuer is duplicate in this server")
