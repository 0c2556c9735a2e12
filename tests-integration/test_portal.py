"""The Admin Portal in real headless Chromium, against `roster serve` and a real scim2-server."""
import re

import pytest
from selenium.webdriver.support.ui import Select

import requests

import seed
from conftest import Roster, remote_users
from portal import Browser, Server, Session, XSS, wait_until


@pytest.fixture
def portal(tmp_path, driver):
    roster = Roster(tmp_path / "data").with_admin().with_admin("viewer@example.com", role="readonly")
    server = Server(roster)
    driver.delete_all_cookies()
    yield roster, server, Browser(driver, server.url)
    driver.delete_all_cookies()
    server.stop()


def add_application(browser, scim_url, name="Acme CRM"):
    browser.get("/applications")
    browser.fill("#add-application input[name=name]", name)
    browser.fill("#add-application input[name=description]", "Customer relationships")
    browser.click("#add-application button")
    browser.fill("#configure input[name=scimUrl]", scim_url)
    browser.click("#configure input[value=bearer]")
    browser.fill("#configure input[name=token]", "portal-test-token")
    browser.click("#allow-private-network")  # the test provider listens on loopback
    browser.click("#save-integration")
    assert "Saved and activated" in browser.text("#flash")
    return browser.driver.current_url.split("?")[0]


