# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The consent page in a real browser (headless Chromium driven by
Selenium): Allow, Deny, remembered consent, prompt=consent, and a
tampered CSRF field.

The client's redirect_uri is a small page of the same httpd, reached as
http://localhost:PORT/cb/ while the AS is http://127.0.0.1:PORT: another
origin, as a real client is, so the browser's rules for leaving the consent
page (CSP form-action on the redirect after the POST) are exercised."""

import base64
import urllib.parse

import pytest

import tokens
from authserver import (ALICE, Flow, add_client, api, assert_token_ok,
                        single_query, start_as)
from browser import MISSING, chromium, wait_for
from checks import assert_ok

if not MISSING:
    from selenium.webdriver.common.by import By

pytestmark = pytest.mark.skipif(bool(MISSING), reason=str(MISSING))


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def login(driver, user):
    """Send Basic credentials with every request of the browser."""
    cred = base64.b64encode(("%s:%s" % user).encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                           {"headers": {"Authorization": "Basic " + cred}})


class TestConsentInBrowser:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-browser")

    @pytest.fixture(scope="class")
    def cb(self, h):
        return "http://localhost:%d/cb/" % h.port

    @pytest.fixture
    def b(self, browser):
        login(browser, ALICE)
        browser.delete_all_cookies()
        return browser

    def client(self, h, cb):
        return add_client(h, redirect_uris=["http://localhost/cb/"])

    def wait_for(self, b, pred, what, timeout=10):
        wait_for(b, pred, what, timeout)

    def landed(self, b, cb):
        """Wait for the browser to reach the client's page; its query."""
        self.wait_for(b, lambda d: d.current_url.startswith(cb),
                      "the browser did not reach the redirect_uri")
        self.wait_for(b, lambda d: d.find_elements(By.ID, "cb"),
                      "the callback page did not load")
        u = urllib.parse.urlsplit(b.current_url)
        q = single_query(u.query)
        if "code" in q:
            tokens.register(q["code"])
        return q

    def consent_page(self, b, flow):
        b.get(flow.url())
        self.wait_for(b, lambda d: d.find_elements(
            By.CSS_SELECTOR, 'button[name="decision"]'),
            "no consent page")
        return b

    def click(self, b, decision):
        b.find_element(By.CSS_SELECTOR, 'button[name="decision"]'
                       '[value="%s"]' % decision).click()

    def test_allow(self, h, cb, b):
        c = self.client(h, cb)
        f = Flow(h, c, redirect_uri=cb, scope="read write")
        self.consent_page(b, f)
        body = b.find_element(By.TAG_NAME, "body").text
        assert c.name in body
        assert "Read your data" in body and "Change your data" in body
        self.click(b, "approve")
        q = self.landed(b, cb)
        assert q["state"] == f.state
        assert q["iss"] == h.issuer
        assert "error" not in q
        tok = assert_token_ok(f.token(q["code"]))
        assert_ok(api(h, tok["access_token"]))

    def test_deny(self, h, cb, b):
        c = self.client(h, cb)
        f = Flow(h, c, redirect_uri=cb)
        self.consent_page(b, f)
        self.click(b, "deny")
        q = self.landed(b, cb)
        assert q["error"] == "access_denied"
        assert q["state"] == f.state and q["iss"] == h.issuer
        assert "code" not in q

    def test_remembered_and_prompt_consent(self, h, cb, b):
        c = self.client(h, cb)
        f = Flow(h, c, redirect_uri=cb)
        self.consent_page(b, f)
        self.click(b, "approve")
        self.landed(b, cb)
        # the second time no page: straight back with a code
        f2 = Flow(h, c, redirect_uri=cb)
        b.get(f2.url())
        q = self.landed(b, cb)
        assert q["code"] and q["state"] == f2.state
        assert_token_ok(f2.token(q["code"]))
        # prompt=consent shows it again
        f3 = Flow(h, c, redirect_uri=cb, prompt="consent")
        self.consent_page(b, f3)
        self.click(b, "approve")
        q = self.landed(b, cb)
        assert q["state"] == f3.state
        assert_token_ok(f3.token(q["code"]))

    def test_csrf_tampered(self, h, cb, b):
        c = self.client(h, cb)
        f = Flow(h, c, redirect_uri=cb)
        self.consent_page(b, f)
        b.execute_script(
            "document.querySelector('input[name=\"csrf_token\"]').value"
            " = 'tampered' + Date.now();")
        authorize = h.url("/oauth2/authorize")
        self.click(b, "approve")
        self.wait_for(b, lambda d: "Authorization error" in d.page_source,
                      "no error page")
        assert b.current_url.startswith(authorize), b.current_url
        assert not b.current_url.startswith(cb)
        # and nothing was remembered
        b.get(Flow(h, c, redirect_uri=cb).url())
        self.wait_for(b, lambda d: d.find_elements(
            By.CSS_SELECTOR, 'button[name="decision"]'),
            "consent was remembered after a failed CSRF check")

    def test_same_origin_redirect(self, h, b):
        """The redirect_uri on the AS's own origin."""
        same = h.url("/cb/")
        c = add_client(h, redirect_uris=["http://127.0.0.1/cb/"])
        f = Flow(h, c, redirect_uri=same)
        self.consent_page(b, f)
        self.click(b, "approve")
        q = self.landed(b, same)
        assert q["state"] == f.state and q["code"]

    def test_consent_page_not_framable(self, h, cb, b):
        """A page of another origin framing the consent page gets nothing
        (X-Frame-Options DENY, frame-ancestors 'none')."""
        c = self.client(h, cb)
        f = Flow(h, c, redirect_uri=cb)
        h.write_file("htdocs/frame/index.html",
                     '<!DOCTYPE html><html><body>'
                     '<iframe id="f" onload="window.framed = 1" src="%s">'
                     '</iframe></body></html>'
                     % f.url().replace("&", "&amp;"))
        b.get("http://localhost:%d/frame/" % h.port)
        # the load event comes for the blocked frame's error page too
        self.wait_for(b, lambda d: d.execute_script(
            "return window.framed === 1"), "the frame never loaded")
        b.switch_to.frame(b.find_element(By.ID, "f"))
        try:
            buttons = b.find_elements(By.CSS_SELECTOR,
                                      'button[name="decision"]')
            assert not buttons, "the consent page rendered in a frame"
        finally:
            b.switch_to.default_content()
