"""Manual import against a real SCIM server (scim2-server), through the `roster` command."""
import json
import subprocess
import time

import seed
from conftest import http

ADMIN = "admin@example.com"


def connect(roster, url, name="Demo"):
    roster.run("app", "create", name, "--scim-url", url, "--bearer-token-env", "TOKEN")


def remote_by_username(created):
    return {u["userName"]: u for u in created}


def test_every_mapped_attribute_arrives_exactly_as_spec_maps_it(roster, scim_server):
    url, created = scim_server
    connect(roster, url)
    result = roster.json("import", "run", "Demo", "--all", "--as", ADMIN, "--wait")
    job = result["job"]
    expected = {u["userName"]: seed.expected(u) for u in created}
    importable = {name: e for name, e in expected.items() if e is not None}
    duplicates = [f"user{i:04d}" for i in range(len(created)) if i % 100 == 11]
    assert job["status"] == "completed"
    assert job["total"] == len(created)
    assert job["created"] == len(importable) - len(duplicates)
    assert job["failed"] == len(created) - job["created"]
    users = {u["username"]: u for u in roster.json("users", "list")}
    assert len(users) == job["created"]
    for name, user in users.items():
        want = importable[name]
        for key, value in want.items():
            assert user.get(key) == value, f"{name}: {key} is {user.get(key)!r}, SPEC.md maps it to {value!r}"
        assert user["state"] == "active" and user["passwordStatus"] == "pending"
        assert user["source"]["type"] == "import" and user["source"]["importJobId"] == job["id"]
    # Spot checks of the rules the loop above relies on.
    assert users["user0003"]["email"] == "user0003@example.com"          # work beats the first
    assert users["user0004"]["email"] == "user0004@example.com"          # else the first
    assert users["named0008@example.com"]["email"] == "named0008@example.com"  # userName as email
    assert users["user0009"]["displayname"] == "<img src=x onerror=alert(1)>"
    assert users["user0001"]["firstname"] == "Zoë" and users["user0005"]["firstname"] == "Ἀθηνᾶ"


def test_users_without_usable_email_fail_with_a_reason_and_a_rerun_creates_nothing(roster, scim_server):
    url, created = scim_server
    connect(roster, url)
    first = roster.json("import", "run", "Demo", "--all", "--as", ADMIN, "--wait")
    results = {r["userName"]: r for r in first["results"]}
    assert results["user0007"]["outcome"] == "failed"
    assert "no usable email" in results["user0007"]["reason"]
    # user0011 shares user0010's email: whichever the provider lists first is imported, the
    # other fails naming it (scim2-server lists in an order of its own).
    pair = sorted([results["user0010"], results["user0011"]], key=lambda r: r["outcome"])
    assert [r["outcome"] for r in pair] == ["created", "failed"]
    assert "duplicate" in pair[1]["reason"] and "user0010@example.com" in pair[1]["reason"]
    assert pair[0]["remoteId"] in pair[1]["reason"]
    before = roster.json("users", "list")
    second = roster.json("import", "run", "Demo", "--all", "--as", ADMIN, "--wait")
    assert second["job"]["created"] == 0
    assert second["job"]["skipped"] == first["job"]["created"]
    assert second["job"]["failed"] == first["job"]["failed"]
    assert len(roster.json("users", "list")) == len(before)
    listing = {u["userName"]: u for u in roster.json("import", "list", "Demo")}
    assert listing["user0000"]["status"] == "exists" and listing["user0000"]["matchedUserId"]
    assert listing["user0007"]["status"] == "invalid" and "no usable email" in listing["user0007"]["reason"]
    assert listing[pair[1]["userName"]]["status"] == "invalid" and "duplicate" in listing[pair[1]["userName"]]["reason"]
    assert listing[pair[0]["userName"]]["status"] == "exists"


