#!/usr/bin/env python3
"""A TLS proxy in front of a registry that changes one byte of every manifest it relays (a space
after the opening brace: still valid JSON, another digest), for registry_e2e.sh: a client must
refuse what the proxy serves (REGISTRY_DIGEST_MISMATCH). Listens on 127.0.0.1, port 0; prints
"PORT <n>" once listening.

  swap_proxy.py CERT KEY UPSTREAM_HOST:PORT UPSTREAM_CA
"""
import http.client
import http.server
import ssl
import sys

CERT, KEY, UPSTREAM, UPSTREAM_CA = sys.argv[1:5]
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else None
        host, port = UPSTREAM.rsplit(":", 1)
        ctx = ssl.create_default_context(cafile=UPSTREAM_CA)
        conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        if "/manifests/" in self.path and resp.status == 200 and data.startswith(b"{"):
            data = b"{ " + data[1:]
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = relay


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
