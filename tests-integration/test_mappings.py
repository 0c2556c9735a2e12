"""Attribute mappings per application from the command line: exported and imported as JSON, tried on
a sample before they are saved, applied by imports, versioned."""
import json

ADMIN = "admin@example.com"
RULES = {"rules": [
    {"source": 'emails[type eq "work"].value', "target": "employeeIdentifier",
     "transforms": [{"op": "replace", "pattern": "@.*$", "with": ""}, {"op": "upper"}]},
    {"source": "name.familyName", "target": "organization", "transforms": [{"op": "lower"}]},
    {"source": 'addresses[type eq "home"].country', "target": "department",
     "transforms": [{"op": "map", "table": {"NO": "Norway"}}]},
    {"source": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "target": "costCenter",
     "transforms": [{"op": "default", "value": "none"}]},
]}


def test_an_import_goes_through_the_applications_mapping_and_a_bad_one_is_refused(roster, misbehaving, tmp_path):
    roster.run("app", "create", "Mis", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    assert json.loads(roster.run("app", "mapping", "Mis").stdout) == {"rules": []}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [{"source": "userName", "target": "jobTitle", "transforms": [
        {"op": "replace", "pattern": "^mis00003$", "with": "x" * 2000}]}]}))
    refused = roster.run("app", "mapping", "Mis", "--set", str(bad), check=False)
    assert refused.returncode == 1 and "fails on mis00003 (id m-00003)" in refused.stderr, refused.stderr
    good = tmp_path / "good.json"
    good.write_text(json.dumps(RULES))
    assert "saved version 1" in roster.run("app", "mapping", "Mis", "--set", str(good)).stdout
    exported = json.loads(roster.run("app", "mapping", "Mis").stdout)
    assert exported["rules"][0]["transforms"][0] == {"op": "replace", "pattern": "@.*$", "with": ""}
    assert roster.run("app", "mapping", "Mis", "--history").stdout.startswith("1\t")
    result = roster.run("import", "run", "Mis", "--all", "--as", ADMIN, "--wait", "--json")
    assert json.loads(result.stdout)["job"]["created"] == 250
    users = {u["username"]: u for u in roster.json("users", "list")}
    seven = users["mis00007"]
    assert seven["employeeIdentifier"] == "MIS00007" and seven["organization"] == "behaving00007"
    assert seven["department"] == "Norway" and seven["costCenter"] == "none"


def test_a_mapping_fills_typed_custom_attributes_that_the_users_list_shows_and_filters(roster, misbehaving, tmp_path):
    for name, kind in [("badge", "number"), ("region", "string"), ("norwegian", "boolean"), ("joined", "date")]:
        roster.run("attribute", "declare", name, "--type", kind)
    roster.run("app", "create", "Typed", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    mapping = tmp_path / "typed.json"
    mapping.write_text(json.dumps({"rules": [{"source": "displayName", "target": "badge", "transforms": []}]}))
    refused = roster.run("app", "mapping", "Typed", "--set", str(mapping), check=False)
    assert refused.returncode == 1 and '"Mis Behaving 0" is not a number' in refused.stderr, refused.stderr
    assert "fails on mis00000 (id m-00000)" in refused.stderr
    mapping.write_text(json.dumps({"rules": [
        {"source": "userName", "target": "badge", "transforms": [
            {"op": "replace", "pattern": "^mis0*", "with": ""}, {"op": "default", "value": "0"}]},
        {"source": 'addresses[type eq "home"].country', "target": "region", "transforms": []},
        {"source": 'addresses[type eq "home"].country', "target": "norwegian",
         "transforms": [{"op": "map", "table": {"NO": "true"}}]},
        {"source": "meta.created", "target": "joined", "transforms": [{"op": "default", "value": "2026-05-01"}]},
    ]}))
    roster.run("app", "mapping", "Typed", "--set", str(mapping))
    assert json.loads(roster.run("import", "run", "Typed", "--all", "--as", ADMIN, "--wait", "--json").stdout)[
        "job"]["created"] == 250
    users = {u["username"]: u for u in roster.json("users", "list")}
    assert users["mis00007"]["custom"] == {"badge": 7, "joined": "2026-05-01", "norwegian": True, "region": "NO"}
    assert users["mis00000"]["custom"]["badge"] == 0

    def names(*conditions):
        args = [a for c in conditions for a in ("--where", c)]
        return sorted(u["username"] for u in roster.json("users", "list", *args))

    assert names("badge ge 245") == [f"mis{i:05d}" for i in range(245, 250)]
    assert names("badge lt 3", 'region eq "no"', "norwegian eq true") == ["mis00000", "mis00001", "mis00002"]
    assert names("norwegian eq false") == [] and len(names("joined gt 2026-04-30")) == 250
    assert names("region sw N", "badge le 1") == ["mis00000", "mis00001"]
    bad = roster.run("users", "list", "--where", "norwegian gt true", check=False)
    assert bad.returncode == 1 and "gt does not apply to norwegian, a boolean" in bad.stderr
    unknown = roster.run("users", "list", "--where", "shoe eq 42", check=False)
    assert unknown.returncode == 1 and "declared: badge, joined, norwegian, region" in unknown.stderr
    row = next(line for line in roster.run("users", "list", "--show", "badge,region").stdout.splitlines()
               if line.startswith("mis00009@"))
    assert row.split("\t")[-2:] == ["9", "NO"]
    roster.run("user", "set", "mis00009@example.net", "joined=2026-02-03T23:30:00-02:00")
    assert names("joined eq 2026-02-04") == ["mis00009"]
    still = roster.run("attribute", "remove", "badge", check=False)
    assert still.returncode == 1 and "the mapping of Typed fills badge" in still.stderr


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ROUND_TRIP = {"rules": [
    # Inbound, transforming: never written back.
    {"source": 'emails[type eq "work"].value', "target": "employeeIdentifier",
     "transforms": [{"op": "replace", "pattern": "@.*$", "with": ""}, {"op": "upper"}]},
    {"source": f"{ENTERPRISE}:manager.value", "target": "costCenter", "transforms": [{"op": "default", "value": "none"}]},
    # Outbound: a constant, a join, and one written only when the account is created.
    {"direction": "outbound", "source": f"{ENTERPRISE}:division", "value": {"constant": "R&D"}},
    {"direction": "outbound", "source": "nickName", "value": {"join": ["firstname", "lastname"], "separator": " "}},
    {"direction": "outbound", "source": "title", "target": "jobTitle", "onlyOnCreate": True},
]}


def scim_user(name, title):
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "title": title,
            "name": {"givenName": name.capitalize(), "familyName": "Smith"},
            "emails": [{"value": f"{name}@wiki.example", "type": "work", "primary": True}]}


