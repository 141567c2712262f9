#!/usr/bin/python3
"""A storing SMTP server on loopback for kmta's tests and demo (aiosmtpd).

Each accepted message is written to DIR/NNNN.eml exactly as received (CRLF
line endings, dot-unstuffed), with its envelope in DIR/NNNN.json. The port
it listens on is written to --port-file once it is ready.

Scripted replies: --rcpt-reply ADDR=CODE TEXT makes RCPT TO for ADDR answer
with that reply (for example "bad@example.net=550 5.1.1 no such user").
"""
import argparse
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class StoreHandler:
    def __init__(self, maildir, rcpt_replies):
        self.maildir = maildir
        self.rcpt_replies = rcpt_replies
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, options):
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.maildir, "%04d" % self.count)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "tls_version": session.ssl.get("version") if isinstance(
                session.ssl, dict) else None,
            "helo": session.host_name,
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Ok: stored as %04d" % self.count


def free_port(host):
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--rcpt-reply", action="append", default=[])
    ap.add_argument("--data-size-limit", type=int, default=64 * 1024 * 1024)
    args = ap.parse_args()

    replies = {}
    for item in args.rcpt_reply:
        addr, reply = item.split("=", 1)
        replies[addr.lower()] = reply

    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)

    os.makedirs(args.maildir, exist_ok=True)
    port = args.port or free_port(args.host)
    handler = StoreHandler(args.maildir, replies)
    controller = Controller(
        handler, hostname=args.host, port=port, tls_context=tls,
        require_starttls=False, data_size_limit=args.data_size_limit,
        decode_data=False, server_hostname="smtp.test")
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
