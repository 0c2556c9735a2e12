"""Import results by email through a real SMTP server (aiosmtpd): AUTH, STARTTLS, and a server
that is down when the import ends (the message waits in the outbox queue and is sent later)."""
import pathlib
import subprocess
import sys
import time

from conftest import HERE, Roster, free_port, stop, wait_ready

ADMIN = "admin@example.com"


def small_import(roster, scim_url, env):
    roster.run("app", "create", "Demo", "--scim-url", scim_url, "--bearer-token-env", "TOKEN")
    result = roster.json("import", "run", "Demo", "--user", "m-00001", "--user", "m-00002", "--as", ADMIN, env=env)
    assert result["job"]["status"] == "completed"


def test_results_are_sent_by_smtp_with_auth(tmp_path, misbehaving, smtp_server):
    port, received = smtp_server
    env = {"ROSTER_SMTP_URL": f"smtp://roster:s3cret@127.0.0.1:{port}"}
    roster = Roster(tmp_path / "data", env).with_admin()
    small_import(roster, f"{misbehaving}/ok", env)
    messages = list(received.glob("*.eml"))
    assert len(messages) == 1
    assert "Subject: Roster import from Demo: completed" in messages[0].read_text()
    assert (received / (messages[0].stem + ".rcpt")).read_text() == ADMIN
    assert [m["status"] for m in roster.json("mail", "list", env=env)] == ["sent"]
    assert len(list((roster.data_dir / "outbox" / "sent").glob("*.eml"))) == 1


def test_results_are_sent_over_starttls(tmp_path, misbehaving):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    port, received = free_port(), tmp_path / "received"
    server = subprocess.Popen([sys.executable, str(HERE / "smtp_server.py"), str(port), str(received), str(cert), str(key)],
                              stdout=subprocess.PIPE, text=True)
    try:
        wait_ready(server)
        env = {"ROSTER_SMTP_URL": f"smtp://roster:s3cret@127.0.0.1:{port}?starttls=required&verify=false"}
        roster = Roster(tmp_path / "data", env).with_admin()
        small_import(roster, f"{misbehaving}/ok", env)
        assert len(list(received.glob("*.eml"))) == 1
    finally:
        stop(server)


def test_a_message_that_cannot_be_sent_waits_in_the_outbox_and_is_sent_later(tmp_path, misbehaving):
    port = free_port()
    env = {"ROSTER_SMTP_URL": f"smtp://roster:s3cret@127.0.0.1:{port}"}
    roster = Roster(tmp_path / "data", env).with_admin()
    small_import(roster, f"{misbehaving}/ok", env)
    assert [m["status"] for m in roster.json("mail", "list", env=env)] == ["pending"]
    received = tmp_path / "received"
    server = subprocess.Popen([sys.executable, str(HERE / "smtp_server.py"), str(port), str(received)], stdout=subprocess.PIPE, text=True)
    worker = None
    try:
        wait_ready(server)
        worker = roster.popen("worker", env=env)
        deadline = time.time() + 30
        while not list(received.glob("*.eml")) and time.time() < deadline:
            time.sleep(0.2)
        assert len(list(received.glob("*.eml"))) == 1
        assert [m["status"] for m in roster.json("mail", "list", env=env)] == ["sent"]
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=20)
        stop(server)
