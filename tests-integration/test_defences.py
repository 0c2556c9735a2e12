"""The second audit's findings, each tried again the way it was found: against a real `roster serve`,
with a readonly or manager key, a hostile SCIM provider or a raw socket, and /healthz asked
throughout. Each test failed on the code before the fix (the note of issue 24 says how)."""
import base64
import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlparse

import pytest
import requests

from conftest import Roster, http
from portal import Server, Session, csrf
from test_mfa import totp

ADMIN = "admin@example.com"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def key(roster, role, owner=ADMIN):
    return roster.json("apikey", "create", "--name", f"{role}-{time.time_ns()}", "--role", role, "--as", owner)["key"]


def call(server, key_, method, path, **kwargs):
    headers = {"Authorization": f"Bearer {key_}"} if key_ else {}
    headers.update(kwargs.pop("headers", {}))
    return requests.request(method, server.url + path, headers=headers, timeout=120, **kwargs)


def scim_user(server, key_, email):
    """A user created through /scim/v2, as an identity provider creates one."""
    created = call(server, key_, "POST", "/scim/v2/Users", json={
        "schemas": [USER], "userName": email, "emails": [{"value": email}]})
    assert created.status_code == 201, created.text[:300]
    return created.json()


def health_time(server):
    """Seconds /healthz takes to answer ok."""
    started = time.monotonic()
    assert requests.get(f"{server.url}/healthz", timeout=30).json() == {"status": "ok"}
    return time.monotonic() - started