def test_import_workflow_in_the_browser_from_sign_in_to_insights(portal, scim_server):
    roster, server, browser = portal
    url, remote = scim_server

    browser.get("/")
    browser.screenshot("sign-in")
    browser.sign_in("admin@example.com")
    assert browser.driver.current_url.endswith("/applications")

    app_url = add_application(browser, url)
    browser.click("#test-connection")
    assert "Connection works" in browser.text("#flash") and f"{len(remote)} users" in browser.text("#flash")
    supports = browser.text("#supports")
    assert "PATCH: yes" in supports and "Filtering: yes" in supports
    browser.screenshot("identity-management")

    # Manual import: search, select three users, preview, import.
    browser.click("#open-import")
    assert f"{len(remote)} user(s) match" in browser.text("#import-summary")
    browser.screenshot("manual-import")
    browser.fill("#search", "user001")
    browser.click("#import-search button")
    names = [cell.text for cell in browser.all("#remote-users td.username")]
    assert names and all("user001" in name for name in names), names
    for box in browser.all("#remote-users input[name=id]")[:3]:
        box.click()
    browser.click("#preview-selected")
    rows = browser.all("#preview tbody tr")
    assert len(rows) == 3
    assert browser.text("#preview").count("@example.com") >= 3
    browser.screenshot("import-preview")
    browser.click("#import-button")
    assert "Import finished: 3 created" in browser.text("#flash")
    assert browser.text("#job-status") == "completed"
    assert len(browser.all("#results tbody tr.created")) == 3
    browser.screenshot("import-results")

    # The user whose displayName is markup imports and is shown as text everywhere.
    browser.get(app_url.replace(server.url, "") + "/import?search=user0009")
    browser.assert_shows_xss_as_text()
    browser.all("#remote-users input[name=id]")[0].click()
    browser.click("#preview-selected")
    browser.assert_shows_xss_as_text()
    browser.click("#import-button")
    assert "1 created" in browser.text("#flash").lower()
    browser.assert_no_script_ran()
    browser.get("/users?search=user0009")
    browser.assert_shows_xss_as_text()
    browser.click("#users tbody a")
    browser.assert_shows_xss_as_text()
    assert "Imported from Acme CRM" in browser.text("#origin")
    browser.screenshot("user-details")

    # All users: 100 or more run in the background with a live progress bar.
    # (The status filter shows the four imported so far, the one with markup among them.)
    browser.get(app_url.replace(server.url, "") + "/import?status=exists")
    assert len(browser.all("#remote-users tbody tr")) == 4
    assert "4 user(s) match" in browser.text("#import-summary")
    browser.assert_shows_xss_as_text()
    browser.click("#preview-all")
    assert "runs in the background" in browser.text("#background-note")
    browser.click("#import-button")
    assert "emailed" in browser.text("#flash").lower()
    seen = []

    def finished():
        bar = browser.css("#progress")
        seen.append((int(bar.get_attribute("value")), int(bar.get_attribute("max"))))
        return browser.text("#job-status") == "completed"

    browser.wait(finished, timeout=120, message="the background import finished")
    browser.screenshot("import-progress-finished")
    value, maximum = seen[-1]
    assert value == maximum >= 100, seen
    assert "done" in browser.text("#progress-text")
    counts = {k: int(browser.text(f"#count-{k}")) for k in ["total", "created", "skipped", "failed"]}
    assert counts["total"] == len(remote) and counts["skipped"] == 4
    assert counts["created"] + counts["skipped"] + counts["failed"] == len(remote)
    job_id = browser.driver.current_url.rstrip("/").split("/")[-1]
    assert any(re.search(r"Roster import from Acme CRM", mail) for mail in wait_until(lambda: roster.mails() or None))

    # Import history and the CSV of a job.
    browser.get("/imports")
    assert len(browser.all("#imports tbody tr")) == 3
    assert "admin@example.com" in browser.text("#imports")
    browser.screenshot("import-history")
    session = Session(server.url, "admin@example.com")
    csv = session.get(f"/imports/{job_id}/results.csv")
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) == len(remote) + 1

    # Users list: search and paging.
    browser.get("/users")
    assert "of " in browser.text("#users-summary")
    assert len(browser.all("#users tbody tr")) == 50
    browser.click("a[rel=next]")
    assert "Users 51 to 100" in browser.text("#users-summary")
    browser.screenshot("users")

    # Insights: the user_create events, filtered, with the chart, exported.
    browser.get("/insights?type=user_create")
    events = browser.all("#events tbody tr.event")
    assert events and all(e.get_attribute("data-type") == "user_create" for e in events)
    assert "Acme CRM" in browser.text("#events")
    assert browser.all("#imports-chart rect")
    browser.screenshot("insights")
    jsonl = session.get("/insights/export?format=jsonl&type=user_create")
    lines = jsonl.text.strip().splitlines()
    assert len(lines) == counts["created"] + 4 and all('"type":"user_create"' in line for line in lines)
    exported_csv = session.get("/insights/export?format=csv&type=user_create&initiator=admin@example.com")
    assert len(exported_csv.text.strip().splitlines()) == len(lines) + 1

    # Deactivation asks first and says what happens.
    browser.get(app_url.replace(server.url, "") + "?tab=idm")
    browser.click("#deactivate")
    assert "stops all syncing" in browser.text("#deactivate-explanation")
    browser.screenshot("deactivate-confirmation")
    browser.click("#confirm-deactivate")
    assert browser.text("#idm-status") == "deactivated"
    assert not browser.all("#open-import")
    assert roster.json("app", "list")[0]["integration"]["status"] == "deactivated"
    browser.click("#activate")
    assert browser.text("#idm-status") == "active" and browser.all("#open-import")


