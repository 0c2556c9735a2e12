"""What scripts rely on across Roster's doors: one spelling of every id (the command line, the REST
API, Insights and the emails name a user alike), and how `import run --wait` reports progress."""
import csv
import email
import io
import os
import pty
import re
import subprocess

import requests

from conftest import BIN, Roster, free_port, start_process, stop

ADMIN = "admin@example.com"


def attachment(path):
    message = email.message_from_bytes(path.read_bytes())
    for part in message.walk():
        if part.get_filename():
            return part.get_payload(decode=True).decode()
    raise AssertionError("the email has no attachment")


def test_a_user_and_an_import_have_one_id_everywhere_in_lower_case(tmp_path, misbehaving):
    # setup: a small import through the command line
    roster = Roster(tmp_path / "data").with_admin()
    roster.run("app", "create", "Demo", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    imported = roster.json("import", "run", "Demo", "--user", "m-00001", "--user", "m-00002", "--as", ADMIN)
    job_id = imported["job"]["id"]
    user_ids = {r["userId"] for r in imported["results"]}
    key = roster.run("apikey", "create", "--name", "ids", "--role", "readonly", "--as", ADMIN).stdout.strip()
    port = free_port()
    server = start_process([BIN, "serve", "--port", str(port), "--data-dir", str(roster.data_dir)],
                           f"http://127.0.0.1:{port}/healthz", env=roster.env)
    try:
        api = lambda path: requests.get(f"http://127.0.0.1:{port}/api/v1{path}", headers={"Authorization": f"Bearer {key}"}).json()
        # MUT: every door's view of the same users and job
        doors = {
            "users list": {u["id"] for u in roster.json("users", "list")},
            "insights list": {e["resource"]["id"] for e in roster.json("insights", "list", "--type", "user_create")},
            "API users": {u["id"] for u in api("/users")["users"]},
            "API insights": {e["resource"]["id"] for e in api("/insights?type=user_create")["events"]},
            "API import": {r["userId"] for r in api(f"/imports/{job_id}")["results"]},
            "email CSV": {row["userId"] for row in csv.DictReader(io.StringIO(attachment(roster.outbox()[0])))},
        }
        jobs = {
            "import show": roster.json("import", "show", job_id)["job"]["id"],
            "insights import_start": roster.json("insights", "list", "--type", "import_start")[0]["resource"]["id"],
            "insights importJobId": roster.json("insights", "list", "--type", "user_create")[0]["importJobId"],
            "email text": re.search(r"Import job: (\S+)", roster.mails()[0]).group(1),
        }
    finally:
        stop(server)
    # validate
    for door, ids in doors.items():
        assert ids == user_ids, f"{door} names the users {ids}, the import {user_ids}"
    assert set(jobs.values()) == {job_id}, jobs
    assert all(i == i.lower() for i in user_ids | {job_id})
    assert roster.json("insights", "list", "--type", "user_create")[0]["initiatedBy"]["id"].islower()


def test_import_wait_draws_a_live_bar_on_a_terminal_and_plain_lines_otherwise(tmp_path, misbehaving):
    roster = Roster(tmp_path / "data").with_admin()
    roster.run("app", "create", "Bar", "--scim-url", f"{misbehaving}/slow-pages-short", "--bearer-token-env", "TOKEN")
    roster.run("app", "create", "Lines", "--scim-url", f"{misbehaving}/slow-pages-short", "--bearer-token-env", "TOKEN")
    # On a terminal: one line redrawn in place with done/total, rate and time left.
    leader, follower = pty.openpty()
    process = subprocess.Popen([BIN, "import", "run", "Bar", "--all", "--as", ADMIN, "--wait", "--data-dir", str(roster.data_dir)],
                               stdout=subprocess.PIPE, stderr=follower, env=roster.env)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    process.wait(timeout=300)
    os.close(leader)
    text = drawn.decode(errors="replace")
    assert process.returncode == 0, text
    assert "\r\x1b[2K[" in text and "users/s" in text and "/250 users" in text, text[-500:]
    assert text.count("\r") >= 2, "the bar is redrawn in place"
    # Not a terminal: plain lines a log keeps.
    result = roster.run("import", "run", "Lines", "--all", "--as", ADMIN, "--wait")
    lines = [line for line in result.stderr.splitlines() if line.startswith("import ")]
    assert lines and lines[-1] == "import completed: 250 of 250 users" and "\r" not in result.stderr
