"""Roster as a SCIM 2.0 service provider (/scim/v2), through a real `roster serve`: the independent
scim2-tester suite, the role rules, every error scimType Roster answers, ETags, the dialects of
Microsoft Entra ID and Okta, and a Roster provisioning another Roster."""
import os
import subprocess

import pytest
import requests

import seed
from conftest import VENV_BIN, Roster, stop
from test_provisioning import directory_with_50_users, emails

ADMIN = "admin@example.com"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
SCIM_JSON = "application/scim+json"

# Who may call each SCIM route (checked by test_authorization's table too): reads for readonly keys
# and above, writes for manager and admin keys; "none" answers 404 or 405 (Bulk 501) to every key.
SCIM_ROUTES = {
    "GET /scim/v2/ServiceProviderConfig": "readonly", "GET /scim/v2/ResourceTypes": "readonly",
    "GET /scim/v2/ResourceTypes/{id}": "readonly", "GET /scim/v2/Schemas": "readonly",
    "GET /scim/v2/Schemas/{id}": "readonly",
    "GET /scim/v2/Users": "readonly", "GET /scim/v2/Users/{id}": "readonly", "POST /scim/v2/Users/.search": "readonly",
    "GET /scim/v2/Groups": "readonly", "GET /scim/v2/Groups/{id}": "readonly",
    "POST /scim/v2/Groups/.search": "readonly", "POST /scim/v2/.search": "readonly",
    "POST /scim/v2/Users": "manager", "PUT /scim/v2/Users/{id}": "manager", "PATCH /scim/v2/Users/{id}": "manager",
    "DELETE /scim/v2/Users/{id}": "manager",
    "POST /scim/v2/Groups": "manager", "PUT /scim/v2/Groups/{id}": "manager", "PATCH /scim/v2/Groups/{id}": "manager",
    "DELETE /scim/v2/Groups/{id}": "manager",
    "POST /scim/v2/Bulk": "none",  # answered 501 (RFC 7644 §3.7): Roster takes no bulk requests
}
for _path in ["ServiceProviderConfig", "ResourceTypes", "ResourceTypes/{id}", "Schemas", "Schemas/{id}"]:
    for _method in ["POST", "PUT", "PATCH", "DELETE"]:
        SCIM_ROUTES[f"{_method} /scim/v2/{_path}"] = "none"
for _method in ["GET", "POST", "PUT", "PATCH", "DELETE"]:
    SCIM_ROUTES[f"{_method} /scim/v2/**"] = "none"
    # SCIM 1.1's address: answered 400 invalidVers to anyone, key or not.
    SCIM_ROUTES[f"{_method} /scim/v1/**"] = "version"


class Service:
    """A `roster serve` with an administrator and a key of each role."""

    def __init__(self, folder):
        from portal import Server
        self.roster = Roster(folder).with_admin()
        self.keys = {role: self.roster.json("apikey", "create", "--name", f"hris-{role}", "--role", role, "--as", ADMIN)
                     for role in ["readonly", "manager", "admin"]}
        self.server = Server(self.roster)
        self.url = f"{self.server.url}/scim/v2"

    def call(self, method, path, body=None, role="manager", headers=None):
        sent = {"Authorization": f"Bearer {self.keys[role]['key']}", "Content-Type": SCIM_JSON, **(headers or {})}
        return requests.request(method, self.url + path, json=body, headers=sent, timeout=60)

    def create_user(self, user_name, **extra):
        body = {"schemas": [USER], "userName": user_name, "emails": [{"value": user_name, "type": "work"}], **extra}
        answer = self.call("POST", "/Users", body)
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    service = Service(tmp_path_factory.mktemp("scim-service") / "data")
    yield service
    stop(service.server.process)


def error(answer, status, scim_type=None):
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith(SCIM_JSON)
    body = answer.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"] and body["detail"]
    assert body.get("scimType") == scim_type, body
    return body["detail"]


