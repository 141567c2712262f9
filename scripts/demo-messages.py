#!/usr/bin/python3
"""Build the demo's MIME messages with Python's email library.

    demo-messages.py DIR         write the demo's own messages to DIR
    demo-messages.py --qp FILE   re-encode FILE's body as quoted-printable
                                 if a line is longer than SMTP allows

The first form writes mime-utf8.eml (raw UTF-8 headers as RFC 6532 allows,
a text part and a binary attachment, CRLF line endings as on the wire) and
large-5mb.eml (about 5 MB, LF line endings as a local program writes it).
The second does what git send-email --transfer-encoding=auto does to a
patch with a line over 998 octets, which no SMTP server has to accept.
"""
import os
import quopri
import re
import sys
from email.message import EmailMessage
from email.policy import SMTPUTF8, default
from email.utils import formatdate, make_msgid


def base_message(subject):
    msg = EmailMessage()
    msg["From"] = "Zoë Démo <zoe@demo.example>"
    msg["To"] = "Ünal Empfänger <rcpt@demo.test>"
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="demo.example")
    return msg


def main(outdir):
    msg = base_message("Grüße aus der kmta-Demo ✓")
    msg.set_content("Hallo,\n\nanbei die Prüfsummen. — Zoë\n")
    msg.add_attachment(os.urandom(20000), maintype="application",
                       subtype="octet-stream", filename="prüfsummen.bin")
    with open(os.path.join(outdir, "mime-utf8.eml"), "wb") as f:
        f.write(msg.as_bytes(policy=SMTPUTF8))

    big = base_message("Quarterly export (5 MB)")
    big.set_content("The export is attached.\n")
    big.add_attachment(os.urandom(3800 * 1024), maintype="application",
                       subtype="gzip", filename="export.tar.gz")
    with open(os.path.join(outdir, "large-5mb.eml"), "wb") as f:
        f.write(big.as_bytes(policy=default))
    return 0


def encode_long_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    eol = b"\r\n" if b"\r\n" in data[:data.find(b"\n") + 1] else b"\n"
    head, sep, body = data.partition(eol + eol)
    if not sep or max(len(line) for line in body.split(eol)) <= 998:
        return 0
    head = re.sub(rb"(?im)^Content-Transfer-Encoding:.*$",
                  b"Content-Transfer-Encoding: quoted-printable", head)
    if b"content-transfer-encoding:" not in head.lower():
        head += eol + b"Content-Transfer-Encoding: quoted-printable"
    body = quopri.encodestring(body.replace(eol, b"\n"))
    with open(path, "wb") as f:
        f.write(head + eol + eol + body.replace(b"\n", eol))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--qp":
        sys.exit(encode_long_lines(sys.argv[2]))
    sys.exit(main(sys.argv[1]))
