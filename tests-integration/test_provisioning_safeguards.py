"""Provisioning against a provider that misbehaves on writes: retries, quarantine, the
deprovisioning threshold, deactivation with pushes queued, and DELETE as the deprovision action."""
import json
import time
import urllib.request

ADMIN = "admin@example.com"


def get(url):
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


def directory(roster, misbehaving, count):
    """Directory users imported from the misbehaving server's `ok` listing."""
    roster.run("app", "create", "Source", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    roster.run("import", "run", "Source", "--all", "--as", ADMIN, "--wait")
    return [f"mis{i:05d}@example.net" for i in range(count)]


def bind(roster, misbehaving, mode, emails, app="App"):
    roster.run("app", "create", app, "--scim-url", f"{misbehaving}/{mode}", "--bearer-token-env", "TOKEN")
    roster.run("group", "create", f"G-{app}")
    roster.run("group", "add-member", f"G-{app}", *emails)
    roster.run("group", "bind", f"G-{app}", app)


def drain(roster, env=None, timeout=90):
    """Runs a worker until no push is waiting or running."""
    worker = roster.popen("worker", env=env)
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            jobs = roster.json("jobs", "list", "--limit", "1000")
            if all(j["status"] not in ("queued", "running") for j in jobs):
                return jobs
            time.sleep(0.5)
        raise AssertionError(f"pushes still waiting after {timeout} s: {jobs[:3]}")
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def remote(misbehaving, mode, kind="Users"):
    return get(f"{misbehaving}/{mode}/{kind}?count=1000")["Resources"]


def test_rate_limits_unavailability_and_a_timed_out_create_end_with_every_user_once(roster, misbehaving):
    emails = directory(roster, misbehaving, 10)
    for mode in ("prov-flaky", "prov-slow-post"):
        bind(roster, misbehaving, mode, emails, app=mode)
    drain(roster, env={"ROSTER_SCIM_TIMEOUT_SECONDS": "1", "ROSTER_SCIM_RETRY_BASE_MS": "20"})
    for mode in ("prov-flaky", "prov-slow-post"):
        users = remote(misbehaving, mode)
        assert sorted(u["userName"] for u in users) == [f"mis{i:05d}" for i in range(10)], mode
        group = remote(misbehaving, mode, "Groups")
        assert len(group) == 1 and len(group[0]["members"]) == 10, mode
        log = roster.json("provision", "log", mode)
        assert all(e["outcome"] != "failed" for e in log), mode
    assert get(f"{misbehaving}/prov-flaky/_stats")["errors"] > 0
    slow = roster.json("provision", "log", "prov-slow-post")
    # The POSTs that timed out had created the user: the retry found and linked them.
    assert any(e["outcome"] == "retrying" for e in slow) and any(e["operation"] == "link" for e in slow)


def test_a_provider_failing_10_times_in_a_row_is_quarantined_until_released(roster, misbehaving):
    emails = directory(roster, misbehaving, 12)
    bind(roster, misbehaving, "prov-down", emails)
    jobs = drain(roster, env={"ROSTER_SCIM_RETRY_BASE_MS": "20"})
    app = next(a for a in roster.json("app", "list") if a["name"] == "App")
    assert app["integration"]["status"] == "error"
    assert "quarantined after 10 failed pushes in a row" in app["integration"]["lastError"]
    assert "database on fire" in app["integration"]["lastError"]
    assert any(j["status"] == "held" for j in jobs)
    writes = get(f"{misbehaving}/prov-down/_stats")["writes"]
    drain(roster)
    assert get(f"{misbehaving}/prov-down/_stats")["writes"] == writes, "a quarantined application was written to"
    refused = roster.run("import", "list", "App", check=False)
    assert refused.returncode == 1 and "quarantined" in refused.stderr and "roster app release App" in refused.stderr
    roster.run("app", "release", "App")
    assert next(a for a in roster.json("app", "list") if a["name"] == "App")["integration"]["status"] == "active"
    assert any(j["status"] == "queued" for j in roster.json("jobs", "list", "--limit", "1000"))


def test_deprovisioning_more_than_20_percent_is_held_until_confirmed(roster, misbehaving):
    emails = directory(roster, misbehaving, 10)
    bind(roster, misbehaving, "prov-ok", emails)
    drain(roster)
    assert all(u["active"] for u in remote(misbehaving, "prov-ok"))
    roster.run("group", "remove-member", "G-App", emails[0])  # 1 of 10: goes through
    drain(roster)
    roster.run("group", "remove-member", "G-App", *emails[1:4])  # 3 of 9: held
    drain(roster)
    active = {u["userName"]: u["active"] for u in remote(misbehaving, "prov-ok")}
    assert active["mis00000"] is False
    assert [active[f"mis{i:05d}"] for i in range(1, 4)] == [True, True, True]
    held = [e for e in roster.json("provision", "log", "App") if e["outcome"] == "held"]
    assert len(held) == 3 and "would deprovision 3 of 9 users" in held[0]["detail"]
    roster.run("provision", "confirm", "App")
    drain(roster)
    active = {u["userName"]: u["active"] for u in remote(misbehaving, "prov-ok")}
    assert [active[f"mis{i:05d}"] for i in range(0, 4)] == [False] * 4
    assert all(active[f"mis{i:05d}"] for i in range(4, 10))


def test_delete_can_be_chosen_as_the_deprovision_action(roster, misbehaving):
    emails = directory(roster, misbehaving, 3)
    bind(roster, misbehaving, "prov-ok", emails, app="Deleting")
    drain(roster)
    roster.run("app", "set", "Deleting", "--deprovision", "delete")
    roster.run("group", "remove-member", "G-Deleting", emails[2])
    drain(roster)
    names = [u["userName"] for u in remote(misbehaving, "prov-ok")]
    assert "mis00002" not in names and "mis00001" in names
    assert any(e["operation"] == "delete" and e["outcome"] == "succeeded" for e in roster.json("provision", "log", "Deleting"))


def test_deactivation_with_200_pushes_queued_sends_none_after_it_and_ends_them_in_error(roster, misbehaving):
    emails = directory(roster, misbehaving, 200)
    # The provider holds every write until the test lets them go, and the worker runs five pushes at
    # a time: the deactivation lands with exactly five writes in flight and the rest queued, by
    # construction. The SCIM deadline outlasts the test, so no held write is given up and sent again.
    mode = "prov-hold-deactivation"
    bind(roster, misbehaving, mode, emails)
    worker = roster.popen("worker", env={"ROSTER_JOB_CONCURRENCY": "5", "ROSTER_SCIM_TIMEOUT_SECONDS": "600"})
    try:
        try:
            assert wait_held(misbehaving, mode, 5, worker) == 5, "five pushes side by side, five writes held"
            roster.run("app", "deactivate", "App")
            assert get(f"{misbehaving}/{mode}/_stats")["writes"] == 5
        finally:
            get(f"{misbehaving}/{mode}/_release")
        jobs = settled(roster, worker)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    # Every push has ended, so no write can come later: the five in flight were all that was sent.
    assert get(f"{misbehaving}/{mode}/_stats")["writes"] == 5, "writes sent after the deactivation"
    assert len(get(f"{misbehaving}/{mode}/_writes")) == 5
    jobs = [j for j in jobs if j["kind"].startswith("provision")]
    done = [j for j in jobs if j["status"] == "done"]
    failed = [j for j in jobs if j["status"] == "failed"]
    # One push per user; the group's push may have been one of the five or waited with the rest.
    assert len([j for j in jobs if j["kind"] == "provision-user"]) == 200
    assert len(done) == 5 and len(failed) == len(jobs) - 5, (len(done), len(failed), len(jobs))
    assert all(j["lastError"] == "integration deactivated" for j in failed)
    cancelled = [e for e in roster.json("provision", "log", "App") if e["outcome"] == "cancelled"]
    assert len(cancelled) >= len(failed)


def wait_held(misbehaving, mode, count, worker, timeout=120):
    """How many writes the provider holds, once it holds `count`; fails if it never does."""
    deadline = time.time() + timeout
    while True:
        held = get(f"{misbehaving}/{mode}/_held")["held"]
        if held >= count:
            return held
        assert worker.poll() is None, f"the worker ended with {held} of {count} writes held"
        assert time.time() < deadline, f"{held} of {count} writes held after {timeout} s"
        time.sleep(0.1)


def settled(roster, worker, timeout=90):
    """The jobs once none is waiting or running (the worker still up); fails if that never comes."""
    deadline = time.time() + timeout
    while True:
        jobs = roster.json("jobs", "list", "--limit", "1000")
        if all(j["status"] not in ("queued", "running") for j in jobs):
            return jobs
        assert worker.poll() is None, "the worker ended with pushes waiting"
        assert time.time() < deadline, f"pushes still waiting after {timeout} s: {jobs[:3]}"
        time.sleep(0.2)


def test_a_rate_limited_provider_gets_every_user_once_at_its_pace(roster, misbehaving):
    """A token bucket of 20 requests/s, two at once (met on any machine, since pushes run side by
    side): the 429s slow the whole application down, and every user is created exactly once."""
    emails = directory(roster, misbehaving, 250)
    bind(roster, misbehaving, "prov-bucket-tight", emails)
    drain(roster, timeout=120)
    users = remote(misbehaving, "prov-bucket-tight")
    assert sorted(u["userName"] for u in users) == [f"mis{i:05d}" for i in range(250)]
    writes = get(f"{misbehaving}/prov-bucket-tight/_writes")
    posts = [w for w in writes if w["method"] == "POST" and w["path"].endswith("/Users")]
    assert len(posts) == 250, "one create per user, none lost, none twice"
    refused = get(f"{misbehaving}/prov-bucket-tight/_stats")["errors"]
    assert refused > 0, "the provider's limit was met"
    # Roster learned the pace: requests let go all at once after every pause would be refused
    # about one in two, hundreds over the run.
    assert refused < 50, f"{refused} requests refused: the pace was not learned"
    log = roster.json("provision", "log", "App")
    assert all(e["outcome"] != "failed" for e in log)
    group = remote(misbehaving, "prov-bucket-tight", "Groups")
    assert len(group) == 1 and len(group[0]["members"]) == 250
