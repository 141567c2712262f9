#!/usr/bin/python3
"""A DNS server on loopback that answers from a records file, with the AD
bit set on every reply, as a validating resolver on loopback does.

Usage: adzoned.py --records FILE --port-file FILE

FILE has one record a line, "NAME TYPE RDATA" in zone file syntax
("mx.example.test A 127.0.0.1", "_25._tcp.mx.example.test TLSA 3 0 0
ab12..."). A name in the file gets the records of the asked type (none is
NODATA), and every other name gets NXDOMAIN. Replies go out over UDP
whatever their size, so a large TLSA RRset needs no TCP fallback. It
listens on 127.0.0.1 on a free port, which it writes to the port file
once ready, and serves until killed. Built on dnspython
(python3-dnspython).
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
            name, rdtype, rdata = line.split(None, 2)
            name = name.lower().rstrip(".") + "."
            records.setdefault(name, []).append(
                (dns.rdatatype.from_text(rdtype), rdata))
    return records


def answer(query, records):
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA | dns.flags.AD
    question = query.question[0]
    name = question.name.to_text().lower()
    if name not in records:
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response
    rdatas = [r for t, r in records[name] if t == question.rdtype]
    if rdatas:
        response.answer.append(dns.rrset.from_text_list(
            question.name, 300, dns.rdataclass.IN, question.rdtype, rdatas))
    return response


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    records = load(args.records)

    udpdns.serve(args.port_file,
                 lambda query: answer(query, records).to_wire(max_size=65535))


if __name__ == "__main__":
    main()
