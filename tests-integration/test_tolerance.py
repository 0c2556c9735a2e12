"""The SCIM client against a server that misbehaves the ways SPEC.md lists: the import finishes,
or fails with a clear reason, and never loses or duplicates a user."""
import base64
import json
import re
import subprocess
import time

import pytest

ADMIN = "admin@example.com"
FAST_RETRIES = {"ROSTER_SCIM_RETRY_BASE_MS": "20"}


def import_all(roster, url, env=None):
    roster.run("app", "create", "Mis", "--scim-url", url, "--bearer-token-env", "TOKEN")
    return roster.run("import", "run", "Mis", "--all", "--as", ADMIN, "--wait", "--json", check=False,
                      env=dict(FAST_RETRIES, **(env or {})))


def stats(misbehaving, mode):
    import urllib.request
    with urllib.request.urlopen(f"{misbehaving}/{mode}/_stats") as response:
        return json.loads(response.read())


@pytest.mark.parametrize("mode", ["ok", "short-pages", "no-total", "wrong-total-low", "plain-json", "rate-limit",
                                  "flaky-503", "cursor"])
def test_import_finishes_with_every_user_exactly_once(roster, misbehaving, mode):
    result = import_all(roster, f"{misbehaving}/{mode}")
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)["job"]
    assert job["status"] == "completed"
    assert job["created"] == 250 and job["failed"] == 0
    users = roster.json("users", "list")
    assert sorted(u["username"] for u in users) == [f"mis{i:05d}" for i in range(250)]
    if mode == "ok":
        assert users[7]["addresses"] == [{"type": "home", "poBox": "PO 7", "country": "NO"}]
    if mode in ("rate-limit", "flaky-503"):
        assert stats(misbehaving, mode)["errors"] > 0
    if mode == "rate-limit":
        # Retry-After: 1 was honoured, not the much shorter back-off of these tests.
        assert stats(misbehaving, mode)["min_gap_ms"] >= 900


