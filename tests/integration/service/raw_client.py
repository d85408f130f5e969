#!/usr/bin/env python3
"""Raw clients for service_stack.sh: what curl cannot send (malformed requests, slowloris,
plaintext on the TLS port, many idle connections). Each prints one word the script checks."""
import socket
import ssl
import sys
import time


def tls(port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def read_all(s):
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, ssl.SSLError, socket.timeout):
        pass
    return out


def status_of(data):
    line = data.split(b"\r\n", 1)[0]
    parts = line.split(b" ")
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/"):
        return parts[1].decode()
    return "none"


def main():
    mode, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "raw":  # raw PORT CA BYTES(python-escaped): print the status code answered
        payload = sys.argv[4].encode().decode("unicode_escape").encode("latin-1")
        s = tls(port, ca)
        s.sendall(payload)
        print(status_of(read_all(s)))
    elif mode == "bigheader":  # a header over max_header
        s = tls(port, ca)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")
        print(status_of(read_all(s)))
    elif mode == "plain":  # plaintext HTTP on the TLS port: print the first bytes' kind
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = read_all(s)
        print("http" if data.startswith(b"HTTP/") else "nohttp")
    elif mode == "slowloris":  # slowloris PORT CA MAX_SECONDS: trickle a header, one byte at a time
        budget = float(sys.argv[4])
        s = tls(port, ca)
        s.settimeout(budget)
        header = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"z" * 1000 + b"\r\n\r\n"
        start = time.monotonic()
        closed = False
        for b in header:
            try:
                s.sendall(bytes([b]))
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                closed = True
                break
            # A closed connection shows up as readable EOF.
            s.setblocking(False)
            try:
                got = s.recv(1)
                if got == b"" or got:
                    closed = True
                    s.setblocking(True)
                    break
            except (ssl.SSLWantReadError, BlockingIOError):
                pass
            except (ConnectionResetError, ssl.SSLError, OSError):
                closed = True
                break
            s.setblocking(True)
            if time.monotonic() - start > budget:
                break
            time.sleep(0.25)
        print("closed" if closed else "still-open")
    elif mode == "maxconn":  # maxconn PORT CA N: hold N connections, then try one more
        n = int(sys.argv[4])
        held = [tls(port, ca) for _ in range(n)]
        try:
            extra = tls(port, ca)
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = read_all(extra)
            print("served" if status_of(data) == "200" else "refused")
        except (ConnectionResetError, ssl.SSLError, OSError):
            print("refused")
        for h in held:
            h.close()
    else:
        sys.exit("unknown mode")


if __name__ == "__main__":
    main()
