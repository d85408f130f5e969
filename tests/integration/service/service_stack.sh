#!/usr/bin/env bash
# The shared daemon stack (service/) against real clients: curl, openssl s_client and Python
# sockets, with certificates made per run by the openssl CLI. Every daemon started here is
# stopped by its PID; ports come from port 0 (read back from the "listening" log line).
# usage: service_stack.sh SERVICE_TESTD
set -euo pipefail
TESTD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
RAW="python3 $HERE/raw_client.py"
source "$HERE/../../../scripts/lib/daemon.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-service-XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -n ${LOG:-} && -f ${LOG:-} ]] && tail -20 "$LOG"; exit 1; }
pass() { echo "ok: $*"; }
cd "$W"

# --- certificates: a server CA, a client CA, an unrelated CA ---
tls_ca ca; tls_ca clientca; tls_ca otherca
tls_cert server ca /CN=localhost "subjectAltName=IP:127.0.0.1,DNS:localhost"
tls_cert client clientca "/CN=pipeline/O=acme" "extendedKeyUsage=clientAuth"
tls_cert rogue otherca "/CN=rogue" "extendedKeyUsage=clientAuth"

# start CONFIG: start the daemon, wait for its "listening" line, set PID, PORT, LOG.
start() {
  LOG=$W/$(basename "$1" .yaml).log
  daemon_start "$LOG" "$TESTD" --config "$1" || fail "daemon did not start"
  PIDS+=("$PID")
}
code() { curl -s -o "$W/body" -w '%{http_code}' --cacert ca.pem "$@" || true; }
U() { echo "https://127.0.0.1:$PORT$1"; }
JSON=(-H 'Content-Type: application/json')

cat > base.yaml <<Y
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key}
limits: {max_body: 1KiB, header_timeout: 2s, idle_timeout: 10s, max_connections: 4, drain_timeout: 20s}
testd: {greeting: hello, slow_ms: 2000, slow_mark: $W/slow.mark}
Y

# --- command line ---
"$TESTD" --help > /dev/null || fail "--help"
"$TESTD" --version | grep -q service_testd || fail "--version"
set +e; "$TESTD" > /dev/null 2>&1; rc=$?; set -e; [[ $rc == 2 ]] || fail "no arguments: exit $rc, want 2"
set +e; "$TESTD" --config base.yaml --check-config base.yaml > /dev/null 2>&1; rc=$?; set -e
[[ $rc == 2 ]] || fail "both modes: exit $rc, want 2"
[[ $("$TESTD" --check-config base.yaml) == ok ]] || fail "--check-config of a good config"
pass "command line"

# --- --check-config refusals: exit 2, the key path named, the value never quoted ---
bad() {  # bad NAME WANT_TEXT YAML
  printf '%s\n' "$3" > "$W/$1.yaml"
  set +e; out=$("$TESTD" --check-config "$W/$1.yaml" 2>&1); rc=$?; set -e
  [[ $rc == 2 ]] || fail "$1: exit $rc, want 2 ($out)"
  grep -q -- "$2" <<< "$out" || fail "$1: error does not say '$2': $out"
  ! grep -q SECRETVALUE <<< "$out" || fail "$1: error quotes the value: $out"
}
T='tls: {certificate: server.pem, key: server.key}'
bad unknown_limit2 "limits.bogus_limit" "listen: 127.0.0.1:0
$T
limits: {bogus_limit: SECRETVALUE}"
bad bad_size "limits.max_body" "listen: 127.0.0.1:0
$T
limits: {max_body: 4SECRETVALUE}"
bad bad_duration "limits.header_timeout" "listen: 127.0.0.1:0
$T
limits: {header_timeout: SECRETVALUEs}"
bad bad_listen "listen" "listen: SECRETVALUE:99999
$T"
bad no_tls "tls" "listen: 127.0.0.1:0"
bad unknown_tls "tls.passphrase" "listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key, passphrase: SECRETVALUE}"
bad unknown_top "unknown key 'bogus'" "listen: 127.0.0.1:0
$T
bogus: SECRETVALUE"
bad missing_cert "tls.certificate" "listen: 127.0.0.1:0
tls: {certificate: nothere.pem, key: server.key}"
cp "$W/client.key" "$W/wrong.key"
bad wrong_key "does not match" "listen: 127.0.0.1:0
tls: {certificate: $W/server.pem, key: wrong.key}"
pass "--check-config refusals"

