"""The REST API against a running `roster serve`, every response validated against the OpenAPI
document the server itself serves (made strict: an undocumented field fails)."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from conftest import BIN, Roster, free_port, http, stop, wait_for

ADMIN = "admin@example.com"


def strict(node):
    """Forbid undocumented properties everywhere, so the document must match the server exactly."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            strict(value)
    elif isinstance(node, list):
        for value in node:
            strict(value)
    return node


@pytest.fixture(scope="module")
def server(tmp_path_factory, misbehaving):
    data = tmp_path_factory.mktemp("api") / "data"
    roster = Roster(data).with_admin()
    roster.run("admin", "create", "--email", "viewer@example.com", "--role", "readonly", "--password-env", "PW")
    admin_key = roster.run("apikey", "create", "--name", "ci", "--role", "admin", "--as", ADMIN).stdout.strip()
    readonly_key = roster.run("apikey", "create", "--name", "viewer", "--role", "readonly").stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([BIN, "serve", "--port", str(port), "--data-dir", str(data)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=roster.env)
    wait_for(f"{base}/healthz")
    document = requests.get(f"{base}/openapi.yaml").text
    spec = OpenAPI.from_dict(strict(yaml.safe_load(document)))
    yield {"base": base, "admin": admin_key, "readonly": readonly_key, "spec": spec, "roster": roster,
           "scim": f"{misbehaving}/ok", "document": yaml.safe_load(document)}
    stop(process)


class Client:
    def __init__(self, server, key):
        self.server, self.key, self.calls = server, key, set()

    def call(self, method, path, template=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}), **({"Authorization": f"Bearer {self.key}"} if self.key else {}))
        response = requests.request(method, self.server["base"] + path, headers=headers, timeout=120, **kwargs)
        request = response.request
        self.server["spec"].validate_response(RequestsOpenAPIRequest(request), RequestsOpenAPIResponse(response))
        self.server.setdefault("called", set()).add((method.lower(), template or path.split("?")[0]))
        return response


def test_health_and_the_document_are_served_without_a_key(server):
    assert requests.get(server["base"] + "/healthz").json() == {"status": "ok"}
    Client(server, None).call("GET", "/healthz")
    assert server["document"]["openapi"].startswith("3.1")


def test_the_whole_import_flow_over_the_api_matches_the_document(server):
    api = Client(server, server["admin"])
    assert api.call("POST", "/api/v1/applications", json={"name": "Mis", "description": "test"}).status_code == 201
    app = "/api/v1/applications/Mis"
    t = "/api/v1/applications/{app}"
    r = api.call("PUT", app + "/integration", t + "/integration",
                 json={"scimUrl": server["scim"], "auth": {"type": "bearer", "token": "secret-token"},
                       "allowPrivateNetwork": True})
    assert r.status_code == 200 and r.json()["integration"]["status"] == "active"
    assert "secret-token" not in r.text
    r = api.call("POST", app + "/integration/test", t + "/integration/test")
    assert r.json()["serviceProvider"]["filter"] is False
    r = api.call("GET", app + "/remote-users?sortBy=userName&sortOrder=descending&filter=userName%20sw%20%22mis0000%22", t + "/remote-users")
    assert [u["userName"] for u in r.json()["users"]][0] == "mis00009"
    r = api.call("POST", app + "/imports", t + "/imports", json={"userIds": ["m-00001", "m-00002", "m-99999"]})
    assert r.status_code == 200
    body = r.json()
    assert body["job"]["status"] == "completed" and body["job"]["created"] == 2 and body["job"]["failed"] == 1
    assert "not found" in body["results"][2]["reason"]
    r = api.call("POST", app + "/imports", t + "/imports", json={"all": True})
    assert r.status_code == 202 and r.json()["job"]["status"] == "queued"
    job_id = r.json()["job"]["id"]
    deadline = time.time() + 60
    while time.time() < deadline:
        shown = api.call("GET", f"/api/v1/imports/{job_id}", "/api/v1/imports/{id}").json()
        if shown["job"]["status"] not in ("queued", "running"):
            break
        time.sleep(0.3)
    assert shown["job"]["status"] == "completed" and shown["job"]["created"] == 248
    assert api.call("GET", "/api/v1/imports").json()["jobs"]
    users = api.call("GET", "/api/v1/users?limit=500").json()["users"]
    assert len(users) == 250
    one = api.call("GET", f"/api/v1/users/{users[0]['id']}", "/api/v1/users/{id}").json()
    assert one["email"] == users[0]["email"]
    newest = api.call("GET", "/api/v1/users?sort=created&limit=3").json()["users"]
    assert [u["created"] for u in newest] == sorted((u["created"] for u in users), reverse=True)[:3]
    assert api.call("GET", "/api/v1/users?sort=shoe-size").status_code == 400
    events = api.call("GET", "/api/v1/insights?type=user_create").json()["events"]
    assert len(events) == 250 and all(e["initiatedBy"]["email"] == ADMIN for e in events)
    assert events[0]["clientIp"] == "127.0.0.1"
    assert api.call("GET", "/api/v1/applications?search=mi").json()["applications"][0]["name"] == "Mis"
    assert api.call("GET", app, t).json()["integration"]["serviceProvider"]["cursorPagination"] is False
    r = api.call("POST", app + "/integration/deactivate", t + "/integration/deactivate")
    assert r.json()["integration"]["status"] == "deactivated"
    r = api.call("POST", app + "/imports", t + "/imports", json={"all": True})
    assert r.status_code == 400 and "deactivated" in r.json()["error"]["message"]
    r = api.call("POST", app + "/integration/activate", t + "/integration/activate")
    assert r.json()["integration"]["status"] == "active"


