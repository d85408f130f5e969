# Shared setup of the signerd integration tests (sourced). Needs FIX, SRC, SIGNET, SIGNERD and W.
# Builds per-run TLS material (scripts/lib/daemon.sh), a key on the SoftHSM2 token, a builder,
# provenance and a policy (scripts/lib/builder.sh), and helpers to write a config and to sign
# with curl. Every daemon started through start_signerd is stopped by its PID on exit.
source "$SRC/scripts/lib/daemon.sh"
source "$SRC/scripts/lib/builder.sh"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -n ${SLOG:-} && -f ${SLOG:-} ]] && tail -20 "$SLOG"; exit 1; }
pass() { echo "ok: $*"; }

# private_token: SoftHSM2 on a private copy of the fixture's token directory (W/tokens), for the
# tests that move it away or kill signerd (SoftHSM2's file store is not crash-safe). Skips the
# test (exit 0) on real hardware, which has no token directory to copy.
private_token() {
  [[ -z ${SIGNET_TEST_REAL_HARDWARE:-} ]] || { echo "skipped: needs SoftHSM2's token directory"; exit 0; }
  cp -a "$(dirname "$SOFTHSM2_CONF")/tokens" "$W/tokens"
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$W" > "$W/softhsm2.conf"
  export SOFTHSM2_CONF=$W/softhsm2.conf
}

# make_tls: ca (callers' and server's CA), server (127.0.0.1), clients pipeline-a, pipeline-b
# (another team's images), stranger (same CA, not a caller), spiffe (a caller by its URI SAN).
make_tls() {
  (cd "$W" && tls_ca ca && tls_cert server ca /CN=localhost "subjectAltName=IP:127.0.0.1,DNS:localhost" &&
    for c in pipeline-a pipeline-b pipeline-c stranger; do tls_cert "$c" ca "/CN=$c" "extendedKeyUsage=clientAuth"; done &&
    tls_cert spiffe ca "/CN=not-a-caller-name" "extendedKeyUsage=clientAuth
subjectAltName=URI:spiffe://acme.internal/ci/pipeline-d")
}

# make_key LABEL: an ECDSA P-256 key on the fixture token; sets KEY (no PIN in it) and exports
# W/release.pub.
make_key() {
  local token="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
  "$SIGNET" key generate --token "$token" --label "$1" --type ecdsa-p256 > /dev/null
  KEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$1;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE"
  "$SIGNET" key export --key "$KEY&pin-source=$SIGNET_TEST_PIN_FILE" --format pem > "$W/release.pub"
  cp "$SIGNET_TEST_PIN_FILE" "$W/pin"
  chmod 600 "$W/pin"
}

# write_config FILE STATE_DIR [KEY_URI] [RPM]: a signerd config (mode 0600).
write_config() {
  mkdir -p "$2"
  cat > "$1" <<Y
listen: 127.0.0.1:0
tls: {certificate: $W/server.pem, key: $W/server.key, client_ca: $W/ca.pem}
key: "${3:-$KEY}"
pin_file: $W/pin
policy: $W/policy.yaml
state_dir: $2
callers:
  - name: pipeline-a
    subject: "CN=pipeline-a"
    images: ["registry.example.internal/acme/*"]
  - name: pipeline-b
    subject: "CN=pipeline-b"
    images: ["registry.example.internal/other/*"]
  - name: pipeline-c
    subject: "CN=pipeline-c"
    images: ["registry.example.internal/*/*"]
  - name: pipeline-d
    san: "spiffe://acme.internal/ci/pipeline-d"
    images: ["registry.example.internal/acme/*"]
# header_timeout also covers the TLS handshake: generous, so that a loaded machine (the asan
# preset beside other tests) does not cut a request off; the slowloris guard is tested in service_stack.
limits: {max_body: 4MiB, header_timeout: 60s, requests_per_minute_per_caller: ${4:-0}}
Y
  chmod 600 "$1"
}

# start_signerd CONFIG LOG: start signerd; sets PID, PORT, SLOG.
start_signerd() {
  SLOG=$2
  daemon_start "$2" "$SIGNERD" --config "$1" || fail "signerd did not start"
  PIDS+=("$PID")
}

# body FILE DIGEST: a /v1/sign body for IMAGE@sha256:DIGEST with W/prov.dsse.json.
body() {
  printf '{"image":"%s@sha256:%s","provenance":[{"name":"prov.dsse.json","content":"%s"}],"attestations":[],"annotations":{}}' \
    "$IMAGE" "$2" "$(base64 -w0 < "$W/prov.dsse.json")" > "$1"
}

# sign_as CLIENT BODY OUT: POST /v1/sign; prints the HTTP status ("000" when the TLS handshake
# failed); headers in OUT.h.
sign_as() {
  curl -sS --max-time 30 --cacert "$W/ca.pem" --cert "$W/$1.pem" --key "$W/$1.key" -H 'Content-Type: application/json' \
    --data-binary "@$2" -D "$3.h" -o "$3" -w '%{http_code}' "https://127.0.0.1:$PORT/v1/sign" 2> "$3.err" || true
}

# get PATH: GET over mTLS as pipeline-a; prints the status, body in W/get.out.
get() {
  curl -sS --max-time 10 --cacert "$W/ca.pem" --cert "$W/pipeline-a.pem" --key "$W/pipeline-a.key" \
    -o "$W/get.out" -w '%{http_code}' "https://127.0.0.1:$PORT$1" 2> /dev/null || true
}

# json FILE EXPR: evaluate a Python expression over the JSON in FILE (bound to j).
json() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
