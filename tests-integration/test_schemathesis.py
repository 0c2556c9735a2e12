"""Schemathesis (property-based API testing) against the OpenAPI document and a live `roster serve`:
a bounded number of generated requests per operation, on real ids so the calls reach the code
behind the lookups; not one server error and not one answer that breaks the document."""
import os
import subprocess
import sys

import requests

from conftest import VENV_BIN, Roster, stop
from portal import Server

ADMIN = "admin@example.com"
EXAMPLES = int(os.environ.get("ROSTER_SCHEMATHESIS_EXAMPLES", "25"))
SEED = os.environ.get("ROSTER_SCHEMATHESIS_SEED", "20261130")
CHECKS = ",".join(["not_a_server_error", "status_code_conformance", "content_type_conformance",
                   "response_headers_conformance", "response_schema_conformance"])


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


def test_generated_requests_never_break_the_server_or_the_document(tmp_path, misbehaving):
    # Short deadlines: an integration URL the generator invents is refused or fails fast.
    env = {"ROSTER_SCIM_TIMEOUT_SECONDS": "3", "ROSTER_SCIM_RETRY_BASE_MS": "10"}
    roster = Roster(tmp_path / "data", env).with_admin().with_admin("target@example.com")
    roster.run("app", "create", "Acme", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    job = roster.json("import", "run", "Acme", "--user", "m-00001", "--user", "m-00002", "--as", ADMIN)["job"]["id"]
    users = roster.json("users", "list")
    roster.run("group", "create", "Eng")
    roster.run("group", "add-member", "Eng", users[0]["email"])
    # A key of no administrator: the run may disable or demote any administrator and keep working.
    key = roster.json("apikey", "create", "--name", "schemathesis", "--role", "admin")["key"]
    throwaway = roster.json("apikey", "create", "--name", "throwaway")["id"]
    (tmp_path / "schemathesis.toml").write_text(config(users[1]["id"], job, users[0]["email"], throwaway))
    server = Server(roster, env=env)
    try:
        result = subprocess.run(
            [str(VENV_BIN / "schemathesis"), "--config-file", str(tmp_path / "schemathesis.toml"), "run",
             f"{server.url}/openapi.yaml", "--url", server.url, "-H", f"Authorization: Bearer {key}",
             "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", SEED, "--workers", "2",
             "--request-timeout", "30", "--no-color", "--output-sanitize", "false", "--report", "junit",
             "--report-junit-path", str(tmp_path / "schemathesis.xml")],
            capture_output=True, text=True, cwd=tmp_path, timeout=900)
        # The server answered everything and is still whole.
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
    finally:
        stop(server.process)  # its log is complete once it has stopped
    summary = result.stdout[-6000:]
    errors = [line for line in open(server.process.log_path) if "error" in line.lower()]
    assert result.returncode == 0, f"schemathesis found problems:\n{summary}\n{result.stderr[-2000:]}\n" \
        f"server errors:\n{''.join(errors[-20:])}"
    assert "Authentication failed" not in summary, f"the run lost its key:\n{summary}"
    sys.stdout.write(summary)