def test_posts_without_the_csrf_token_are_refused_and_readonly_cannot_import(portal, scim_server):
    roster, server, browser = portal
    url, remote = scim_server
    admin = Session(server.url, "admin@example.com")
    token = admin.csrf()
    assert admin.post("/applications", {"name": "No token"}).status_code == 403
    assert admin.post("/applications", {"name": "Wrong token", "_csrf": token[:-2] + "xx"}).status_code == 403
    assert admin.post("/applications", {"name": "With token", "_csrf": token}).status_code == 303
    assert [a["name"] for a in roster.json("app", "list")] == ["With token"]
    app_id = roster.json("app", "list")[0]["id"]
    assert admin.post(f"/applications/{app_id}/integration", {
        "_csrf": token, "scimUrl": url, "authType": "bearer", "token": "t", "allowPrivateNetwork": "1"}).status_code == 303
    # A selected user deleted from the application since it was listed is a row of its own in the preview.
    preview = admin.post(f"/applications/{app_id}/import/preview", {"_csrf": token, "id": [remote[0]["id"], "gone-since"]})
    assert preview.status_code == 200 and "gone-since was not found in With token" in preview.text
    assert remote[0]["userName"] in preview.text

    # The readonly administrator sees the users but no import button, and is refused when posting anyway.
    browser.sign_in("viewer@example.com")
    browser.get(f"/applications/{app_id}?tab=idm")
    assert browser.text("#open-import") == "Browse users"
    assert not browser.all("#configure") and not browser.all("#deactivate")
    browser.click("#open-import")
    browser.all("#remote-users input[name=id]")[0].click()
    browser.click("#preview-selected")
    assert not browser.all("#import-button")
    assert "can look but not import" in browser.text("#confirm-import")
    browser.screenshot("readonly-preview")
    browser.get("/administrators")
    assert "403" in browser.text("h1")
    viewer = Session(server.url, "viewer@example.com")
    refused = viewer.post(f"/applications/{app_id}/import", {"_csrf": viewer.csrf(), "id": remote[0]["id"]})
    assert refused.status_code == 403 and "readonly" in refused.text
    assert viewer.post("/applications", {"_csrf": viewer.csrf(), "name": "x"}).status_code == 403
    assert roster.sql("SELECT count(*) FROM import_jobs") == "0"


def test_sign_in_locks_after_repeated_failures_and_sessions_work_on_every_instance(portal):
    roster, server, browser = portal
    for attempt in range(5):
        browser.sign_in("admin@example.com", password="wrong password!")
        assert "email or password is wrong" in browser.text("#flash").lower()
    # The sixth attempt is refused before the password is looked at, even the right one.
    browser.sign_in("admin@example.com")
    assert "too many failed sign-ins for this account" in browser.text("#flash").lower()
    assert "/login" in browser.driver.current_url
    assert roster.sql("SELECT count(*) FROM insights_events WHERE type = 'admin_signin' AND success = 0") == "6"
    roster.run("admin", "unlock", "admin@example.com")
    browser.sign_in("admin@example.com")
    assert "/login" not in browser.driver.current_url
    browser.screenshot("sign-in-locked")

    # A second instance on the same database serves a session the first one created; sign-out ends it everywhere.
    other = Server(roster)
    try:
        viewer = Session(server.url, "viewer@example.com")
        viewer.base = other.url
        page = viewer.get("/users")
        assert page.status_code == 200 and "viewer@example.com" in page.text
        cookie = viewer.http.cookies.get("roster_session")
        assert viewer.post("/logout", {"_csrf": viewer.csrf("/users")}).status_code == 303
        viewer.base = server.url
        viewer.http.cookies.set("roster_session", cookie)
        assert viewer.get("/users").headers["Location"].startswith("/login")
    finally:
        other.stop()


