"""Safe to leave running: what a reader, a leaked key or a misbehaving provider tries, against a
real `roster serve` (which must still answer /healthz afterwards), the real command line, and
real SCIM and SMTP servers."""
import json
import time

import requests

from conftest import Roster, http, remote_users, stop
from portal import Server, Session

ADMIN = "admin@example.com"
HUGE = "9223372036854775807"


def healthy(server):
    return requests.get(f"{server.url}/healthz", timeout=10).json() == {"status": "ok"}


def api(server, key, method, path, **kwargs):
    return requests.request(method, server.url + path, headers={"Authorization": f"Bearer {key}"}, timeout=60, **kwargs)


def test_no_number_or_filter_from_a_reader_takes_the_server_down(tmp_path, misbehaving):
    roster = Roster(tmp_path / "data").with_admin().with_admin("viewer@example.com", role="readonly")
    roster.run("app", "create", "Source", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    app_id = roster.json("app", "list")[0]["id"]
    key = roster.json("apikey", "create", "--name", "reader")["key"]  # readonly by default
    server = Server(roster)
    try:
        viewer = Session(server.url, "viewer@example.com")
        for path in [f"/users?page={HUGE}", "/users?page=-1", "/users?page=0", "/users?page=1e9",
                     f"/applications/{app_id}/import?page={HUGE}", f"/applications/{app_id}/import?page=99999999999999999999"]:
            page = viewer.get(path)
            assert page.status_code == 400 and "page must be a whole number" in page.text.lower(), path
            assert healthy(server), path
        for path in ["/insights?from=99999-01-01", "/insights?to=0000-01-01", "/insights?from=2026-13-45",
                     "/insights?from=-9999999999-01-01T00:00:00Z", "/insights/export?format=csv&to=275760-09-13",
                     "/insights?from=2030-01-01&to=2020-01-01"]:
            page = viewer.get(path)
            assert page.status_code in (200, 400), (path, page.status_code)
            assert healthy(server), path
        for path in [f"/api/v1/users?limit={HUGE}", f"/api/v1/users?offset={HUGE}", "/api/v1/users?limit=-1",
                     f"/api/v1/insights?limit={HUGE}", "/api/v1/insights?limit=-5", "/api/v1/users?offset=1e3",
                     f"/api/v1/applications/Source/provisioning-log?offset={HUGE}",
                     "/api/v1/applications/Source/provisioning-log?limit=0",
                     "/api/v1/groups/x/bindings/Source?dryRun=maybe"]:
            method = "PUT" if "bindings" in path else "GET"
            answer = api(server, key, method, path)
            assert answer.status_code == 400 and answer.json()["error"]["message"], path
            assert healthy(server), path
        remote = "/api/v1/applications/Source/remote-users"
        # Parentheses need no escaping in a query: 50 KB of them reach the parser as they are.
        deep = "(" * 25_000 + "userName%20eq%20%22x%22" + ")" * 25_000
        answer = api(server, key, "GET", f"{remote}?filter={deep}")
        assert answer.status_code == 400 and "at most 8192" in answer.json()["error"]["message"]
        nested = "(" * 100 + 'userName eq "x"' + ")" * 100
        answer = api(server, key, "GET", remote, params={"filter": nested})
        assert answer.status_code == 400 and "64 levels" in answer.json()["error"]["message"]
        many = " or ".join(f'userName eq "u{i}"' for i in range(300))
        answer = api(server, key, "GET", remote, params={"filter": many})
        assert answer.status_code == 400 and "256" in answer.json()["error"]["message"]
        assert healthy(server)
        # NUL characters (which PostgreSQL cannot store) are refused at the door, whatever the field.
        admin_key = roster.json("apikey", "create", "--name", "nul", "--role", "admin", "--as", ADMIN)["key"]
        for method, path, body in [("POST", "/api/v1/applications", {"name": "a\u0000b"}),
                                   ("POST", "/api/v1/apikeys", {"name": "><\u0000", "role": "readonly"}),
                                   ("GET", "/api/v1/users?search=%00", None),
                                   ("GET", "/api/v1/insights?type=user_create%00", None)]:
            answer = api(server, admin_key, method, path, json=body)
            assert answer.status_code == 400 and "NUL" in answer.json()["error"]["message"], (path, answer.text)
        form = viewer.http.post(f"{server.url}/groups", data="_csrf=x&name=a%00b",
                                headers={"Content-Type": "application/x-www-form-urlencoded"}, allow_redirects=False)
        assert form.status_code == 400
        assert healthy(server)
        # Readonly may look, never change: "test connection" writes what it learns.
        assert api(server, key, "POST", "/api/v1/applications/Source/integration/test").status_code == 403
    finally:
        stop(server.process)


def test_a_provider_that_stalls_the_body_or_never_ends_is_cut_off_with_a_clear_error(tmp_path, misbehaving):
    env = {"ROSTER_SCIM_TIMEOUT_SECONDS": "2", "ROSTER_SCIM_MAX_LISTED": "300"}
    roster = Roster(tmp_path / "data", env).with_admin()
    roster.run("app", "create", "Stalls", "--scim-url", f"{misbehaving}/stall-body", "--bearer-token-env", "TOKEN")
    started = time.time()
    result = roster.run("import", "run", "Stalls", "--all", "--wait", "--as", ADMIN, check=False, timeout=120)
    assert time.time() - started < 60, "a stalled body must not hold the import"
    assert result.returncode == 2 and "within 2 s" in result.stderr, result.stderr
    # An OAuth token endpoint that stalls its body is cut off the same way.
    roster.run("app", "create", "Token", "--scim-url", f"{misbehaving}/oauth", "--oauth-token-url",
               f"{misbehaving}/oauth/token-stall", "--client-id", "roster-client", "--client-secret-env", "TOKEN")
    started = time.time()
    result = roster.run("app", "test", "Token", check=False, timeout=120)
    assert time.time() - started < 60 and result.returncode == 2 and "within 2 s" in result.stderr, result.stderr
    # A listing that keeps inventing users stops at the cap, and the job says so.
    roster.run("app", "create", "Endless", "--scim-url", f"{misbehaving}/endless", "--bearer-token-env", "TOKEN")
    result = roster.run("import", "run", "Endless", "--all", "--wait", "--as", ADMIN, "--json", check=False, timeout=300)
    job = json.loads(result.stdout)["job"]
    assert result.returncode == 2 and job["status"] == "failed", result.stderr
    assert "more than the 300 Roster reads from one provider" in job["reason"]


def test_private_addresses_and_plain_http_need_the_applications_allowance(tmp_path, misbehaving):
    roster = Roster(tmp_path / "data").with_admin()
    refused = roster.run("app", "create", "Plain", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN",
                         "--deny-private-network", check=False)
    assert refused.returncode == 1 and "http://" in refused.stderr and "--allow-private-network" in refused.stderr
    assert roster.json("app", "list") == [], "a refused integration leaves no half-made application"
    # https to a name that resolves to this machine: refused after resolution, before any byte is sent.
    port = misbehaving.rsplit(":", 1)[1]
    roster.run("app", "create", "Sneaky", "--scim-url", f"https://localhost:{port}/ok", "--bearer-token-env", "TOKEN",
               "--deny-private-network")
    answer = roster.run("app", "test", "Sneaky", check=False)
    assert answer.returncode == 1 and "loopback" in answer.stderr and "localhost" in answer.stderr, answer.stderr
    roster.run("app", "create", "Metadata", "--scim-url", "https://169.254.169.254/latest", "--bearer-token-env",
               "TOKEN", "--deny-private-network")
    answer = roster.run("app", "test", "Metadata", check=False)
    assert answer.returncode == 1 and "link-local" in answer.stderr, answer.stderr
    # Allowed from the start, then no longer, then again: each change is recorded in Insights (newest first);
    # an integration made public-only is the default and records nothing.
    roster.run("app", "create", "Local", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    assert roster.run("app", "test", "Local").returncode == 0
    roster.run("app", "set", "Local", "--deny-private-network")
    answer = roster.run("app", "test", "Local", check=False)
    assert answer.returncode == 1 and "http://" in answer.stderr, answer.stderr
    roster.run("app", "set", "Local", "--allow-private-network")
    assert roster.run("app", "test", "Local").returncode == 0
    events = roster.json("insights", "list", "--type", "idm_network_policy")
    assert [e["resource"]["name"] for e in events] == [
        "private network allowed", "public addresses only", "private network allowed"]


def test_administrators_and_keys_are_offboarded_from_the_command_line(tmp_path, misbehaving):
    roster = Roster(tmp_path / "data").with_admin()
    roster.with_admin("leaver@example.com", role="admin")
    server = Server(roster)
    try:
        session = Session(server.url, "leaver@example.com")
        assert session.get("/users").status_code == 200
        key = roster.json("apikey", "create", "--name", "leaver's", "--role", "admin", "--as", "leaver@example.com")
        assert set(key) == {"id", "name", "role", "key"} and key["role"] == "admin"
        assert api(server, key["key"], "GET", "/api/v1/administrators").status_code == 200
        # Demoted: sessions end, the key acts with at most the new role.
        roster.run("admin", "set-role", "leaver@example.com", "readonly")
        assert session.get("/users").headers["Location"].startswith("/login")
        assert api(server, key["key"], "GET", "/api/v1/users").status_code == 200
        assert api(server, key["key"], "POST", "/api/v1/groups", json={"name": "x"}).status_code == 403
        # A leaked key cannot mint keys of more power than its administrator.
        assert api(server, key["key"], "POST", "/api/v1/apikeys", json={"name": "more"}).status_code == 403
        roster.run("admin", "set-role", "leaver@example.com", "manager")
        session = Session(server.url, "leaver@example.com")
        roster.run("admin", "disable", "leaver@example.com")
        assert session.get("/users").headers["Location"].startswith("/login")
        refused = api(server, key["key"], "GET", "/api/v1/users")
        assert refused.status_code == 401 and "disabled" in refused.json()["error"]["message"]
        signin = requests.post(f"{server.url}/login", data={"email": "leaver@example.com", "password": "correct horse battery"},
                               allow_redirects=False)
        assert signin.status_code != 303
        roster.run("admin", "enable", "leaver@example.com")
        assert api(server, key["key"], "GET", "/api/v1/users").status_code == 200
        roster.run("admin", "set-password", "leaver@example.com", "--password-env", "NEWPW",
                   env={"NEWPW": "amber-lantern-quietly-77"})
        Session(server.url, "leaver@example.com", password="amber-lantern-quietly-77")
        weak = roster.run("admin", "set-password", "leaver@example.com", "--password-env", "NEWPW",
                          env={"NEWPW": "a long admin password"}, check=False)
        assert weak.returncode == 1 and "breached" in weak.stderr
        roster.run("admin", "delete", "leaver@example.com")
        assert api(server, key["key"], "GET", "/api/v1/users").status_code == 401
        assert [a["email"] for a in roster.json("admin", "list")] == [ADMIN]
        # The last active admin stays.
        for args in (["disable", ADMIN], ["delete", ADMIN], ["set-role", ADMIN, "manager"]):
            kept = roster.run("admin", *args, check=False)
            assert kept.returncode == 1 and "last active admin" in kept.stderr, kept.stderr
        # Keys: readonly by default, with an expiry, a last use, and revocation.
        hour = roster.json("apikey", "create", "--name", "hour", "--expires-in", "1h")
        assert hour["role"] == "readonly"
        assert api(server, hour["key"], "GET", "/api/v1/users").status_code == 200
        listed = {k["id"]: k for k in roster.json("apikey", "list")}
        assert listed[hour["id"]]["status"] == "active" and "lastUsed" in listed[hour["id"]]
        # A key past its expiry (waited for, however slow the machine) is refused, saying why.
        short = roster.json("apikey", "create", "--name", "short", "--expires-in", "1s")
        time.sleep(1.5)
        expired = api(server, short["key"], "GET", "/api/v1/users")
        assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
        assert {k["id"]: k for k in roster.json("apikey", "list")}[short["id"]]["status"] == "expired"
        ci = roster.json("apikey", "create", "--name", "ci", "--role", "manager")
        assert roster.run("apikey", "revoke", ci["id"]).stdout.strip() == f"revoked {ci['id']}"
        revoked = api(server, ci["key"], "GET", "/api/v1/users")
        assert revoked.status_code == 401 and "revoked" in revoked.json()["error"]["message"]
        # A key made with a leaked key goes when the leaked key is revoked.
        parent = roster.json("apikey", "create", "--name", "parent", "--role", "admin", "--as", ADMIN)
        child = api(server, parent["key"], "POST", "/api/v1/apikeys", json={"name": "child", "role": "manager"}).json()
        assert api(server, child["key"], "GET", "/api/v1/users").status_code == 200
        roster.run("apikey", "revoke", parent["id"])
        assert api(server, child["key"], "GET", "/api/v1/users").status_code == 401
        # A failed key is an Insights event, at most one a minute from one address.
        for _ in range(5):
            assert api(server, "rst_not-a-key", "GET", "/api/v1/users").status_code == 401
        failures = roster.json("insights", "list", "--type", "apikey_auth_failure")
        assert len(failures) == 1 and failures[0]["success"] is False
        types = {e["type"] for e in roster.json("insights", "list", "--limit", "200")}
        assert {"admin_set_role", "admin_set_password", "admin_disable", "admin_enable", "admin_delete", "apikey_create",
                "apikey_revoke"} <= types
        assert healthy(server)
    finally:
        stop(server.process)


def test_adopting_an_existing_group_keeps_its_other_members_until_confirmed(tmp_path, misbehaving, target):
    roster = Roster(tmp_path / "data").with_admin()
    roster.run("app", "create", "HR", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    roster.run("import", "run", "HR", "--user", "m-00001", "--user", "m-00002", "--as", ADMIN)
    # The application already has these people and a group "Eng" with one of ours and two strangers.
    ids = {}
    for name in ["mis00001", "outsider1", "outsider2", "outsider3"]:
        _, _, created = http("POST", f"{target}/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                                           "userName": name})
        ids[name] = created["id"]
    for group, members in [("Eng", ["mis00001", "outsider1", "outsider2"]), ("Ops", ["outsider3"])]:
        http("POST", f"{target}/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": group,
                                          "members": [{"value": ids[m]} for m in members]})
    roster.run("app", "create", "Wiki", "--scim-url", target, "--bearer-token-env", "TOKEN")
    for group in ("Eng", "Ops"):
        roster.run("group", "create", group)
        roster.run("group", "add-member", group, "mis00001@example.net", "mis00002@example.net")
    preview = roster.run("group", "bind", "Eng", "Wiki", "--dry-run").stdout
    assert "adopt" in preview and "keep the 3 members Roster did not add" in preview
    assert ids["outsider1"] in preview and ids["outsider2"] in preview

    def members(group):
        _, _, body = http("GET", f"{target}/Groups?count=100")
        found = next(g for g in body["Resources"] if g["displayName"] == group)
        names = {u["id"]: u["userName"] for u in remote_users(target)}
        return sorted(names[m["value"]] for m in found.get("members", []))

    assert members("Eng") == ["mis00001", "outsider1", "outsider2"], "a dry run changes nothing"
    roster.run("group", "bind", "Eng", "Wiki")
    roster.run("worker", "--until-idle")
    assert members("Eng") == ["mis00001", "mis00002", "outsider1", "outsider2"]
    held = [e for e in roster.json("provision", "log", "Wiki") if e["outcome"] == "held"]
    assert held and "roster provision confirm Wiki" in held[0]["detail"]
    roster.run("provision", "confirm", "Wiki")
    roster.run("worker", "--until-idle")
    assert members("Eng") == ["mis00001", "mis00002"]
    # An authoritative binding opts into full reconciliation at once.
    roster.run("group", "bind", "Ops", "Wiki", "--authoritative")
    roster.run("worker", "--until-idle")
    assert members("Ops") == ["mis00001", "mis00002"]
    groups = [g["displayName"] for g in http("GET", f"{target}/Groups?count=100")[2]["Resources"]]
    assert sorted(groups) == ["Eng", "Ops"], "never a second group of the same name"


def test_hsts_framing_and_id_like_names(tmp_path):
    roster = Roster(tmp_path / "data").with_admin()
    server = Server(roster, env={"ROSTER_PUBLIC_URL": "https://roster.example.com"})
    try:
        answer = requests.get(f"{server.url}/login")
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
        activation = requests.get(f"{server.url}/activate?token=nothing")
        assert "frame-ancestors 'none'" in activation.headers["Content-Security-Policy"]
        assert activation.headers["X-Frame-Options"] == "DENY"
    finally:
        stop(server.process)
    plain = Server(roster)
    try:
        assert "Strict-Transport-Security" not in requests.get(f"{plain.url}/login").headers
    finally:
        stop(plain.process)
    for kind in ("app", "group"):
        args = [kind, "create", "0b5e2c6a-1f1e-4c1a-9a57-3c1d2e4f5a6b"]
        if kind == "app":
            args += ["--scim-url", "https://scim.example.com", "--bearer-token-env", "TOKEN"]
        refused = roster.run(*args, check=False)
        assert refused.returncode == 1 and "looks like an id" in refused.stderr, refused.stderr


def test_the_data_folder_and_key_file_are_private(tmp_path):
    roster = Roster(tmp_path / "data").with_admin()
    assert (roster.data_dir.stat().st_mode & 0o777) == 0o700
    key = roster.data_dir / "secret.key"
    if key.exists():  # PostgreSQL runs take the key from ROSTER_SECRET_KEY
        assert (key.stat().st_mode & 0o777) == 0o600
    json.dumps(roster.json("config", "show"))


def test_parallel_sign_ins_get_no_more_tries_than_the_limit(tmp_path):
    """Twenty wrong passwords at once: the count comes before the slow hash, so five are judged
    and the rest are refused as locked; the right password then waits for the lock too."""
    from concurrent.futures import ThreadPoolExecutor

    from portal import csrf
    roster = Roster(tmp_path / "data").with_admin()
    server = Server(roster)
    try:
        def attempt(password):
            http_session = requests.Session()
            token = csrf(http_session.get(f"{server.url}/login").text)
            answer = http_session.post(f"{server.url}/login", allow_redirects=False,
                                       data={"_csrf": token, "email": ADMIN, "password": password})
            return answer.status_code, answer.text

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(attempt, ["wrong password!"] * 20))
        judged = [text for _, text in answers if "email or password is wrong" in text.lower()]
        locked = [text for _, text in answers if "too many failed sign-ins" in text.lower()]
        assert len(judged) <= 5 and len(judged) + len(locked) == 20, [t[:80] for _, t in answers]
        status, text = attempt("correct horse battery")
        assert status != 303 and "too many failed sign-ins" in text.lower()
        assert healthy(server)
    finally:
        stop(server.process)


def test_the_request_log_has_paths_and_ids_but_no_tokens_or_searches(tmp_path):
    roster = Roster(tmp_path / "data").with_admin()
    server = Server(roster, env={"ROSTER_LOG_LEVEL": "info", "ROSTER_LOG_FORMAT": "json"})
    try:
        answer = requests.get(f"{server.url}/activate?token=s3cret-activation-token")
        Session(server.url, ADMIN).get("/users?search=private-search-term")
    finally:
        stop(server.process)
    log = open(server.process.log_path).read()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests_logged = [line for line in lines if line.get("message") == "Request"]
    assert any(line["hb.request.path"] == "/activate" for line in requests_logged)
    assert any(line.get("hb.request.id") == answer.headers["X-Request-Id"] for line in requests_logged)
    for secret in ("s3cret-activation-token", "private-search-term", "correct horse battery"):
        assert secret not in log


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address_and_otherwise_the_socket(tmp_path):
    from portal import csrf
    roster = Roster(tmp_path / "data").with_admin()

    def failed_sign_in_from(server, forwarded):
        http_session = requests.Session()
        token = csrf(http_session.get(f"{server.url}/login").text)
        http_session.post(f"{server.url}/login", data={"_csrf": token, "email": ADMIN, "password": "wrong password!"},
                          headers={"X-Forwarded-For": forwarded}, allow_redirects=False)
        return roster.json("insights", "list", "--type", "admin_signin")[0]["clientIp"]

    for trusted, expected in [(None, "203.0.113.9"), ("none", "127.0.0.1"), ("10.9.9.9", "127.0.0.1")]:
        env = {} if trusted is None else {"ROSTER_TRUSTED_PROXIES": trusted}
        server = Server(roster, env=env)
        try:
            # The client claims an address, the proxy (loopback) appends the one it saw.
            assert failed_sign_in_from(server, "198.51.100.1, 203.0.113.9") == expected, trusted
        finally:
            stop(server.process)
        roster.run("admin", "unlock", ADMIN)
    refused = roster.run("config", "show", env={"ROSTER_TRUSTED_PROXIES": "proxy.example.com"}, check=False)
    assert refused.returncode == 1 and "ROSTER_TRUSTED_PROXIES" in refused.stderr
