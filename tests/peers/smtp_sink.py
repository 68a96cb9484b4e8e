"""A real SMTP server (aiosmtpd) on a free loopback port, for the meetflow-mail tests.

Usage: smtp_sink.py MAILDIR [--auth USER:PASSWORD] [--tls-cert PEM --tls-key PEM --tls-mode starttls|implicit]

Prints `READY <port>` once listening and serves until its stdin closes, so it never outlives
the test that started it. Every accepted message is stored as MAILDIR/NNNN.eml (raw bytes as
received) plus NNNN.json (envelope). Recipient local parts steer failures:
  reject-*  -> 550 at RCPT (permanent)
  later-*   -> 451 at RCPT (temporary)
  vanish-*  -> DATA is stored, then the connection drops before the reply: the client cannot
               know the mail was accepted (the exactly-once window).
"""
import argparse
import itertools
import json
import logging
import os
import socket
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    def __init__(self, maildir):
        self.maildir = maildir
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject-"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if local.startswith("later-"):
            return "451 4.3.0 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.store(envelope)
        if any(rcpt.lower().startswith("vanish-") for rcpt in envelope.rcpt_tos):
            server.transport.abort()
        return "250 2.0.0 Ok: queued"

    def store(self, envelope):
        with self.lock:
            number = next(self.counter)
        stem = os.path.join(self.maildir, f"{number:04}")
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
        # Written before the .eml appears, and each by rename, so a reader never sees half a mail.
        for suffix, data in ((".json", json.dumps(meta).encode()), (".eml", envelope.original_content)):
            with open(stem + suffix + ".tmp", "wb") as handle:
                handle.write(data)
            os.replace(stem + suffix + ".tmp", stem + suffix)


def main():
    # AUTH without TLS is deliberate here (loopback test server); keep the test output clean.
    warnings.simplefilter("ignore", UserWarning)
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("maildir")
    parser.add_argument("--auth")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--tls-mode", choices=["starttls", "implicit"])
    args = parser.parse_args()
    os.makedirs(args.maildir, exist_ok=True)

    options = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            # handled=False: let aiosmtpd send the standard 235 / 535 reply itself.
            return AuthResult(success=ok, handled=False)

        # aiosmtpd only counts STARTTLS as TLS; on implicit TLS the whole session is encrypted.
        options.update(
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=args.tls_mode == "starttls",
        )
    if args.tls_mode:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_mode == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)

    port = free_port()
    controller = Controller(
        Sink(args.maildir), hostname="127.0.0.1", port=port, server_hostname="localhost", **options
    )
    controller.start()
    print(f"READY {port}", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