def test_fewer_than_100_users_answer_at_once_and_email_the_results(roster, scim_server):
    url, created = scim_server
    connect(roster, url)
    ids = [u["id"] for u in created[:5]]
    args = ["import", "run", "Demo", "--as", ADMIN]
    for remote_id in ids:
        args += ["--user", remote_id]
    result = roster.json(*args)
    assert result["job"]["status"] == "completed"
    assert [r["remoteId"] for r in result["results"]] == ids
    assert all(r["outcome"] == "created" and r["userId"] for r in result["results"])
    mails = roster.outbox()
    assert len(mails) == 1
    text = mails[0].read_text()
    assert f"To: {ADMIN}" in text and "Subject: Roster import from Demo: completed" in text
    insights = roster.json("insights", "list", "--type", "user_create")
    assert len(insights) == 5
    for event in insights:
        assert event["application"]["name"] == "Demo"
        assert event["initiatedBy"] == {"type": "administrator", "id": event["initiatedBy"]["id"], "email": ADMIN}
        assert event["importJobId"] == result["job"]["id"]
        assert event["resource"]["type"] == "user" and event["success"] is True
    kinds = [e["type"] for e in roster.json("insights", "list")]
    assert "import_start" in kinds and "import_complete" in kinds
    # The filters the portal offers, from the command line: time range, initiator, application.
    today = insights[0]["time"][:10]
    assert len(roster.json("insights", "list", "--type", "user_create", "--since", today, "--initiator", ADMIN, "--app", "Demo")) == 5
    assert roster.json("insights", "list", "--until", today) == []
    assert roster.json("insights", "list", "--initiator", "someone@else.example") == []
    refused = roster.run("insights", "list", "--since", "yesterday", check=False)
    assert refused.returncode == 1 and "--since must be a date" in refused.stderr


def test_100_or_more_users_are_queued_run_by_a_worker_and_emailed(roster, scim_server):
    url, created = scim_server
    connect(roster, url)
    queued = roster.json("import", "run", "Demo", "--all", "--as", ADMIN)
    assert queued["job"]["status"] == "queued" and queued["results"] == []
    assert roster.outbox() == []
    worker = roster.popen("worker")
    try:
        deadline = time.time() + 120
        while True:
            shown = roster.json("import", "show", queued["job"]["id"])
            if shown["job"]["status"] in ("completed", "failed") or time.time() > deadline:
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert shown["job"]["status"] == "completed"
    assert shown["job"]["created"] + shown["job"]["skipped"] + shown["job"]["failed"] == len(created)
    assert len(shown["results"]) == len(created)
    mails = roster.outbox()
    assert len(mails) == 1 and "completed with" in mails[0].read_text()


def test_two_imports_of_the_same_users_started_at_once_create_each_user_once(roster, misbehaving):
    # The provider holds every user it is asked for until both imports wait on it: each reads its
    # users one by one, so two held reads are two imports in flight at once, by construction.
    mode = "hold-users-two-imports"
    connect(roster, f"{misbehaving}/{mode}")
    ids = [f"m-{i:05d}" for i in range(20, 80)]
    args = ["import", "run", "Demo", "--as", ADMIN, "--json"]
    for remote_id in ids:
        args += ["--user", remote_id]
    # A deadline longer than the test: a held read is never given up and asked again meanwhile.
    patient = {"ROSTER_SCIM_TIMEOUT_SECONDS": "600"}
    first, second = roster.popen(*args, env=patient), roster.popen(*args, env=patient)
    try:
        held = wait_held(misbehaving, mode, 2, [first, second])
        assert held == 2 and first.poll() is None and second.poll() is None
    finally:
        http("GET", f"{misbehaving}/{mode}/_release")
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    jobs = [json.loads(out1)["job"], json.loads(out2)["job"]]
    users = roster.json("users", "list")
    assert sorted(u["username"] for u in users) == [f"mis{i:05d}" for i in range(20, 80)]
    assert sum(j["created"] for j in jobs) == len(ids)
    for job in jobs:
        assert job["status"] == "completed"
        assert job["created"] + job["skipped"] + job["failed"] == len(ids)


def wait_held(misbehaving, mode, count, processes, timeout=120):
    """How many requests the provider holds, once it holds `count`; fails if it never does, or
    if one of `processes` ended first (it cannot be held then)."""
    deadline = time.time() + timeout
    while True:
        held = http("GET", f"{misbehaving}/{mode}/_held")[2]["held"]
        if held >= count:
            return held
        ended = [p.args for p in processes if p.poll() is not None]
        assert not ended, f"{ended} ended while {held} of {count} requests were held"
        assert time.time() < deadline, f"{held} of {count} requests held after {timeout} s"
        time.sleep(0.1)