def test_groups_bindings_provisioning_and_accounts_over_the_api(server):
    api = Client(server, server["admin"])
    app, t = "/api/v1/applications/Wiki", "/api/v1/applications/{app}"
    api.call("POST", "/api/v1/applications", json={"name": "Wiki"})
    api.call("PUT", app + "/integration", t + "/integration",
             json={"scimUrl": server["scim"].replace("/ok", "/prov-ok"), "auth": {"type": "bearer", "token": "t"}, "allowPrivateNetwork": True})
    assert api.call("POST", "/api/v1/groups", json={"name": "Writers"}).status_code == 201
    member = "mis00003@example.net"
    g = "/api/v1/groups/{group}"
    assert api.call("PUT", f"/api/v1/groups/Writers/members/{member}", g + "/members/{email}").json() == {"ok": True}
    page = api.call("GET", "/api/v1/groups/Writers/members?limit=1", g + "/members").json()
    assert [m["email"] for m in page["users"]] == [member]
    preview = api.call("PUT", "/api/v1/groups/Writers/bindings/Wiki?dryRun=true", g + "/bindings/{app}").json()
    assert preview["membersToAdd"] == 1 and preview["existingMembers"] == 0 and preview["summary"]
    assert api.call("GET", "/api/v1/groups").json()["groups"][0]["applicationIds"] == []
    api.call("PUT", "/api/v1/groups/Writers/bindings/Wiki", g + "/bindings/{app}")
    groups = api.call("GET", "/api/v1/groups").json()["groups"]
    assert groups[0]["members"] == 1 and len(groups[0]["applicationIds"]) == 1
    deadline = time.time() + 30
    while time.time() < deadline:
        entries = api.call("GET", app + "/provisioning-log", t + "/provisioning-log").json()["entries"]
        if len([e for e in entries if e["outcome"] == "succeeded"]) >= 2:
            break
        time.sleep(0.3)
    assert {(e["target"]["type"], e["operation"]) for e in entries} >= {("user", "create"), ("group", "create")}
    users = api.call("GET", "/api/v1/users?search=mis00003").json()["users"]
    user_id = users[0]["id"]
    mine = api.call("GET", f"{app}/provisioning-log?userId={user_id}", t + "/provisioning-log").json()["entries"]
    assert mine and all(e["target"]["id"] == user_id for e in mine)
    assert api.call("PUT", app + "/settings", t + "/settings", json={"deprovision": "delete"}).status_code == 200
    assert api.call("PUT", app + "/settings", t + "/settings", json={}).status_code == 400
    assert api.call("PUT", app + "/settings", t + "/settings", json={"allowPrivateNetwork": True}).status_code == 200
    assert api.call("GET", app, t).json()["integration"]["allowPrivateNetwork"] is True
    assert api.call("POST", app + "/provisioning/confirm", t + "/provisioning/confirm").json() == {"ok": True, "count": 0}
    assert api.call("POST", app + "/integration/release", t + "/integration/release").json()["integration"]["status"] == "active"
    api.call("DELETE", f"/api/v1/groups/Writers/members/{member}", g + "/members/{email}")
    api.call("DELETE", "/api/v1/groups/Writers/bindings/Wiki", g + "/bindings/{app}")
    u = "/api/v1/users/{id}"
    weak = api.call("POST", f"/api/v1/users/{user_id}/password", u + "/password", json={"password": "short"})
    assert weak.status_code == 400 and "12 characters" in weak.json()["error"]["message"]
    assert api.call("POST", f"/api/v1/users/{user_id}/password", u + "/password", json={"password": "violet-harbour-tuesday-42"}).status_code == 200
    assert api.call("GET", f"/api/v1/users/{user_id}", u).json()["passwordStatus"] == "set"
    assert api.call("POST", f"/api/v1/users/{user_id}/activation-email", u + "/activation-email").status_code == 202
    mails = server["roster"].mails_eventually(lambda ms: any("Subject: Reset your password" in m for m in ms))
    assert any("Subject: Reset your password" in m for m in mails)