def cursor(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture
def served(tmp_path, misbehaving):
    roster = Roster(tmp_path / "data").with_admin().with_admin("manager@example.com", role="manager")
    server = Server(roster)
    yield roster, server
    server.stop()


def test_no_cursor_or_page_number_from_a_readonly_key_crashes_the_service(served):
    roster, server = served
    reader = key(roster, "readonly")
    tokens = [cursor("p:9223372036854775807"), cursor("p:9223372036854775806"), cursor("p:-9223372036854775808"),
              cursor("p:-1"), cursor("k:99999999999999999999999:x@example.com"), cursor("k:-9223372036854775808:a"),
              "%%%", "A" * 5000]
    for token in tokens:
        for path in ["/scim/v2/Users", "/scim/v2/Groups"]:
            answer = call(server, reader, "GET", path, params={"cursor": token})
            assert answer.status_code == 400 and answer.json()["detail"], (path, token, answer.text[:200])
        answer = call(server, reader, "POST", "/scim/v2/.search", json={"schemas": [SEARCH], "cursor": token})
        assert answer.status_code == 400, (token, answer.text[:200])
        assert health_time(server) < 1
    for number in ["9223372036854775807", "99999999999999999999999", "-9223372036854775808", "1e308"]:
        answer = call(server, reader, "GET", "/scim/v2/Users", params={"startIndex": number, "count": number})
        assert answer.status_code in (200, 400), (number, answer.text[:200])
    assert health_time(server) < 1


def test_an_attributes_flood_is_refused_and_health_answers_within_a_second_during_and_after(served):
    roster, server = served
    reader = key(roster, "readonly")
    names = [f"a{i:05d}" for i in range(100_000)]  # about 1 MB, a readonly key's worth
    flood = {"schemas": [SEARCH], "attributes": names}
    answers, slowest = [], []

    def ask_health():
        while len(answers) < 3:
            slowest.append(health_time(server))

    watcher = threading.Thread(target=ask_health)
    watcher.start()
    with ThreadPoolExecutor(3) as pool:
        answers.extend(pool.map(lambda body: call(server, reader, "POST", "/scim/v2/.search", json=body), [flood] * 3))
    watcher.join()
    for answer in answers:
        assert answer.status_code == 400 and "100000 names in attributes" in answer.json()["detail"], answer.text[:200]
    attributes = ",".join(names[:5000])
    answer = call(server, reader, "GET", "/scim/v2/Users", params={"excludedAttributes": attributes})
    assert answer.status_code == 400 and ("at most" in answer.text or "more than" in answer.text), answer.text[:200]
    answer = call(server, reader, "GET", "/scim/v2/Users", params={"sortBy": "x" * 5000})
    assert answer.status_code == 400
    assert slowest and max(slowest) < 1, slowest
    assert health_time(server) < 1


def test_many_conditions_or_a_long_search_are_refused_not_a_server_error(served):
    roster, server = served
    reader = key(roster, "readonly")
    roster.run("attribute", "declare", "badge", "--type", "number")
    answer = call(server, reader, "GET", "/api/v1/users", params=[("where", f"badge ge {i}") for i in range(1500)])
    assert answer.status_code == 400 and "1500 conditions" in answer.json()["error"]["message"]
    answer = call(server, reader, "GET", "/api/v1/users", params={"search": "x" * 5000})
    assert answer.status_code == 400 and "at most 1024" in answer.json()["error"]["message"]
    assert call(server, reader, "GET", "/api/v1/users", params=[("where", "badge ge 1")] * 3).status_code == 200


def test_bodies_past_4_mib_are_refused_before_authentication_with_413(served):
    roster, server = served
    big = b"x" * (5 << 20)
    for method, path in [("POST", "/scim/v2/Users"), ("POST", "/api/v1/groups"), ("POST", "/login"),
                         ("PUT", "/api/v1/applications/x/integration"), ("PATCH", "/scim/v2/Users/x")]:
        # No key at all: refused by its size, unread.
        answer = call(server, None, method, path, data=big, headers={"Content-Type": "application/json"})
        assert answer.status_code == 413, (path, answer.status_code, answer.text[:200])
        assert "4 MiB" in answer.text
    manager = key(roster, "manager")
    # With a key, a streamed body (no length given) is cut off at the limit as it is read.
    answer = call(server, manager, "POST", "/api/v1/groups", data=iter([b"{" + b" " * (1 << 20)] * 6),
                  headers={"Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text[:200]
    assert health_time(server) < 1


def test_a_provider_that_sends_extreme_numbers_in_its_pages_gets_a_sentence_not_a_crash(tmp_path, misbehaving):
    roster = Roster(tmp_path / "data").with_admin()
    fields = ["totalResults", "startIndex", "itemsPerPage"]
    kinds = ["min", "max", "beyond", "negative", "fraction", "text", "null", "missing"]
    for field in fields:
        for kind in kinds:
            roster.run("app", "create", f"X-{field}-{kind}", "--scim-url", f"{misbehaving}/extreme-{field}-{kind}",
                       "--bearer-token-env", "TOKEN")
    reader = key(roster, "readonly")
    server = Server(roster)
    try:
        for field in fields:
            for kind in kinds:
                # A readonly "Refresh" of the import screen: the listing is read now.
                answer = call(server, reader, "GET", f"/api/v1/applications/X-{field}-{kind}/remote-users",
                              params={"refresh": "true"})
                assert answer.status_code in (200, 502), (field, kind, answer.status_code, answer.text[:300])
                if answer.status_code == 502:
                    assert answer.json()["error"]["message"], (field, kind)
                else:  # a listing shown is the whole listing: every one of the provider's 250 users
                    assert answer.json()["matching"] == 250, (field, kind, answer.text[:300])
                assert health_time(server) < 1, (field, kind)
        # An import of everything by a worker: it ends, with every user or failed with the reason.
        result = roster.run("import", "run", "X-totalResults-min", "--all", "--wait", "--as", ADMIN, check=False)
        assert result.returncode in (0, 2), result.stderr
        job = roster.json("import", "history")[0]
        assert job["status"] in ("completed", "failed"), job
        if job["status"] == "completed":
            assert job["created"] == 250, job
        else:
            assert job["reason"], job
        assert health_time(server) < 1
    finally:
        server.stop()


def raw_listener():
    """A socket on loopback that records every connection made to it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener, accepted


def test_an_octal_or_short_address_is_resolved_and_checked_not_taken_for_public(served):
    roster, server = served
    manager = key(roster, "manager")
    listener, accepted = raw_listener()
    port = listener.getsockname()[1]
    try:
        call(server, manager, "POST", "/api/v1/applications", json={"name": "Sneaky"})
        for host in ["0177.0.0.1", "0x7f.0.0.1", "2130706433", "127.1", "012.0.0.1", "[::ffff:127.0.0.1]"]:
            answer = call(server, manager, "PUT", "/api/v1/applications/Sneaky/integration",
                          json={"scimUrl": f"https://{host}:{port}/scim", "auth": {"type": "bearer", "token": "t"}})
            if answer.status_code == 200:
                answer = call(server, manager, "POST", "/api/v1/applications/Sneaky/integration/test")
                assert not answer.json().get("ok", False), (host, answer.text[:300])
            assert answer.status_code in (200, 400), (host, answer.text[:300])
            assert "private" in answer.text or "loopback" in answer.text or "not allowed" in answer.text, \
                (host, answer.text[:300])
        assert accepted == [], "Roster connected to loopback"
    finally:
        listener.close()


def test_a_disabled_or_demoted_owners_schedules_stop_and_the_other_administrators_are_told(tmp_path, misbehaving):
    roster = Roster(tmp_path / "data").with_admin().with_admin("owner@example.com", role="manager")
    roster.with_admin("demoted@example.com", role="manager")
    for name, owner in [("HR", "owner@example.com"), ("Wiki", "demoted@example.com")]:
        roster.run("app", "create", name, "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
        roster.run("app", "schedule", name, "--every", "1h", "--as", owner)
    server = Server(roster)
    try:
        # Before: the administrators page shows whose schedules a disable would stop.
        page = Session(server.url, ADMIN).get("/administrators").text
        row = re.search(r'data-email="owner@example.com".*?</tr>', page, re.S).group(0)
        assert re.search(r'class="schedules"[^>]*>HR<', row), row
        admin = key(roster, "admin")
        disabled = call(server, admin, "POST", "/api/v1/administrators/owner@example.com/disable")
        assert disabled.status_code == 200, disabled.text
        demoted = call(server, admin, "PUT", "/api/v1/administrators/demoted@example.com/role",
                       json={"role": "readonly"})
        assert demoted.status_code == 200, demoted.text
    finally:
        server.stop()
    for name in ("HR", "Wiki"):
        assert roster.json("app", "schedule", name) is None
    stopped = roster.json("insights", "list", "--type", "import_schedule_stopped")
    assert sorted(e["application"]["name"] for e in stopped) == ["HR", "Wiki"]
    # Were they still there, both would be due now and a worker would run them as their owners.
    roster.sql("UPDATE import_schedules SET last_slot = 0")
    roster.run("import", "scheduled")
    roster.run("worker", "--until-idle")
    assert roster.json("import", "history") == []
    mails = roster.mails()
    assert not any("To: owner@example.com" in m or "To: demoted@example.com" in m for m in mails)
    assert any("To: admin@example.com" in m and "HR" in m for m in mails)


def sign_in_form(server, session, email, password, nxt):
    page = session.get(f"{server.url}/login", params={"next": nxt}).text
    return session.post(f"{server.url}/login", data={"_csrf": csrf(page), "email": email, "password": password,
                                                     "next": nxt}, allow_redirects=False)


def test_sign_in_never_redirects_off_the_site(served):
    roster, server = served
    for nxt in ["/\t/evil.example/", "//evil.example/", "/\\evil.example", "https://evil.example/", "/\n/evil.example",
                "/%09/evil.example/", "/ /evil.example", "/\u3000/evil.example"]:
        answer = sign_in_form(server, requests.Session(), ADMIN, "correct horse battery", nxt)
        assert answer.status_code == 303
        location = answer.headers["Location"]
        # Where a browser goes: it drops tabs and newlines and reads a backslash as a slash (WHATWG URL).
        browser = urljoin(server.url + "/login", re.sub(r"[\t\n\r]", "", location).replace("\\", "/"))
        assert urlparse(browser).netloc == urlparse(server.url).netloc, (nxt, location)
    login = requests.get(f"{server.url}/login?next=/%09/evil.example/").text
    assert "evil" not in login
    # The second-step enrolment carries its `next` through the same check.
    session = requests.Session()
    assert sign_in_form(server, session, ADMIN, "correct horse battery", "/").status_code == 303
    enrol = session.get(f"{server.url}/account/mfa", params={"next": "/\\evil.example"})
    assert enrol.status_code == 200 and "evil" not in enrol.text, enrol.text[:300]


def test_a_disabled_administrators_right_password_is_answered_as_a_wrong_one(served):
    roster, server = served
    roster.run("admin", "disable", "manager@example.com")
    right = sign_in_form(server, requests.Session(), "manager@example.com", "correct horse battery", "/")
    wrong = sign_in_form(server, requests.Session(), "manager@example.com", "not the password at all", "/")
    strip = lambda page: re.sub(r'value="[^"]*"', "", page)  # noqa: E731 (the CSRF token differs)
    assert right.status_code == wrong.status_code == 401
    assert strip(right.text) == strip(wrong.text)


def test_a_password_set_over_scim_ends_older_activation_links(served):
    roster, server = served
    manager = key(roster, "manager")
    created = scim_user(server, manager, "link@example.com")
    roster.run("user", "send-activation", "link@example.com")
    token = re.search(r"token=(\S+)", [m for m in roster.mails() if "To: link@example.com" in m][-1]).group(1)
    assert requests.get(f"{server.url}/activate", params={"token": token}).status_code == 200
    patched = call(server, manager, "PATCH", f"/scim/v2/Users/{created['id']}", json={
        "schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "password", "value": "violet-harbour-tuesday-42"}]})
    assert patched.status_code in (200, 204), patched.text
    assert requests.get(f"{server.url}/activate", params={"token": token}).status_code in (404, 410)


def test_the_clients_get_no_driver_or_database_text_and_the_log_has_it_under_the_request_id(tmp_path):
    roster = Roster(tmp_path / "data").with_admin()
    server = Server(roster)
    try:
        admin = key(roster, "admin")
        if "DATABASE_URL" in roster.env:
            roster.sql("CREATE FUNCTION roster_test_kaboom() RETURNS trigger AS $$ BEGIN "
                       "RAISE EXCEPTION 'kaboom-driver-text'; END $$ LANGUAGE plpgsql")
            roster.sql("CREATE TRIGGER kaboom BEFORE INSERT ON user_groups FOR EACH ROW "
                       "EXECUTE FUNCTION roster_test_kaboom()")
        else:
            roster.sql("CREATE TRIGGER kaboom BEFORE INSERT ON user_groups BEGIN "
                       "SELECT RAISE(ABORT, 'kaboom-driver-text'); END")
        for path, body in [("/api/v1/groups", {"name": "Doomed"})]:
            answer = call(server, admin, "POST", path, json=body)
            assert answer.status_code == 500, answer.text
            assert "kaboom" not in answer.text and "SQL" not in answer.text and "sqlite" not in answer.text.lower()
            assert answer.headers["X-Request-Id"] in answer.json()["error"]["message"]
        answer = call(server, admin, "POST", "/scim/v2/Groups", json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Doomed"})
        assert answer.status_code == 500 and "kaboom" not in answer.text, answer.text
    finally:
        server.stop()
    with open(server.process.log_path) as log:
        assert "kaboom-driver-text" in log.read()


def test_allowing_the_private_network_is_recorded_whichever_door_sets_it(served):
    roster, server = served
    manager = key(roster, "manager")
    call(server, manager, "POST", "/api/v1/applications", json={"name": "Inside"})
    before = len(roster.json("insights", "list", "--type", "idm_network_policy"))
    answer = call(server, manager, "PUT", "/api/v1/applications/Inside/integration", json={
        "scimUrl": "http://10.1.2.3/scim", "auth": {"type": "bearer", "token": "t"}, "allowPrivateNetwork": True})
    assert answer.status_code == 200, answer.text
    events = roster.json("insights", "list", "--type", "idm_network_policy")
    assert len(events) == before + 1 and events[0]["application"]["name"] == "Inside"
    assert events[0]["resource"]["name"] == "private network allowed"


def test_names_with_direction_controls_and_huge_external_ids_are_refused(served):
    roster, server = served
    manager = key(roster, "manager")
    for body in [
        {"userName": "admin\u202eexample.com", "emails": [{"value": "rlo@example.com"}]},
        {"userName": "zw@example.com", "emails": [{"value": "z\u200bw@example.com"}]},
        {"userName": "bidi@example.com", "name": {"givenName": "Ann\u202e"}},
        {"userName": "ext@example.com", "externalId": "e" * 900_000},
        {"userName": "phones@example.com", "phoneNumbers": [{"value": str(i)} for i in range(5000)]},
    ]:
        answer = call(server, manager, "POST", "/scim/v2/Users", json={"schemas": [USER], **body})
        assert answer.status_code == 400 and answer.json()["detail"], (list(body), answer.text[:200])
    assert roster.json("users", "list") == []


def test_the_last_active_administrator_stays_when_two_disable_each_other_at_once(tmp_path):
    roster = Roster(tmp_path / "data").with_admin().with_admin("second@example.com", role="admin")
    keys = {ADMIN: key(roster, "admin", ADMIN), "second@example.com": key(roster, "admin", "second@example.com")}
    server = Server(roster)
    try:
        for _ in range(10):
            barrier = threading.Barrier(2)

            def disable(pair):
                me, other = pair
                barrier.wait()
                return call(server, keys[me], "POST", f"/api/v1/administrators/{other}/disable").status_code

            with ThreadPoolExecutor(2) as pool:
                codes = list(pool.map(disable, [(ADMIN, "second@example.com"), ("second@example.com", ADMIN)]))
            active = [a for a in roster.json("admin", "list") if not a.get("disabled")]
            assert len(active) >= 1, codes
            assert codes.count(200) <= 1, codes
            for email in (ADMIN, "second@example.com"):
                roster.run("admin", "enable", email)
    finally:
        server.stop()


def test_a_value_too_wide_for_the_directorys_index_is_refused_by_every_door(served):
    """700 characters above U+FFFF are 2800 bytes: more than a PostgreSQL index entry holds (2704)."""
    roster, server = served
    manager = key(roster, "manager")
    created = scim_user(server, manager, "narrow@example.com")
    wide = "".join(chr(0x10000 + i) for i in range(700))
    for name in ("displayname", "lastname"):
        answer = call(server, manager, "PATCH", f"/api/v1/users/{created['id']}",
                      json={"attributes": {name: wide}})
        assert answer.status_code == 400 and "1500 bytes" in answer.json()["error"]["message"], answer.text[:200]
    answer = call(server, manager, "POST", "/scim/v2/Users", json={
        "schemas": [USER], "userName": wide[:400] + "@example.com", "emails": [{"value": "w@example.com"}]})
    assert answer.status_code == 400, answer.text[:200]
    assert health_time(server) < 1


def test_every_cookie_is_http_only_same_site_lax_and_secure_behind_https(tmp_path):
    roster = Roster(tmp_path / "data").with_admin()
    for public, secure in [("https://roster.example", True), (None, False)]:
        server = Server(roster, env={"ROSTER_PUBLIC_URL": public} if public else None)
        try:
            form = requests.get(f"{server.url}/login")
            # Sent back by hand: a client does not return a Secure cookie over the test's plain http.
            login = form.raw.headers.getlist("Set-Cookie")[0].split(";")[0]
            signed_in = requests.post(f"{server.url}/login", headers={"Cookie": login}, data={
                "_csrf": csrf(form.text), "email": ADMIN, "password": "correct horse battery"}, allow_redirects=False)
            assert signed_in.status_code == 303
            cookies = form.raw.headers.getlist("Set-Cookie") + signed_in.raw.headers.getlist("Set-Cookie")
            assert any(c.startswith("roster_session=") for c in cookies), cookies
            for cookie in cookies:
                flags = [part.strip().lower() for part in cookie.split(";")[1:]]
                assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags, cookie
                assert ("secure" in flags) == secure, cookie
        finally:
            server.stop()


def test_interleaved_password_sign_ins_never_give_more_than_five_wrong_codes_per_window(served):
    """Each wrong code comes after a right password in a new sign-in: the password's success must not
    clear the codes' count, or a guesser gets five more codes with every sign-in."""
    roster, server = served
    email, password = "manager@example.com", "correct horse battery"
    enrolling = requests.Session()
    assert sign_in_form(server, enrolling, email, password, "/").status_code == 303
    page = enrolling.get(f"{server.url}/account/mfa").text
    secret = re.search(r'id="mfa-secret">([^<]+)<', page).group(1).replace(" ", "")
    enrolled = enrolling.post(f"{server.url}/account/mfa", data={
        "_csrf": csrf(page), "next": "/applications", "code": totp(secret, time.time())}, allow_redirects=False)
    assert enrolled.status_code in (200, 303), enrolled.text[:300]
    assert "mfa" in roster.run("admin", "list").stdout

    def second_step(code):
        browser = requests.Session()
        answer = sign_in_form(server, browser, email, password, "/")
        assert answer.status_code == 303 and answer.headers["Location"].startswith("/login/mfa"), answer.text[:300]
        step = browser.get(server.url + answer.headers["Location"]).text
        return browser.post(f"{server.url}/login/mfa", data={"_csrf": csrf(step), "next": "/", "code": code},
                            allow_redirects=False)

    checked = 0
    for _ in range(12):
        wrong = "000000" if totp(secret, time.time()) != "000000" else "111111"
        refused = second_step(wrong)
        assert refused.status_code == 401, refused.text[:300]
        if "too many" in refused.text.lower():
            break
        checked += 1
    assert checked <= 5, f"{checked} wrong codes were checked in one window"
    # validate: locked, the right code is refused as well until the window ends
    right = second_step(totp(secret, time.time()))
    assert right.status_code == 401 and "too many" in right.text.lower(), right.text[:300]


def test_a_pattern_that_backtracks_without_end_is_stopped_and_named_not_left_to_hold_the_server(served, misbehaving):
    """A mapping's replace `(a+)+$` on 30 a's and a `!` would take minutes: each value gets half a second."""
    roster, server = served
    roster.run("app", "create", "Slow", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    manager = key(roster, "manager")
    rules = {"rules": [{"source": "userName", "target": "jobTitle", "transforms": [
        {"op": "replace", "pattern": "^mis[0-9]+$", "with": "a" * 30 + "!"},
        {"op": "replace", "pattern": "(a+)+$", "with": "x"}]}]}
    slowest = []
    answered = []

    def ask_health():
        while not answered:
            slowest.append(health_time(server))

    watcher = threading.Thread(target=ask_health)
    watcher.start()
    try:
        started = time.monotonic()
        answer = call(server, manager, "PUT", "/api/v1/applications/Slow/mapping", json=rules)
        took = time.monotonic() - started
    finally:
        answered.append(True)
        watcher.join()
    assert answer.status_code == 400, answer.text[:300]
    message = answer.json()["error"]["message"]
    assert "(a+)+$" in message and "took longer than" in message, message
    # Stopped at the first value it held up, not after every user of the sample.
    assert took < 20, took
    assert slowest and max(slowest) < 1, slowest
    assert call(server, manager, "GET", "/api/v1/applications/Slow/mapping").json()["version"] == 0
