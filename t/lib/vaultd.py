#!/usr/bin/python3
"""A HashiCorp Vault test double on loopback, for kmta's tests.

It serves the part of Vault's HTTP API (v1) that a KV client uses, with the
reply shapes and status codes of Vault's documentation: KV version 1 and 2
reads and writes, KV v2 versions, metadata, soft delete, undelete and
destroy, mount lookup at sys/internal/ui/mounts/PATH, AppRole login, token
lookup-self, namespaces through the X-Vault-Namespace header, and errors as
{"errors": [...]} bodies. It contains
nothing specific to kmta.

State lives in memory. --seed FILE loads it from JSON:

    {"namespaces": {"": {"mounts": {"secret/": 2, "kv/": 1},
                         "data": {"secret/dkim/example.com": {"key": "..."}}}}}

The empty namespace name is the root namespace. Each "data" entry becomes
version 1 of a KV v2 secret, or the secret of a KV v1 mount.

--log FILE records one JSON line per request (method, path, query,
namespace, whether a token and X-Vault-Request were sent), never a token or
a body. --fault makes the server misbehave: "sealed" (503 "Vault is
sealed"), "hang" (accept, never answer), "badjson", "huge" (a 2 MiB body),
"status=CODE" (every request), "first=N:CODE" (the first N requests).
"""
import argparse
import datetime
import json
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpserve


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


class VaultError(Exception):
    def __init__(self, status, errors, data=None):
        super().__init__(status)
        self.status = status
        self.errors = errors
        self.data = data


def denied():
    return VaultError(403, ["1 error occurred:\n\t* permission denied\n\n"])


class Namespace:
    def __init__(self, mounts):
        # mount path ("secret/") -> KV version (1 or 2)
        self.mounts = dict(mounts)
        self.kv1 = {}       # "kv/app/db" -> dict
        self.kv2 = {}       # "secret/dkim/x" -> {"versions": {n: {...}}, ...}

    def mount_of(self, path):
        best = None
        for m in self.mounts:
            if (path + "/").startswith(m) and (best is None or
                                                len(m) > len(best)):
                best = m
        return best