def test_a_transforming_mapping_round_trip_leaves_the_applications_values_and_writes_what_outbound_rules_say(
        roster, target, tmp_path):
    from conftest import VENV_BIN, free_port, http, remote_users, start_process, stop
    # setup: the application (scim2-server) holds two users; another application holds one more
    for name in ("st0000", "st0001"):
        assert http("POST", f"{target}/Users", scim_user(name, "Original title"))[0] == 201
    port = free_port()
    hr_url = f"http://127.0.0.1:{port}"
    hr = start_process([str(VENV_BIN / "scim2-server"), "--port", str(port)], f"{hr_url}/ServiceProviderConfig")
    try:
        assert http("POST", f"{hr_url}/Users", scim_user("newcomer", "HR title"))[0] == 201
        roster.run("app", "create", "Wiki", "--scim-url", target, "--bearer-token-env", "TOKEN")
        roster.run("app", "create", "HR", "--scim-url", hr_url, "--bearer-token-env", "TOKEN")
        mapping = tmp_path / "round.json"
        mapping.write_text(json.dumps(ROUND_TRIP))
        saved = roster.run("app", "mapping", "Wiki", "--set", str(mapping)).stdout
        # Saving shows both directions on a sample user.
        assert "import        employeeIdentifier = ST0000" in saved, saved
        assert f"provisioning  {ENTERPRISE}:division = R&D" in saved and "provisioning  nickName = St0000 Smith" in saved
        for app in ("Wiki", "HR"):
            roster.run("import", "run", app, "--all", "--as", ADMIN, "--wait", "--json")
        users = {u["username"]: u for u in roster.json("users", "list")}
        assert users["st0000"]["employeeIdentifier"] == "ST0000" and users["st0000"]["costCenter"] == "none"
        # MUT: bind (the application's users are linked, the newcomer is created), then change the users
        roster.run("group", "create", "Staff")
        roster.run("group", "add-member", "Staff", "st0000@wiki.example", "st0001@wiki.example", "newcomer@wiki.example")
        roster.run("group", "bind", "Staff", "Wiki")
        roster.run("worker", "--until-idle")
        roster.run("user", "set", "st0000@wiki.example", "firstname=Sam", "jobTitle=Lead")
        roster.run("user", "set", "newcomer@wiki.example", "jobTitle=CTO")
        roster.run("worker", "--until-idle")
        # validate: what the application holds
        remote = {u["userName"]: u for u in remote_users(target)}
        for name in ("st0000", "st0001"):
            assert [e["value"] for e in remote[name]["emails"]] == [f"{name}@wiki.example"], remote[name]
            assert remote[name]["title"] == "Original title", "written only on create: a linked account keeps its own"
            # The inbound rules' results (employeeIdentifier, costCenter) are not written where the standard
            # mapping would put them: the application's user keeps what it had there (nothing).
            assert remote[name][ENTERPRISE] == {"division": "R&D"}, remote[name]
        assert remote["st0000"]["nickName"] == "Sam Smith" and remote["st0001"]["nickName"] == "St0001 Smith"
        assert remote["newcomer"]["title"] == "HR title", "created with the directory's title, not changed later"
        assert remote["newcomer"]["nickName"] == "Newcomer Smith" and remote["newcomer"][ENTERPRISE]["division"] == "R&D"
        log = roster.json("provision", "log", "Wiki")
        assert all(e["outcome"] == "succeeded" for e in log), log
        assert not any("emails" in (e.get("detail") or "") for e in log), log
    finally:
        stop(hr)
