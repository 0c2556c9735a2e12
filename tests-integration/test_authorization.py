"""The authorization matrix: every route `roster serve` answers (from `roster routes`, so a new
route without an entry here fails) × every kind of caller → the status it must get. REST API
routes are also checked against the OpenAPI document, both ways, and their bodies are made from
its schemas, so a refusal is never hidden behind a 400 for a missing field."""
import html
import json
import re
import time
from urllib.parse import quote

import pytest
import requests
import yaml

from conftest import Roster, stop
from portal import Server, Session, csrf
from test_scim_service import SCIM_ROUTES

ADMIN = "admin@example.com"
# Who may call a route: anyone; any signed-in administrator whatever their role (their own account);
# the readonly, manager and admin roles and above.
PUBLIC, SIGNED_IN, READ, CHANGE, ADMINISTER = "public", "signed-in", "readonly", "manager", "admin"
RANK = {READ: 0, CHANGE: 1, ADMINISTER: 2}

API = {
    "GET /healthz": PUBLIC, "GET /metrics": PUBLIC, "GET /openapi.yaml": PUBLIC, "GET /scim-openapi.yaml": PUBLIC,
    "GET /api/v1/applications": READ, "POST /api/v1/applications": CHANGE,
    "GET /api/v1/applications/{app}": READ, "GET /api/v1/presets": READ,
    "GET /api/v1/applications/{app}/schedule": READ, "PUT /api/v1/applications/{app}/schedule": CHANGE,
    "DELETE /api/v1/applications/{app}/schedule": CHANGE,
    "GET /api/v1/applications/{app}/mapping": READ, "PUT /api/v1/applications/{app}/mapping": CHANGE,
    "PUT /api/v1/applications/{app}/integration": CHANGE,
    "POST /api/v1/applications/{app}/integration/test": CHANGE,
    "POST /api/v1/applications/{app}/integration/activate": CHANGE,
    "POST /api/v1/applications/{app}/integration/deactivate": CHANGE,
    "POST /api/v1/applications/{app}/integration/release": CHANGE,
    "GET /api/v1/applications/{app}/remote-users": READ,
    "POST /api/v1/applications/{app}/imports": CHANGE,
    "GET /api/v1/applications/{app}/provisioning-log": READ,
    "POST /api/v1/applications/{app}/provisioning/confirm": CHANGE,
    "PUT /api/v1/applications/{app}/settings": CHANGE,
    "GET /api/v1/imports": READ, "GET /api/v1/imports/{id}": READ,
    "GET /api/v1/users": READ, "GET /api/v1/users/{id}": READ, "PATCH /api/v1/users/{id}": CHANGE,
    "GET /api/v1/attributes": READ, "POST /api/v1/attributes": CHANGE, "DELETE /api/v1/attributes/{name}": CHANGE,
    "POST /api/v1/users/{id}/password": CHANGE, "POST /api/v1/users/{id}/activation-email": CHANGE,
    "GET /api/v1/insights": READ,
    "GET /api/v1/jobs": READ, "GET /api/v1/jobs/{id}": READ, "POST /api/v1/jobs/{id}/cancel": CHANGE,
    "GET /api/v1/groups": READ, "POST /api/v1/groups": CHANGE, "GET /api/v1/groups/{group}/members": READ,
    "PUT /api/v1/groups/{group}/members/{email}": CHANGE, "DELETE /api/v1/groups/{group}/members/{email}": CHANGE,
    "PUT /api/v1/groups/{group}/bindings/{app}": CHANGE, "DELETE /api/v1/groups/{group}/bindings/{app}": CHANGE,
    "GET /api/v1/administrators": ADMINISTER, "POST /api/v1/administrators": ADMINISTER,
    "DELETE /api/v1/administrators/{email}": ADMINISTER,
    "PUT /api/v1/administrators/{email}/role": ADMINISTER, "PUT /api/v1/administrators/{email}/password": ADMINISTER,
    "POST /api/v1/administrators/{email}/disable": ADMINISTER, "POST /api/v1/administrators/{email}/enable": ADMINISTER,
    "POST /api/v1/administrators/{email}/unlock": ADMINISTER,
    "POST /api/v1/administrators/{email}/reset-mfa": ADMINISTER,
    "GET /api/v1/apikeys": ADMINISTER, "POST /api/v1/apikeys": ADMINISTER, "DELETE /api/v1/apikeys/{id}": ADMINISTER,
}