def test_administrators_and_keys_are_offboarded_over_the_api(server):
    """Every administrator and key operation, as the admin role; each change takes effect at once."""
    api = Client(server, server["admin"])
    a = "/api/v1/administrators/{email}"
    password = "violet-harbour-tuesday-42"
    r = api.call("POST", "/api/v1/administrators", json={"email": "new@example.com", "role": "manager", "password": password})
    assert r.status_code == 201 and r.json()["disabled"] is False and r.json()["mfa"] is False
    listed = api.call("GET", "/api/v1/administrators").json()["administrators"]
    assert any(x["email"] == "new@example.com" and x["role"] == "manager" for x in listed)
    r = api.call("POST", "/api/v1/administrators", json={"email": "x@example.com", "password": "short"})
    assert r.status_code == 400 and "12 characters" in r.json()["error"]["message"]
    # A key for the new administrator, made with their own session-less credentials via the CLI.
    roster = server["roster"]
    their_key = roster.run("apikey", "create", "--name", "theirs", "--role", "manager", "--as", "new@example.com").stdout.strip()
    theirs = Client(server, their_key)
    assert theirs.call("GET", "/api/v1/users").status_code == 200
    assert api.call("PUT", "/api/v1/administrators/new@example.com/role", a + "/role", json={"role": "readonly"}).status_code == 200
    assert theirs.call("POST", "/api/v1/groups", json={"name": "Demoted"}).status_code == 403
    assert api.call("PUT", "/api/v1/administrators/new@example.com/password", a + "/password",
                    json={"password": "password1234"}).status_code == 400
    assert api.call("PUT", "/api/v1/administrators/new@example.com/password", a + "/password",
                    json={"password": "amber-lantern-quietly-77"}).json() == {"ok": True}
    assert api.call("POST", "/api/v1/administrators/new@example.com/disable", a + "/disable").json() == {"ok": True}
    refused = theirs.call("GET", "/api/v1/users")
    assert refused.status_code == 401 and "disabled" in refused.json()["error"]["message"]
    assert api.call("POST", "/api/v1/administrators/new@example.com/enable", a + "/enable").status_code == 200
    assert theirs.call("GET", "/api/v1/users").status_code == 200
    assert api.call("POST", "/api/v1/administrators/new@example.com/unlock", a + "/unlock").status_code == 200
    assert api.call("POST", "/api/v1/administrators/new@example.com/reset-mfa", a + "/reset-mfa").status_code == 200
    assert api.call("POST", "/api/v1/administrators/nobody@example.com/disable", a + "/disable").status_code == 404
    r = api.call("POST", "/api/v1/apikeys", json={"name": "script", "expiresInDays": 30})
    assert r.status_code == 201 and r.json()["key"].startswith("rst_") and r.json()["role"] == "readonly"
    script = r.json()
    for days in [0, -1, 3651, 2**62]:
        refused = api.call("POST", "/api/v1/apikeys", json={"name": "forever", "expiresInDays": days})
        assert refused.status_code == 400 and "3650 days" in refused.json()["error"]["message"], (days, refused.text)
    keys = {k["id"]: k for k in api.call("GET", "/api/v1/apikeys").json()["keys"]}
    assert keys[script["id"]]["status"] == "active" and keys[script["id"]]["administrator"] == ADMIN
    assert "expires" in keys[script["id"]] and "lastUsed" not in keys[script["id"]]
    assert Client(server, script["key"]).call("GET", "/api/v1/users").status_code == 200
    assert "lastUsed" in {k["id"]: k for k in api.call("GET", "/api/v1/apikeys").json()["keys"]}[script["id"]]
    assert api.call("DELETE", f"/api/v1/apikeys/{script['id']}", "/api/v1/apikeys/{id}").json() == {"ok": True}
    assert Client(server, script["key"]).call("GET", "/api/v1/users").status_code == 401
    assert {k["id"]: k for k in api.call("GET", "/api/v1/apikeys").json()["keys"]}[script["id"]]["status"] == "revoked"
    assert api.call("DELETE", "/api/v1/administrators/new@example.com", a).json() == {"ok": True}
    assert theirs.call("GET", "/api/v1/users").status_code == 401
    assert not any(x["email"] == "new@example.com" for x in api.call("GET", "/api/v1/administrators").json()["administrators"])