def test_deactivation_in_the_middle_stops_the_import_keeps_what_was_done_and_emails(roster, misbehaving):
    # The provider serves two pages of 100 and holds the third until the test lets it go: the
    # deactivation lands while the import is in the middle by construction, not by timing.
    mode = "hold-pages-deactivation"
    connect(roster, f"{misbehaving}/{mode}")
    queued = roster.json("import", "run", "Demo", "--all", "--as", ADMIN)
    job_id = queued["job"]["id"]
    # A deadline longer than the test: the held page is never given up and asked again meanwhile.
    worker = roster.popen("worker", env={"ROSTER_SCIM_TIMEOUT_SECONDS": "600"})
    try:
        try:
            # Some users committed; the rest cannot arrive before the release.
            middle = wait_job(roster, job_id, lambda j: j["created"] >= 100, [worker], "committed a page")
            roster.run("app", "deactivate", "Demo")
            middle = roster.json("import", "show", job_id)["job"]
            assert middle["status"] == "running" and 100 <= middle["created"] < 250, middle
        finally:
            http("GET", f"{misbehaving}/{mode}/_release")
        job = wait_job(roster, job_id, lambda j: j["status"] not in ("queued", "running"), [worker], "ended")
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    # The results email is queued with the job's end and delivered by a worker's next job: the one
    # stopped above may not have reached it. A run until idle delivers what is queued.
    roster.run("worker", "--until-idle")
    assert job["status"] == "failed"
    assert job["reason"] == "integration deactivated"
    # What was committed before the deactivation stays; the held page, read after it, is not imported.
    assert job["created"] >= middle["created"] and job["created"] in (100, 200), job
    assert len(roster.json("users", "list")) == job["created"]
    mails = roster.outbox()
    assert len(mails) == 1
    assert "integration deactivated" in mails[0].read_text()
    refused = roster.run("import", "run", "Demo", "--all", "--as", ADMIN, check=False)
    assert refused.returncode == 1 and "deactivated" in refused.stderr
    roster.run("app", "activate", "Demo")
    assert roster.run("import", "list", "Demo").returncode == 0


def wait_job(roster, job_id, condition, processes, what, timeout=120):
    """The import job once `condition` holds; fails if it never does, or if a process it needs ended."""
    deadline = time.time() + timeout
    while True:
        job = roster.json("import", "show", job_id)["job"]
        if condition(job):
            return job
        assert job["status"] in ("queued", "running"), f"the job ended before it {what}: {job}"
        ended = [p.args for p in processes if p.poll() is not None]
        assert not ended, f"{ended} ended before the job {what}: {job}"
        assert time.time() < deadline, f"the job never {what} in {timeout} s: {job}"
        time.sleep(0.1)


def test_import_list_filters_and_sorts_through_the_provider(roster, scim_server):
    url, created = scim_server
    connect(roster, url)
    found = roster.json("import", "list", "Demo", "--filter", 'userName sw "user001"')
    assert sorted(u["userName"] for u in found) == [f"user{i:04d}" for i in range(10, 20)]
    ordered = roster.json("import", "list", "Demo", "--filter", 'userName sw "user00"', "--sort", "userName", "--descending")
    assert [u["userName"] for u in ordered][:3] == ["user0099", "user0098", "user0097"]
    searched = roster.json("import", "list", "Demo", "--search", "Ólafur")
    assert searched and all("Ólafur" in u["displayName"] for u in searched)
    bad = roster.run("import", "list", "Demo", "--filter", 'userName eq', check=False)
    assert bad.returncode == 1 and "invalid filter" in bad.stderr


def test_unknown_admin_unknown_app_and_bad_flags_exit_1_with_a_reason(roster, scim_server):
    url, _ = scim_server
    connect(roster, url)
    r = roster.run("import", "run", "Demo", "--all", "--as", "nobody@example.com", check=False)
    assert r.returncode == 1 and "no administrator" in r.stderr
    r = roster.run("import", "run", "Nope", "--all", "--as", ADMIN, check=False)
    assert r.returncode == 1 and "no application named" in r.stderr
    r = roster.run("import", "run", "Demo", "--as", ADMIN, check=False)
    assert r.returncode == 1 and "--all" in r.stderr
    r = roster.run("app", "create", "X", "--scim-url", url, "--bearer-token-env", "NOT_SET_ANYWHERE", check=False)
    assert r.returncode == 1 and "NOT_SET_ANYWHERE" in r.stderr
    r = roster.run("app", "create", "Demo", "--scim-url", url, "--bearer-token-env", "TOKEN", check=False)
    assert r.returncode == 1 and "already exists" in r.stderr


def test_unreachable_provider_exits_2_with_one_line(roster):
    connect(roster, "http://127.0.0.1:9/scim")
    r = roster.run("app", "test", "Demo", check=False, env={"ROSTER_SCIM_RETRY_BASE_MS": "10"})
    assert r.returncode == 2
    assert "could not reach" in r.stderr and len(r.stderr.strip().splitlines()) == 1
