#!/usr/bin/python3
"""A DNS server on loopback that answers TXT queries from a keys file.

Usage: txtd.py --keys FILE --port-file FILE [--servfail NAME]...

FILE has one record a line, "NAME TXT-RECORD-TEXT", the format of the
DKIM keys files in t/ (long texts are split into 255-octet strings). A
name in the file gets its TXT record, a name given with --servfail gets
SERVFAIL, and every other name gets NXDOMAIN. It listens on UDP at
127.0.0.1 on a free port, which it writes to the port file once ready,
and serves until killed. Built on dnspython (python3-dnspython).
"""

import argparse

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

import udpdns


def load(path):
    records = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, text = line.split(None, 1)
            records[name.lower().rstrip(".") + "."] = text
    return records


def quoted_strings(text):
    parts = [text[i:i + 255] for i in range(0, len(text), 255)] or [""]
    return " ".join('"%s"' % p.replace("\\", "\\\\").replace('"', '\\"')
                    for p in parts)


def answer(query, records, servfail):
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    question = query.question[0]
    name = question.name.to_text().lower()
    if name in servfail:
        response.set_rcode(dns.rcode.SERVFAIL)
    elif name not in records:
        response.set_rcode(dns.rcode.NXDOMAIN)
    elif question.rdtype == dns.rdatatype.TXT:
        response.answer.append(dns.rrset.from_text(
            question.name, 300, dns.rdataclass.IN, dns.rdatatype.TXT,
            quoted_strings(records[name])))
    return response


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--servfail", action="append", default=[])
    args = ap.parse_args()
    records = load(args.keys)
    servfail = {n.lower().rstrip(".") + "." for n in args.servfail}

    udpdns.serve(args.port_file,
                 lambda query: answer(query, records, servfail).to_wire())


if __name__ == "__main__":
    main()