PORTAL = {
    "GET /": PUBLIC, "GET /login": PUBLIC, "POST /login": PUBLIC, "POST /logout": PUBLIC,
    "GET /static/portal.css": PUBLIC, "GET /static/portal.js": PUBLIC,
    "GET /activate": PUBLIC, "POST /activate": PUBLIC,  # the single-use link is the credential
    "GET /login/mfa": PUBLIC, "POST /login/mfa": PUBLIC,  # only a session owing its second step gets further
    "GET /account": SIGNED_IN, "GET /account/mfa": SIGNED_IN, "POST /account/mfa": SIGNED_IN,
    "POST /account/signout-everywhere": SIGNED_IN,
    "GET /applications": READ, "POST /applications": CHANGE, "GET /applications/{app}": READ,
    "GET /applications/{app}/deactivate": CHANGE,  # the confirmation page of a change
    "POST /applications/{app}/integration": CHANGE, "POST /applications/{app}/integration/test": CHANGE,
    "POST /applications/{app}/integration/activate": CHANGE,
    "POST /applications/{app}/integration/deactivate": CHANGE,
    "POST /applications/{app}/integration/release": CHANGE,
    "POST /applications/{app}/schedule": CHANGE, "POST /applications/{app}/schedule/off": CHANGE,
    "GET /applications/{app}/import": READ, "POST /applications/{app}/import/preview": READ,
    "POST /applications/{app}/import": CHANGE,
    "GET /imports": READ, "GET /imports/{id}": READ, "GET /imports/{id}/progress": READ,
    "GET /imports/{id}/results.csv": READ,
    "GET /users": READ, "GET /users/{id}": READ, "POST /attributes": CHANGE, "POST /users/{id}/password": CHANGE,
    "POST /users/{id}/activation": CHANGE, "POST /users/{id}/attributes": CHANGE,
    "GET /groups": READ, "POST /groups": CHANGE, "GET /groups/{id}": READ,
    "POST /groups/{id}/members": CHANGE, "POST /groups/{id}/members/remove": CHANGE,
    "POST /groups/{id}/bindings/preview": READ, "POST /groups/{id}/bindings": CHANGE,
    "POST /groups/{id}/bindings/remove": CHANGE,
    "GET /insights": READ, "GET /insights/export": READ, "GET /jobs": READ, "POST /jobs/{id}/cancel": CHANGE,
    "GET /administrators": ADMINISTER, "POST /administrators": ADMINISTER,
    "POST /administrators/{email}/role": ADMINISTER, "POST /administrators/{email}/password": ADMINISTER,
    "POST /administrators/{email}/disable": ADMINISTER, "POST /administrators/{email}/enable": ADMINISTER,
    "POST /administrators/{email}/unlock": ADMINISTER, "POST /administrators/{email}/reset-mfa": ADMINISTER,
    "POST /administrators/{email}/delete": ADMINISTER,
    "POST /apikeys": ADMINISTER, "POST /apikeys/{id}/revoke": ADMINISTER,
}


