#!/usr/bin/python3
"""A storing SMTP server on loopback for kmta's tests and demo (aiosmtpd).

Each accepted message is written to DIR/NNNN.eml exactly as received (CRLF
line endings, dot-unstuffed), with its envelope in DIR/NNNN.json. The port
it listens on is written to --port-file once it is ready.

Scripted replies: --rcpt-reply ADDR=CODE TEXT makes RCPT TO for ADDR answer
with that reply (for example "bad@example.net=550 5.1.1 no such user").

Scripted behaviour for client tests:
  --greeting TEXT        send TEXT (e.g. "421 4.3.2 busy") and hang up
  --ehlo-drop KEYWORD    leave KEYWORD (STARTTLS, 8BITMIME, ...) out of EHLO
  --ehlo-add KEYWORD     advertise KEYWORD too (e.g. PIPELINING)
  --mail-delay SECONDS   wait this long before replying to MAIL
  --drop-in-data         hang up after the first line of message data
  --starttls-inject TEXT send TEXT as extra reply lines right after
                         "220 Ready to start TLS", in the same write
  --implicit-tls         TLS from the first byte (SMTPS, RFC 8314)
  --auth USER:PASSWORD   accept AUTH PLAIN and LOGIN with these credentials
                         (offered only inside TLS unless --auth-plaintext)
  --auth-offer MECHS     advertise only these mechanisms, e.g. "LOGIN"
  --ehlo-drop-in-tls KW  leave KW out of EHLO inside TLS only
  --tls-client-ca FILE   ask for a client certificate signed by FILE's CA
                         and store its subject CN as "client_cn"
  --tls-broken           offer STARTTLS with TLS 1.1 at most, so the
                         handshake with a current client fails
  --session-limit N      reply 421 to MAIL after N messages in a session
"""
import argparse
import json
import os
import signal
import socket
import ssl
import sys

import asyncio

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult


class ScriptedSMTP(SMTP):
    """aiosmtpd's SMTP with the misbehaviours the options above ask for."""

    def __init__(self, *args, script=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.script = script
        self.greeted = False

    async def push(self, status):
        script = self.script
        if not self.greeted and str(status).startswith("220 "):
            self.greeted = True
            if script.greeting:
                await super().push(script.greeting)
                self.transport.close()
                return
        if script.starttls_inject and status == "220 Ready to start TLS":
            status = status + "\r\n" + script.starttls_inject
        await super().push(status)

    async def smtp_DATA(self, arg):
        if not self.script.drop_in_data or not self.envelope.rcpt_tos:
            return await super().smtp_DATA(arg)
        await super().push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readline()
        self.transport.close()


class ScriptedController(Controller):
    def __init__(self, handler, script, **kwargs):
        self.script = script
        super().__init__(handler, **kwargs)

    def factory(self):
        return ScriptedSMTP(self.handler, script=self.script,
                            **self.SMTP_kwargs)


class StoreHandler:
    def __init__(self, maildir, rcpt_replies, script=None):
        self.maildir = maildir
        self.rcpt_replies = rcpt_replies
        self.script = script
        self.count = 0

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        if self.script is None:
            return responses
        drop = {k.upper() for k in self.script.ehlo_drop}
        if session.ssl is not None or self.script.implicit_tls:
            drop |= {k.upper() for k in self.script.ehlo_drop_in_tls}
        lines = [r[4:] for r in responses]
        if self.script.auth_offer:
            lines = [("AUTH " + self.script.auth_offer)
                     if x.upper().startswith("AUTH ") else x for x in lines]
        kept = [lines[0]] + [x for x in lines[1:]
                             if x.split(" ")[0].upper() not in drop]
        kept[1:1] = self.script.ehlo_add
        return ["250-" + x for x in kept[:-1]] + ["250 " + kept[-1]]

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        if self.script is not None and self.script.mail_delay:
            await asyncio.sleep(self.script.mail_delay)
        limit = self.script.session_limit if self.script else 0
        if limit and getattr(session, "kmta_messages", 0) >= limit:
            return "421 4.7.0 message limit per session reached"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        session.kmta_messages = getattr(session, "kmta_messages", 0) + 1
        self.count += 1
        base = os.path.join(self.maildir, "%04d" % self.count)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None or bool(
                self.script and self.script.implicit_tls),
            "tls_version": session.ssl.get("version") if isinstance(
                session.ssl, dict) else None,
            "helo": session.host_name,
            "mail_options": envelope.mail_options,
            "auth": session.auth_data.decode() if isinstance(
                session.auth_data, bytes) else None,
            "client_cn": client_cn(session),
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Ok: stored as %04d" % self.count


def client_cn(session):
    """Return the subject CN of the client's certificate, or None."""
    ssl_info = session.ssl if isinstance(session.ssl, dict) else {}
    ssl_object = ssl_info.get("ssl_object")
    cert = ssl_object.getpeercert() if ssl_object else None
    for rdn in (cert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


def auth_options(args):
    """Return the aiosmtpd keyword arguments for --auth and --auth-plaintext."""
    if not args.auth:
        return {}
    user, password = args.auth.encode().split(b":", 1)

    def authenticator(server, session, envelope, mechanism, data):
        if data.login == user and data.password == password:
            return AuthResult(success=True, auth_data=data.login)
        return AuthResult(success=False, handled=False)

    return {"authenticator": authenticator,
            "auth_require_tls": not args.auth_plaintext}


def free_port(host):
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--rcpt-reply", action="append", default=[])
    ap.add_argument("--data-size-limit", type=int, default=64 * 1024 * 1024)
    ap.add_argument("--greeting")
    ap.add_argument("--ehlo-drop", action="append", default=[])
    ap.add_argument("--ehlo-add", action="append", default=[])
    ap.add_argument("--mail-delay", type=float, default=0)
    ap.add_argument("--drop-in-data", action="store_true")
    ap.add_argument("--starttls-inject")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--auth-plaintext", action="store_true")
    ap.add_argument("--auth-offer")
    ap.add_argument("--ehlo-drop-in-tls", action="append", default=[])
    ap.add_argument("--tls-client-ca")
    ap.add_argument("--tls-broken", action="store_true")
    ap.add_argument("--session-limit", type=int, default=0)
    args = ap.parse_args()

    replies = {}
    for item in args.rcpt_reply:
        addr, reply = item.split("=", 1)
        replies[addr.lower()] = reply

    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_broken:
            tls.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            tls.maximum_version = ssl.TLSVersion.TLSv1_1
        if args.tls_client_ca:
            tls.verify_mode = ssl.CERT_OPTIONAL
            tls.load_verify_locations(args.tls_client_ca)

    os.makedirs(args.maildir, exist_ok=True)
    port = args.port or free_port(args.host)
    handler = StoreHandler(args.maildir, replies, args)
    implicit = tls if args.implicit_tls else None
    controller = ScriptedController(
        handler, args, hostname=args.host, port=port,
        tls_context=None if implicit else tls, ssl_context=implicit,
        require_starttls=False, data_size_limit=args.data_size_limit,
        decode_data=False, server_hostname="smtp.test",
        **auth_options(args))
    controller.start()

    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)

    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    controller.stop()
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    sys.exit(main())
