"""Schemathesis (property-based API testing) against Roster's OpenAPI documents and a live `roster serve`:
the REST API's (/openapi.yaml) and the SCIM service's (Sources/RosterServer/scim-openapi.yaml), each with
a key of every role, a bounded number of generated requests per operation, on real ids so the calls reach
the code behind the lookups; not one server error and not one answer that breaks the document."""
import os
import re
import subprocess
import sys

import pytest
import requests

from conftest import ROOT, VENV_BIN, Roster, stop
from portal import Server
from test_authorization import API, RANK
from test_scim_service import SCIM_ROUTES

ADMIN = "admin@example.com"
EXAMPLES = int(os.environ.get("ROSTER_SCHEMATHESIS_EXAMPLES", "25"))
SEED = os.environ.get("ROSTER_SCHEMATHESIS_SEED", "20261130")
CHECKS = ",".join(["not_a_server_error", "status_code_conformance", "content_type_conformance",
                   "response_headers_conformance", "response_schema_conformance"])
SCIM_DOCUMENT = ROOT / "Sources" / "RosterServer" / "scim-openapi.yaml"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CUSTOM = "urn:roster:params:scim:schemas:extension:custom:2.0:User"
SCIM_JSON = "application/scim+json"


def schemathesis(folder, document, url, key, config):
    """One bounded Schemathesis run of `document` against `url` with `key`; its config (the real ids)
    and report stay in `folder`. One worker: with two threads, Hypothesis raising and lowering the
    recursion limit in one while the other parses a lambda's source trips CPython 3.11's "AST constructor
    recursion depth mismatch", a Runtime Error of the tool (seen on the SCIM document); two are no faster."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schemathesis.toml").write_text(config)
    result = subprocess.run(
        [str(VENV_BIN / "schemathesis"), "--config-file", str(folder / "schemathesis.toml"), "run", document,
         "--url", url, "-H", f"Authorization: Bearer {key}",
         "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", SEED, "--workers", "1",
         "--request-timeout", "30", "--no-color", "--output-sanitize", "false", "--report", "junit",
         "--report-junit-path", str(folder / "schemathesis.xml")],
        capture_output=True, text=True, cwd=folder, timeout=900)
    (folder / "schemathesis.out").write_text(result.stdout + result.stderr)
    return result


def refused_operations(output):
    """Schemathesis' "Authentication failed" warning as {status: ["METHOD /path", ...]}: the operations that
    answered nothing but 401 or 403."""
    found = {}
    start = output.find("Authentication failed:")
    if start < 0:
        return found
    block = output[start:output.find("💡", start)]
    status = None
    for line in block.splitlines():
        if heading := re.match(r"^(\d{3}) ", line):
            status = heading.group(1)
        elif operation := re.match(r"^\s+- ([A-Z]+ \S+)$", line):
            found.setdefault(status, []).append(operation.group(1))
    return found


def check_run(result, server, role, allowed, prefix=""):
    """The run passed, and the only operations it never got past 401/403 are ones `role` may not call
    (`allowed(route, role)` over routes as in test_authorization's tables)."""
    summary = result.stdout[-6000:]
    failures = result.stdout[result.stdout.find("=== FAILURES"):][:6000] if "=== FAILURES" in result.stdout else ""
    errors = [line for line in open(server.process.log_path) if "error" in line.lower()]
    assert result.returncode == 0, f"schemathesis found problems:\n{failures}\n{summary}\n{result.stderr[-2000:]}\n" \
        f"server errors:\n{''.join(errors[-20:])}"
    refused = refused_operations(result.stdout)
    assert refused or "Authentication failed" not in result.stdout, f"unreadable warning:\n{summary}"
    assert "401" not in refused, f"the run lost its key:\n{summary}"
    wrongly = [op for op in refused.get("403", []) if allowed(op.split(" ")[0] + " " + prefix + op.split(" ")[1], role)]
    assert not wrongly, f"a {role} key was refused what it may do: {wrongly}\n{summary}"
    sys.stdout.write(summary)


def config(user, job, group_member, throwaway_key):
    """Real values for the path parameters, per operation: an application, a user, an import job,
    a group member, and an administrator and a key that exist only to be changed (never the key
    the run itself uses)."""
    return f'''
# 502 is Roster reporting that the application's SCIM server failed (the test provider has no
# /Groups, say), with the provider's words: an honest answer, not a server error. 500 is one.
[checks.not_a_server_error]
expected-statuses = ["2xx", "3xx", "4xx", "502"]

[parameters]
"path.app" = "Acme"
"path.group" = "Eng"

[[operations]]
include-path-regex = "^/api/v1/users/"
parameters = {{ "path.id" = "{user}" }}

[[operations]]
include-path-regex = "^/api/v1/imports/"
parameters = {{ "path.id" = "{job}" }}

[[operations]]
include-path-regex = "^/api/v1/groups/.*/members/"
parameters = {{ "path.email" = "{group_member}" }}

[[operations]]
include-path-regex = "^/api/v1/administrators/"
parameters = {{ "path.email" = "target@example.com" }}

[[operations]]
include-path-regex = "^/api/v1/apikeys/"
parameters = {{ "path.id" = "{throwaway_key}" }}
'''


def api_allows(route, role):
    need = API[route]
    return need == "public" or RANK[role] >= RANK[need]


@pytest.mark.parametrize("role", ["admin", "manager", "readonly"])
def test_generated_requests_never_break_the_server_or_the_document(tmp_path, misbehaving, role):
    # Short deadlines: an integration URL the generator invents is refused or fails fast.
    env = {"ROSTER_SCIM_TIMEOUT_SECONDS": "3", "ROSTER_SCIM_RETRY_BASE_MS": "10"}
    roster = Roster(tmp_path / "data", env).with_admin().with_admin("target@example.com")
    roster.run("app", "create", "Acme", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    job = roster.json("import", "run", "Acme", "--user", "m-00001", "--user", "m-00002", "--as", ADMIN)["job"]["id"]
    users = roster.json("users", "list")
    roster.run("group", "create", "Eng")
    roster.run("group", "add-member", "Eng", users[0]["email"])
    # A key of no administrator: the run may disable or demote any administrator and keep working.
    key = roster.json("apikey", "create", "--name", "schemathesis", "--role", role)["key"]
    throwaway = roster.json("apikey", "create", "--name", "throwaway")["id"]
    server = Server(roster, env=env)
    try:
        result = schemathesis(tmp_path / "run", f"{server.url}/openapi.yaml", server.url, key,
                              config(users[1]["id"], job, users[0]["email"], throwaway))
        # The server answered everything and is still whole.
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
    finally:
        stop(server.process)  # its log is complete once it has stopped
    check_run(result, server, role, api_allows)


# The SCIM service: every route of /scim/v2 (SCIMController), with a key that may only read and one that
# may also write.

def scim_config(ids):
    """Each operation's path id: the user and the group every call reads and changes, a user and a
    group of their own for the deletes (so the others stay), the User resource type and schema. The
    writes' `excludedAttributes` is held empty: with both projections Roster refuses the request
    (RFC 7644 §3.4.2.5) before it reads the body, and the bodies are what the writes are about;
    the reads try both."""
    pins = {"deleteUser": {"path.id": ids["throwaway_user"]}, "deleteGroup": {"path.id": ids["throwaway_group"]},
            "getUser": {"path.id": ids["user"]}, "getGroup": {"path.id": ids["group"]},
            "replaceUser": {"path.id": ids["user"]}, "patchUser": {"path.id": ids["user"]},
            "replaceGroup": {"path.id": ids["group"]}, "patchGroup": {"path.id": ids["group"]},
            "createUser": {}, "createGroup": {}}
    for operation in ["createUser", "createGroup", "replaceUser", "patchUser", "replaceGroup", "patchGroup"]:
        pins[operation]["query.excludedAttributes"] = ""
    text = ""
    for operation, parameters in pins.items():
        values = ", ".join(f'"{name}" = "{value}"' for name, value in parameters.items())
        text += f'[[operations]]\ninclude-operation-id = "{operation}"\nparameters = {{ {values} }}\n\n'
    # The discovery documents' {id}, for every method (the writes answer 405).
    text += '[[operations]]\ninclude-path-regex = "^/ResourceTypes/"\nparameters = { "path.id" = "User" }\n\n'
    text += f'[[operations]]\ninclude-path-regex = "^/Schemas/"\nparameters = {{ "path.id" = "{USER}" }}\n'
    return text


def scim_allows(route, role):
    need = SCIM_ROUTES[route]
    return need not in ("manager", "none") or role != "readonly"


@pytest.mark.parametrize("role", ["manager", "readonly"])
def test_generated_scim_requests_never_break_the_server_or_the_document(tmp_path, role):
    roster = Roster(tmp_path / "data").with_admin()
    # Roster's extension is published once a custom attribute is declared: one of each type.
    for name, kind in [("region", "string"), ("contractor", "boolean"), ("level", "number")]:
        roster.run("attribute", "declare", name, "--type", kind)
    setup = roster.json("apikey", "create", "--name", "setup", "--role", "manager", "--as", ADMIN)["key"]
    key = roster.json("apikey", "create", "--name", "schemathesis", "--role", role, "--as", ADMIN)["key"]
    server = Server(roster)
    base = f"{server.url}/scim/v2"

    def call(method, path, body=None):
        answer = requests.request(method, base + path, json=body, timeout=60, headers={
            "Authorization": f"Bearer {setup}", "Content-Type": SCIM_JSON})
        assert answer.status_code in (200, 201), f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def user(user_name, **extra):
        return call("POST", "/Users", {"schemas": [USER, ENTERPRISE, CUSTOM], "userName": user_name,
                                       "emails": [{"value": user_name, "type": "work", "primary": True}], **extra})["id"]

    try:
        manager = user("manager@scim.example")
        ids = {
            "user": user("person@scim.example", externalId="hr-1", displayName="A Person", title="Engineer",
                         name={"givenName": "A", "familyName": "Person", "formatted": "A Person"},
                         phoneNumbers=[{"value": "+47 22 00 00 00", "type": "work"}],
                         addresses=[{"locality": "Oslo", "country": "NO", "type": "work"}],
                         **{ENTERPRISE: {"department": "R&D", "manager": {"value": manager}},
                            CUSTOM: {"region": "north", "contractor": False, "level": 3}}),
            "throwaway_user": user("throwaway@scim.example"),
            "throwaway_group": call("POST", "/Groups", {"schemas": [GROUP], "displayName": "Throwaway"})["id"],
        }
        ids["group"] = call("POST", "/Groups", {"schemas": [GROUP], "displayName": "Engineering", "externalId": "eng",
                                                "members": [{"value": ids["user"]}, {"value": manager}]})["id"]
        before = {name: call("GET", f"/{kind}/{ids[name]}")["meta"]["version"]
                  for name, kind in [("user", "Users"), ("group", "Groups"), ("throwaway_user", "Users"),
                                     ("throwaway_group", "Groups")]}
        result = schemathesis(tmp_path / "run", str(SCIM_DOCUMENT), base, key, scim_config(ids))
        # The server answered everything and is still whole; the user and group the run changes are there.
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
        after = {name: call("GET", f"/{kind}/{ids[name]}")["meta"]["version"]
                 for name, kind in [("user", "Users"), ("group", "Groups")]}
        if role == "readonly":
            # A key that may only read changed nothing, deleted nothing.
            after.update({name: call("GET", f"/{kind}/{ids[name]}")["meta"]["version"]
                          for name, kind in [("throwaway_user", "Users"), ("throwaway_group", "Groups")]})
            assert after == before
    finally:
        stop(server.process)
    check_run(result, server, role, scim_allows, prefix="/scim/v2")