def test_readonly_reads_but_cannot_change_and_no_key_is_refused(server):
    viewer = Client(server, server["readonly"])
    assert viewer.call("GET", "/api/v1/users").status_code == 200
    r = viewer.call("POST", "/api/v1/applications", json={"name": "Nope"})
    assert r.status_code == 403 and "readonly" in r.json()["error"]["message"]
    assert viewer.call("GET", "/api/v1/administrators").status_code == 403
    assert Client(server, None).call("GET", "/api/v1/users").status_code == 401
    assert Client(server, "rst_wrong").call("GET", "/api/v1/users").status_code == 401
    r = Client(server, server["admin"]).call("POST", "/api/v1/applications", data="{not json")
    assert r.status_code == 400


def metrics(api):
    """The scrape as {series with labels: value}."""
    response = api.call("GET", "/metrics")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    series = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            series[name] = float(value)
    return series


def total(series, name, **labels):
    """The sum of a metric's series whose labels include `labels`."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    return sum(value for key, value in series.items()
               if (key == name or key.startswith(name + "{")) and all(w in key for w in wanted))


def test_metrics_count_requests_scim_calls_imports_pushes_and_the_queue(server):
    api = Client(server, server["admin"])
    before = metrics(api)
    # setup: an import and a push, both after the first scrape
    app, t = "/api/v1/applications/Metered", "/api/v1/applications/{app}"
    api.call("POST", "/api/v1/applications", json={"name": "Metered"})
    api.call("PUT", app + "/integration", t + "/integration",
             json={"scimUrl": server["scim"].replace("/ok", "/prov-flaky-metrics"), "auth": {"type": "bearer", "token": "t"}, "allowPrivateNetwork": True})
    assert api.call("POST", app + "/imports", t + "/imports", json={"userIds": ["m-00010", "m-00011"]}).status_code == 200
    portal = requests.Session()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', portal.get(server["base"] + "/login").text).group(1)
    portal.post(server["base"] + "/login", data={"_csrf": csrf, "email": "nobody@example.com", "password": "wrong"})
    api.call("POST", "/api/v1/groups", json={"name": "Metered staff"})
    api.call("PUT", "/api/v1/groups/Metered%20staff/members/mis00010@example.net", "/api/v1/groups/{group}/members/{email}")
    api.call("PUT", "/api/v1/groups/Metered%20staff/bindings/Metered", "/api/v1/groups/{group}/bindings/{app}")
    deadline = time.time() + 30
    while time.time() < deadline:
        after = metrics(api)
        # the user and the group, the second write after a 429
        if total(after, "roster_provisioning_pushes", outcome="succeeded") >= total(before, "roster_provisioning_pushes", outcome="succeeded") + 2:
            break
        time.sleep(0.3)
    # validate: each named series is there and moved
    assert total(after, "hb_requests", http_route="/api/v1/applications/{app}/imports", http_response_status_code="200") \
        > total(before, "hb_requests", http_route="/api/v1/applications/{app}/imports", http_response_status_code="200")
    assert total(after, "roster_scim_requests", application="Metered") >= 3
    assert total(after, "roster_scim_request_duration_count", application="Metered") >= 3
    assert total(after, "roster_import_users") == total(before, "roster_import_users") + 2
    assert total(after, "roster_import_users_per_second") > 0
    assert total(after, "roster_provisioning_pushes", outcome="succeeded", operation="create") >= 1
    assert total(after, "roster_mail_sent") > total(before, "roster_mail_sent")
    # the flaky provider answers 429 with Retry-After and 503 to some writes: Roster waits and retries
    assert total(after, "roster_scim_rate_limited", application="Metered") >= 1, "\n".join(k for k in after if "scim_requests" in k)
    assert total(after, "roster_scim_retries", application="Metered") >= 1
    assert total(after, "roster_signin_failures") == total(before, "roster_signin_failures") + 1
    assert any(name.startswith("roster_queue_depth{") for name in after)
    assert any(name.startswith("roster_queue_oldest_age_seconds{") for name in after)


def test_every_answer_has_a_request_id_that_the_events_it_made_carry(server):
    api = Client(server, server["admin"])
    response = api.call("POST", "/api/v1/groups", json={"name": "Traced"})
    request_id = response.headers["X-Request-Id"]
    assert request_id and api.call("GET", "/healthz").headers["X-Request-Id"] != request_id
    events = api.call("GET", "/api/v1/insights?type=group_create").json()["events"]
    traced = [e for e in events if e["resource"]["name"] == "Traced"]
    assert [e["requestId"] for e in traced] == [request_id]

def test_presets_are_listed_and_an_application_made_from_one_takes_its_url_and_pace(server):
    api = Client(server, server["admin"])
    presets = api.call("GET", "/api/v1/presets?search=zoom", "/api/v1/presets").json()["presets"]
    assert [p["id"] for p in presets] == ["zoom"] and presets[0]["rateLimit"]["requestsPerMinute"] == 60
    assert "baseURL" not in api.call("GET", "/api/v1/presets?search=notion", "/api/v1/presets").json()["presets"][0]
    created = api.call("POST", "/api/v1/applications", json={"name": "Meetings", "preset": "zoom"})
    assert created.status_code == 201 and created.json()["preset"] == "zoom"
    app = api.call("PUT", "/api/v1/applications/Meetings/integration", "/api/v1/applications/{app}/integration",
                   json={"auth": {"type": "bearer", "token": "t"}}).json()
    assert app["integration"]["scimUrl"] == "https://api.zoom.us/scim2" and app["integration"]["rateLimit"] == 1
    unknown = api.call("POST", "/api/v1/applications", json={"name": "Nope", "preset": "no-such-vendor"})
    assert unknown.status_code == 404 and "no preset" in unknown.json()["error"]["message"]


def connected_application(server, name):
    """An application whose integration points at the test provider; the client and its paths."""
    api = Client(server, server["admin"])
    assert api.call("POST", "/api/v1/applications", json={"name": name}).status_code == 201
    app, t = f"/api/v1/applications/{name}", "/api/v1/applications/{app}"
    api.call("PUT", app + "/integration", t + "/integration",
             json={"scimUrl": server["scim"], "auth": {"type": "bearer", "token": "t"}, "allowPrivateNetwork": True})
    return api, app, t


def test_an_import_schedule_is_set_read_refused_when_wrong_and_turned_off(server):
    api, app, t = connected_application(server, "Nightly")
    assert api.call("GET", app + "/schedule", t + "/schedule").status_code == 404
    set_ = api.call("PUT", app + "/schedule", t + "/schedule",
                    json={"cron": "0 2 * * *", "filter": 'userName sw "a"', "dryRun": True})
    assert set_.status_code == 200
    assert set_.json()["words"] == "every day at 02:00 UTC" and set_.json()["owner"] == ADMIN
    assert api.call("GET", app + "/schedule", t + "/schedule").json()["filter"] == 'userName sw "a"'
    for wrong, words in [({"every": "1m"}, "at most every 5 minutes"), ({"cron": "0 2 * *"}, "five fields"),
                         ({"every": "6h", "cron": "0 2 * * *"}, "not both"),
                         ({"every": "6h", "filter": "userName eq"}, "filter")]:
        r = api.call("PUT", app + "/schedule", t + "/schedule", json=wrong)
        assert r.status_code == 400 and words in r.json()["error"]["message"], (wrong, r.text)
    assert api.call("DELETE", app + "/schedule", t + "/schedule").json()["ok"]
    assert api.call("GET", app + "/schedule", t + "/schedule").status_code == 404


def test_an_attribute_mapping_is_read_tried_on_a_sample_and_saved_as_a_version(server):
    api, app, t = connected_application(server, "Mapped")
    assert api.call("GET", app + "/mapping", t + "/mapping").json() == {"rules": [], "version": 0}
    rule = {"source": "name.familyName", "target": "organization", "transforms": [{"op": "upper"}]}
    saved = api.call("PUT", app + "/mapping", t + "/mapping", json={"rules": [rule]}).json()
    # A rule with a transform reads in only: the answer says so, and shows the sample both ways.
    assert saved["version"] == 1 and saved["changedBy"] == ADMIN and saved["rules"] == [dict(rule, direction="inbound")]
    assert saved["preview"][0]["inbound"][0]["attribute"] == "organization" and saved["preview"][0]["outbound"] == []
    bad = api.call("PUT", app + "/mapping", t + "/mapping", json={"rules": [
        {"source": "userName", "target": "salary", "transforms": []}]})
    assert bad.status_code == 400 and "salary" in bad.json()["error"]["message"]
    assert api.call("GET", app + "/mapping", t + "/mapping").json()["version"] == 1



def test_custom_attributes_are_declared_set_shown_filtered_and_removed(server):
    api = Client(server, server["admin"])
    declared = api.call("POST", "/api/v1/attributes", json={"name": "badge", "type": "number",
                                                            "description": "Door badge"})
    assert declared.status_code == 201 and declared.json()["type"] == "number"
    again = api.call("POST", "/api/v1/attributes", json={"name": "BADGE", "type": "string"})
    assert again.status_code == 409 and "declared already" in again.json()["error"]["message"]
    own = api.call("POST", "/api/v1/attributes", json={"name": "email", "type": "string"})
    assert own.status_code == 400 and "directory's own" in own.json()["error"]["message"]
    wrong = api.call("POST", "/api/v1/attributes", json={"name": "x", "type": "colour"})
    assert wrong.status_code == 400 and "string, number, boolean, date" in wrong.json()["error"]["message"]
    assert [a["name"] for a in api.call("GET", "/api/v1/attributes").json()["attributes"]] == ["badge"]
    users = api.call("GET", "/api/v1/users?limit=3").json()["users"]
    assert len(users) == 3
    one, t_one = f"/api/v1/users/{users[0]['id']}", "/api/v1/users/{id}"
    refused = api.call("PATCH", one, t_one, json={"attributes": {"jobTitle": "Pilot", "badge": "twelve"}})
    assert refused.status_code == 400 and "not a number" in refused.json()["error"]["message"]
    assert api.call("GET", one, t_one).json().get("jobTitle") != "Pilot"  # nothing changed
    changed = api.call("PATCH", one, t_one, json={"attributes": {"jobTitle": "Pilot", "badge": 12}})
    assert changed.status_code == 200 and changed.json()["jobTitle"] == "Pilot"
    readonly = Client(server, server["readonly"]).call("PATCH", one, t_one, json={"attributes": {"badge": 1}})
    assert readonly.status_code == 403
    for user, badge in zip(users[1:], ["7.5", "300"]):
        server["roster"].run("user", "set", user["email"], f"badge={badge}")
    shown = api.call("GET", f"/api/v1/users/{users[0]['id']}", "/api/v1/users/{id}").json()
    assert shown["custom"] == {"badge": 12}
    found = api.call("GET", "/api/v1/users?where=badge%20ge%208&where=badge%20lt%20301").json()["users"]
    assert sorted(u["custom"]["badge"] for u in found) == [12, 300]
    assert len(api.call("GET", "/api/v1/users?where=badge%20pr&offset=0").json()["users"]) == 3
    bad = api.call("GET", "/api/v1/users?where=badge%20co%201")
    assert bad.status_code == 400 and "co does not apply to badge" in bad.json()["error"]["message"]
    kept = api.call("DELETE", "/api/v1/attributes/badge", "/api/v1/attributes/{name}")
    assert kept.status_code == 409 and "3 user(s) hold a value" in kept.json()["error"]["message"]
    gone = api.call("DELETE", "/api/v1/attributes/badge?force=true", "/api/v1/attributes/{name}").json()
    assert gone == {"removed": "badge", "clearedValues": 3}
    assert "custom" not in api.call("GET", one, t_one).json()
    cleared = api.call("PATCH", one, t_one, json={"attributes": {"jobTitle": None}}).json()
    assert "jobTitle" not in cleared


def test_an_edit_with_the_version_read_is_saved_once_and_a_stale_one_is_412(server):
    api = Client(server, server["admin"])
    users = api.call("GET", "/api/v1/users?search=mis00007").json()["users"]
    one, t = f"/api/v1/users/{users[0]['id']}", "/api/v1/users/{id}"
    read = api.call("GET", one, t)
    tag = read.headers["ETag"]
    assert tag == f'W/"{read.json()["version"]}"'
    # Two editors read the same version; the first one's edit is saved, the second one's refused.
    first = api.call("PATCH", one, t, json={"attributes": {"jobTitle": "First"}}, headers={"If-Match": tag})
    assert first.status_code == 200 and first.headers["ETag"] != tag
    second = api.call("PATCH", one, t, json={"attributes": {"jobTitle": "Second"}}, headers={"If-Match": tag})
    assert second.status_code == 412, second.text
    assert api.call("GET", one, t).json()["jobTitle"] == "First"
    bad = api.call("PATCH", one, t, json={"attributes": {"jobTitle": "x"}}, headers={"If-Match": "yesterday"})
    assert bad.status_code == 400 and "If-Match" in bad.json()["error"]["message"]


def test_the_queue_is_read_and_a_running_import_cancelled_over_the_api(server):
    """The import waits on a page the application holds when it is cancelled, by construction."""
    api = Client(server, server["admin"])
    mode = "hold-pages-api"
    api.call("POST", "/api/v1/applications", json={"name": "Held"})
    api.call("PUT", "/api/v1/applications/Held/integration", "/api/v1/applications/{app}/integration",
             json={"scimUrl": server["scim"].replace("/ok", f"/{mode}"), "auth": {"type": "bearer", "token": "t"},
                   "allowPrivateNetwork": True})
    import_id = api.call("POST", "/api/v1/applications/Held/imports", "/api/v1/applications/{app}/imports",
                         json={"all": True}).json()["job"]["id"]
    base = server["scim"].rsplit("/", 1)[0]
    try:
        deadline = time.time() + 120
        while http("GET", f"{base}/{mode}/_held")[2]["held"] < 1:
            assert time.time() < deadline, "the import never reached the held page"
            time.sleep(0.1)
        jobs = api.call("GET", "/api/v1/jobs?limit=50").json()["jobs"]
        entry = next(j for j in jobs if j["kind"] == "import" and json.loads(j["payload"])["importJobId"] == import_id)
        job = "/api/v1/jobs/{id}"
        assert api.call("GET", f"/api/v1/jobs/{entry['id']}", job).json()["status"] in ("queued", "running")
        readonly = Client(server, server["readonly"])
        assert readonly.call("POST", f"/api/v1/jobs/{entry['id']}/cancel", job + "/cancel").status_code == 403
        # MUT
        cancelled = api.call("POST", f"/api/v1/jobs/{entry['id']}/cancel", job + "/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    finally:
        http("GET", f"{base}/{mode}/_release")
    # validate: the import stops at its next batch, keeping what it created; a second cancel is a conflict
    deadline = time.time() + 120
    while (shown := api.call("GET", f"/api/v1/imports/{import_id}", "/api/v1/imports/{id}").json())["job"]["status"] \
            in ("queued", "running"):
        assert time.time() < deadline, "the import never stopped"
        time.sleep(0.3)
    assert shown["job"]["status"] == "cancelled"
    again = api.call("POST", f"/api/v1/jobs/{entry['id']}/cancel", job + "/cancel")
    assert again.status_code == 409, again.text
    assert api.call("GET", "/api/v1/jobs/not-a-job", job).status_code == 404


def test_every_operation_in_the_document_was_exercised(server):
    documented = {(method, path) for path, item in server["document"]["paths"].items()
                  for method in item if method in ("get", "post", "put", "delete", "patch")}
    assert len(documented) > 30
    documented.discard(("get", "/openapi.yaml"))
    missing = documented - server.get("called", set())
    assert not missing, f"documented but not exercised: {sorted(missing)}"


def test_roster_serve_on_a_fresh_directory_creates_data_and_answers_health():
    folder = tempfile.mkdtemp()
    port = free_port()
    process = subprocess.Popen([BIN, "serve", "--port", str(port)], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert requests.get(wait_for_url(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        assert os.path.exists(os.path.join(folder, "data", "roster.sqlite"))
        portal = requests.get(f"http://127.0.0.1:{port}/")
        assert portal.url.endswith("/login?next=%2Fapplications") and "Sign in" in portal.text
    finally:
        stop(process)
        shutil.rmtree(folder, ignore_errors=True)
    # The first start says how to create the first administrator.
    assert "roster admin create --email" in process.stdout.read().decode()


def wait_for_url(url):
    wait_for(url)
    return url


def test_the_import_screen_answers_from_its_stored_listing_until_refresh_or_an_import(server):
    """remote-users reads the application once; pages, statuses, search and sort are answered from
    what it stored; a provider that grows or shrinks shows so after refresh=true; an import makes
    the next view read again, and users imported since show as already in the directory."""
    api = Client(server, server["admin"])
    provider = server["scim"].replace("/ok", "/prov-listing")
    for i in range(30):
        requests.post(f"{provider}/Users", json={"userName": f"lst{i:03d}", "emails": [{"value": f"lst{i:03d}@example.org"}]})
    assert api.call("POST", "/api/v1/applications", json={"name": "Listed"}).status_code == 201
    app, t = "/api/v1/applications/Listed", "/api/v1/applications/{app}"
    api.call("PUT", app + "/integration", t + "/integration",
             json={"scimUrl": provider, "auth": {"type": "bearer", "token": "t"}, "allowPrivateNetwork": True})
    reads = lambda: requests.get(f"{provider}/_stats").json().get("reads", 0)
    first = api.call("GET", app + "/remote-users?limit=10", t + "/remote-users").json()
    assert first["matching"] == 30 and first["counts"] == {"new": 30, "existing": 0, "invalid": 0}
    before = reads()
    page = api.call("GET", app + "/remote-users?limit=5&offset=10&sortBy=userName&sortOrder=descending", t + "/remote-users")
    assert [u["userName"] for u in page.json()["users"]] == [f"lst{i:03d}" for i in range(19, 14, -1)]
    assert api.call("GET", app + "/remote-users?search=LST02", t + "/remote-users").json()["matching"] == 10
    assert api.call("GET", app + "/remote-users?status=existing", t + "/remote-users").json()["matching"] == 0
    assert reads() == before, "page views, search, sort and status were answered from the stored listing"
    # The application grows and shrinks: the stored listing stays until refresh.
    for i in range(30, 35):
        requests.post(f"{provider}/Users", json={"userName": f"lst{i:03d}", "emails": [{"value": f"lst{i:03d}@example.org"}]})
    requests.delete(f"{provider}/Users/prov-listing-00001")
    assert api.call("GET", app + "/remote-users", t + "/remote-users").json()["matching"] == 30
    refreshed = api.call("GET", app + "/remote-users?refresh=true&limit=1000", t + "/remote-users").json()
    assert refreshed["matching"] == 34 and refreshed["listedAt"] >= first["listedAt"]
    assert "lst000" not in [u["userName"] for u in refreshed["users"]]
    # An import: the next view reads again and shows the imported users as already in the directory.
    assert api.call("POST", app + "/imports", t + "/imports", json={"all": True}).json()["job"]["created"] == 34
    before = reads()
    after = api.call("GET", app + "/remote-users?status=existing&limit=1000", t + "/remote-users").json()
    assert reads() > before, "an import makes the next view read the application again"
    assert sorted(u["remoteId"] for u in after["users"]) == sorted(u["remoteId"] for u in refreshed["users"])
    assert after["counts"] == {"new": 0, "existing": 34, "invalid": 0}
    assert api.call("GET", app + "/remote-users?limit=1001", t + "/remote-users").status_code == 400
    assert api.call("GET", app + "/remote-users?status=maybe", t + "/remote-users").status_code == 400

