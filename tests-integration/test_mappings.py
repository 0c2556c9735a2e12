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
