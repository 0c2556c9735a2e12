"""A real SMTP server for the tests (aiosmtpd): AUTH PLAIN/LOGIN, optional STARTTLS, and each
accepted message written to a folder as a .eml file."""
import asyncio
import pathlib
import ssl
import sys
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Save:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        name = self.folder / f"{uuid.uuid4()}.eml"
        name.write_bytes(envelope.original_content or envelope.content)
        (self.folder / (name.stem + ".rcpt")).write_text(",".join(envelope.rcpt_tos))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"roster" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


if __name__ == "__main__":
    port, folder = int(sys.argv[1]), sys.argv[2]
    tls = None
    if len(sys.argv) > 4:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(sys.argv[3], sys.argv[4])
    controller = Controller(Save(folder), hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=tls is not None, tls_context=tls,
                            require_starttls=tls is not None)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()
