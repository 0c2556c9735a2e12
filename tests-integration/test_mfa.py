"""Two-step sign-in in real Chromium: the QR code the server draws is read back from a screenshot
(zxing-cpp), the codes are computed here as an authenticator app would (RFC 6238), and each step
of sign-in, recovery, reset and the mandatory setting is walked through."""
import base64
import hashlib
import hmac
import io
import struct
import time
from urllib.parse import parse_qs, unquote, urlparse

import zxingcpp
from PIL import Image

from conftest import Roster, stop
from portal import Browser, Server

ADMIN = "admin@example.com"


def totp(secret, at):
    """The six digits an authenticator app shows at `at` (RFC 6238: HMAC-SHA1, 30 s steps)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def scan(browser):
    """What a phone's camera reads from the QR code on the page."""
    image = Image.open(io.BytesIO(browser.css("#qr").screenshot_as_png))
    found = zxingcpp.read_barcodes(image)
    assert found, "the QR code on the page could not be read"
    return found[0].text


def password_step(browser, email=ADMIN):
    browser.get("/login")
    browser.fill("input[name=email]", email)
    browser.fill("input[name=password]", "correct horse battery")
    browser.click("form button[type=submit]")


def code_step(browser, code):
    browser.fill("#mfa-form input[name=code]", code)
    browser.click("#mfa-form button")


def last_step(roster, email=ADMIN):
    """The time step of the last code the server accepted for `email`."""
    return int(roster.sql(f"SELECT mfa_last_step FROM administrators WHERE email = '{email}'"))


def replay_within_its_step(roster, browser, secret, used_at, attempts=3):
    """Offers again the code accepted at `used_at` (the browser waits at the second step), and checks it
    is refused while the clock is still in that code's time step: then the code is one the server
    would take, and only its use stands in the way. When the step ended first, the refusal proves
    nothing: the current code signs in, and after the password it is offered again. Answers when the
    code refused was accepted; fails if no attempt falls within one step."""
    for _ in range(attempts):
        step = int(used_at // 30)
        assert last_step(roster) == step, "the server recorded the code's own step"
        before = time.time()
        code_step(browser, totp(secret, used_at))
        after = time.time()
        assert "wrong or was already used" in browser.text("#flash")
        assert "/login/mfa" in browser.driver.current_url
        if int(before // 30) == step == int(after // 30):
            return used_at
        used_at = time.time()
        code_step(browser, totp(secret, used_at))
        assert "/applications" in browser.driver.current_url
        browser.sign_out()
        password_step(browser)
        assert "/login/mfa" in browser.driver.current_url
    raise AssertionError(f"no replay fell within one 30 s step in {attempts} attempts")


def test_enrol_by_qr_code_then_sign_in_with_codes_and_recovery_codes(tmp_path, driver):
    roster = Roster(tmp_path / "data").with_admin()
    server = Server(roster)
    browser = Browser(driver, server.url)
    driver.delete_all_cookies()
    try:
        browser.sign_in(ADMIN)
        browser.get("/account")
        assert browser.text("#mfa-status") == "off"
        browser.click("#enrol-mfa")
        uri = scan(browser)
        parsed = urlparse(uri)
        assert parsed.scheme == "otpauth" and parsed.netloc == "totp" and unquote(parsed.path) == f"/Roster:{ADMIN}"
        secret = parse_qs(parsed.query)["secret"][0]
        assert browser.text("#mfa-secret").replace(" ", "") == secret
        browser.screenshot("mfa-enrol")
        now = time.time()
        wrong = "000000" if totp(secret, now) != "000000" else "111111"
        browser.fill("#confirm-mfa input[name=code]", wrong)
        browser.click("#confirm-mfa button")
        assert "code" in browser.text("#flash").lower() and scan(browser) == uri, "a wrong code keeps the same secret"
        browser.fill("#confirm-mfa input[name=code]", totp(secret, now))
        browser.click("#confirm-mfa button")
        codes = [c.text for c in browser.all("#recovery-codes code")]
        assert len(codes) == 10 and len(set(codes)) == 10
        browser.screenshot("mfa-recovery-codes")
        assert not any(code in roster.sql("SELECT code_hash FROM mfa_recovery_codes") for code in codes)
        assert secret not in roster.sql("SELECT mfa_secret FROM administrators")
        browser.click("#continue")
        browser.get("/account")
        assert browser.text("#mfa-status").startswith("on")
        browser.sign_out()

        # The password alone opens only the second step.
        password_step(browser)
        assert "/login/mfa" in driver.current_url
        browser.get("/users")
        assert "/login/mfa" in driver.current_url
        # A code is never accepted twice: the code used at enrolment is offered again.
        used_at = replay_within_its_step(roster, browser, secret, now)
        # The next step's code, unused and inside the window, is taken at once: the refusal was the replay.
        code_step(browser, totp(secret, used_at + 30))
        assert "/applications" in driver.current_url
        browser.sign_out()

        # A recovery code works once.
        password_step(browser)
        code_step(browser, codes[0])
        assert "/applications" in driver.current_url
        browser.sign_out()
        password_step(browser)
        code_step(browser, codes[0])
        assert "wrong or was already used" in browser.text("#flash")
        browser.screenshot("mfa-sign-in")

        # A lost phone: an admin resets the second factor; the password alone signs in again.
        roster.run("admin", "reset-mfa", ADMIN)
        driver.delete_all_cookies()
        browser.sign_in(ADMIN)
        assert "/applications" in driver.current_url
        events = [e["type"] for e in roster.json("insights", "list", "--limit", "100")]
        assert "admin_mfa_enrol" in events and "admin_mfa_reset" in events
    finally:
        driver.delete_all_cookies()
        stop(server.process)


def test_required_two_step_sign_in_sends_an_administrator_without_it_to_enrol_first(tmp_path, driver):
    roster = Roster(tmp_path / "data").with_admin()
    server = Server(roster, env={"ROSTER_REQUIRE_MFA": "true"})
    browser = Browser(driver, server.url)
    driver.delete_all_cookies()
    try:
        password_step(browser)
        assert "/account/mfa" in driver.current_url
        assert "asks every administrator for a second step" in browser.text()
        browser.get("/users")
        assert "/account/mfa" in driver.current_url, "nothing else opens before enrolment"
        secret = parse_qs(urlparse(scan(browser)).query)["secret"][0]
        browser.fill("#confirm-mfa input[name=code]", totp(secret, time.time()))
        browser.click("#confirm-mfa button")
        assert len(browser.all("#recovery-codes code")) == 10
        browser.click("#continue")
        browser.get("/users")
        assert "/users" in driver.current_url
        # Sign out everywhere ends this session too.
        browser.get("/account")
        browser.click("#signout-everywhere button")
        browser.get("/users")
        assert "/login" in driver.current_url
    finally:
        driver.delete_all_cookies()
        stop(server.process)
