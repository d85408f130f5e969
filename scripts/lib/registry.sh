# A real OCI registry for the tests (sourced, not run; needs daemon.sh's tls_ca/tls_cert): Debian's
# docker-registry (distribution 2.8) on a free loopback port with TLS and htpasswd.

# registry_start: start it in the current directory, with its storage in ./data. Writes ca.pem /
# ca.key (the CA), server.pem / server.key (its certificate for 127.0.0.1), certs/ca.crt (for
# skopeo's --cert-dir), htpasswd and config.json (docker auth for user:secret), config.yml and
# registry.log. Sets REG_PID and HOST (127.0.0.1:PORT); the caller stops REG_PID. Returns 1, with
# the log on stderr, when the registry exits or does not answer within 10 s (it is then stopped).
registry_start() {
  local port
  tls_ca ca
  tls_cert server ca "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1"
  htpasswd -Bbc htpasswd user secret 2> /dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  HOST=127.0.0.1:$port
  cat > config.yml <<EOT
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $PWD/data}, delete: {enabled: true}}
http: {addr: "$HOST", tls: {certificate: $PWD/server.pem, key: $PWD/server.key}}
auth: {htpasswd: {realm: test, path: $PWD/htpasswd}}
EOT
  docker-registry serve config.yml > registry.log 2>&1 &
  REG_PID=$!
  local up=0
  for _ in $(seq 100); do
    curl -s --cacert ca.pem -o /dev/null "https://$HOST/v2/" && { up=1; break; }
    kill -0 "$REG_PID" 2> /dev/null || break
    sleep 0.1
  done
  if ((!up)); then
    echo "docker-registry did not start:" >&2; cat registry.log >&2
    kill "$REG_PID" 2> /dev/null || true
    wait "$REG_PID" 2> /dev/null || true
    return 1
  fi
  mkdir -p certs && cp ca.pem certs/ca.crt
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$HOST" "$(printf 'user:secret' | base64)" > config.json
}
