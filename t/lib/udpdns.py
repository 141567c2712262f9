"""The UDP loop shared by the loopback DNS servers txtd.py and adzoned.py.

Built on dnspython (python3-dnspython).
"""

import os
import socket

import dns.message


def serve(port_file, respond):
    """Answer DNS queries over UDP on 127.0.0.1 until killed.

    The server binds a free port and writes it to port_file (through a
    temporary file and a rename) once it is ready. respond(query) returns
    the reply in wire format for each query that parses, and datagrams
    that do not parse get no reply.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)

    while True:
        data, peer = sock.recvfrom(65535)
        try:
            query = dns.message.from_wire(data)
        except Exception:
            continue
        sock.sendto(respond(query), peer)