# --- a serving daemon without mTLS ---
start base.yaml
[[ $(code "$(U /healthz)") == 200 ]] || fail "healthz"
[[ $(code "$(U /readyz)") == 200 ]] || fail "readyz"
[[ $(code "${JSON[@]}" -d '{"code":"A","message":"b"}' "$(U /v1/echo)") == 200 ]] || fail "echo"
[[ $(cat "$W/body") == '{"code":"A","message":"b"}' ]] || fail "echo body: $(cat "$W/body")"
[[ $(code "${JSON[@]}" -d '{}' "$(U /v1/echo)") == 200 ]] || fail "echo {}"
[[ $(cat "$W/body") == '{"code":"","message":""}' ]] || fail "empty fields are printed: $(cat "$W/body")"
# keep-alive: the second request reuses the connection (curl makes 0 new connections for it)
[[ $(curl -s -o /dev/null -o /dev/null --cacert ca.pem "$(U /healthz)" "$(U /readyz)" -w '%{http_code}/%{num_connects} ') == "200/1 200/0 " ]] ||
  fail "keep-alive"
pass "curl --cacert: healthz, readyz, echo (every field printed), keep-alive"

[[ $(code "${JSON[@]}" -d '{"code":"A","code":"B"}' "$(U /v1/echo)") == 400 ]] || fail "duplicate key"
grep -q '"code":"MALFORMED_REQUEST"' "$W/body" || fail "400 body: $(cat "$W/body")"
[[ $(code "${JSON[@]}" -d '{"code":"A","extra":1}' "$(U /v1/echo)") == 400 ]] || fail "unknown field"
[[ $(code "${JSON[@]}" -d '{"code":"A"} x' "$(U /v1/echo)") == 400 ]] || fail "trailing data"
[[ $(code -H 'Content-Type: text/plain' -d '{"code":"A"}' "$(U /v1/echo)") == 415 ]] || fail "wrong content type"
grep -q '"code":"UNSUPPORTED_MEDIA_TYPE"' "$W/body" || fail "415 body"
[[ $(code -d '{"code":"A"}' -H 'Content-Type:' "$(U /v1/echo)") == 415 ]] || fail "no content type"
[[ $(code "$(U /nowhere)") == 404 ]] || fail "unknown route"
[[ $(code "$(U /v1/echo)") == 405 ]] || fail "wrong method"
head -c 2048 /dev/zero | tr '\0' a > big.json
[[ $(code "${JSON[@]}" --data-binary @big.json "$(U /v1/echo)") == 413 ]] || fail "oversized body (Content-Length)"
[[ $(code "${JSON[@]}" -H 'Transfer-Encoding: chunked' --data-binary @big.json "$(U /v1/echo)") == 413 ]] ||
  fail "oversized body (chunked)"
grep -q '"code":"BODY_TOO_LARGE"' "$W/body" || fail "413 body"
[[ $($RAW raw "$PORT" ca.pem 'GARBAGE\r\n\r\n') == 400 ]] || fail "malformed request line"
[[ $($RAW raw "$PORT" ca.pem 'GET http://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n') == 400 ]] || fail "absolute-form target"
[[ $($RAW raw "$PORT" ca.pem 'POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab') == 400 ]] ||
  fail "two Content-Length headers"
[[ $($RAW bigheader "$PORT" ca.pem) == 431 ]] || fail "header too big"
pass "bad input: 400 (JSON, unknown field, trailing data, request line, target, CL), 404, 405, 413 x2, 415, 431"

# --- request ids ---
curl -s -D "$W/hdr" -o /dev/null --cacert ca.pem -H 'X-Request-Id: trace-42.a_b' "$(U /healthz)"
grep -qi '^x-request-id: trace-42.a_b' "$W/hdr" || fail "valid X-Request-Id not echoed"
grep -q '"request_id":"trace-42.a_b"' "$LOG" || fail "valid X-Request-Id not logged"
curl -s -D "$W/hdr" -o /dev/null --cacert ca.pem -H 'X-Request-Id: bad id;"x' "$(U /healthz)"
grep -qiE '^x-request-id: [0-9a-f]{32}' "$W/hdr" || fail "invalid X-Request-Id not replaced: $(cat "$W/hdr")"
! grep -q 'bad id' "$LOG" || fail "invalid X-Request-Id logged"
pass "request ids"

