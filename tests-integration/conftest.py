"""Fixtures that start the real parts: scim2-server, a misbehaving SCIM server, aiosmtpd,
and `roster` itself (its command line and `roster serve`)."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

import pytest

import seed
from loopback import free_port, wait_for  # noqa: F401 (the tests import them from here)

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parent
BIN = os.environ.get("ROSTER_BIN", str(ROOT / ".build" / "debug" / "roster"))
VENV_BIN = pathlib.Path(sys.executable).parent


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/scim+json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, dict(response.headers), (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return error.code, dict(error.headers), parsed


POSTGRES = os.environ.get("ROSTER_TEST_POSTGRES_URL")
SECRET_KEY = "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def fresh_postgres_database():
    """A new, empty database on the test cluster (ROSTER_TEST_POSTGRES_URL), as a URL."""
    name = f"roster_it_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", POSTGRES.split("?")[0], "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    base, _, query = POSTGRES.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


class Roster:
    """Runs the `roster` command against one data directory, and on PostgreSQL (a fresh
    database) when ROSTER_TEST_POSTGRES_URL is set."""

    def __init__(self, data_dir, env=None, database_url=None):
        self.data_dir = pathlib.Path(data_dir)
        self.env = dict(os.environ, PW="correct horse battery", TOKEN="unused-token", **(env or {}))
        self.env.pop("DATABASE_URL", None)
        if POSTGRES:
            self.env["DATABASE_URL"] = database_url or fresh_postgres_database()
            self.env["ROSTER_SECRET_KEY"] = SECRET_KEY

    def sql(self, query):
        """One value from the database, whichever it is."""
        if POSTGRES:
            out = subprocess.run(["psql", self.env["DATABASE_URL"].split("?")[0], "-At", "-c", query], check=True,
                                 capture_output=True, text=True).stdout
        else:
            import sqlite3
            with sqlite3.connect(self.data_dir / "roster.sqlite") as db:
                out = "\n".join("|".join(str(v) for v in row) for row in db.execute(query))
        return out.strip()

    def run(self, *args, check=True, env=None, timeout=600):
        if args[:2] == ("app", "create"):
            # Every provider in these tests listens on loopback, which an application must be allowed to
            # reach; a test that wants the default says --deny-private-network (not a real flag of create).
            if "--deny-private-network" in args:
                args = tuple(a for a in args if a != "--deny-private-network")
            else:
                args = (*args, "--allow-private-network")
        result = subprocess.run([BIN, *args, "--data-dir", str(self.data_dir)], capture_output=True, text=True,
                                env=dict(self.env, **(env or {})), timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"roster {' '.join(args)} exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def json(self, *args, **kwargs):
        result = self.run(*args, "--json", **kwargs)
        return json.loads(result.stdout)

    def popen(self, *args, env=None):
        if args[:2] == ("app", "create"):
            args = (*args, "--allow-private-network")
        return subprocess.Popen([BIN, *args, "--data-dir", str(self.data_dir)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=dict(self.env, **(env or {})))

    def with_admin(self, email="admin@example.com", role="admin"):
        self.run("admin", "create", "--email", email, "--role", role, "--password-env", "PW")
        return self

    def mails(self):
        """The text of each email in the outbox (or sent by SMTP), decoded."""
        return [mail_text(path) for path in self.outbox()]

    def mails_eventually(self, condition=lambda mails: mails, timeout=20):
        """The emails once `condition` holds: `roster serve` delivers mail in the background."""
        deadline = time.time() + timeout
        while True:
            mails = self.mails()
            if condition(mails) or time.time() > deadline:
                return mails
            time.sleep(0.2)

    def outbox(self):
        folder = self.data_dir / "outbox"
        return sorted(folder.glob("*.eml")) if folder.exists() else []


def mail_text(path):
    import email
    message = email.message_from_bytes(pathlib.Path(path).read_bytes())
    part = message.get_payload()[0] if message.is_multipart() else message
    return "\n".join(f"{k}: {v}" for k, v in message.items()) + "\n\n" + part.get_payload(decode=True).decode()


@pytest.fixture(scope="module")
def driver():
    """Headless Chromium, one per test module."""
    from portal import chromium
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture
def roster(tmp_path):
    return Roster(tmp_path / "data").with_admin()


def start_process(args, ready_url=None, cwd=None, env=None):
    # Output goes to a file, never a pipe nobody reads: a busy server would block once it filled.
    log = tempfile.NamedTemporaryFile(prefix="roster-test-", suffix=".log", delete=False)
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env)
    process.log_path = log.name
    if ready_url:
        try:
            wait_for(ready_url)
        except Exception:
            process.kill()
            raise
    return process


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def scim_server():
    """A real scim2-server seeded with the users of seed.py. Answers (url, [remote users])."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_process([str(VENV_BIN / "scim2-server"), "--port", str(port)], f"{url}/ServiceProviderConfig")
    created = []
    for user in seed.seed_users():
        status, _, body = http("POST", f"{url}/Users", user)
        assert status == 201, (status, body)
        created.append(body)
    yield url, created
    stop(process)


def misbehaving_server(count):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_process([sys.executable, str(HERE / "misbehaving_scim.py"), str(port), str(count)], f"{url}/ok/ServiceProviderConfig")
    return url, process


@pytest.fixture(scope="session")
def misbehaving():
    """The misbehaving SCIM server with 250 users: http://127.0.0.1:PORT, a mode per first path segment."""
    url, process = misbehaving_server(250)
    yield url
    stop(process)


@pytest.fixture(scope="session")
def misbehaving1000():
    """The misbehaving server with 1,000 users, for the crash-and-resume tests."""
    url, process = misbehaving_server(1000)
    yield url
    stop(process)


def wait_ready(process):
    """Reads the server's output until it says ready (aiosmtpd warns first)."""
    for line in process.stdout:
        if line.strip() == "ready":
            return
    raise RuntimeError("the server exited before it was ready")


def self_signed_certificate(folder):
    """A certificate for 127.0.0.1 made with openssl: the SMTP servers' STARTTLS."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    return cert, key


def start_smtp(port, folder, tls=None):
    """aiosmtpd with AUTH; with (cert, key) it requires STARTTLS before AUTH, as a real relay does."""
    extra = [str(tls[0]), str(tls[1])] if tls else []
    process = subprocess.Popen([sys.executable, str(HERE / "smtp_server.py"), str(port), str(folder), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_ready(process)
    return process


def smtp_url(port):
    """Roster's ROSTER_SMTP_URL for the test server: STARTTLS required, its self-signed certificate accepted."""
    return f"smtp://roster:s3cret@127.0.0.1:{port}?starttls=required&verify=false"


@pytest.fixture
def smtp_server(tmp_path):
    """A real SMTP server (aiosmtpd) with STARTTLS and AUTH; yields (port, folder of received messages)."""
    port = free_port()
    folder = tmp_path / "received"
    process = start_smtp(port, folder, self_signed_certificate(tmp_path))
    yield port, folder
    stop(process)


@pytest.fixture
def target():
    """An empty scim2-server: an application Roster provisions to."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_process([str(VENV_BIN / "scim2-server"), "--port", str(port)], f"{url}/ServiceProviderConfig")
    yield url
    stop(process)


def remote_users(url):
    """Every user of a SCIM server, page by page."""
    users, start = [], 1
    while True:
        status, _, body = http("GET", f"{url}/Users?startIndex={start}&count=100")
        page = body.get("Resources", [])
        if not page:
            return users
        users += page
        start += len(page)
