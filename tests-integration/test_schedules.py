"""Scheduled imports of new users from the command line, on a test clock (`roster import scheduled
--now`): each slot once, missed slots once, a filter, a dry run, and email only when a run created or
failed something."""
import json

from conftest import mail_text

ADMIN = "admin@example.com"


def run_due(roster, now):
    queued = roster.json("import", "scheduled", "--now", now)
    roster.run("worker", "--until-idle")
    return queued


def test_a_schedule_imports_new_users_once_a_slot_and_emails_only_news(roster, misbehaving):
    roster.run("app", "create", "Mis", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    shown = roster.run("app", "schedule", "Mis", "--every", "6h", "--as", ADMIN).stdout
    assert "Mis: every 6 hours; runs for admin@example.com" in shown
    # The slot of now (before the schedule existed) does not run; the next one does, once.
    assert run_due(roster, "2026-11-30T00:00:00Z") == []
    first = run_due(roster, "2099-01-01T06:00:10Z")
    assert len(first) == 1 and first[0]["scheduled"]["slot"] == "2099-01-01T06:00:00Z"
    assert run_due(roster, "2099-01-01T11:59:00Z") == []
    assert len(roster.json("users", "list")) == 250
    mails = roster.outbox()
    assert len(mails) == 1 and "scheduled import" in mail_text(mails[0])
    # Down for three days: the slots missed run once, and finding nothing new emails nobody.
    assert len(run_due(roster, "2099-01-04T13:00:00Z")) == 1
    assert len(roster.outbox()) == 1
    history = roster.json("import", "history", "--scheduled")
    assert [(j["created"], j["skipped"]) for j in history] == [(0, 250), (250, 0)]
    text = roster.run("import", "history").stdout
    assert text.count("\tscheduled\t") == 2


def test_a_filtered_dry_run_reports_what_it_would_create_and_creates_nothing(roster, misbehaving):
    roster.run("app", "create", "Mis", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    schedule = roster.json("app", "schedule", "Mis", "--cron", "0 2 * * *", "--filter", 'userName sw "mis001"',
                           "--dry-run", "--as", ADMIN)
    assert schedule["words"] == "every day at 02:00 UTC" and schedule["dryRun"]
    job = run_due(roster, "2099-01-01T02:00:00Z")[0]
    assert job["scheduled"] == {"slot": "2099-01-01T02:00:00Z", "filter": 'userName sw "mis001"', "dryRun": True}
    shown = roster.json("import", "show", job["id"])
    assert shown["job"]["created"] == 100 and roster.json("users", "list") == []
    assert {r["outcome"] for r in shown["results"]} == {"new"}
    assert "would create: 100" in mail_text(roster.outbox()[0])
    # Turned into a real run, it imports exactly the filtered users.
    roster.run("app", "schedule", "Mis", "--cron", "0 2 * * *", "--filter", 'userName sw "mis001"', "--as", ADMIN)
    run_due(roster, "2099-01-02T02:00:00Z")
    assert sorted(u["username"] for u in roster.json("users", "list")) == [f"mis{i:05d}" for i in range(100, 200)]


def test_a_wrong_schedule_is_refused_with_what_is_wrong(roster, misbehaving):
    roster.run("app", "create", "Mis", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    for args, words in [(["--every", "2m"], "at most every 5 minutes"),
                        (["--cron", "0 25 * * *"], "hour field"),
                        (["--every", "6h", "--filter", "userName eq"], "filter"),
                        (["--every", "6h"], "--as EMAIL")]:
        extra = [] if "--as EMAIL" == words else ["--as", ADMIN]
        r = roster.run("app", "schedule", "Mis", *args, *extra, check=False)
        assert r.returncode == 1 and words in r.stderr, (args, r.stderr)
    assert "not scheduled" in roster.run("app", "schedule", "Mis").stdout
    roster.run("app", "schedule", "Mis", "--every", "1d", "--as", ADMIN)
    assert "no longer scheduled" in roster.run("app", "schedule", "Mis", "--off").stdout