# --- TLS versions, plaintext ---
s_client() { echo | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.pem "$@" > "$W/sc.out" 2>&1; }
s_client -tls1_2 || fail "s_client -tls1_2: $(tail -5 "$W/sc.out")"
grep -q 'Protocol *: TLSv1.2' "$W/sc.out" || grep -q 'TLSv1.2' "$W/sc.out" || fail "not TLS 1.2"
s_client -tls1_3 || fail "s_client -tls1_3: $(tail -5 "$W/sc.out")"
grep -q 'TLSv1.3' "$W/sc.out" || fail "not TLS 1.3"
! s_client -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' || fail "TLS 1.1 handshake succeeded"
! s_client -tls1 -cipher 'DEFAULT:@SECLEVEL=0' || fail "TLS 1.0 handshake succeeded"
[[ $($RAW plain "$PORT" ca.pem) == nohttp ]] || fail "plaintext HTTP got an HTTP answer"
[[ $(curl -s -o /dev/null -w '%{http_code}' -m 10 "http://127.0.0.1:$PORT/healthz" || true) == 000 ]] || fail "curl http://"
pass "TLS 1.2 and 1.3 only; no plaintext"

# --- slowloris: a header trickled past header_timeout (2s) is cut off ---
[[ $($RAW slowloris "$PORT" ca.pem 30) == closed ]] || fail "slowloris connection was not closed"
[[ $(code "$(U /healthz)") == 200 ]] || fail "healthz after slowloris"
pass "slowloris cut off"

# --- max_connections (4): a fifth connection is refused while four are held ---
[[ $($RAW maxconn "$PORT" ca.pem 4) == refused ]] || fail "fifth connection was served"
[[ $($RAW maxconn "$PORT" ca.pem 2) == served ]] || fail "third connection was refused"
pass "max_connections"

# --- /metrics counts what happened ---
curl -s --cacert ca.pem "$(U /metrics)" > "$W/metrics"
for want in 'service_testd_requests_total{route="/v1/echo",code="200"} 2' \
            'service_testd_requests_total{route="/v1/echo",code="400"} 3' \
            'service_testd_requests_total{route="/v1/echo",code="415"} 2' \
            'service_testd_requests_total{route="/v1/echo",code="405"} 1' \
            'service_testd_requests_total{route="unmatched",code="404"} 1' \
            'service_testd_requests_total{route="unmatched",code="413"} 2' \
            'service_testd_requests_total{route="unmatched",code="431"} 1' \
            'service_testd_requests_total{route="/readyz",code="200"} 2' \
            'service_testd_request_duration_seconds_bucket{route="/healthz",le="+Inf"}' \
            'service_testd_request_duration_seconds_count{route="/v1/echo"} 8' \
            'service_testd_connections_refused_total 1' \
            'service_testd_echoes_total 2' \
            '# TYPE service_testd_request_duration_seconds histogram'; do
  grep -qF "$want" "$W/metrics" || fail "/metrics lacks '$want': $(cat "$W/metrics")"
done
grep -q 'text/plain; version=0.0.4' <(curl -s -D - -o /dev/null --cacert ca.pem "$(U /metrics)") || fail "metrics content type"
pass "/metrics"

# --- the log: one JSON object per line, one line per request, no bodies ---
python3 - "$LOG" << 'PY' || fail "log lines"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
reqs = [json.loads(l) for l in lines if json.loads(l)["msg"] == "request"]
need = {"ts", "level", "request_id", "route", "method", "status", "latency_ms", "digest", "verdict", "findings"}
for r in reqs:
    missing = need - set(r)
    assert not missing, f"missing {missing} in {r}"
    assert isinstance(r["findings"], list)
echo = [r for r in reqs if r["route"] == "/v1/echo" and r["status"] == 200]
assert echo and echo[0]["verdict"] == "echo" and echo[0]["findings"] == ["TEST-ECHO"], echo
assert not any("aaaa" in l for l in lines), "a request body reached the log"
PY
pass "log lines"

# --- SIGHUP: a good config is applied, a broken one keeps the old state and says why ---
sed -i 's/greeting: hello/greeting: world/' base.yaml
kill -HUP "$PID"
for _ in $(seq 100); do grep -q '"msg":"reloaded"' "$LOG" && break; sleep 0.05; done
[[ $(code "$(U /v1/state)") == 200 && $(cat "$W/body") == *'"code":"world"'* ]] || fail "reload not applied: $(cat "$W/body")"
cp base.yaml good.yaml
printf 'bogus_key: 1\n' >> base.yaml
kill -HUP "$PID"
for _ in $(seq 100); do grep -q '"msg":"reload refused' "$LOG" && break; sleep 0.05; done
grep '"msg":"reload refused' "$LOG" | grep -q "unknown key 'bogus_key'" || fail "refused reload does not say why"
[[ $(code "$(U /v1/state)") == 200 && $(cat "$W/body") == *'"code":"world"'* ]] || fail "broken reload changed the state"
cp good.yaml base.yaml
sed -i 's/greeting: world/greeting: not-ready/' base.yaml
kill -HUP "$PID"
for _ in $(seq 100); do [[ $(grep -c '"msg":"reloaded"' "$LOG") == 2 ]] && break; sleep 0.05; done
[[ $(code "$(U /readyz)") == 503 ]] || fail "readyz while not ready"
grep -q '"code":"NOT_READY"' "$W/body" || fail "readyz body: $(cat "$W/body")"
[[ $(code "$(U /healthz)") == 200 ]] || fail "healthz while not ready"
pass "SIGHUP: applied, refused (old state kept, reason logged), readiness follows state"

