#!/usr/bin/python3
"""Build the demo's MIME messages with Python's email library.

Writes to DIR: mime-utf8.eml (raw UTF-8 headers as RFC 6532 allows, a text
part and a binary attachment, CRLF line endings as on the wire) and
large-5mb.eml (about 5 MB, LF line endings as a local program writes it).
"""
import os
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
