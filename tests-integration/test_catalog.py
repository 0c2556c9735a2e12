"""The connector catalog: presets of real SCIM applications, and what they make Roster do against a
test server configured like the vendor (page cap, rate limit)."""
import json
import urllib.request

import pytest

ADMIN = "admin@example.com"


def reads(misbehaving, mode):
    with urllib.request.urlopen(f"{misbehaving}/{mode}/_reads") as response:
        return json.loads(response.read())


def test_the_catalog_lists_at_least_twenty_presets_each_with_its_sources(roster):
    presets = roster.json("app", "presets")
    assert len(presets) >= 20
    assert all(p["sources"] and p["read"] and p["scimDocs"].startswith("https://") for p in presets)
    found = roster.json("app", "presets", "--search", "git")
    assert sorted(p["id"] for p in found) == ["github-emu", "github-enterprise-server", "gitlab"]
    text = roster.run("app", "presets").stdout
    assert "slack\tSlack\thttps://api.slack.com/scim/v2" in text


def test_a_preset_fills_what_it_knows_and_asks_for_what_it_does_not(roster):
    env = {"TOKEN": "t"}
    roster.run("app", "create", "Slack", "--preset", "slack", "--bearer-token-env", "TOKEN", env=env)
    app = roster.json("app", "list")[0]
    assert app["preset"] == "slack" and app["integration"]["scimUrl"] == "https://api.slack.com/scim/v2"
    assert app["integration"]["rateLimit"] == 3  # 180 requests a minute
    missing = roster.run("app", "create", "Jira", "--preset", "atlassian", "--bearer-token-env", "TOKEN", env=env,
                         check=False)
    assert missing.returncode == 1
    assert "https://api.atlassian.com/scim/directory/{directoryId}: give it with --scim-url" in missing.stderr
    unknown = roster.run("app", "create", "X", "--preset", "slak", "--scim-url", "https://x.test",
                         "--bearer-token-env", "TOKEN", env=env, check=False)
    assert unknown.returncode != 0 and "did you mean slack?" in unknown.stderr
    assert [a["name"] for a in roster.json("app", "list")] == ["Slack"]


@pytest.mark.parametrize("preset,mode,count,per_minute", [
    ("hcp-terraform", "like-200-0", 200, None),   # pages of at most 200
    ("zoom", "like-100-60", 1000, 60),            # 1 request a second
    ("slack", "like-1000-180", 1000, 180),        # pages of 1,000, 180 requests a minute
])
def test_an_application_made_from_a_preset_keeps_to_its_vendors_page_size_and_pace(
        roster, misbehaving, preset, mode, count, per_minute):
    roster.run("app", "create", "Vendor", "--preset", preset, "--scim-url", f"{misbehaving}/{mode}",
               "--bearer-token-env", "TOKEN")
    result = roster.run("import", "run", "Vendor", "--all", "--as", ADMIN, "--wait", "--json", check=False)
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)["job"]
    assert job["created"] == 250 and job["failed"] == 0
    seen = reads(misbehaving, mode)
    # The import's pages are the vendor's cap (Roster asks for 1,000 otherwise), never more.
    assert max(int(r["query"]["count"]) for r in seen) == count, seen
    if per_minute:
        # Requests spaced at the documented pace: the provider never had to refuse one.
        times = sorted(r["time"] for r in seen)
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert gaps and min(gaps) >= 0.8 * 60 / per_minute, gaps
        stats = json.loads(urllib.request.urlopen(f"{misbehaving}/{mode}/_stats").read())
        assert stats.get("errors", 0) == 0, stats
