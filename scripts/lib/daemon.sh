# Shell helpers shared by the daemon tests and the demo (sourced, not run): per-run TLS material
# from the openssl CLI, and starting a Signet daemon on port 0.

# tls_ca NAME: a self-signed P-256 CA as NAME.pem / NAME.key in the current directory.
tls_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" \
    -days 2 -subj "/CN=$1" 2> /dev/null
}

# tls_cert NAME CA SUBJECT EXT: a P-256 certificate NAME.pem / NAME.key issued by CA (CA.pem /
# CA.key) for SUBJECT, with the extension line EXT (e.g. "subjectAltName=IP:127.0.0.1").
tls_cert() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "$3" 2> /dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 -out "$1.pem" \
    -extfile "$1.ext" 2> /dev/null
}

# daemon_start LOG BINARY ARGS...: start a daemon whose config listens on port 0, with stderr (its
# JSON log) in LOG, and wait for its "listening" line. Sets PID and PORT; the caller stops PID.
# Returns 1, with the log on stderr, when the daemon exits first or names no port within 10 s (it
# is then stopped here).
daemon_start() {
  local log=$1
  shift
  : > "$log"
  "$@" 2> "$log" &
  PID=$!
  PORT=""
  for _ in $(seq 200); do
    grep -q '"msg":"listening"' "$log" && break
    if ! kill -0 "$PID" 2> /dev/null; then
      echo "daemon exited at start:" >&2; cat "$log" >&2
      return 1
    fi
    sleep 0.05
  done
  PORT=$(grep -o '"msg":"listening".*"port":[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  if [[ -z $PORT || $PORT == 0 ]]; then
    echo "no port in the daemon's listening line:" >&2; cat "$log" >&2
    kill "$PID" 2> /dev/null || true
    wait "$PID" 2> /dev/null || true
    return 1
  fi
}
