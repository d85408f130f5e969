# The benchmarks' signerd (sourced by bench/signerd_load and bench/soak; never a test). Needs
# scripts/lib/daemon.sh sourced.
# bench_signerd_setup DIR: in DIR (the current directory afterwards) a SoftHSM2 token (its own
# SOFTHSM2_CONF, exported) with a P-256 release key, keyed DSSE provenance in request.json (a
# whole POST /v1/sign body), policy.yaml, server and client TLS material (server-ca.pem,
# pipeline-a.pem/.key) and signerd.yaml (listen on port 0, state in DIR/state). The body is not
# indented: it holds here-documents.
bench_signerd_setup() {
local W=$1
cd "$W"
local MOD=${SIGNET_BENCH_SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[[ -f $MOD ]] || MOD=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so
# SoftHSM2 token with a P-256 release key.
mkdir tokens state
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$W" > softhsm2.conf
export SOFTHSM2_CONF=$W/softhsm2.conf
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > pin
chmod 600 pin
softhsm2-util --init-token --free --label bench --so-pin bench-so-pin --pin "$(cat pin)" > /dev/null
pkcs11-tool --module "$MOD" --token-label bench --login --pin "$(cat pin)" --keypairgen --key-type EC:prime256v1 \
  --id 01 --label release > /dev/null
# The builder's key, its DSSE provenance for the image, and the policy approving it.
IMAGE=registry.example.internal/acme/api
DIGEST=5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03
openssl ecparam -name prime256v1 -genkey -noout -out builder.key 2> /dev/null
openssl ec -in builder.key -pubout -out builder.pub 2> /dev/null
python3 - "$IMAGE" "$DIGEST" <<'PY'
import base64, json, subprocess, sys
image, digest = sys.argv[1], sys.argv[2]
st = json.dumps({"_type": "https://in-toto.io/Statement/v1",
                 "subject": [{"name": image, "digest": {"sha256": digest}}],
                 "predicateType": "https://slsa.dev/provenance/v1",
                 "predicate": {"buildDefinition": {
                     "buildType": "https://build.example.internal/buildtypes/container/v1",
                     "externalParameters": {"source": "git+https://git.example.internal/acme/api@refs/tags/v1.2.3"}},
                     "runDetails": {"builder": {"id": "https://build.example.internal/builder/v1"}}}},
                separators=(",", ":")).encode()
t = b"application/vnd.in-toto+json"
pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(st), st)
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", "builder.key"], input=pae, capture_output=True,
                     check=True).stdout
env = {"payloadType": t.decode(), "payload": base64.b64encode(st).decode(),
       "signatures": [{"keyid": "", "sig": base64.b64encode(sig).decode()}]}
body = {"image": "%s@sha256:%s" % (image, digest),
        "provenance": [{"name": "provenance.dsse.json", "content": base64.b64encode(json.dumps(env).encode()).decode()}],
        "attestations": [], "annotations": {}}
open("request.json", "w").write(json.dumps(body))
PY
cat > policy.yaml <<P
version: 1
builders:
  - name: onprem
    keys: [builder.pub]
    threshold: 1
    builder_ids: ["https://build.example.internal/builder/v1"]
    build_types: ["https://build.example.internal/buildtypes/container/v1"]
sources:
  - repo: https://git.example.internal/acme/api
    refs: ["refs/tags/v*"]
P
tls_ca server-ca
tls_cert server server-ca /CN=localhost "subjectAltName=IP:127.0.0.1"
tls_ca clients-ca
tls_cert pipeline-a clients-ca /CN=pipeline-a "basicConstraints=CA:FALSE"
cat > signerd.yaml <<Y
listen: 127.0.0.1:0
tls: {certificate: server.pem, key: server.key, client_ca: clients-ca.pem}
key: "pkcs11:token=bench;object=release?module-path=$MOD"
pin_file: $W/pin
policy: policy.yaml
state_dir: $W/state
callers:
  - name: pipeline-a
    subject: "CN=pipeline-a"
    images: ["registry.example.internal/acme/*"]
limits: {max_body: 16MiB, header_timeout: 5s, requests_per_minute_per_caller: 0}
Y
chmod 600 signerd.yaml
}
