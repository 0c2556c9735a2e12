"""Helpers for the Admin Portal tests: a running `roster serve`, headless Chromium through
selenium (Debian's chromium and chromedriver), and a plain HTTP session for the checks a
browser would not let us make (posts without a token)."""
import pathlib
import re
import time

import requests
from selenium import webdriver
from selenium.common.exceptions import (JavascriptException, NoAlertPresentException, NoSuchElementException,
                                        StaleElementReferenceException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import free_port, start_process, stop, BIN

SCREENSHOTS = pathlib.Path(__file__).parent.parent / "docs" / "screenshots"
XSS = "<img src=x onerror=alert(1)>"


class Server:
    """`roster serve` on a free port, for one Roster data directory."""

    def __init__(self, roster, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = start_process([BIN, "serve", "--port", str(self.port), "--data-dir", str(roster.data_dir)],
                                     f"{self.url}/healthz", env=dict(roster.env, **{"ROSTER_PUBLIC_URL": self.url, **(env or {})}))

    def stop(self):
        stop(self.process)


def chromium():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,900",
                     "--disable-gpu", "--lang=en-US"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(0)
    return driver


class Browser:
    """A signed-in (or not) Chromium with the few verbs the tests need."""

    def __init__(self, driver, base):
        self.driver = driver
        self.base = base

    def get(self, path):
        self.driver.get(self.base + path)
        self.assert_no_script_ran()

    def css(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def text(self, selector="body"):
        return self.css(selector).text

    def fill(self, selector, value):
        field = self.css(selector)
        field.clear()
        field.send_keys(value)

    def click(self, selector):
        element = self.css(selector)
        kind = (element.get_attribute("type") or "").lower()
        navigates = element.tag_name == "a" or (element.tag_name == "button" and kind in ("", "submit")) or kind == "submit"
        if navigates:
            # Marks this document, so the wait below knows when the next one has loaded.
            self.driver.execute_script("window.rosterBeforeClick = true")
        element.click()
        if navigates:
            self.wait(lambda: self.driver.execute_script(
                "return window.rosterBeforeClick === undefined && document.readyState === 'complete'"),
                timeout=60, message=f"the page after clicking {selector}")
        self.assert_no_script_ran()

    def wait(self, condition, timeout=60, message="condition"):
        # The page may reload between finding an element and reading it (or while a script runs
        # in it): look again then.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2,
                             ignored_exceptions=[NoSuchElementException, StaleElementReferenceException,
                                                 JavascriptException]).until(
            lambda _: condition(), message)

    def sign_in(self, email, password="correct horse battery"):
        self.get("/")
        assert "/login" in self.driver.current_url
        self.fill("input[name=email]", email)
        self.fill("input[name=password]", password)
        self.click("form button[type=submit]")
        # bcrypt takes a moment: wait for the next page (or the sign-in form's error) before looking.
        self.wait(lambda: "/login" not in self.driver.current_url or self.all(".flash-error"), timeout=20,
                  message="the sign-in to answer")

    def sign_out(self):
        self.click("form.signout button")

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    def assert_no_script_ran(self):
        """No alert is open and no injected element exists: markup from a service provider stayed text."""
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            raise AssertionError(f"a script ran on {self.driver.current_url}: alert({text!r})")
        except NoAlertPresentException:
            pass
        injected = [e for e in self.driver.find_elements(By.CSS_SELECTOR, "img, script:not([src='/static/portal.js'])")]
        assert not injected, f"injected markup on {self.driver.current_url}"

    def assert_shows_xss_as_text(self):
        assert XSS in self.text(), f"{XSS!r} is not shown as text on {self.driver.current_url}"
        assert "&lt;img src=x onerror=alert(1)&gt;" in self.driver.page_source
        self.assert_no_script_ran()


class Session:
    """Signs in with a plain HTTP client: the CSRF checks need requests a browser would not send."""

    def __init__(self, base, email, password="correct horse battery"):
        self.base = base
        self.http = requests.Session()
        page = self.http.get(f"{base}/login").text
        response = self.http.post(f"{base}/login", data={"_csrf": csrf(page), "email": email, "password": password},
                                  allow_redirects=False)
        assert response.status_code == 303, response.text

    def get(self, path):
        return self.http.get(self.base + path, allow_redirects=False)

    def post(self, path, data):
        return self.http.post(self.base + path, data=data, allow_redirects=False)

    def csrf(self, path="/applications"):
        return csrf(self.get(path).text)


def csrf(page):
    match = re.search(r'name="_csrf" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def wait_until(condition, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")