def example(schema, document):
    """A value that satisfies `schema`: each required property, the first enum value, the minimum."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return example(document["components"]["schemas"][name], document)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {k: example(v, document) for k, v in schema.get("properties", {}).items() if k in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return "x" * max(1, schema.get("minLength", 1))


@pytest.fixture(scope="module")
def world(tmp_path_factory, misbehaving):
    roster = Roster(tmp_path_factory.mktemp("authz") / "data").with_admin()
    for email, role in [("manager@example.com", "manager"), ("viewer@example.com", "readonly"),
                        ("target@example.com", "admin"), ("gone@example.com", "manager")]:
        roster.with_admin(email, role=role)
    # A provider that keeps what it is sent and lists its groups (a store of its own): binding previews
    # and pushes reach it as they would a real application's.
    roster.run("app", "create", "Acme", "--scim-url", f"{misbehaving}/prov-authz", "--bearer-token-env", "TOKEN")
    job = roster.json("import", "run", "Acme", "--user", "m-00001", "--user", "m-00002", "--as", ADMIN)
    user = roster.json("users", "list")[0]
    roster.run("group", "create", "Eng")
    roster.run("attribute", "declare", "badge", "--type", "number")
    roster.run("group", "add-member", "Eng", user["email"])
    roster.run("app", "schedule", "Acme", "--every", "1d", "--dry-run", "--as", ADMIN)

    def key(name, role, owner):
        return roster.json("apikey", "create", "--name", name, "--role", role, "--as", owner)

    keys = {READ: key("r", "readonly", "viewer@example.com")["key"], CHANGE: key("m", "manager", "manager@example.com")["key"],
            ADMINISTER: key("a", "admin", ADMIN)["key"]}
    revoked = key("revoked", "admin", ADMIN)
    roster.run("apikey", "revoke", revoked["id"])
    disabled_owner = key("disabled", "manager", "gone@example.com")["key"]
    expired = roster.json("apikey", "create", "--name", "expired", "--role", "admin", "--as", ADMIN, "--expires-in", "1s")
    throwaway = key("throwaway", "readonly", ADMIN)
    server = Server(roster)
    gone_session = Session(server.url, "gone@example.com")
    roster.run("admin", "disable", "gone@example.com")
    time.sleep(1.2)  # the expired key's second
    document = yaml.safe_load(requests.get(f"{server.url}/openapi.yaml").text)
    app_id = roster.json("app", "list")[0]["id"]
    group_id = roster.sql("SELECT id FROM user_groups")
    # A job of the queue (the import's results email): cancelling it once it ran is the handler's 409.
    queued = roster.json("jobs", "list")[0]["id"]
    values = {"api": {"app": "Acme", "group": "Eng", "email": user["email"], "user": user["id"],
                      "import": job["job"]["id"], "key": throwaway["id"], "admin": "target@example.com",
                      "name": "badge", "job": queued},
              "portal": {"app": app_id, "group": group_id, "user": user["id"], "import": job["job"]["id"],
                         "key": throwaway["id"], "admin": quote("target@example.com", safe=""),
                         "email": user["email"], "job": queued}}
    yield {"roster": roster, "server": server, "keys": keys, "revoked": revoked["key"], "disabled": disabled_owner,
           "expired": expired["key"], "document": document, "values": values, "gone_session": gone_session}
    stop(server.process)


def concrete(path, values):
    """The route's path with real ids: the refusals are checked against things that exist."""
    segments = path.split("/")
    out = []
    for i, part in enumerate(segments):
        if part.startswith("{"):
            before = segments[i - 1]
            name = part[1:-1]
            if name == "email":
                name = "admin" if before == "administrators" else "email"
            elif name == "id":
                name = {"users": "user", "imports": "import", "apikeys": "key", "groups": "group", "jobs": "job"}[before]
            part = values[name]
        out.append(part)
    return "/".join(out)


def restore(world):
    """Puts back what the allowed calls of the role before removed (they run in one world): every
    role finds the same things to act on, so an allowed call reaches its handler and is not a 404."""
    roster, email = world["roster"], world["values"]["api"]["email"]
    if "target@example.com" not in roster.run("admin", "list").stdout:
        roster.with_admin("target@example.com", role="admin")
    roster.run("admin", "enable", "target@example.com")
    if "badge" not in roster.run("attribute", "list").stdout:
        roster.run("attribute", "declare", "badge", "--type", "number")
    roster.run("app", "schedule", "Acme", "--every", "1d", "--dry-run", "--as", ADMIN)
    roster.run("app", "activate", "Acme")
    roster.run("group", "add-member", "Eng", email, check=False)  # refused when it is a member already


