"""Crash containment and the operator's hand on the queue: a job whose worker dies while it runs
is taken over at most three times, then failed for good with the reason, never claimed again; and
`roster jobs cancel` stops a running import, keeping the users it created. Every kill lands while
the import waits on a page the application holds, by construction. SQLite, and PostgreSQL when the
suite runs on it (ROSTER_TEST_POSTGRES_URL)."""
import json
import os
import signal
import time

from conftest import Roster, http

ADMIN = "admin@example.com"
LEASE = {"ROSTER_JOB_LEASE_SECONDS": "3"}
# The held page is never given up and asked again while the test runs.
PATIENT = dict(LEASE, ROSTER_SCIM_TIMEOUT_SECONDS="600")
# One job at a time: the worker renews one lease, however busy the machine is.
PATIENT["ROSTER_JOB_CONCURRENCY"] = "1"


def queue_entry(roster, import_id):
    return next(e for e in roster.json("jobs", "list")
                if e["kind"] == "import" and json.loads(e["payload"]).get("importJobId") == import_id)


def wait_for(what, condition, seconds=120):
    deadline = time.time() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.time() < deadline, f"never came: {what}"
        time.sleep(0.1)


def held(provider, mode):
    return http("GET", f"{provider}/{mode}/_held")[2]["held"]


def test_a_job_that_stopped_roster_three_times_is_failed_and_never_claimed_again(tmp_path, misbehaving1000):
    roster = Roster(tmp_path / "data", LEASE).with_admin()
    mode = "hold-pages-containment"
    roster.run("app", "create", "Big", "--scim-url", f"{misbehaving1000}/{mode}", "--bearer-token-env", "TOKEN")
    import_id = roster.json("import", "run", "Big", "--all", "--as", ADMIN)["job"]["id"]
    try:
        # MUT: three workers in turn take the job and die on it (kill -9) while it waits on a held page.
        for kill in range(1, 4):
            before = held(misbehaving1000, mode)
            worker = roster.popen("worker", env=PATIENT)
            try:
                # This worker holds the job and waits on a held page (a dead worker's stay counted).
                wait_for(f"worker {kill} on the held page", lambda: held(misbehaving1000, mode) > before
                         and queue_entry(roster, import_id)["leaseOwner"]
                         and int(queue_entry(roster, import_id)["leaseOwner"].split("-")[-2]) == worker.pid)
                assert queue_entry(roster, import_id)["takeovers"] == kill - 1
            finally:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
        # The fourth finds a job that stopped Roster three times: it fails it instead of running it.
        before = held(misbehaving1000, mode)
        worker = roster.popen("worker", env=PATIENT)
        try:
            entry = wait_for("the job failed", lambda: (e := queue_entry(roster, import_id))["status"] == "failed" and e)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
        assert "stopped Roster 3 times" in entry["lastError"], entry
        assert held(misbehaving1000, mode) == before, "the fourth worker asked for the page again"
        shown = roster.json("import", "show", import_id)["job"]
        assert shown["status"] == "failed" and "stopped Roster 3 times" in shown["reason"], shown
        # validate: never claimed again, by a worker that runs until the queue is idle
        roster.run("worker", "--until-idle", env=PATIENT)
        again = queue_entry(roster, import_id)
        assert again["status"] == "failed" and again["attempts"] == entry["attempts"]
        assert roster.json("jobs", "show", again["id"])["takeovers"] == 3
    finally:
        http("GET", f"{misbehaving1000}/{mode}/_release")


def test_jobs_cancel_stops_a_running_import_and_keeps_what_it_created(tmp_path, misbehaving1000):
    roster = Roster(tmp_path / "data", LEASE).with_admin()
    mode = "hold-pages-cancel"
    roster.run("app", "create", "Big", "--scim-url", f"{misbehaving1000}/{mode}", "--bearer-token-env", "TOKEN")
    import_id = roster.json("import", "run", "Big", "--all", "--as", ADMIN)["job"]["id"]
    worker = roster.popen("worker", env=PATIENT)
    try:
        # The import created users from the first pages and waits on the third, held.
        wait_for("the import on the held page", lambda: held(misbehaving1000, mode) >= 1
                 and roster.json("import", "show", import_id)["job"]["created"] >= 100)
        entry = queue_entry(roster, import_id)
        assert entry["status"] == "running"
        # MUT
        cancelled = roster.run("jobs", "cancel", entry["id"], "--as", ADMIN).stdout
        assert entry["id"] in cancelled
        http("GET", f"{misbehaving1000}/{mode}/_release")
        # validate: the worker stops the import at its next batch; what it created stays
        shown = wait_for("the import stopped", lambda: (j := roster.json("import", "show", import_id))["job"]["status"]
                         not in ("queued", "running") and j)
    finally:
        http("GET", f"{misbehaving1000}/{mode}/_release")
        worker.terminate()
        worker.wait(timeout=20)
    assert shown["job"]["status"] == "cancelled", shown["job"]
    assert 100 <= shown["job"]["created"] < 1000
    assert len(roster.json("users", "list")) == shown["job"]["created"]
    assert queue_entry(roster, import_id)["status"] == "cancelled"
    events = roster.json("insights", "list", "--type", "job_cancel")
    assert len(events) == 1 and events[0]["initiatedBy"]["email"] == ADMIN