class Vault:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.root_token = None
        if args.token_file:
            with open(args.token_file) as f:
                self.root_token = f.read().strip()
        self.tokens = {}
        if self.root_token:
            self.tokens[self.root_token] = {"policies": ["root"], "ttl": 0,
                                            "path": "auth/token/root"}
        self.deny = args.deny
        self.approle = None
        if args.approle:
            with open(args.approle[0]) as f:
                role_id = f.read().strip()
            with open(args.approle[1]) as f:
                secret_id = f.read().strip()
            self.approle = (role_id, secret_id)
        self.preflight = not args.no_preflight
        self.namespaces = {"": Namespace({"secret/": 2})}
        if args.seed:
            self.load_seed(args.seed)

    def load_seed(self, path):
        with open(path) as f:
            seed = json.load(f)
        for name, ns in seed.get("namespaces", {}).items():
            space = Namespace(ns.get("mounts", {}))
            self.namespaces[name] = space
            for p, fields in ns.get("data", {}).items():
                mount = space.mount_of(p)
                if space.mounts[mount] == 2:
                    self.kv2_write(space, mount, p[len(mount):], fields, None)
                else:
                    space.kv1[p] = dict(fields)

    # KV version 2

    def kv2_write(self, space, mount, rel, fields, cas):
        key = mount + rel
        entry = space.kv2.setdefault(key, {"versions": {}, "current": 0,
                                           "created": now()})
        if cas is not None and cas != entry["current"]:
            raise VaultError(400, ["check-and-set parameter did not match "
                                   "the current version"])
        entry["current"] += 1
        version = {"data": dict(fields), "created_time": now(),
                   "deletion_time": "", "destroyed": False}
        entry["versions"][entry["current"]] = version
        entry["updated"] = version["created_time"]
        return self.version_metadata(entry["current"], version)

    @staticmethod
    def version_metadata(n, v):
        return {"created_time": v["created_time"], "custom_metadata": None,
                "deletion_time": v["deletion_time"],
                "destroyed": v["destroyed"], "version": n}

    def kv2_read(self, space, mount, rel, query):
        entry = space.kv2.get(mount + rel)
        if entry is None:
            raise VaultError(404, [])
        n = int(query.get("version", ["0"])[0]) or entry["current"]
        v = entry["versions"].get(n)
        if v is None:
            raise VaultError(404, [])
        meta = self.version_metadata(n, v)
        if v["deletion_time"] or v["destroyed"]:
            # Vault returns 404 but still includes the version's metadata.
            raise VaultError(404, None, {"data": None, "metadata": meta})
        return {"data": dict(v["data"]), "metadata": meta}

    def kv2_metadata(self, space, mount, rel):
        entry = space.kv2.get(mount + rel)
        if entry is None:
            raise VaultError(404, [])
        versions = {str(n): {"created_time": v["created_time"],
                             "deletion_time": v["deletion_time"],
                             "destroyed": v["destroyed"]}
                    for n, v in entry["versions"].items()}
        return {"cas_required": False, "created_time": entry["created"],
                "current_version": entry["current"],
                "custom_metadata": None, "delete_version_after": "0s",
                "max_versions": 0, "oldest_version": 0,
                "updated_time": entry["updated"], "versions": versions}

    def kv2_versions_op(self, space, mount, rel, op, body):
        entry = space.kv2.get(mount + rel)
        if entry is None:
            return
        for n in body.get("versions", []):
            v = entry["versions"].get(int(n))
            if v is None:
                continue
            if op == "delete":
                v["deletion_time"] = v["deletion_time"] or now()
            elif op == "undelete" and not v["destroyed"]:
                v["deletion_time"] = ""
            elif op == "destroy":
                v["destroyed"] = True
                v["data"] = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vaultd-test-double"
    # Headers and body go out in two writes; without TCP_NODELAY the body
    # waits for the client's delayed ACK, about 40 ms per reply on Linux.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, path, query):
        log = self.server.args.log
        if not log:
            return
        line = {"method": self.command, "path": path, "query": query,
                "namespace": self.headers.get("X-Vault-Namespace", ""),
                "token": "X-Vault-Token" in self.headers,
                "x_vault_request":
                    self.headers.get("X-Vault-Request") == "true"}
        with self.server.log_lock, open(log, "a") as f:
            f.write(json.dumps(line) + "\n")

    def fault(self):
        """Apply --fault; return True when a reply was sent."""
        fault = self.server.args.fault or ""
        if fault == "hang":
            time.sleep(3600)
            return True
        if fault == "sealed":
            self.reply(503, {"errors": ["Vault is sealed"]})
            return True
        if fault == "badjson":
            data = b'{"data": {"data": {"key": "unterminated'
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return True
        if fault == "huge":
            self.reply(200, {"data": {"data": {"key": "x" * (2 << 20)}}})
            return True
        if fault.startswith("status="):
            self.reply(int(fault[7:]), {"errors": ["injected failure"]})
            return True
        if fault.startswith("first="):
            count, code = fault[6:].split(":")
            with self.server.log_lock:
                self.server.faulted += 1
                hit = self.server.faulted <= int(count)
            if hit:
                self.reply(int(code), {"errors": ["injected failure"]})
                return True
        return False

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n == 0:
            return {}
        try:
            return json.loads(self.rfile.read(n))
        except ValueError:
            raise VaultError(400, ["failed to parse JSON input"])

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = urllib.parse.unquote(url.path)
        self.record(path, url.query)
        if self.fault():
            return
        try:
            body = self.body_json() if self.command in ("POST", "PUT") else {}
            if not path.startswith("/v1/"):
                raise VaultError(404, [])
            status, out = self.route(path[4:], query, body)
        except VaultError as e:
            if e.errors is None:
                out = envelope(e.data)
            else:
                out = {"errors": e.errors}
            status = e.status
        self.reply(status, out)

    do_GET = do_POST = do_PUT = do_DELETE = do_LIST = handle_any

    def namespace(self):
        name = self.headers.get("X-Vault-Namespace", "").strip("/")
        space = self.server.vault.namespaces.get(name)
        if space is None:
            raise denied()
        return space

    def token(self):
        token = self.headers.get("X-Vault-Token")
        info = self.server.vault.tokens.get(token or "")
        if info is None:
            raise VaultError(403, ["2 errors occurred:\n\t* permission "
                                   "denied\n\t* invalid token\n\n"])
        return token, info

    def check_policy(self, path):
        for prefix in self.server.vault.deny:
            if path.startswith(prefix):
                raise denied()

    def route(self, path, query, body):
        vault = self.server.vault
        with vault.lock:
            if path == "auth/approle/login" and self.command in ("POST",
                                                                  "PUT"):
                return self.approle_login(body)
            token, info = self.token()
            if path == "auth/token/lookup-self":
                return 200, envelope(self.lookup_self(token, info))
            space = self.namespace()
            self.check_policy(path)
            if path.startswith("sys/internal/ui/mounts/"):
                return self.mount_info(space, path[23:])
            mount = space.mount_of(path)
            if mount is None:
                raise VaultError(404, ["no handler for route \"%s\". route "
                                       "entry not found." % path])
            if space.mounts[mount] == 2:
                return self.kv2(space, mount, path[len(mount):], query, body)
            return self.kv1(space, path, body)

    def approle_login(self, body):
        vault = self.server.vault
        if vault.approle is None or body.get("role_id") != vault.approle[0]:
            raise VaultError(400, ["invalid role ID"])
        if body.get("secret_id") != vault.approle[1]:
            raise VaultError(400, ["invalid secret id"])
        token = "hvs." + secrets.token_urlsafe(24)
        vault.tokens[token] = {"policies": ["default", "kmta"], "ttl": 3600,
                               "path": "auth/approle/login"}
        auth = {"client_token": token, "accessor": secrets.token_hex(12),
                "policies": ["default", "kmta"],
                "token_policies": ["default", "kmta"],
                "metadata": {"role_name": "kmta"}, "lease_duration": 3600,
                "renewable": True, "entity_id": "", "token_type": "service",
                "orphan": True}
        return 200, dict(envelope(None), auth=auth)

    @staticmethod
    def lookup_self(token, info):
        return {"accessor": "acc-" + token[-6:], "creation_time": 0,
                "creation_ttl": info["ttl"], "display_name": "token",
                "entity_id": "", "expire_time": None, "explicit_max_ttl": 0,
                "id": token, "meta": None, "num_uses": 0, "orphan": True,
                "path": info["path"], "policies": info["policies"],
                "renewable": False, "ttl": info["ttl"], "type": "service"}

    def mount_info(self, space, path):
        if not self.server.vault.preflight:
            # Vault releases before 0.10 have no such endpoint.
            raise VaultError(404, [])
        mount = space.mount_of(path)
        if mount is None:
            raise denied()
        version = space.mounts[mount]
        return 200, envelope({
            "accessor": "kv_" + secrets.token_hex(4), "config": {
                "default_lease_ttl": 0, "force_no_cache": False,
                "max_lease_ttl": 0}, "description": "",
            "external_entropy_access": False, "local": False,
            "options": {"version": "2"} if version == 2 else None,
            "path": mount, "plugin_version": "", "seal_wrap": False,
            "type": "kv", "uuid": "00000000-0000-0000-0000-000000000000"})

    def kv2(self, space, mount, rest, query, body):
        vault = self.server.vault
        op, _, rel = rest.partition("/")
        if not rel:
            raise VaultError(404, [])
        if op == "data" and self.command == "GET":
            return 200, envelope(vault.kv2_read(space, mount, rel, query))
        if op == "data" and self.command in ("POST", "PUT"):
            if not isinstance(body.get("data"), dict):
                raise VaultError(400, ["no data provided"])
            cas = body.get("options", {}).get("cas")
            return 200, envelope(vault.kv2_write(space, mount, rel,
                                                 body["data"], cas))
        if op == "data" and self.command == "DELETE":
            entry = space.kv2.get(mount + rel)
            if entry:
                vault.kv2_versions_op(space, mount, rel, "delete",
                                      {"versions": [entry["current"]]})
            return 204, None
        if op == "metadata" and self.command == "GET":
            return 200, envelope(vault.kv2_metadata(space, mount, rel))
        if op in ("delete", "undelete", "destroy") and \
                self.command in ("POST", "PUT"):
            vault.kv2_versions_op(space, mount, rel, op, body)
            return 204, None
        raise VaultError(405, ["1 error occurred:\n\t* unsupported operation"
                               "\n\n"])

    def kv1(self, space, path, body):
        if self.command == "GET":
            if path not in space.kv1:
                raise VaultError(404, [])
            out = envelope(dict(space.kv1[path]))
            out["lease_duration"] = 2764800
            return 200, out
        if self.command in ("POST", "PUT"):
            space.kv1[path] = dict(body)
            return 204, None
        if self.command == "DELETE":
            space.kv1.pop(path, None)
            return 204, None
        raise VaultError(405, ["1 error occurred:\n\t* unsupported operation"
                               "\n\n"])