def test_scim2_tester_reports_every_check_a_success(tmp_path):
    """python-scim's scim2-tester (`scim2 test` of scim2-cli) against a fresh Roster publishing the whole User
    schema and Roster's extension (custom attributes of text and boolean: the tester cannot fill decimals):
    every check SUCCESS, and at least the 135 it runs against scim2-server."""
    service = Service(tmp_path / "data")
    for name, kind in [("region", "string"), ("contractor", "boolean")]:
        service.roster.run("attribute", "declare", name, "--type", kind)
    try:
        run = subprocess.run([str(VENV_BIN / "scim2"), "--url", service.url, "test"], capture_output=True, text=True,
                             timeout=600, env=dict(os.environ, SCIM_CLI_HEADERS=f"Authorization: Bearer "
                                                                                 f"{service.keys['manager']['key']}"))
    finally:
        stop(service.server.process)
    verdicts = [line.split(" ")[0] for line in run.stdout.splitlines() if line and not line.startswith((" ", "Perf"))]
    failures = [line for line in run.stdout.splitlines() if line.startswith(("ERROR", "CRITICAL", "DEVIATION"))]
    assert not failures, run.stdout[-6000:]
    assert verdicts.count("SUCCESS") >= 135 and set(verdicts) == {"SUCCESS"}, run.stdout[-3000:]


def test_every_route_refuses_a_caller_without_a_key_and_readonly_keys_only_read(service):
    user = service.create_user("matrix@example.com")
    group = service.call("POST", "/Groups", {"schemas": [GROUP], "displayName": "Matrix"}).json()
    ids = {"Users": user["id"], "Groups": group["id"], "ResourceTypes": "User", "Schemas": USER}
    for route, needs in sorted(SCIM_ROUTES.items()):
        method, path = route.split(" ")
        parts = path.split("/")
        path = "/".join(ids[parts[i - 1]] if p == "{id}" else p for i, p in enumerate(parts))
        path = path if needs == "version" else path[len("/scim/v2"):]
        anonymous = requests.request(method, service.url + path, timeout=60)
        if needs == "version":
            assert "SCIM 2.0" in error(requests.request(method, service.server.url + path.replace("/**", "/Users"),
                                                        timeout=60), 400, "invalidVers")
            continue
        error(anonymous, 401)
        assert anonymous.headers["WWW-Authenticate"] == "Bearer"
        # Writes are sent without a body: a readonly key must be refused before the body is read.
        answer = service.call(method, path, {} if method in ("POST", "PUT", "PATCH") else None, role="readonly")
        if needs == "manager":
            assert "readonly" in error(answer, 403), route
        elif needs == "none":
            assert answer.status_code in ((501,) if route.endswith("/Bulk") else (404, 405)), route
        else:
            assert answer.status_code == 200, f"{route}: {answer.status_code} {answer.text[:200]}"


def test_each_error_answers_its_scim_type(service):
    service.create_user("taken@example.com")
    error(service.call("GET", "/Users?filter=userName%20eq"), 400, "invalidFilter")
    error(service.call("GET", "/Users?filter=" + "(" * 100 + "userName eq \"x\"" + ")" * 100), 400, "invalidFilter")
    error(service.call("POST", "/Users", {"schemas": [USER], "userName": "TAKEN@example.com",
                                          "emails": [{"value": "other@example.com"}]}), 409, "uniqueness")
    error(service.call("POST", "/Users", {"schemas": [USER], "userName": "no-email"}), 400, "invalidValue")
    error(service.call("POST", "/Users", {"schemas": [USER], "userName": "x@example.com", "active": "maybe"}), 400,
          "invalidValue")
    bad_json = requests.post(service.url + "/Users", data="{\"userName\": ", timeout=60, headers={
        "Authorization": f"Bearer {service.keys['manager']['key']}", "Content-Type": SCIM_JSON})
    error(bad_json, 400, "invalidSyntax")
    user = service.create_user("errors@example.com")
    path = f"/Users/{user['id']}"
    error(service.call("PATCH", path, {"schemas": [PATCH_OP]}), 400, "invalidSyntax")
    error(service.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": [{"op": "remove"}]}), 400, "noTarget")
    error(service.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "emails[type eq", "value": "x"}]}), 400, "invalidPath")
    error(service.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "id", "value": "another"}]}), 400, "mutability")
    error(service.call("PUT", path, {"schemas": [USER], "id": "another", "userName": "errors@example.com",
                                     "emails": [{"value": "errors@example.com"}]}), 400, "mutability")
    error(service.call("PUT", path, {"schemas": [USER], "userName": "Taken@Example.com",
                                     "emails": [{"value": "errors@example.com"}]}), 409, "uniqueness")
    error(service.call("GET", "/Users/01234567-89ab-cdef-0123-456789abcdef"), 404)
    error(service.call("GET", "/Elsewhere"), 404)
    # Nothing was lost on the way: the user is as it was created.
    assert service.call("GET", path).json()["userName"] == "errors@example.com"