def test_a_provider_too_slow_once_is_retried_after_the_deadline(roster, misbehaving):
    result = import_all(roster, f"{misbehaving}/slow-once", env={"ROSTER_SCIM_TIMEOUT_SECONDS": "1"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["job"]["created"] == 250
    assert len(roster.json("users", "list")) == 250


@pytest.mark.parametrize("mode,left_out", [("ignore-start", {"startIndex", "count"}), ("broken-count", {"count"}),
                                           ("broken-all", {"count"})])
def test_a_provider_that_breaks_on_a_listing_parameter_is_imported_exactly_and_says_what_was_left_out(
        roster, misbehaving, mode, left_out):
    result = import_all(roster, f"{misbehaving}/{mode}")
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)["job"]
    assert job["status"] == "completed" and job["created"] == 250 and job["failed"] == 0
    users = roster.json("users", "list")
    assert sorted(u["username"] for u in users) == [f"mis{i:05d}" for i in range(250)]
    # The application's details say what Roster leaves out, and the next import asks only what works.
    fallbacks = roster.json("app", "list")[0]["integration"]["listingFallbacks"]
    assert set(fallbacks) == left_out, fallbacks
    before = stats(misbehaving, mode).get("errors", 0)
    again = import_all_again(roster)
    assert again.returncode == 0 and json.loads(again.stdout)["job"]["skipped"] == 250
    assert stats(misbehaving, mode).get("errors", 0) == before


def import_all_again(roster):
    return roster.run("import", "run", "Mis", "--all", "--as", ADMIN, "--wait", "--json", check=False,
                      env=FAST_RETRIES)


def test_a_listing_the_provider_cannot_filter_or_sort_is_filtered_and_sorted_by_roster(roster, misbehaving):
    # broken-all announces filter and sort, then answers 500 to filter, 400 to sortBy and 500 to count.
    roster.run("app", "create", "Mis", "--scim-url", f"{misbehaving}/broken-all", "--bearer-token-env", "TOKEN")
    listed = roster.json("import", "list", "Mis", "--filter", 'userName sw "mis001"', "--sort", "userName",
                         "--descending")
    assert [u["userName"] for u in listed] == [f"mis{i:05d}" for i in range(199, 99, -1)]
    fallbacks = roster.json("app", "list")[0]["integration"]["listingFallbacks"]
    assert fallbacks == {"count": "HTTP 500", "filter": "HTTP 500", "sortBy": "HTTP 400"}
    # A connection test tries every form again, and finds the ignored startIndex too.
    tested = roster.json("app", "test", "Mis")
    assert set(tested["listingFallbacks"]) == {"count", "filter", "sortBy", "startIndex"}
    assert tested["listingFallbacks"]["startIndex"].startswith("ignored")
    text = roster.run("app", "test", "Mis").stdout
    assert "listing:    leaves out sortBy (HTTP 400), filter (HTTP 500), count (HTTP 500), startIndex (ignored" in text
    assert roster.json("app", "list")[0]["integration"]["listingFallbacks"] == tested["listingFallbacks"]


def test_a_provider_that_refuses_every_form_of_listing_fails_naming_each_form_tried(roster, misbehaving):
    result = import_all(roster, f"{misbehaving}/broken-every")
    assert result.returncode == 2
    reason = result.stderr
    assert "refused every form of the listing" in reason
    forms = reason.split("Roster tried: ")[1].split("; ")
    assert re.fullmatch(r"GET /Users\?startIndex=1&count=\d+ \(HTTP 500\)", forms[0]), forms
    assert forms[1] == "GET /Users?startIndex=1 (HTTP 500)" and forms[2].startswith("GET /Users (HTTP 500)")
    assert len(forms) == 3
    assert roster.json("users", "list") == []

def test_malformed_json_fails_the_import_with_a_clear_reason(roster, misbehaving):
    result = import_all(roster, f"{misbehaving}/malformed")
    assert result.returncode == 2
    assert "not JSON" in result.stderr and "/malformed/Users" in result.stderr
    assert roster.json("users", "list") == []


def test_malformed_second_page_keeps_the_first_page_and_reports_why(roster, misbehaving):
    result = import_all(roster, f"{misbehaving}/malformed-page2")
    assert result.returncode == 2
    job = json.loads(result.stdout)["job"]
    assert job["status"] == "failed" and "not JSON" in job["reason"]
    assert job["created"] == 100
    assert len({u["username"] for u in roster.json("users", "list")}) == 100
    mails = roster.outbox()
    assert len(mails) == 1 and "stopped" in mails[0].read_text()


def test_a_body_over_the_size_limit_is_refused_not_buffered(roster, misbehaving):
    result = import_all(roster, f"{misbehaving}/huge", env={"ROSTER_SCIM_MAX_RESPONSE_BYTES": "1000000"})
    assert result.returncode == 2
    assert "larger than" in result.stderr
    assert roster.json("users", "list") == []


def test_roster_filters_and_sorts_itself_when_the_provider_cannot(roster, misbehaving):
    roster.run("app", "create", "Mis", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    one = roster.json("import", "list", "Mis", "--filter", 'userName eq "MIS00007"')
    assert [u["userName"] for u in one] == ["mis00007"]
    some = roster.json("import", "list", "Mis", "--filter", 'name.familyName sw "Behaving0001" and not (userName eq "mis00010")')
    assert [u["userName"] for u in some] == [f"mis{i:05d}" for i in range(11, 20)]
    ordered = roster.json("import", "list", "Mis", "--sort", "userName", "--descending")
    assert [u["userName"] for u in ordered][:2] == ["mis00249", "mis00248"]
    searched = roster.json("import", "list", "Mis", "--search", "mis0012")
    assert len(searched) == 10


def test_http_basic_credentials_are_sent_and_wrong_ones_exit_2(roster, misbehaving):
    roster.run("app", "create", "Basic", "--scim-url", f"{misbehaving}/basic", "--basic-user", "roster", "--basic-password-env", "BASIC_PW",
               env={"BASIC_PW": "pw"})
    result = roster.json("import", "run", "Basic", "--all", "--as", ADMIN, "--wait")
    assert result["job"]["created"] == 250
    roster.run("app", "create", "Wrong", "--scim-url", f"{misbehaving}/basic", "--basic-user", "roster", "--basic-password-env", "BASIC_PW",
               env={"BASIC_PW": "nope"})
    refused = roster.run("app", "test", "Wrong", check=False)
    assert refused.returncode == 2
    assert "refused Roster's credentials (HTTP 401)" in refused.stderr and "who are you?" in refused.stderr


def test_oauth_client_credentials_fetch_cache_and_refresh_the_token(roster, misbehaving):
    # The provider holds the listing's first page until the token it carries is past Roster's renewal
    # point (tokens live 61 s, Roster renews 60 s before the end): every request after the release
    # needs a token fetched after it, however fast the import would otherwise run.
    mode = "oauth-hold-refresh"
    roster.run("app", "create", "OAuth", "--scim-url", f"{misbehaving}/{mode}", "--oauth-token-url", f"{misbehaving}/oauth/token",
               "--client-id", "roster-client", "--client-secret-env", "CLIENT_SECRET", env={"CLIENT_SECRET": "client-secret"})
    importer = roster.popen("import", "run", "OAuth", "--all", "--as", ADMIN, "--wait", "--json",
                            env={"CLIENT_SECRET": "unused", "ROSTER_SCIM_TIMEOUT_SECONDS": "600"})
    try:
        deadline = time.time() + 60
        while get(f"{misbehaving}/{mode}/_held")["held"] < 1:
            assert importer.poll() is None, importer.communicate()
            assert time.time() < deadline, "the listing never reached the provider"
            time.sleep(0.1)
        first = get(f"{misbehaving}/{mode}/_reads")[0]
        # Roster took the token before it sent this request, so it stops using it 1 s after at the latest.
        # Waiting out that second is the point of the test, not a guess at how long something takes.
        time.sleep(max(0.0, first["time"] + 1.5 - time.time()))
        released = time.time()
    finally:
        get(f"{misbehaving}/{mode}/_release")
    out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    assert json.loads(out)["job"]["created"] == 250
    issued = {t["token"]: t["time"] for t in get(f"{misbehaving}/oauth/_tokens")}
    reads = get(f"{misbehaving}/{mode}/_reads")
    later = [r for r in reads if r["time"] > released]
    assert later, "no request after the release"
    # Refreshed: every request after the release carried a token fetched after it, not the first one.
    assert all(r["token"] != first["token"] and issued[r["token"]] > released for r in later), reads
    # Cached: requests shared tokens (those sent together after the release waited for one fetch).
    tokens = {r["token"] for r in reads}
    assert 2 <= len(tokens) < len(reads), reads
    roster.run("app", "create", "BadClient", "--scim-url", f"{misbehaving}/oauth", "--oauth-token-url", f"{misbehaving}/oauth/token",
               "--client-id", "roster-client", "--client-secret-env", "CLIENT_SECRET", env={"CLIENT_SECRET": "wrong"})
    refused = roster.run("app", "test", "BadClient", check=False)
    assert refused.returncode == 2 and "refused the client credentials" in refused.stderr and "bad client credentials" in refused.stderr


def get(url):
    import urllib.request
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


def test_credentials_are_not_stored_in_clear_text(roster, misbehaving):
    secret = "very-secret-bearer-token-value"
    roster.run("app", "create", "Secret", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN",
               env={"TOKEN": secret})
    # The row that holds them, on SQLite or PostgreSQL: sealed, neither in clear nor merely base64.
    stored = roster.sql("SELECT credentials FROM integrations")
    assert stored and secret not in stored
    assert secret.encode() not in base64.b64decode(stored + "=" * (-len(stored) % 4))
    # Nor anywhere else in the database: SQLite's files, or every table of PostgreSQL's (which do hold
    # the row: its URL is there in clear).
    everything = database_bytes(roster)
    assert f"{misbehaving}/ok".encode() in everything and secret.encode() not in everything
    assert roster.run("app", "test", "Secret").returncode == 0  # still usable: sealed, not lost
    listed = roster.run("app", "list", "--json").stdout
    assert "very-secret" not in listed and '"authType":"bearer"' in listed


def database_bytes(roster):
    """Everything the database holds, as bytes: the SQLite files, or a dump of the PostgreSQL database."""
    if "DATABASE_URL" in roster.env:
        return subprocess.run(["pg_dump", "--data-only", roster.env["DATABASE_URL"].split("?")[0]], check=True,
                              capture_output=True).stdout
    files = sorted(roster.data_dir.glob("roster.sqlite*"))
    assert files, "no SQLite database"
    return b"".join(path.read_bytes() for path in files)
