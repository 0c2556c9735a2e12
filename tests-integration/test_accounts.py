"""Account registration: an administrator sets a password, or emails a single-use, expiring
link (through a real SMTP server) to a page where the user chooses one."""
import email
import re
import subprocess
import time

import requests

from conftest import BIN, Roster, free_port, smtp_url, stop, wait_for

ADMIN = "admin@example.com"
USER = "mis00001@example.net"


def roster_with_a_user(tmp_path, misbehaving, env):
    roster = Roster(tmp_path / "data", env).with_admin()
    roster.run("app", "create", "Source", "--scim-url", f"{misbehaving}/ok", "--bearer-token-env", "TOKEN")
    roster.run("import", "run", "Source", "--user", "m-00001", "--user", "m-00002", "--as", ADMIN)
    return roster


def status_of(roster, address):
    return next(u for u in roster.json("users", "list") if u["email"] == address)["passwordStatus"]


def link_in(folder):
    messages = [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]
    texts = [m.get_payload(decode=True).decode() for m in messages if m["To"] == USER]
    assert texts, "no email reached the user"
    return re.search(r"(http://\S+/activate\?token=\S+)", texts[-1]).group(1), messages


def test_the_activation_link_sets_the_password_once(tmp_path, misbehaving, smtp_server):
    port, received = smtp_server
    web = free_port()
    env = {"ROSTER_SMTP_URL": smtp_url(port), "ROSTER_PUBLIC_URL": f"http://127.0.0.1:{web}"}
    roster = roster_with_a_user(tmp_path, misbehaving, env)
    assert status_of(roster, USER) == "pending"
    roster.run("user", "send-activation", USER)
    link, messages = link_in(received)
    assert any(m["Subject"] == "Activate your account" for m in messages)
    server = subprocess.Popen([BIN, "serve", "--port", str(web), "--data-dir", str(roster.data_dir)], env=roster.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{web}/healthz")
        page = requests.get(link)
        assert page.status_code == 200 and USER in page.text and page.headers["Cache-Control"] == "no-store"
        token = link.split("token=")[1]
        weak = requests.post(f"http://127.0.0.1:{web}/activate", data={"token": token, "password": "password1234", "confirm": "password1234"})
        assert weak.status_code == 400 and "most breached passwords" in weak.text
        short = requests.post(f"http://127.0.0.1:{web}/activate", data={"token": token, "password": "short", "confirm": "short"})
        assert short.status_code == 400 and "at least 12 characters" in short.text
        good = "violet-harbour-tuesday-42"
        done = requests.post(f"http://127.0.0.1:{web}/activate", data={"token": token, "password": good, "confirm": good})
        assert done.status_code == 200 and "Your password is set" in done.text
        assert status_of(roster, USER) == "set"
        again = requests.post(f"http://127.0.0.1:{web}/activate", data={"token": token, "password": good, "confirm": good})
        assert again.status_code == 410 and "already used" in again.text
        assert requests.get(link).status_code == 410
        assert requests.get(f"http://127.0.0.1:{web}/activate?token=forged").status_code == 404
    finally:
        stop(server)
    kinds = [e["type"] for e in roster.json("insights", "list")]
    assert "user_activation_sent" in kinds and "user_password_set" in kinds


def test_an_expired_link_is_refused(tmp_path, misbehaving):
    web = free_port()
    env = {"ROSTER_ACTIVATION_TTL_SECONDS": "1", "ROSTER_PUBLIC_URL": f"http://127.0.0.1:{web}"}
    roster = roster_with_a_user(tmp_path, misbehaving, env)
    roster.run("user", "send-activation", USER)
    outbox = [m for m in roster.mails() if f"To: {USER}" in m]
    token = re.search(r"token=(\S+)", outbox[-1]).group(1)
    time.sleep(1.5)
    server = subprocess.Popen([BIN, "serve", "--port", str(web), "--data-dir", str(roster.data_dir)], env=roster.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{web}/healthz")
        refused = requests.post(f"http://127.0.0.1:{web}/activate", data={"token": token, "password": "violet-harbour-tuesday-42", "confirm": "violet-harbour-tuesday-42"})
        assert refused.status_code == 410 and "expired" in refused.text
    finally:
        stop(server)
    assert status_of(roster, USER) == "pending"


def test_an_administrator_sets_a_password_and_weak_ones_are_refused(tmp_path, misbehaving):
    roster = roster_with_a_user(tmp_path, misbehaving, {})
    weak = roster.run("user", "set-password", USER, "--password-env", "WEAK", env={"WEAK": "qwertyuiop12"}, check=False)
    assert weak.returncode == 1 and "qwerty" in weak.stderr
    mine = roster.run("user", "set-password", USER, "--password-env", "P", env={"P": "mis00001-is-my-name!"}, check=False)
    assert mine.returncode == 1 and "must not contain your email" in mine.stderr
    roster.run("user", "set-password", USER, "--password-env", "P", env={"P": "violet-harbour-tuesday-42"})
    assert status_of(roster, USER) == "set"
    # Once a password is set, the emailed link is a reset.
    roster.run("user", "send-activation", USER)
    assert any("Subject: Reset your password" in m for m in roster.mails())


def test_a_newer_link_or_a_password_set_by_an_administrator_ends_older_links(tmp_path, misbehaving):
    web = free_port()
    roster = roster_with_a_user(tmp_path, misbehaving, {"ROSTER_PUBLIC_URL": f"http://127.0.0.1:{web}"})

    seen = set()

    def newest_token():
        """The token of the one message not seen before (outbox files are named at random)."""
        tokens = {re.search(r"token=(\S+)", m).group(1) for m in roster.mails() if f"To: {USER}" in m}
        [new] = tokens - seen
        seen.add(new)
        return new

    roster.run("user", "send-activation", USER)
    first = newest_token()
    roster.run("user", "send-activation", USER)
    second = newest_token()
    assert first != second
    server = subprocess.Popen([BIN, "serve", "--port", str(web), "--data-dir", str(roster.data_dir)], env=roster.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{web}/healthz")
        base = f"http://127.0.0.1:{web}/activate"
        assert requests.get(f"{base}?token={first}").status_code == 410, "the newer link replaced it"
        assert requests.get(f"{base}?token={second}").status_code == 200
        roster.run("user", "set-password", USER, "--password-env", "P", env={"P": "violet-harbour-tuesday-42"})
        assert requests.get(f"{base}?token={second}").status_code == 410, "a password set by an admin ends links"
        # A suspended user can be sent no link and redeem none.
        roster.run("user", "send-activation", USER)
        third = newest_token()
        roster.run("user", "suspend", USER)
        good = "amber-lantern-quietly-77"
        refused = requests.post(base, data={"token": third, "password": good, "confirm": good})
        assert refused.status_code in (403, 410) and "suspended" in refused.text
        again = roster.run("user", "send-activation", USER, check=False)
        assert again.returncode == 1 and "suspended" in again.stderr
    finally:
        stop(server)
