"""Run an http.server server, over TLS or plain HTTP, until SIGTERM or
SIGINT.

The caller must block SIGTERM and SIGINT (signal.pthread_sigmask) before
it starts any thread, so that the signals reach the sigwait here.
"""

import os
import signal
import ssl
import threading


def serve_until_signal(server, port_file, cert=None, key=None,
                       client_ca=None):
    """Serve until SIGTERM or SIGINT, then shut the server down.

    With cert (a PEM chain) and key, the server speaks TLS only. With
    client_ca as well, it requires a client certificate issued by that CA.
    The listening port goes to port_file, through a temporary file and a
    rename, once the server accepts connections.
    """
    if cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)
        if client_ca:
            tls.verify_mode = ssl.CERT_REQUIRED
            tls.load_verify_locations(client_ca)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, port_file)

    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    server.shutdown()