def executed(answer, method):
    """Whether a call reached its handler and was done: a success, or, for a change, the handler's own
    refusal of what was sent (a JSON error that is about the request, not about who asks). A read
    of things that exist always succeeds; a 404, a redirect or an auth refusal is never "done"."""
    if 200 <= answer.status_code < 300:
        return True
    if method == "GET" or answer.status_code not in (400, 409, 422):
        return False
    error = answer.json().get("error", {})
    return error.get("status") == answer.status_code and bool(error.get("message"))


def routes(world):
    listed = json.loads(world["roster"].run("routes", "--json").stdout)
    return {f"{r['method']} {r['path']}" for r in listed}


def test_every_route_has_an_entry_and_every_entry_a_route(world):
    served = routes(world)
    table = set(API) | set(PORTAL) | set(SCIM_ROUTES)
    assert not served - table, f"routes without an entry in the authorization matrix: {sorted(served - table)}"
    assert not table - served, f"entries for routes the server does not have: {sorted(table - served)}"
    documented = {f"{m.upper()} {p}" for p, item in world["document"]["paths"].items() for m in item
                  if m in ("get", "post", "put", "delete", "patch")}
    api_routes = {r for r in served if r.split(" ")[1].startswith("/api/")}
    assert api_routes <= documented, f"API routes missing from openapi.yaml: {sorted(api_routes - documented)}"
    assert documented <= served, f"documented operations the server lacks: {sorted(documented - served)}"


def api_body(world, route):
    method, path = route.split(" ")
    operation = world["document"]["paths"].get(path, {}).get(method.lower(), {})
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return example(schema, world["document"]) if schema else None


def call_api(world, route, key):
    method, path = route.split(" ")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = api_body(world, route)
    return requests.request(method, world["server"].url + concrete(path, world["values"]["api"]), headers=headers,
                            json=body, timeout=120, allow_redirects=False)


@pytest.mark.parametrize("caller", ["anonymous", "revoked key", "disabled admin's key", "expired key"])
def test_the_api_refuses_every_route_to_a_caller_without_a_working_key(world, caller):
    key = {"anonymous": None, "revoked key": world["revoked"], "disabled admin's key": world["disabled"],
           "expired key": world["expired"]}[caller]
    for route, needs in sorted(API.items()):
        answer = call_api(world, route, key)
        if needs == PUBLIC:
            assert answer.status_code == 200, route
        else:
            assert answer.status_code == 401, f"{caller} {route}: {answer.status_code} {answer.text[:200]}"
            assert answer.json()["error"]["message"], route


@pytest.mark.parametrize("role", [READ, CHANGE, ADMINISTER])
def test_the_api_lets_each_role_do_exactly_what_it_may(world, role):
    key = world["keys"][role]
    restore(world)
    # Refusals first: they must change nothing the allowed calls then find. Deletions last: the calls
    # before them act on what they delete.
    allowed = lambda needs: needs == PUBLIC or RANK[needs] <= RANK[role]
    ordered = sorted(API.items(), key=lambda item: (allowed(item[1]), item[0].startswith("DELETE"), item[0]))
    for route, needs in ordered:
        answer = call_api(world, route, key)
        assert answer.status_code < 500, f"{role} {route}: {answer.status_code} {answer.text[:300]}"
        if allowed(needs):
            assert executed(answer, route.split(" ")[0]), f"{role} may {route}: {answer.status_code} {answer.text[:300]}"
        else:
            assert answer.status_code == 403, f"{role} may not {route}: {answer.status_code} {answer.text[:300]}"
            assert role in answer.json()["error"]["message"], route


# What a form must carry for its handler to find what it acts on (the pages' own forms send these).
PORTAL_FORMS = {
    "POST /groups/{id}/members/remove": lambda values: {"email": values["email"]},
    "POST /groups/{id}/bindings/preview": lambda values: {"application": values["app"]},
    "POST /groups/{id}/bindings": lambda values: {"application": values["app"]},
    "POST /groups/{id}/bindings/remove": lambda values: {"application": values["app"]},
}