def test_etags_answer_304_and_412(service):
    user = service.create_user("etag@example.com")
    path = f"/Users/{user['id']}"
    first = service.call("GET", path)
    tag = first.headers["ETag"]
    assert tag == first.json()["meta"]["version"] and tag.startswith('W/"')
    assert service.call("GET", path, headers={"If-None-Match": tag}).status_code == 304
    change = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Chef"}]}
    changed = service.call("PATCH", path, change, headers={"If-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    error(service.call("PATCH", path, change, headers={"If-Match": tag}), 412)
    assert service.call("GET", path, headers={"If-None-Match": tag}).status_code == 200


def test_queries_filter_sort_page_and_project(service):
    for n in range(5):
        service.create_user(f"q{n}@query.example", title=f"T{4 - n}", displayName=f"Query {n}",
                            **{ENTERPRISE: {"department": "Sales" if n % 2 else "Ops"}})
    query = {"filter": 'emails[type eq "work" and value co "@query.example"] and not (title eq "T0")',
             "sortBy": "title", "sortOrder": "descending", "startIndex": "2", "count": "2",
             "attributes": "userName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}
    page = requests.get(service.url + "/Users", params=query, timeout=60,
                        headers={"Authorization": f"Bearer {service.keys['readonly']['key']}"}).json()
    assert page["totalResults"] == 4 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [u["userName"] for u in page["Resources"]] == ["q1@query.example", "q2@query.example"]
    assert set(page["Resources"][0]) == {"id", "schemas", "userName", ENTERPRISE}
    assert page["Resources"][0][ENTERPRISE] == {"department": "Sales"}
    counted = service.call("GET", "/Users?filter=userName%20sw%20%22Q%22&count=0").json()
    assert counted["totalResults"] >= 5 and counted["Resources"] == []
    # externalId compares case-exactly (RFC 7643 §3.1); userName not.
    service.create_user("exact@query.example", externalId="AbC")
    assert service.call("GET", '/Users?filter=externalId eq "abc"').json()["totalResults"] == 0
    assert service.call("GET", '/Users?filter=externalId eq "AbC"').json()["totalResults"] == 1
    assert service.call("GET", '/Users?filter=USERNAME eq "EXACT@query.example"').json()["totalResults"] == 1


def test_cursor_pages_cover_every_user_once(service):
    """RFC 9865: `cursor` (empty for the first page) and `nextCursor` until there is none."""
    for n in range(7):
        service.create_user(f"c{n}@cursor.example")
    expected = {u["userName"] for u in service.call("GET", "/Users?count=1000").json()["Resources"]}
    seen, cursor = [], ""
    while cursor is not None:
        page = requests.get(service.url + "/Users", params={"cursor": cursor, "count": "3"}, timeout=60,
                            headers={"Authorization": f"Bearer {service.keys['readonly']['key']}"}).json()
        assert page["totalResults"] == len(expected) and len(page["Resources"]) <= 3
        seen += [u["userName"] for u in page["Resources"]]
        cursor = page.get("nextCursor")
    assert len(seen) == len(expected) and set(seen) == expected
    error(service.call("GET", "/Users?cursor=bm90LWEtY3Vyc29y"), 400, "invalidCursor")
    error(service.call("GET", "/Users?cursor=&startIndex=2"), 400, "invalidValue")
    config = service.call("GET", "/ServiceProviderConfig").json()
    assert config["pagination"]["cursor"] is True and config["filter"]["maxResults"] == 1000


def test_entra_id_requests_leave_the_directory_as_entra_means(service):
    """Request shapes from Microsoft's "Tutorial: Develop and plan provisioning for a SCIM endpoint"
    (https://learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups):
    capitalised ops, booleans as strings, no-path replaces, externalId lookups, member lists."""
    assert service.call("GET", '/Users?filter=userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"'
                        ).json() == {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                                     "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}
    created = service.call("POST", "/Users", {
        "schemas": [USER, ENTERPRISE], "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com", "active": True,
        "emails": [{"primary": True, "type": "work", "value": "Test_User_fd0ea19b@contoso.com"}],
        "meta": {"resourceType": "User"}, "name": {"formatted": "givenName familyName", "familyName": "familyName",
                                                   "givenName": "givenName"},
        "roles": []}).json()
    found = service.call("GET", '/Users?filter=externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"').json()
    assert [u["id"] for u in found["Resources"]] == [created["id"]]
    path = f"/Users/{created['id']}"
    answer = service.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Add", "value": {"displayName": "Entra Person", "title": "Engineer"}},
        {"op": "Replace", "value": {"active": "False", ENTERPRISE + ":department": "R&D"}}]})
    assert answer.status_code == 200, answer.text
    user = service.call("GET", path).json()
    assert user["emails"] == [{"primary": True, "value": "updatedEmail@microsoft.com", "type": "work"}]
    assert user["name"] == {"formatted": "givenName familyName", "givenName": "givenName",
                            "familyName": "updatedFamilyName"}
    assert user["displayName"] == "Entra Person" and user["title"] == "Engineer" and user["active"] is False
    assert user[ENTERPRISE]["department"] == "R&D"
    directory = {u["email"]: u for u in service.roster.json("users", "list")}
    assert directory["updatedEmail@microsoft.com"]["state"] == "suspended"
    # Groups: created with a member, then members added and removed by value list.
    a, b = service.create_user("entra-a@example.com"), service.create_user("entra-b@example.com")
    group = service.call("POST", "/Groups", {"schemas": [GROUP], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                                            "displayName": "displayName", "members": [{"value": a["id"]}]}).json()
    gpath = f"/Groups/{group['id']}"
    assert service.call("PATCH", gpath, {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": b["id"]}]}]}).status_code == 200
    assert service.call("PATCH", gpath, {"schemas": [PATCH_OP], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": a["id"]}]}]}).status_code == 200
    assert [m["value"] for m in service.call("GET", gpath).json()["members"]] == [b["id"]]
    assert service.call("PATCH", gpath, {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"},
        {"op": "remove", "path": f"members[value eq \"{b['id']}\"]"}]}).status_code == 200
    after = service.call("GET", gpath).json()
    assert after["displayName"].endswith("updatedDisplayName") and "members" not in after
    events = service.roster.json("insights", "list", "--limit", "200")
    scim_events = [e for e in events if e.get("channel") == "scim"]
    assert {"user_create", "user_update", "group_create", "group_add_member", "group_remove_member",
            "group_rename"} <= {e["type"] for e in scim_events}
    assert all(e["initiatedBy"]["email"] == ADMIN and e["initiatedBy"]["apiKeyName"] == "hris-manager"
               for e in scim_events)


def test_every_attribute_entra_and_okta_send_is_read_back_exactly_and_shown_by_every_door(service):
    """RFC 7643's whole User and enterprise extension, as HR systems and identity providers fill them (Entra ID's
    and Okta's default mappings send a manager, mobile and fax numbers, a home email, preferredLanguage...)."""
    boss = service.create_user("boss@contoso.com", displayName="Big Boss")
    deputy = service.create_user("deputy@contoso.com")
    sent = {
        "schemas": [USER, ENTERPRISE], "userName": "kari.nordmann@contoso.com", "externalId": "hr-4711",
        "name": {"formatted": "Dr. Kari Nordmann", "givenName": "Kari", "familyName": "Nordmann",
                 "honorificPrefix": "Dr.", "honorificSuffix": "PhD"},
        "displayName": "Kari Nordmann", "nickName": "Kari", "profileUrl": "https://people.contoso.com/kari",
        "title": "Lead", "userType": "Employee", "preferredLanguage": "nb-NO", "locale": "nb-NO",
        "timezone": "Europe/Oslo", "active": True,
        "emails": [{"value": "kari.nordmann@contoso.com", "type": "work", "primary": True},
                   {"value": "kari@home.example", "type": "home", "display": "Home"}],
        "phoneNumbers": [{"value": "+47 22 00 00 01", "type": "work"}, {"value": "+47 900 00 002", "type": "mobile"},
                         {"value": "+47 22 00 00 03", "type": "fax"}],
        "ims": [{"value": "kari@chat.contoso.com", "type": "xmpp"}],
        "photos": [{"value": "https://photos.contoso.com/kari.jpg", "type": "photo"}],
        "addresses": [{"type": "work", "formatted": "Karl Johans gate 1, Oslo", "streetAddress": "Karl Johans gate 1",
                       "locality": "Oslo", "postalCode": "0154", "country": "NO", "primary": True}],
        "entitlements": [{"value": "wiki-editor"}], "roles": [{"value": "approver", "primary": True}],
        "x509Certificates": [{"value": "MIIBszCCARygAwIBAgIJAKX4"}],
        ENTERPRISE: {"employeeNumber": "4711", "costCenter": "CC-9", "organization": "Contoso", "division": "Research",
                     "department": "R&D", "manager": {"value": boss["id"], "displayName": "Big Boss"}},
    }
    created = service.call("POST", "/Users", sent)
    assert created.status_code == 201, created.text
    path = f"/Users/{created.json()['id']}"
    back = service.call("GET", path).json()
    for key, value in sent.items():
        if key != "schemas":
            assert back.get(key) == value, f"{key}: sent {value!r}, read back {back.get(key)!r}"
    # Entra ID sets a manager by the bare id in a PATCH; it reads back as the manager it names.
    answer = service.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": deputy["id"]},
        {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+47 900 00 009"}]})
    assert answer.status_code == 200, answer.text
    back = service.call("GET", path).json()
    assert back[ENTERPRISE]["manager"] == {"value": deputy["id"]}
    assert [p["value"] for p in back["phoneNumbers"] if p["type"] == "mobile"] == ["+47 900 00 009"]
    # The API and the command line show the manager (as a user of the directory), every email and number
    # with its type, language, locale and time zone.
    shown = service.roster.json("user", "show", "kari.nordmann@contoso.com")
    assert shown["manager"]["userId"] == deputy["id"] and shown["manager"]["email"] == "deputy@contoso.com"
    assert [(e["type"], e["value"]) for e in shown["emails"]] == [("work", "kari.nordmann@contoso.com"),
                                                                    ("home", "kari@home.example")]
    assert [(p["type"], p["number"]) for p in shown["phones"]] == [
        ("work", "+47 22 00 00 01"), ("mobile", "+47 900 00 009"), ("fax", "+47 22 00 00 03")]
    assert (shown["preferredLanguage"], shown["locale"], shown["timezone"]) == ("nb-NO", "nb-NO", "Europe/Oslo")
    text = service.roster.run("user", "show", "kari.nordmann@contoso.com").stdout
    assert "manager\tdeputy@contoso.com" in text or "<deputy@contoso.com>" in text, text
    assert "phone (fax)\t+47 22 00 00 03" in text and "timezone\tEurope/Oslo" in text, text
    api = requests.get(f"{service.server.url}/api/v1/users/{created.json()['id']}", timeout=60,
                       headers={"Authorization": f"Bearer {service.keys['readonly']['key']}"}).json()
    assert api["manager"]["userId"] == deputy["id"] and api["phones"] == shown["phones"]
    # A value that is not what the attribute holds is refused, naming it, and nothing is written.
    bad = dict(sent, userName="other@contoso.com", emails=[{"value": "other@contoso.com"}], ims="not a list")
    assert "ims is text, not a list" in error(service.call("POST", "/Users", bad), 400, "invalidValue")


def test_okta_requests_update_by_put_and_deactivate(service):
    """Request shapes from Okta's "SCIM 2.0 protocol reference"
    (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20): lookups by userName with
    startIndex=1&count=100, updates by full PUT, deactivation by PUT with active false."""
    lookup = service.call("GET", '/Users?filter=userName eq "okta.person@example.com"&startIndex=1&count=100').json()
    assert lookup["totalResults"] == 0
    body = {"schemas": [USER], "userName": "okta.person@example.com",
            "name": {"givenName": "Okta", "familyName": "Person"},
            "emails": [{"primary": True, "value": "okta.person@example.com", "type": "work"}],
            "displayName": "Okta Person", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [], "password": "1mz050nq-Quite-Long", "active": True}
    created = service.call("POST", "/Users", body)
    assert created.status_code == 201, created.text
    user = created.json()
    assert "password" not in user and user["active"] is True
    directory = {u["email"]: u for u in service.roster.json("users", "list")}
    assert directory["okta.person@example.com"]["passwordStatus"] == "set"
    body.pop("password")
    body.update(id=user["id"], displayName="Okta P.", title="Lead")
    assert service.call("PUT", f"/Users/{user['id']}", body).json()["title"] == "Lead"
    body["active"] = False
    assert service.call("PUT", f"/Users/{user['id']}", body).json()["active"] is False
    directory = {u["email"]: u for u in service.roster.json("users", "list")}
    assert directory["okta.person@example.com"]["state"] == "suspended"
    assert directory["okta.person@example.com"]["displayname"] == "Okta P."


def test_delete_suspends_in_the_directory_and_answers_404_from_then_on(service):
    user = service.create_user("leaver@example.com")
    assert service.call("DELETE", f"/Users/{user['id']}").status_code == 204
    error(service.call("GET", f"/Users/{user['id']}"), 404)
    assert service.call("GET", '/Users?filter=userName eq "leaver@example.com"').json()["totalResults"] == 0
    directory = {u["email"]: u for u in service.roster.json("users", "list")}
    assert directory["leaver@example.com"]["state"] == "suspended"
    detail = error(service.call("POST", "/Users", {"schemas": [USER], "userName": "leaver@example.com",
                                                   "emails": [{"value": "leaver@example.com"}]}), 409, "uniqueness")
    assert "deleted through SCIM" in detail


def test_a_user_created_without_a_password_is_active_pending_and_can_be_sent_its_activation(service):
    service.create_user("newcomer@example.com", name={"givenName": "New"})
    directory = {u["email"]: u for u in service.roster.json("users", "list")}
    assert directory["newcomer@example.com"]["state"] == "active"
    assert directory["newcomer@example.com"]["passwordStatus"] == "pending"
    assert directory["newcomer@example.com"]["source"]["type"] == "api"
    service.roster.run("user", "send-activation", "newcomer@example.com")
    mails = service.roster.mails_eventually(lambda ms: any("To: newcomer@example.com" in m for m in ms))
    assert any("To: newcomer@example.com" in m and "activate?token=" in m for m in mails)
    deletions = service.roster.json("insights", "list", "--type", "user_delete")
    assert all(e["channel"] == "scim" for e in deletions)


ATTRIBUTES = ["email", "username", "firstname", "lastname", "middlename", "displayname", "jobTitle", "department",
              "phoneNumbers", "costCenter", "employeeType", "employeeIdentifier", "organization"]


def attributes(user):
    kept = {k: user.get(k) for k in ATTRIBUTES}
    # poBox is not an RFC 7643 address attribute: provisioning never sends it.
    kept["addresses"] = [{k: v for k, v in a.items() if k != "poBox"} for a in user.get("addresses", [])]
    return kept


def test_a_roster_provisions_another_roster_and_imports_its_users_back(tmp_path, roster, scim_server):
    second = Service(tmp_path / "second")
    try:
        chosen = directory_with_50_users(roster, scim_server)
        token = second.keys["manager"]["key"]
        roster.run("app", "create", "Second", "--scim-url", second.url, "--bearer-token-env", "SECOND",
                   env={"SECOND": token})
        roster.run("group", "create", "Staff")
        roster.run("group", "add-member", "Staff", *emails(chosen))
        roster.run("group", "bind", "Staff", "Second")
        roster.run("worker", "--until-idle")
        mine = {u["email"]: u for u in roster.json("users", "list")}
        theirs = {u["email"]: u for u in second.roster.json("users", "list")}
        assert len(theirs) == 50
        for email in emails(chosen):
            assert attributes(theirs[email]) == attributes(mine[email]), email
            assert theirs[email]["state"] == "active"
        first, suspended, removed = emails(chosen)[:3]
        roster.run("user", "set", first, "jobTitle=Principal", "department=Research")
        roster.run("user", "suspend", suspended)
        roster.run("group", "remove-member", "Staff", removed)
        roster.run("worker", "--until-idle")
        theirs = {u["email"]: u for u in second.roster.json("users", "list")}
        assert theirs[first]["jobTitle"] == "Principal" and theirs[first]["department"] == "Research"
        assert theirs[suspended]["state"] == "suspended" and theirs[removed]["state"] == "suspended"
        # A third directory imports the second one's users through the import path: all exactly.
        third = Roster(tmp_path / "third").with_admin()
        third.run("app", "create", "Second", "--scim-url", second.url, "--bearer-token-env", "SECOND",
                  env={"SECOND": token})
        result = third.json("import", "run", "Second", "--all", "--as", ADMIN, "--wait")
        assert result["job"]["created"] == 50, result
        imported = {u["email"]: u for u in third.json("users", "list")}
        theirs = {u["email"]: u for u in second.roster.json("users", "list")}
        for email in emails(chosen):
            assert attributes(imported[email]) == attributes(theirs[email]), email
    finally:
        stop(second.server.process)


def test_the_corners_a_generated_client_found_are_answered_as_rfc_7644_says(service):
    """What Schemathesis and a read of the service found (issue 24's note has the list), each answered now."""
    user = service.create_user("corners@example.com")
    service.roster.run("attribute", "declare", "site", "--type", "string")
    patched = service.call("PATCH", f"/Users/{user['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "urn:roster:params:scim:schemas:extension:custom:2.0:User:site", "value": "Oslo"}]})
    assert patched.status_code == 200, patched.text
    # Errors met before a route (a NUL, a body past 4 MiB, a method no route takes) are SCIM errors too.
    error(service.call("GET", "/Users?filter=%00", role="readonly"), 400, "invalidValue")
    big = requests.post(service.url + "/Users", data=b"x" * (5 << 20), headers={"Content-Type": SCIM_JSON}, timeout=60)
    error(big, 413)
    error(requests.request("OPTIONS", service.url + "/Users", timeout=60), 404)
    # A write whose If-None-Match names the resource as it is changes nothing: 412.
    version = service.call("GET", f"/Users/{user['id']}").headers["ETag"]
    for tag in ["*", version]:
        refused = service.call("PATCH", f"/Users/{user['id']}", {"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "title", "value": "Changed"}]}, headers={"If-None-Match": tag})
        error(refused, 412)
    assert "title" not in service.call("GET", f"/Users/{user['id']}").json()
    # A user's groups change through the groups: adding one to the user is refused as read-only.
    error(service.call("PATCH", f"/Users/{user['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "groups", "value": [{"value": "x"}]}]}), 400, "mutability")
    # Roster's own extension is a whole extension to attributes and excludedAttributes.
    custom = "urn:roster:params:scim:schemas:extension:custom:2.0:User"
    only = service.call("GET", f"/Users/{user['id']}?attributes={custom}").json()
    assert only[custom] == {"site": "Oslo"} and "userName" not in only
    assert custom not in service.call("GET", f"/Users/{user['id']}?excludedAttributes={custom}").json()
    # A created resource's version comes with it, whatever the projection leaves out.
    created = service.call("POST", "/Users?attributes=userName", {
        "schemas": [USER], "userName": "created.etag@example.com", "emails": [{"value": "created.etag@example.com"}]})
    assert created.status_code == 201 and created.headers["ETag"].startswith('W/"')
    # A schema named by its URN percent-encoded; Bulk said not to be there with 501.
    encoded = requests.utils.quote(USER, safe="")
    assert service.call("GET", f"/Schemas/{encoded}", role="readonly").json()["id"] == USER
    error(service.call("POST", "/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                                          "Operations": []}), 501)
    # A search at the root pages across users and groups by cursor, each resource once.
    service.call("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Corner"})
    seen, cursor = [], ""
    for _ in range(50):
        page = service.call("POST", "/.search", {"schemas": [SEARCH], "cursor": cursor, "count": 2},
                            role="readonly").json()
        seen += [r["id"] for r in page["Resources"]]
        cursor = page.get("nextCursor")
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == page["totalResults"], (len(seen), page["totalResults"])
    # Values the directory could not index or show are refused, not a server error (PostgreSQL's
    # index entries hold 2704 bytes; 700 characters above U+FFFF are 2800).
    wide = "".join(chr(0x10000 + i) for i in range(700))
    for body in [{"displayName": wide}, {"name": {"familyName": wide}}, {"externalId": wide},
                 {"title": "Eng\u0001ineer"}]:
        answer = service.call("POST", "/Users", {"schemas": [USER], "userName": f"wide{len(body)}@example.com",
                                                 "emails": [{"value": "wide@example.com"}], **body})
        error(answer, 400, "invalidValue")
    error(service.call("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                           "displayName": "Wide", "externalId": "e" * 900_000}), 400, "invalidValue")
