"""Many instances on one database: a worker killed in the middle of an import, and instances
that start together on an empty database. Runs on SQLite, and on PostgreSQL when the suite
does (ROSTER_TEST_POSTGRES_URL)."""
import json
import os
import signal
import time

from conftest import Roster, http

ADMIN = "admin@example.com"
LEASE = {"ROSTER_JOB_LEASE_SECONDS": "3"}


def holder_pid(roster, job_id):
    for entry in roster.json("jobs", "list"):
        if entry["kind"] == "import" and json.loads(entry["payload"]).get("importJobId") == job_id \
                and entry["status"] == "running" and entry.get("leaseOwner"):
            return int(entry["leaseOwner"].split("-")[-2])
    return None


def test_a_worker_killed_mid_import_is_replaced_and_the_job_resumes_where_it_stopped(tmp_path, misbehaving1000):
    # setup: two instances (their own data folders, one database), a slow 1,000-user import
    first = Roster(tmp_path / "a", LEASE).with_admin()
    second = Roster(tmp_path / "b", LEASE, database_url=first.env.get("DATABASE_URL"))
    if "DATABASE_URL" not in first.env:
        second = Roster(tmp_path / "a", LEASE)  # SQLite: the instance restarts on the same data
    # The application holds every page after the second until the test releases it: the worker has
    # committed one or two pages and waits on the third when it is killed, by construction. The hold
    # has a name of its own (a release is for good), and the workers' SCIM deadline outlasts the test
    # so the held page is never given up and asked again meanwhile.
    mode = "hold-pages-worker-kill"
    first.run("app", "create", "Big", "--scim-url", f"{misbehaving1000}/{mode}", "--bearer-token-env", "TOKEN")
    job_id = first.json("import", "run", "Big", "--all", "--as", ADMIN)["job"]["id"]
    patient = dict(LEASE, ROSTER_SCIM_TIMEOUT_SECONDS="600")
    workers = {}
    workers["a"] = first.popen("worker", env=patient)
    if "DATABASE_URL" in first.env:
        workers["b"] = second.popen("worker", env=patient)
    try:
        # MUT: kill -9 whichever process holds the job, once it committed a page: the third cannot have
        # come (it is held, and `_held` shows the hold in place), so the kill is mid-import whatever the pace.
        deadline = time.time() + 120
        pid = None
        while True:
            pid = holder_pid(first, job_id)
            held = http("GET", f"{misbehaving1000}/{mode}/_held")[2]["held"]
            if pid and held and first.json("import", "show", job_id)["job"]["created"] >= 100:
                break
            assert time.time() < deadline, "the import never reached the held page"
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        killed = next(name for name, p in workers.items() if p.pid == pid)
        workers[killed].wait(timeout=10)
        # Read while the pages after the second are still held: once they go, another instance may take
        # the job over (its lease ends within seconds) and commit more before the read.
        done_before = first.json("import", "show", job_id)["job"]["created"]
        assert 100 <= done_before <= 200
        http("GET", f"{misbehaving1000}/{mode}/_release")
        if killed == "a" and "b" not in workers:
            workers["b"] = second.popen("worker", env=patient)  # the restart
        deadline = time.time() + 120
        while time.time() < deadline:
            shown = first.json("import", "show", job_id)
            if shown["job"]["status"] not in ("queued", "running"):
                break
            time.sleep(0.3)
    finally:
        http("GET", f"{misbehaving1000}/{mode}/_release")  # a worker stopping does not wait on a held page
        for process in workers.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
    # The results email may still wait in the queue when the workers stop: delivered now, once.
    first.run("worker", "--until-idle")
    # validate: every user once, every result once, the job taken over, one complete email
    assert shown["job"]["status"] == "completed"
    assert shown["job"]["created"] == 1000 and shown["job"]["failed"] == 0
    assert sorted(r["remoteId"] for r in shown["results"]) == [f"m-{i:05d}" for i in range(1000)]
    users = first.json("users", "list")
    assert len(users) == 1000 and len({u["username"] for u in users}) == 1000
    assert int(first.sql(f"SELECT attempts FROM jobs WHERE kind = 'import' AND payload LIKE '%{job_id}%'")) == 2
    from conftest import mail_text
    mails = [mail_text(path) for path in sorted({p for r in (first, second) for p in r.outbox()})]
    assert len(mails) == 1
    assert "Users: 1000   created: 1000   skipped: 0   failed: 0" in mails[0]


def test_instances_starting_together_on_an_empty_database_all_come_up(tmp_path):
    first = Roster(tmp_path / "a")
    others = [Roster(tmp_path / name, database_url=first.env.get("DATABASE_URL")) for name in "bcd"]
    if "DATABASE_URL" not in first.env:
        others = [Roster(tmp_path / "a") for _ in "bcd"]  # SQLite: several processes on one file
    processes = [r.popen("migrate") for r in [first, *others]]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    # Every migration applied exactly once (version is the key: a second run would have failed).
    assert first.sql("SELECT count(*) FROM schema_migrations") == first.sql("SELECT max(version) FROM schema_migrations")
    assert int(first.sql("SELECT count(*) FROM schema_migrations")) >= 2
    first.with_admin()
    assert first.run("admin", "list").stdout.startswith(ADMIN)
