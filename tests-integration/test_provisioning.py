"""Provisioning to a real SCIM server (an empty scim2-server per test): groups bound to an
application, users and groups pushed with every attribute, changes, removals, links."""
import json
import subprocess
import time

import pytest

import seed
from conftest import http, remote_users

ADMIN = "admin@example.com"


def remote_groups(url):
    status, _, body = http("GET", f"{url}/Groups?count=100")
    return body.get("Resources", [])


def directory_with_50_users(roster, scim_server):
    source, created = scim_server
    roster.run("app", "create", "HR", "--scim-url", source, "--bearer-token-env", "TOKEN")
    chosen = [u for u in created if seed.expected(u) is not None and not u["userName"].startswith("user001")][:50]
    args = ["import", "run", "HR", "--as", ADMIN]
    for user in chosen:
        args += ["--user", user["id"]]
    assert roster.json(*args)["job"]["created"] == 50
    return chosen


def primary_email(remote):
    return next(e["value"] for e in remote["emails"] if e.get("primary"))


def emails(chosen):
    return [seed.expected(u)["email"] for u in chosen]


def bind_and_push(roster, target, chosen, group="Eng"):
    """The application Wiki at `target`, a group of `chosen` bound to it, and every push run."""
    roster.run("app", "create", "Wiki", "--scim-url", target, "--bearer-token-env", "TOKEN")
    roster.run("group", "create", group)
    roster.run("group", "add-member", group, *emails(chosen))
    roster.run("group", "bind", group, "Wiki")
    roster.run("worker", "--until-idle")


def test_binding_a_group_of_50_creates_every_user_and_the_group_with_every_attribute(roster, scim_server, target):
    chosen = directory_with_50_users(roster, scim_server)
    bind_and_push(roster, target, chosen, group="Engineering")
    pushed = {u["userName"]: u for u in remote_users(target)}
    assert len(pushed) == 50
    for source in chosen:
        want, got = seed.expected(source), pushed[source["userName"]]
        # Every email HR sent, the directory's (SPEC's choice) the primary one.
        assert [e["value"] for e in got["emails"]] == ([e["value"] for e in source.get("emails", [])] or [want["email"]])
        assert [e["value"] for e in got["emails"] if e.get("primary")] == [want["email"]]
        assert got["name"] == {"givenName": want["firstname"], "familyName": want["lastname"], "middleName": want["middlename"]}
        assert got["displayName"] == want["displayname"] and got["title"] == want["jobTitle"]
        assert got["userType"] == want["employeeType"] and got.get("active") is True
        ext = got[seed.ENTERPRISE]
        assert ext == {k: v for k, v in {"employeeNumber": want["employeeIdentifier"], "costCenter": want["costCenter"],
                                         "organization": want["organization"], "department": want["department"]}.items() if v}
        # Every number and address HR sent, not only the work and home ones the directory's fields keep.
        assert [{"type": p["type"], "number": p["value"]} for p in got["phoneNumbers"]] == [
            {"type": p["type"], "number": p["value"]} for p in source["phoneNumbers"]]
        assert [{k: v for k, v in a.items() if k != "primary"} for a in got["addresses"]] == source["addresses"]
    groups = remote_groups(target)
    assert [g["displayName"] for g in groups] == ["Engineering"]
    assert sorted(m["value"] for m in groups[0]["members"]) == sorted(u["id"] for u in pushed.values())
    log = roster.json("provision", "log", "Wiki")
    assert sum(1 for e in log if e["operation"] == "create" and e["target"]["type"] == "user" and e["outcome"] == "succeeded") == 50
    assert all(e["application"]["name"] == "Wiki" for e in log)
    events = roster.json("insights", "list", "--type", "provision_create")
    assert len(events) == 51 and all(e["application"]["name"] == "Wiki" for e in events)


def test_changes_removals_and_suspensions_are_pushed(roster, scim_server, target):
    chosen = directory_with_50_users(roster, scim_server)[:5]
    bind_and_push(roster, target, chosen)
    first, second, third = emails(chosen)[:3]
    # MUT: an attribute changes, a member leaves, a user is suspended
    roster.run("user", "set", first, "jobTitle=Chief Tinkerer", "department=")
    roster.run("group", "remove-member", "Eng", second)
    roster.run("user", "suspend", third)
    roster.run("worker", "--until-idle")
    by_email = {primary_email(u): u for u in remote_users(target)}
    assert by_email[first]["title"] == "Chief Tinkerer" and "department" not in by_email[first].get(seed.ENTERPRISE, {})
    assert by_email[second]["active"] is False and by_email[third]["active"] is False
    assert len(by_email) == 5
    members = {m["value"] for m in remote_groups(target)[0]["members"]}
    assert by_email[second]["id"] not in members and by_email[first]["id"] in members
    ops = [(e["target"]["name"], e["operation"]) for e in roster.json("provision", "log", "Wiki")]
    assert (first, "update") in ops and (second, "deactivate") in ops and (third, "deactivate") in ops
    # Back again: the same remote account is made active, not a second one.
    roster.run("user", "reactivate", third)
    roster.run("worker", "--until-idle")
    again = [u for u in remote_users(target) if primary_email(u) == third]
    assert len(again) == 1 and again[0]["active"] is True


def test_an_application_user_that_already_exists_is_linked_not_duplicated(roster, scim_server, target):
    chosen = directory_with_50_users(roster, scim_server)[:3]
    existing = dict(chosen[0])
    for key in ("id", "meta"):
        existing.pop(key, None)
    status, _, body = http("POST", f"{target}/Users", existing)
    assert status == 201
    bind_and_push(roster, target, chosen)
    users = remote_users(target)
    assert len(users) == 3
    log = roster.json("provision", "log", "Wiki")
    linked = [e for e in log if e["operation"] == "link"]
    assert len(linked) == 1 and linked[0]["remoteId"] == body["id"]


def test_an_application_group_of_the_same_name_is_linked_not_duplicated(roster, scim_server, target):
    chosen = directory_with_50_users(roster, scim_server)[:3]
    status, _, existing = http("POST", f"{target}/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                                            "displayName": "Eng", "members": []})
    assert status == 201
    bind_and_push(roster, target, chosen)
    groups = remote_groups(target)
    assert [g["id"] for g in groups] == [existing["id"]]
    assert len(groups[0]["members"]) == 3
    assert any(e["operation"] == "link" and e["target"]["type"] == "group" for e in roster.json("provision", "log", "Wiki"))
