"""Import results by email through a real SMTP server (aiosmtpd): STARTTLS then AUTH, a server
that is down when the import ends (the message waits in the outbox queue and is sent later),
one that would take the password in clear, and one that never answers."""
import socket
import ssl
import threading
import time

from conftest import Roster, free_port, self_signed_certificate, smtp_url, start_smtp, stop

ADMIN = "admin@example.com"


def small_import(roster, scim_url, env):
    roster.run("app", "create", "Demo", "--scim-url", scim_url, "--bearer-token-env", "TOKEN")
    result = roster.json("import", "run", "Demo", "--user", "m-00001", "--user", "m-00002", "--as", ADMIN, env=env)
    assert result["job"]["status"] == "completed"


def test_results_are_sent_over_starttls_with_auth(tmp_path, misbehaving, smtp_server):
    port, received = smtp_server
    env = {"ROSTER_SMTP_URL": smtp_url(port)}
    roster = Roster(tmp_path / "data", env).with_admin()
    small_import(roster, f"{misbehaving}/ok", env)
    messages = list(received.glob("*.eml"))
    assert len(messages) == 1
    assert "Subject: Roster import from Demo: completed" in messages[0].read_text()
    assert (received / (messages[0].stem + ".rcpt")).read_text() == ADMIN
    assert [m["status"] for m in roster.json("mail", "list", env=env)] == ["sent"]
    assert len(list((roster.data_dir / "outbox" / "sent").glob("*.eml"))) == 1


def test_the_password_is_never_sent_to_a_server_without_tls(tmp_path, misbehaving):
    port, received = free_port(), tmp_path / "received"
    server = start_smtp(port, received)  # AUTH offered in clear, no STARTTLS
    try:
        env = {"ROSTER_SMTP_URL": f"smtp://roster:s3cret@127.0.0.1:{port}"}
        roster = Roster(tmp_path / "data", env).with_admin()
        small_import(roster, f"{misbehaving}/ok", env)
        assert not list(received.glob("*.eml"))
        [mail] = roster.json("mail", "list", env=env)
        assert mail["status"] == "pending"
        assert "STARTTLS" in mail["lastError"] and "password" in mail["lastError"]
    finally:
        stop(server)


def test_a_message_that_cannot_be_sent_waits_in_the_outbox_and_is_sent_later(tmp_path, misbehaving):
    port = free_port()
    env = {"ROSTER_SMTP_URL": smtp_url(port)}
    roster = Roster(tmp_path / "data", env).with_admin()
    small_import(roster, f"{misbehaving}/ok", env)
    [waiting] = roster.json("mail", "list", env=env)
    assert waiting["status"] == "pending" and "127.0.0.1" in waiting["lastError"]
    received = tmp_path / "received"
    server = start_smtp(port, received, self_signed_certificate(tmp_path))
    worker = None
    try:
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


def test_a_server_that_never_answers_times_out_and_the_message_waits(tmp_path, misbehaving):
    """A server that accepts the connection and then says nothing: the command ends within the
    configured deadline, and the message stays in the outbox with the reason."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(listener.accept()) for _ in range(8)], daemon=True).start()
    try:
        env = {"ROSTER_SMTP_URL": smtp_url(listener.getsockname()[1]), "ROSTER_SMTP_TIMEOUT_SECONDS": "2"}
        roster = Roster(tmp_path / "data", env).with_admin()
        started = time.time()
        small_import(roster, f"{misbehaving}/ok", env)
        assert time.time() - started < 30
        [mail] = roster.json("mail", "list", env=env)
        assert mail["status"] == "pending" and "did not finish within 2" in mail["lastError"]
    finally:
        for connection, _ in held:
            connection.close()
        listener.close()


def injecting_server(tmp_path, split):
    """An SMTP server (or a man in the middle) that adds a line after its 220 to STARTTLS, before
    TLS begins: in the same packet, or (split) in the next one. It records every line it is sent."""
    cert, key = self_signed_certificate(tmp_path)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    heard = []

    def serve():
        for _ in range(4):
            connection, _ = listener.accept()
            try:
                lines = connection.makefile("rb")
                connection.sendall(b"220 mail.example ESMTP\r\n")
                heard.append(lines.readline())
                connection.sendall(b"250-mail.example\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n")
                heard.append(lines.readline())
                injected = b"250-mail.example\r\n250 AUTH PLAIN\r\n"
                if split:
                    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    connection.sendall(b"220 go ahead\r\n")
                    connection.sendall(injected)
                else:
                    connection.sendall(b"220 go ahead\r\n" + injected)
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(cert, key)
                secure = context.wrap_socket(connection, server_side=True)
                heard.extend(secure.makefile("rb").readlines())
            except (OSError, ssl.SSLError):
                pass
            finally:
                connection.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener, heard


def test_a_line_added_before_tls_begins_is_never_read_and_nothing_is_sent(tmp_path, misbehaving):
    for split in (False, True):
        listener, heard = injecting_server(tmp_path, split)
        try:
            env = {"ROSTER_SMTP_URL": smtp_url(listener.getsockname()[1]), "ROSTER_SMTP_TIMEOUT_SECONDS": "10"}
            roster = Roster(tmp_path / f"data-{split}", env).with_admin()
            small_import(roster, f"{misbehaving}/ok", env)
            [mail] = roster.json("mail", "list", env=env)
            # Not sent: neither the password nor the message went anywhere.
            assert mail["status"] == "pending", mail
            assert not any(line.startswith((b"AUTH", b"MAIL")) for line in heard), heard
            if not split:
                assert "RFC 3207" in mail["lastError"], mail
        finally:
            listener.close()