def envelope(data):
    return {"request_id": secrets.token_hex(8), "lease_id": "",
            "renewable": False, "lease_duration": 0, "data": data,
            "wrap_info": None, "warnings": None, "auth": None}


def free_port(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, args):
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        super().__init__(addr, Handler)
        self.args = args
        self.vault = Vault(args)
        self.log_lock = threading.Lock()
        self.faulted = 0

    def handle_error(self, request, client_address):
        # A client that gives up on a "huge" or "hang" reply closes the
        # connection; that is the expected outcome, not a server error.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(
        description="A HashiCorp Vault test double on loopback.",
        epilog="The module's docstring describes the seed format and faults.")
    ap.add_argument("--host", default="127.0.0.1",
                    help="loopback address to listen on (default 127.0.0.1)")
    ap.add_argument("--port-file", required=True,
                    help="file that receives the port once listening")
    ap.add_argument("--cert", help="PEM chain; plain HTTP without it")
    ap.add_argument("--key", help="private key of --cert")
    ap.add_argument("--client-ca", help="require client certificates")
    ap.add_argument("--token-file", help="file holding the root token")
    ap.add_argument("--approle", nargs=2, metavar=("ROLE_ID", "SECRET_ID"),
                    help="files holding the one AppRole's ids")
    ap.add_argument("--seed", metavar="FILE",
                    help="JSON file with the initial mounts and secrets")
    ap.add_argument("--deny", action="append", default=[],
                    help="path prefix that every token is denied")
    ap.add_argument("--no-preflight", action="store_true",
                    help="return 404 from sys/internal/ui/mounts")
    ap.add_argument("--log", metavar="FILE",
                    help="append one JSON line per request (no tokens)")
    ap.add_argument("--fault",
                    help="sealed, hang, badjson, huge, status=CODE or "
                    "first=N:CODE")
    args = ap.parse_args()

    server = Server((args.host, free_port(args.host)), args)
    httpserve.serve_until_signal(server, args.port_file, args.cert, args.key,
                                 args.client_ca)
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    sys.exit(main())
