"""A listing is complete or it fails: an import never ends `completed` with users missing. Against
servers that page only by cursor (RFC 9865) as AWS IAM Identity Center does (refusing startIndex,
then ignoring it; at most 100 a page; 250 users), one that does not page at all, and one whose
total does not add up."""
import json

import pytest

ADMIN = "admin@example.com"
EVERYONE = [f"mis{i:05d}" for i in range(250)]


def import_all(roster, name, url, *extra):
    roster.run("app", "create", name, "--scim-url", url, "--bearer-token-env", "TOKEN", *extra)
    return roster.run("import", "run", name, "--all", "--as", ADMIN, "--wait", "--json", check=False,
                      env={"ROSTER_SCIM_RETRY_BASE_MS": "20"})


@pytest.mark.parametrize("mode", ["aws-refuse", "aws-ignore"])
def test_a_cursor_only_provider_created_with_the_aws_preset_is_imported_whole(roster, misbehaving, mode):
    # MUT
    result = import_all(roster, "AWS", f"{misbehaving}/{mode}", "--preset", "aws-iam-identity-center")
    # validate
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)["job"]
    assert job["status"] == "completed" and job["created"] == 250 and job["failed"] == 0
    assert sorted(u["username"] for u in roster.json("users", "list")) == EVERYONE


@pytest.mark.parametrize("mode", ["aws-refuse", "aws-ignore"])
def test_a_cursor_only_provider_without_a_preset_is_found_out_and_read_by_cursor(roster, misbehaving, mode):
    # MUT
    result = import_all(roster, "Cursor", f"{misbehaving}/{mode}")
    # validate: every user, and the application remembers that its listings go by cursor
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)["job"]
    assert job["status"] == "completed" and job["created"] == 250
    assert sorted(u["username"] for u in roster.json("users", "list")) == EVERYONE
    fallbacks = roster.json("app", "list")[0]["integration"]["listingFallbacks"]
    assert "cursor" in fallbacks, fallbacks
    listed = roster.json("import", "list", "Cursor")
    assert len(listed) == 250 and {u["status"] for u in listed} == {"exists"}


def test_a_provider_that_neither_pages_nor_takes_cursors_fails_the_import_saying_what_happened(roster, misbehaving):
    # MUT
    result = import_all(roster, "Flat", f"{misbehaving}/no-paging")
    # validate: a failed import that names what the provider did and how many were read; no user
    assert result.returncode == 2, result.stdout
    assert "the listing is incomplete" in result.stderr
    assert "repeated users already listed at startIndex=101" in result.stderr
    assert "read 100 of its 250 users" in result.stderr
    # What was read before the provider showed it is reported as done, as a deactivation's would be.
    job = json.loads(result.stdout)["job"]
    assert job["status"] == "failed" and job["created"] == 100 and "incomplete" in job["reason"]


def test_a_total_that_does_not_add_up_fails_the_import_rather_than_completing_short(roster, misbehaving):
    result = import_all(roster, "High", f"{misbehaving}/wrong-total-high")
    assert result.returncode == 2, result.stdout
    assert "said it has 750 users, but its pages ended after 250" in result.stderr
    assert "read 250 of its 750 users" in result.stderr
    assert json.loads(result.stdout)["job"]["status"] == "failed"