def test_groups_passwords_administrators_and_api_keys_in_the_browser(portal, scim_server, target):
    roster, server, browser = portal
    source, remote = scim_server
    roster.run("app", "create", "HR", "--scim-url", source, "--bearer-token-env", "TOKEN")
    chosen = [u for u in remote if seed.expected(u) is not None][:3]
    args = ["import", "run", "HR", "--as", "admin@example.com"]
    for user in chosen:
        args += ["--user", user["id"]]
    roster.run(*args)
    roster.run("app", "create", "Wiki", "--scim-url", target, "--bearer-token-env", "TOKEN")
    emails = [seed.expected(u)["email"] for u in chosen]

    # A group with two members, bound to Wiki: both are provisioned there.
    browser.sign_in("admin@example.com")
    browser.get("/groups")
    browser.fill("#create-group input[name=name]", "Engineering")
    browser.click("#create-group button")
    assert "Group Engineering created" in browser.text("#flash")
    browser.fill("#add-member input[name=email]", f"{emails[0]}, {emails[1]}")
    browser.click("#add-member button")
    assert len(browser.all("#members tbody tr")) == 2
    Select(browser.css("#bind select")).select_by_visible_text("Wiki")
    browser.click("#bind button")
    assert "Roster would create the group Engineering in Wiki with 2 members." == browser.text("#bind-summary")
    browser.click("#bind-confirm")
    assert "Wiki" in browser.text("#bindings")
    wait_until(lambda: len(remote_users(target)) == 2)
    assert sorted(u["userName"] for u in remote_users(target)) == sorted(u["userName"] for u in chosen[:2])
    browser.screenshot("group")

    # A user: its groups, an activation email, a password.
    browser.click("#members tbody a")
    assert "Engineering" in browser.text("#memberships")
    browser.click("#send-activation")
    assert "activation link was emailed" in browser.text("#flash")
    assert any("Activate your account" in mail for mail in roster.mails_eventually(
        lambda mails: any("Activate your account" in m for m in mails)))
    browser.fill("#set-password input[name=password]", "short")
    browser.fill("#set-password input[name=confirm]", "short")
    browser.click("#set-password button")
    assert "password" in browser.text("#flash").lower() and browser.text("#password-status") == "pending"
    browser.fill("#set-password input[name=password]", "violet-harbour-tuesday-42")
    browser.fill("#set-password input[name=confirm]", "violet-harbour-tuesday-42")
    browser.click("#set-password button")
    assert browser.text("#password-status") == "set"

    # Administrators and API keys: the key is shown once and works on the API.
    browser.get("/administrators")
    browser.fill("#add-administrator input[name=email]", "manager@example.com")
    Select(browser.css("#add-administrator select")).select_by_value("manager")
    browser.fill("#add-administrator input[name=password]", "correct horse battery")
    browser.click("#add-administrator button")
    assert "manager@example.com" in browser.text("#administrators")
    browser.fill("#add-apikey input[name=name]", "deploy script")
    Select(browser.css("#add-apikey select")).select_by_value("readonly")
    browser.click("#add-apikey button")
    key = browser.text("#new-key-secret")
    assert key.startswith("rst_") and "deploy script" in browser.text("#apikeys")
    browser.screenshot("administrators")
    listed = requests.get(f"{server.url}/api/v1/users", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200 and len(listed.json()["users"]) == 3
    browser.get("/administrators")
    assert key not in browser.driver.page_source

    # The new manager signs in: no Administrators page for that role.
    browser.sign_out()
    assert "signed out" in browser.text("#flash")
    browser.sign_in("manager@example.com")
    assert not browser.all("header nav a[href='/administrators']")
    browser.get("/administrators")
    assert "403" in browser.text("h1")


# Keeps every value the page's script gives the progress bar in sessionStorage, which outlives the
# reload at the import's end, and marks the document, so a reload shows.
RECORD_PROGRESS = """
sessionStorage.setItem("rosterProgress", "[]");
window.rosterMarker = "same page";
const bar = document.getElementById("progress");
new MutationObserver(() => {
  const seen = JSON.parse(sessionStorage.getItem("rosterProgress"));
  seen.push(Number(bar.getAttribute("value")));
  sessionStorage.setItem("rosterProgress", JSON.stringify(seen));
}).observe(bar, {attributes: true, attributeFilter: ["value"]});
"""


def test_the_progress_bar_updates_in_place_while_a_background_import_runs(portal, misbehaving):
    roster, server, browser = portal
    # The provider serves two pages of 100 and holds the third until the browser has shown the import
    # part-way: the import outlives the sign-in however slow the machine, and ends when the test says.
    mode = "hold-pages-progress"
    roster.run("app", "create", "Slow", "--scim-url", f"{misbehaving}/{mode}", "--bearer-token-env", "TOKEN")
    try:
        job = roster.json("import", "run", "Slow", "--all", "--as", "admin@example.com")["job"]
        assert job["status"] == "queued"
        browser.sign_in("admin@example.com")
        browser.get(f"/imports/{job['id']}")
        assert "emailed to admin@example.com" in browser.text("#progress-panel")
        browser.driver.execute_script(RECORD_PROGRESS)
        browser.wait(lambda: same_page(browser) and any(100 <= v < 250 for v in recorded(browser)), timeout=120,
                     message="the bar to show the held import part-way, in place")
    finally:
        requests.get(f"{misbehaving}/{mode}/_release")
    browser.wait(lambda: not same_page(browser), timeout=120, message="the page reloaded when the import finished")
    # The same document showed the import part-way and then at its end, before the reload.
    values = recorded(browser)
    assert values == sorted(values) and values[-1] == 250 and any(100 <= v < 250 for v in values), values
    assert browser.text("#job-status") == "completed"
    bar = browser.css("#progress")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "250"


def same_page(browser):
    return browser.driver.execute_script("return window.rosterMarker || null") == "same page"


def recorded(browser):
    return browser.driver.execute_script("return JSON.parse(sessionStorage.getItem('rosterProgress') || '[]')")


def test_the_application_page_says_which_listing_parameters_its_provider_refuses(portal, misbehaving):
    roster, server, browser = portal
    browser.sign_in("admin@example.com")
    add_application(browser, f"{misbehaving}/broken-all", name="Broken")
    assert not browser.all("#listing-fallbacks")
    browser.click("#test-connection")
    assert "Roster leaves out sortBy (HTTP 400), filter (HTTP 500), count (HTTP 500)" in browser.text("#flash")
    shown = browser.text("#listing-fallbacks")
    assert "sortBy (HTTP 400)" in shown and "startIndex (ignored" in shown



def test_an_application_added_from_the_catalog_shows_what_its_vendor_documents(portal):
    roster, server, browser = portal
    browser.sign_in("admin@example.com")
    browser.get("/applications")
    options = [o.get_attribute("value") for o in browser.all("#preset-list option")]
    assert len(options) >= 20 and "slack" in options
    browser.fill("#add-application input[name=name]", "Chat")
    browser.fill("#preset", "slack")
    browser.click("#add-application button")
    facts = browser.text("#preset-facts")
    assert "From the catalog: Slack" in facts and "paced to 180 requests per minute" in facts
    assert browser.css("#configure input[name=scimUrl]").get_attribute("value") == "https://api.slack.com/scim/v2"
    assert roster.json("app", "list")[0]["preset"] == "slack"



def test_an_import_schedule_is_set_in_words_and_its_runs_stand_apart_in_the_history(portal, misbehaving):
    roster, server, browser = portal
    browser.sign_in("admin@example.com")
    app_url = add_application(browser, f"{misbehaving}/ok", name="Nightly")
    browser.get(app_url.replace(server.url, "") + "?tab=idm")
    assert "Off" in browser.text("#schedule")
    browser.click("#schedule-form input[value=cron]")
    browser.fill("#schedule-form input[name=cron]", "0 2 * * *")
    browser.fill("#schedule-form input[name=filter]", 'userName sw "mis00"')
    browser.click("#save-schedule")
    assert "imported every day at 02:00 UTC" in browser.text("#flash")
    assert "every day at 02:00 UTC, users matching userName sw" in browser.text("#schedule")
    browser.fill("#schedule-form input[name=cron]", "0 99 * * *")
    browser.click("#save-schedule")
    assert "hour field" in browser.text("#flash") and "02:00 UTC" in browser.text("#schedule")
    roster.run("import", "scheduled", "--now", "2099-01-01T02:00:00Z")
    roster.run("worker", "--until-idle")
    browser.get("/imports")
    assert [c.text for c in browser.all("#imports td.kind")] == ["scheduled"]
    browser.get(app_url.replace(server.url, "") + "?tab=idm")
    browser.click("#schedule-off")
    assert "no longer scheduled" in browser.text("#flash")



def test_the_import_preview_shows_the_mapping_rule_that_produced_each_value(portal, misbehaving, tmp_path):
    roster, server, browser = portal
    roster.run("app", "create", "Mapped", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    rules = tmp_path / "rules.json"
    rules.write_text('{"rules": [{"source": "name.familyName", "target": "organization", '
                     '"transforms": [{"op": "upper"}]}]}')
    roster.run("app", "mapping", "Mapped", "--set", str(rules))
    app_id = roster.json("app", "list")[0]["id"]
    browser.sign_in("admin@example.com")
    browser.get(f"/applications/{app_id}/import?search=mis00012")
    browser.all("#remote-users input[name=id]")[0].click()
    browser.click("#preview-selected")
    assert browser.text("#preview td.rules") == "organization ← name.familyName (upper)"
    assert "BEHAVING00012" in browser.text("#preview")


WIDE = 300


def fits_the_window(browser, path):
    """The page and every table on it are no wider than the window."""
    browser.get(path)
    width = browser.driver.execute_script("return document.documentElement.clientWidth")
    page = browser.driver.execute_script("return document.documentElement.scrollWidth")
    tables = browser.driver.execute_script(
        "return [...document.querySelectorAll('table')].map(t => Math.ceil(t.getBoundingClientRect().right))")
    assert page <= width, f"{path} is {page} px wide in a {width} px window"
    assert all(right <= width for right in tables), f"a table on {path} reaches {max(tables)} px of {width}"


def test_long_unbroken_values_never_make_a_page_wider_than_the_window(portal, target):
    roster, server, browser = portal
    # setup: a provider whose user has 300-character unbroken values, and long names in Roster
    long_user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u" * WIDE,
                 "displayName": "D" * WIDE, "title": "T" * WIDE, "name": {"givenName": "G" * WIDE, "familyName": "F" * WIDE},
                 "emails": [{"value": "e" * 60 + "@" + "x" * 150 + ".example.com", "primary": True}]}
    from conftest import http
    assert http("POST", f"{target}/Users", long_user)[0] == 201
    app = "A" * 200
    roster.run("app", "create", app, "--scim-url", target, "--bearer-token-env", "TOKEN")
    job = roster.json("import", "run", app, "--all", "--as", "admin@example.com")["job"]
    assert job["created"] == 1, roster.json("import", "show", job["id"])
    roster.run("group", "create", "G" * 200)
    roster.run("group", "add-member", "G" * 200, long_user["emails"][0]["value"])
    browser.sign_in("admin@example.com")
    app_id = re.search(r"/applications/([0-9a-f-]{36})", browser.driver.page_source).group(1)
    user_id = roster.json("users", "list")[0]["id"]
    group_id = roster.json("insights", "list", "--type", "group_create")[0]["resource"]["id"]
    # MUT, validate: every list page, and the pages behind them
    for path in ["/applications", f"/applications/{app_id}", f"/applications/{app_id}?tab=idm",
                 f"/applications/{app_id}/import", "/users", f"/users/{user_id}", "/groups", f"/groups/{group_id}",
                 "/imports", f"/imports/{job['id']}", "/insights", "/administrators"]:
        fits_the_window(browser, path)
        if path == "/users":
            browser.screenshot("users-long-values")
        if path.endswith("/import"):
            assert "u" * WIDE in browser.text("#remote-users"), "the whole value is shown, wrapped"
            browser.screenshot("manual-import-long-values")


def test_the_integration_form_shows_only_the_chosen_authentication_and_keeps_what_was_typed(portal):
    roster, server, browser = portal
    browser.sign_in("admin@example.com")
    browser.get("/applications")
    browser.fill("#add-application input[name=name]", "HR")
    browser.click("#add-application button")
    shown = lambda: {name for name in ("token", "user", "password", "tokenUrl", "clientId", "clientSecret", "scope")
                     if browser.css(f"#configure input[name={name}]").is_displayed()}
    assert browser.css("#configure input[value=bearer]").is_selected()
    assert shown() == {"token"}
    browser.click("#configure input[value=basic]")
    assert shown() == {"user", "password"}
    browser.click("#configure input[value=oauth2]")
    assert shown() == {"tokenUrl", "clientId", "clientSecret", "scope"}
    # A mistake: no client secret. The page says so in its own words and keeps what was typed, never the secret.
    browser.fill("#configure input[name=scimUrl]", "https://hr.example.com/scim/v2")
    browser.fill("#configure input[name=tokenUrl]", "https://hr.example.com/oauth/token")
    browser.fill("#configure input[name=clientId]", "roster-client")
    browser.fill("#configure input[name=scope]", "users.read")
    browser.click("#save-integration")
    assert browser.text("#error-clientSecret") == "Enter the OAuth client secret."
    assert "Enter the OAuth client secret." in browser.text("#form-problem")
    assert '"clientSecret"' not in browser.text("body") and "auth type" not in browser.text("body")
    assert browser.css("#configure input[value=oauth2]").is_selected()
    assert browser.css("#configure input[name=scimUrl]").get_attribute("value") == "https://hr.example.com/scim/v2"
    assert browser.css("#configure input[name=tokenUrl]").get_attribute("value") == "https://hr.example.com/oauth/token"
    assert browser.css("#configure input[name=clientId]").get_attribute("value") == "roster-client"
    assert browser.css("#configure input[name=scope]").get_attribute("value") == "users.read"
    assert shown() == {"tokenUrl", "clientId", "clientSecret", "scope"}
    browser.screenshot("integration-form-error")
    # Another: a URL that is not one, with the bearer token given.
    browser.click("#configure input[value=bearer]")
    browser.fill("#configure input[name=scimUrl]", "hr.example.com")
    browser.fill("#configure input[name=token]", "secret-token-value")
    browser.click("#save-integration")
    assert browser.text("#error-scimURL").startswith("Enter the application's SCIM base URL")
    assert browser.css("#configure input[name=token]").get_attribute("value") == ""
    assert "secret-token-value" not in browser.driver.page_source
    # Right this time.
    browser.fill("#configure input[name=scimUrl]", "https://hr.example.com/scim/v2")
    browser.fill("#configure input[name=token]", "secret-token-value")
    browser.click("#save-integration")
    assert "Saved and activated" in browser.text("#flash")


def test_custom_attributes_are_declared_in_the_portal_shown_as_columns_and_filter_the_users_list(portal, misbehaving):
    roster, server, browser = portal
    roster.run("app", "create", "Mis", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    roster.run("import", "run", "Mis", "--user", "m-00001", "--user", "m-00002", "--user", "m-00003",
               "--as", "admin@example.com")
    browser.sign_in("admin@example.com")
    browser.get("/users")
    assert not browser.all("#user-where") and "None declared." in browser.text("#custom-attributes")
    browser.fill("#declare-attribute input[name=name]", "badge")
    Select(browser.css("#declare-attribute select[name=type]")).select_by_visible_text("number")
    browser.fill("#declare-attribute input[name=description]", "Door badge")
    browser.click("#declare-attribute button")
    assert "Custom attribute badge (number) declared." in browser.text("#flash")
    for user, badge in [("mis00001@example.net", "10"), ("mis00002@example.net", "25")]:
        roster.run("user", "set", user, f"badge={badge}")
    browser.get("/users")
    assert [c.text for c in browser.all("#users th.custom")] == ["badge"]
    browser.fill("#user-where", "badge gt 12")
    browser.click("form.toolbar button")
    rows = browser.all("#users tbody tr")
    assert len(rows) == 1 and "mis00002@example.net" in rows[0].text and rows[0].text.endswith("25")
    assert "matching “badge gt 12”" in browser.text("#users-summary")
    browser.fill("#user-where", "badge co 1")
    browser.click("form.toolbar button")
    assert "co does not apply to badge" in browser.text("#filter-error")
    assert len(browser.all("#users tbody tr")) == 3 and browser.css("#user-where").get_attribute("value") == "badge co 1"
    browser.get("/users")
    browser.click("#users a[href^='/users/']")
    assert "badge" in browser.text("#attributes")
    assert browser.css("#edit-attributes input[name='attribute.badge']").get_attribute("value") == "10"
    browser.fill("#edit-attributes input[name='attribute.badge']", "ten")
    browser.click("#edit-attributes button")
    assert "not a number" in browser.text("#flash")  # back on the user's page, nothing saved
    assert browser.css("#edit-attributes input[name='attribute.badge']").get_attribute("value") == "10"
    browser.fill("#edit-attributes input[name='attribute.badge']", "11")
    browser.fill("#edit-attributes input[name='attribute.jobTitle']", "Pilot")
    browser.click("#edit-attributes button")
    assert "Changed badge, jobTitle." in browser.text("#flash")
    shown = {u["email"]: u for u in roster.json("users", "list")}["mis00001@example.net"]
    assert shown["custom"] == {"badge": 11} and shown["jobTitle"] == "Pilot"
    browser.sign_out()
    browser.sign_in("viewer@example.com")
    browser.get("/users")
    assert not browser.all("#declare-attribute") and "badge (number): Door badge" in browser.text("#custom-attributes")


def test_a_users_page_shows_every_email_and_number_the_manager_as_a_link_and_refuses_a_stale_edit(portal):
    roster, server, browser = portal
    key = roster.json("apikey", "create", "--name", "hris", "--role", "manager", "--as", "admin@example.com")["key"]
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    def scim_user(body):
        answer = requests.post(f"{server.url}/scim/v2/Users", json=body, timeout=60,
                               headers={"Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"})
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    boss = scim_user({"userName": "boss@contoso.com", "emails": [{"value": "boss@contoso.com"}],
                      "displayName": "Big Boss"})
    person = scim_user({
        "userName": "kari@contoso.com", "displayName": "Kari", "preferredLanguage": "nb-NO", "locale": "nb-NO",
        "timezone": "Europe/Oslo",
        "emails": [{"value": "kari@contoso.com", "type": "work", "primary": True},
                   {"value": "kari@home.example", "type": "home"}],
        "phoneNumbers": [{"value": "+47 1", "type": "work"}, {"value": "+47 2", "type": "mobile"},
                         {"value": "+47 3", "type": "fax"}],
        enterprise: {"manager": {"value": boss}}})
    browser.sign_in("admin@example.com")
    browser.get(f"/users/{person}")
    assert browser.css("#manager a").get_attribute("href").endswith(f"/users/{boss}")
    assert "Big Boss" in browser.text("#manager") and "boss@contoso.com" in browser.text("#manager")
    phones = [(t.text, d.text) for t, d in zip(browser.all("#attributes dt.phone"), browser.all("#attributes dd.phone"))]
    assert phones == [("Phone (work)", "+47 1"), ("Phone (mobile)", "+47 2"), ("Phone (fax)", "+47 3")]
    assert [d.text.split()[0] for d in browser.all("#attributes dd.email")] == ["kari@contoso.com", "kari@home.example"]
    assert browser.text("#preferred-language") == "nb-NO" and browser.text("#timezone") == "Europe/Oslo"
    # Someone changes the user while the form is open: the form's save changes nothing and says why.
    roster.run("user", "set", "kari@contoso.com", "department=Sales")
    browser.fill("#edit-attributes input[name='attribute.jobTitle']", "Pilot")
    browser.click("#edit-attributes button")
    assert "changed by someone else" in browser.text("#flash")
    shown = {u["email"]: u for u in roster.json("users", "list")}["kari@contoso.com"]
    assert shown.get("jobTitle") is None and shown["department"] == "Sales"