def call_portal(world, route, session):
    method, path = route.split(" ")
    url = concrete(path, world["values"]["portal"])
    if method == "GET":
        return session.get(url) if session else requests.get(world["server"].url + url, allow_redirects=False)
    data = {"_csrf": session.token} if session else {}
    if session:
        data.update(PORTAL_FORMS.get(route, lambda values: {})(world["values"]["portal"]))
        return session.post(url, data)
    return requests.post(world["server"].url + url, data=data, allow_redirects=False)


class Signed(Session):
    """A portal session that signs in again when a call (sign-out, a role change) ended it."""

    def __init__(self, base, email):
        super().__init__(base, email)
        self.email = email
        self.token = self.csrf("/account")

    def fresh(self):
        if self.get("/account").status_code != 200:
            self.__init__(self.base, self.email)
        return self


# Routes whose work is to end the session: they answer with the sign-in page, and are done when it ended.
SIGNS_OUT = ("POST /logout", "POST /account/signout-everywhere")


def page_message(answer):
    """The message a portal page shows on top: the error page's, or the flash of a framed page."""
    found = re.search(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', answer.text, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def portal_executed(answer, route, session):
    """Whether a portal call reached its handler and was done: a page (every page a role may open is
    shown), the redirect that follows a change (never to sign-in, but for a sign-out that did end the
    session), or for a form the handler's own refusal of what was sent, with its reason. A 404, a
    refusal page or a redirect to sign-in is not done."""
    location = answer.headers.get("Location", "")
    if route in SIGNS_OUT:
        return answer.status_code == 303 and location.startswith("/login") and \
            session.get("/account").headers.get("Location", "").startswith("/login")
    if 200 <= answer.status_code < 300:
        return True
    if route.startswith("GET"):
        return False
    if answer.status_code == 303:
        return location.startswith("/") and not location.startswith("/login")
    message = page_message(answer)
    return answer.status_code in (400, 409) and bool(message) and \
        not message.startswith(("You cannot do this", "This form did not come from this Roster page"))


def test_the_portal_sends_callers_without_a_session_to_sign_in(world):
    key = world["keys"][ADMINISTER]
    for route, needs in sorted(PORTAL.items()):
        for session in (None, world["gone_session"]):
            if session:
                session.token = "no-token"
            answer = call_portal(world, route, session)
            assert answer.status_code < 500, route
            if needs != PUBLIC:
                assert answer.status_code == 303 and answer.headers["Location"].startswith("/login"), route
        # An API key opens no portal page.
        method, path = route.split(" ")
        if needs != PUBLIC and method == "GET":
            answer = requests.get(world["server"].url + concrete(path, world["values"]["portal"]),
                                  headers={"Authorization": f"Bearer {key}"}, allow_redirects=False)
            assert answer.status_code == 303, route


@pytest.mark.parametrize("role", [READ, CHANGE, ADMINISTER])
def test_the_portal_lets_each_role_do_exactly_what_it_may(world, role):
    email = {READ: "viewer@example.com", CHANGE: "manager@example.com", ADMINISTER: ADMIN}[role]
    restore(world)
    session = Signed(world["server"].url, email)
    allowed = lambda needs: needs in (PUBLIC, SIGNED_IN) or RANK[needs] <= RANK[role]
    ordered = sorted(PORTAL.items(), key=lambda item: (allowed(item[1]), item[0] in SIGNS_OUT))
    for route, needs in ordered:
        answer = call_portal(world, route, session.fresh())
        assert answer.status_code < 500, f"{role} {route}: {answer.status_code} {answer.text[:300]}"
        if needs == PUBLIC:
            continue  # sign-in and activation forms carry their own token, checked in their own tests
        if allowed(needs):
            assert portal_executed(answer, route, session), \
                f"{role} may {route}: {answer.status_code} {answer.headers.get('Location')} {page_message(answer)}"
        else:
            assert answer.status_code == 403 and page_message(answer).startswith("You cannot do this"), \
                f"{role} may not {route}: {answer.status_code} {page_message(answer)}"
    # Without the form's token no change is made, whoever asks.
    for route, needs in PORTAL.items():
        if route.startswith("POST") and needs not in (PUBLIC,):
            session.fresh()
            saved, session.token = session.token, "forged"
            assert call_portal(world, route, session).status_code == 403, route
            session.token = saved
