#!/usr/bin/python3
"""A static HTTPS server on loopback for MTA-STS policy tests.

A GET for https://HOST/PATH returns the file ROOT/HOST/PATH as text/plain,
or 404 when there is none. The port it listens on is written to
--port-file once it is ready.
"""
import argparse
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpserve


class PolicyHandler(BaseHTTPRequestHandler):
    root = "."

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = os.path.normpath(self.path.split("?")[0]).lstrip("/")
        file = os.path.join(self.root, host, path)
        if not host or ".." in path or not os.path.isfile(file):
            self.send_error(404)
            return
        with open(file, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("httpsd: " + (fmt % args) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--root", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()

    PolicyHandler.root = args.root
    server = ThreadingHTTPServer((args.host, args.port), PolicyHandler)
    httpserve.serve_until_signal(server, args.port_file, args.cert, args.key)
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    sys.exit(main())
