#!/usr/bin/env python3
"""A scripted OCI registry for registry_client.sh: what a real registry will not do on demand
(lie about digests, point uploads at another origin, use an http token realm). TLS on 127.0.0.1,
port 0; prints "PORT <n>" once listening. Every request is appended to LOG as one line:
"METHOD PATH AUTH" where AUTH is none, basic-ok, basic-bad, bearer-ok or bearer-bad.

  fake_registry.py CERT KEY LOG MODE...
modes: auth=none|basic|bearer  realm=https|http  swap-manifest  swap-blob  lie-digest
       cross-origin  referrers-api  page=N  fail-upload (the monolithic PUT of an upload answers 500)
"""
import base64
import hashlib
import http.server
import json
import ssl
import sys
import urllib.parse

CERT, KEY, LOG = sys.argv[1:4]
MODES = dict((m.split("=", 1) + [True])[:2] for m in sys.argv[4:])
AUTH = MODES.get("auth", "none")
USER, PASSWORD, TOKEN = "user", "secret", "t0ken-abc"

manifests = {}  # (repo, ref) -> (media_type, bytes)
blobs = {}      # digest -> bytes
port = 0


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def auth_state(self):
        value = self.headers.get("Authorization", "")
        if not value:
            return "none"
        if value.startswith("Basic "):
            ok = base64.b64decode(value[6:]).decode() == USER + ":" + PASSWORD
            return "basic-ok" if ok else "basic-bad"
        if value.startswith("Bearer "):
            return "bearer-ok" if value[7:] == TOKEN else "bearer-bad"
        return "other"

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def challenge(self, path):
        if AUTH == "basic":
            self.reply(401, b"{}", {"WWW-Authenticate": 'Basic realm="test"'})
        else:
            scheme = MODES.get("realm", "https")
            realm = "%s://127.0.0.1:%d/token" % (scheme, port)
            self.reply(401, b"{}", {"WWW-Authenticate":
                                    'Bearer realm="%s",service="fake",scope="repository:x:pull"' % realm})

    def authorized(self, state):
        if AUTH == "none":
            return True
        if AUTH == "basic":
            return state == "basic-ok"
        return state == "bearer-ok"

    def handle_any(self):
        state = self.auth_state()
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        with open(LOG, "a") as log:
            log.write("%s %s %s\n" % (self.command, path, state))
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        if path == "/token":
            if state != "basic-ok":
                return self.reply(401, b"{}")
            return self.reply(200, json.dumps({"token": TOKEN}).encode(), {"Content-Type": "application/json"})
        if not self.authorized(state):
            return self.challenge(path)
        parts = path.split("/")
        if len(parts) < 4 or parts[1] != "v2":
            return self.reply(404, b"{}")
        if "manifests" in parts:
            i = parts.index("manifests")
            repo, ref = "/".join(parts[2:i]), parts[i + 1]
            if self.command == "PUT":
                media = self.headers.get("Content-Type", "")
                d = digest(body)
                manifests[(repo, ref)] = (media, body)
                manifests[(repo, d)] = (media, body)
                return self.reply(201, b"", {"Docker-Content-Digest": d, "Location": "/v2/%s/manifests/%s" % (repo, d)})
            if (repo, ref) not in manifests:
                return self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
            media, data = manifests[(repo, ref)]
            d = digest(data)
            if "swap-manifest" in MODES:
                data = data.replace(b'"schemaVersion":2', b'"schemaVersion": 2')
            if "lie-digest" in MODES:
                d = "sha256:" + "0" * 64
            return self.reply(200, data, {"Content-Type": media, "Docker-Content-Digest": d})
        if "blobs" in parts and "uploads" not in parts:
            i = parts.index("blobs")
            d = parts[i + 1]
            if d not in blobs:
                return self.reply(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
            data = blobs[d]
            if "swap-blob" in MODES:
                data = data + b" "
            return self.reply(200, data, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": d})
        if "uploads" in parts:
            i = parts.index("blobs")
            repo = "/".join(parts[2:i])
            if self.command == "POST":
                location = "/v2/%s/blobs/uploads/u1?_state=abc" % repo
                if "cross-origin" in MODES:
                    location = "https://elsewhere.example" + location
                return self.reply(202, b"", {"Location": location})
            if self.command == "PUT":
                if "fail-upload" in MODES:
                    return self.reply(500, b'{"errors":[{"code":"UNKNOWN"}]}')
                d = query.get("digest", [""])[0]
                if digest(body) != d:
                    return self.reply(400, b'{"errors":[{"code":"DIGEST_INVALID"}]}')
                blobs[d] = body
                return self.reply(201, b"", {"Docker-Content-Digest": d})
        if "tags" in parts:
            repo = "/".join(parts[2:parts.index("tags")])
            tags = sorted(ref for (r, ref) in manifests if r == repo and not ref.startswith("sha256:"))
            page = int(MODES.get("page", "1000"))
            last = query.get("last", [""])[0]
            rest = [t for t in tags if t > last]
            out, headers = rest[:page], {"Content-Type": "application/json"}
            if len(rest) > page:
                headers["Link"] = '</v2/%s/tags/list?n=%d&last=%s>; rel="next"' % (repo, page, out[-1])
            return self.reply(200, json.dumps({"name": repo, "tags": out}).encode(), headers)
        if "referrers" in parts:
            if "referrers-api" not in MODES:
                return self.reply(404, b"404 page not found")
            i = parts.index("referrers")
            repo, subject = "/".join(parts[2:i]), parts[i + 1]
            found = []
            for (r, ref), (media, data) in manifests.items():
                if r != repo or not ref.startswith("sha256:"):
                    continue
                doc = json.loads(data)
                if doc.get("subject", {}).get("digest") == subject:
                    found.append({"mediaType": media, "digest": ref, "size": len(data),
                                  "artifactType": doc.get("artifactType", "")})
            index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": found}
            return self.reply(200, json.dumps(index).encode(), {"Content-Type": "application/vnd.oci.image.index.v1+json"})
        return self.reply(404, b"{}")

    do_GET = do_HEAD = do_PUT = do_POST = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
port = server.server_address[1]
print("PORT %d" % port, flush=True)
server.serve_forever()
