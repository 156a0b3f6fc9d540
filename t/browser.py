# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Headless Chromium driven by Selenium, for the tests that need a real
browser (test_150 on the consent page, test_810 with a relying party).

Debian's chromium, chromium-driver and python3-selenium; OA2_CHROMIUM and
OA2_CHROMEDRIVER override the binaries. MISSING says why a browser test
cannot run (None when it can)."""

import os
import shutil
import tempfile
from contextlib import contextmanager

CHROMIUM = os.environ.get("OA2_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("OA2_CHROMEDRIVER", "/usr/bin/chromedriver")

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait
    HAVE_SELENIUM = True
except ImportError:  # pragma: no cover
    HAVE_SELENIUM = False

MISSING = None if (HAVE_SELENIUM and os.access(CHROMIUM, os.X_OK)
                   and os.access(CHROMEDRIVER, os.X_OK)) \
    else "chromium, chromedriver or python3-selenium not installed"


@contextmanager
def chromium():
    """A headless Chromium with a profile of its own, quit afterwards."""
    profile = tempfile.mkdtemp(prefix="oa2t-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
              "--user-data-dir=" + profile):
        opts.add_argument(a)
    service = Service(CHROMEDRIVER, log_output=os.devnull) \
        if "log_output" in Service.__init__.__code__.co_varnames \
        else Service(CHROMEDRIVER, log_path=os.devnull)
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(b, pred, what, timeout=10):
    """Wait until pred(b) is true; else fail saying what, with the page
    the browser is on."""
    try:
        WebDriverWait(b, timeout).until(lambda d: pred(d))
    except TimeoutException:
        raise AssertionError("%s; browser at %s:\n%s"
                             % (what, b.current_url, b.page_source[:1500]))