# --- channel binding: sha256(SPKI DER) of the served certificate, per connection, new key after reload ---
spki_sha256() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
[[ $(code "$(U /v1/binding)") == 200 ]] || fail "GET /v1/binding"
grep -q "\"code\":\"$(spki_sha256 server.pem)\"" "$W/body" || fail "channel binding is not sha256(SPKI): $(cat "$W/body")"
tls_cert server2 ca /CN=localhost "subjectAltName=IP:127.0.0.1,DNS:localhost"
sed -i 's/certificate: server.pem, key: server.key/certificate: server2.pem, key: server2.key/' base.yaml
n=$(grep -c '"msg":"reloaded"' "$LOG")
kill -HUP "$PID"
for _ in $(seq 100); do [[ $(grep -c '"msg":"reloaded"' "$LOG") -gt $n ]] && break; sleep 0.05; done
[[ $(code "$(U /v1/binding)") == 200 ]] || fail "GET /v1/binding after reload"
grep -q "\"code\":\"$(spki_sha256 server2.pem)\"" "$W/body" || fail "channel binding after a key rotation: $(cat "$W/body")"
pass "channel binding: sha256 of the served SPKI, lower-case hex; a reloaded key gives new connections its own"

# --- SIGTERM with a slow request in flight: it completes with 200, the daemon exits 0 ---
rm -f "$W/slow.mark"
curl -s -o "$W/slow.body" -w '%{http_code}' --cacert ca.pem "${JSON[@]}" -d '{}' "$(U /v1/slow)" > "$W/slow.code" &
CURL=$!
for _ in $(seq 200); do [[ -e $W/slow.mark ]] && break; sleep 0.05; done
[[ -e $W/slow.mark ]] || fail "the slow request never started"
kill -TERM "$PID"
wait "$CURL" || true
[[ $(cat "$W/slow.code") == 200 ]] || fail "in-flight request got $(cat "$W/slow.code")"
grep -q '"message":"done"' "$W/slow.body" || fail "in-flight body: $(cat "$W/slow.body")"
set +e; wait "$PID"; rc=$?; set -e
[[ $rc == 0 ]] || fail "daemon exit $rc after SIGTERM, want 0"
grep -q '"msg":"stopped".*"cut_off":0' "$LOG" || fail "drain was not clean"
pass "SIGTERM drains in-flight requests, exit 0"

# --- mTLS ---
cat > mtls.yaml << Y
listen: '[::1]:0'
tls: {certificate: server.pem, key: server.key, client_ca: clientca.pem}
Y
# IPv6 loopback when the machine has it (the listen parser's [::1] form), else 127.0.0.1.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2> /dev/null; then
  LISTEN_HOST='[::1]'
else
  sed -i "s/'\[::1\]:0'/127.0.0.1:0/" mtls.yaml; LISTEN_HOST=127.0.0.1
fi
start mtls.yaml
# The server certificate is for 127.0.0.1/localhost: pin it by name when talking to ::1.
M() { echo "https://localhost:$PORT$1"; }
RES=(--resolve "localhost:$PORT:$LISTEN_HOST")
[[ $LISTEN_HOST == 127.0.0.1 ]] && RES=()
mcode() { curl -s -o "$W/body" -w '%{http_code}' --cacert ca.pem "${RES[@]}" "$@" || true; }
[[ $(mcode "$(M /healthz)") == 000 ]] || fail "mTLS: no client certificate got HTTP"
[[ $(mcode --cert client.pem --key client.key "$(M /healthz)") == 200 ]] || fail "mTLS: client certificate refused"
[[ $(mcode --cert rogue.pem --key rogue.key "$(M /healthz)") == 000 ]] || fail "mTLS: a certificate from another CA got HTTP"
kill -TERM "$PID"; set +e; wait "$PID"; rc=$?; set -e; [[ $rc == 0 ]] || fail "mTLS daemon exit $rc"
pass "mTLS: none -> 000, client cert -> 200, foreign cert -> 000"

echo "service_stack: all passed"
