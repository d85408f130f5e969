#!/usr/bin/env bash
# The daemons' TLS key inside the TPM (issue 14 part 1), on the swtpm fixture behind tpm2-abrmd
# (the CLI, tpm2-tools and the daemon's tpm2 provider share one swtpm only through a resource
# manager): `signet attest tls-key` makes a TSS2 key file and a CSR signed in the TPM; a throwaway
# CA signs it; verifierd serves with `tls.key: tpm2:...`; curl and openssl s_client are the peers.
# usage: tpm_tls.sh FIXTURE_DIR VERIFIERD SIGNET
set -euo pipefail
FIXTURES=$1
VERIFIERD=$2
SIGNET=$3
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../../scripts/lib/daemon.sh"
set -a; source "$FIXTURES/swtpm/env"; source "$FIXTURES/abrmd/env"; set +a
T=$SIGNET_TEST_TABRMD_TCTI
unset TPM2OPENSSL_TCTI
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-tpmtls-XXXXXX")
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
[[ -f /usr/lib/x86_64-linux-gnu/ossl-modules/tpm2.so || -n $(find /usr/lib -name tpm2.so -path '*ossl-modules*' 2> /dev/null) ]] ||
  fail "the tpm2-openssl provider is not installed (scripts/setup installs it)"

# --- signet attest tls-key ---
out=$("$SIGNET" attest tls-key --tcti "$T" --out key.tss2 --csr server.csr --subject /CN=localhost \
  --san IP:127.0.0.1 --san DNS:localhost) || fail "attest tls-key: $out"
grep -q -- '-----BEGIN TSS2 PRIVATE KEY-----' key.tss2 || fail "the key file is not a TSS2 PRIVATE KEY"
[[ $(stat -c %a key.tss2) == 600 ]] || fail "the key file is not 0600"
openssl req -in server.csr -noout -verify 2>&1 | grep -q 'verify OK' || fail "the CSR's TPM signature does not verify"
openssl req -in server.csr -noout -text | grep -q 'IP Address:127.0.0.1' || fail "the CSR has no SAN"
openssl req -in server.csr -noout -pubkey | openssl pkey -pubin -outform DER > csr.spki.der
binding=$(sha256sum < csr.spki.der | cut -d' ' -f1)
grep -q "$binding" <<< "$out" || fail "tls-key does not print the key's channel binding: $out"
pass "attest tls-key: TSS2 key file (0600) and a CSR signed in the TPM (verifies, SANs kept)"

# Bad inputs are refused before the TPM is touched (exit 2).
set +e
"$SIGNET" attest tls-key --tcti "$T" --out k2 --csr c2 --subject 'CN=x' > /dev/null 2>&1; rc1=$?
"$SIGNET" attest tls-key --tcti "$T" --out k2 --csr c2 --san 'URI:x' > /dev/null 2>&1; rc2=$?
"$SIGNET" attest tls-key --tcti "$T" --out k2 --csr k2 > /dev/null 2>&1; rc3=$?
"$SIGNET" attest tls-key --tcti "nosuchtcti" --out k2 --csr c2 > /dev/null 2>&1; rc4=$?
set -e
[[ $rc1 == 2 && $rc2 == 2 && $rc3 == 2 && $rc4 == 2 ]] || fail "bad subject/san/paths/tcti: exits $rc1 $rc2 $rc3 $rc4, want 2"
[[ ! -e k2 && ! -e c2 ]] || fail "a refused tls-key wrote files"
pass "attest tls-key refuses a bad subject, SAN, --out == --csr and an unknown TCTI (exit 2, nothing written)"

# --- tpm2-tools: the key's public area says non-duplicable, sign-only ---
python3 - key.tss2 <<'PY'
import base64, sys
pem = open(sys.argv[1]).read().split('-----')[2]
der = base64.b64decode(''.join(pem.split()))
def tlv(b, i):
    tag = b[i]; n = b[i + 1]; i += 2
    if n & 0x80:
        k = n & 0x7f; n = int.from_bytes(b[i:i + k], 'big'); i += k
    return tag, b[i:i + n], i + n
tag, body, end = tlv(der, 0)
assert tag == 0x30 and end == len(der)
items, i = [], 0
while i < len(body):
    t, v, i = tlv(body, i); items.append((t, v))
assert [t for t, _ in items] == [0x06, 0xa0, 0x02, 0x04, 0x04], items
assert items[0][1] == bytes.fromhex('6781050a0103')           # 2.23.133.10.1.3 loadableKey
assert items[1][1] == bytes.fromhex('0101ff')                 # emptyAuth TRUE
assert items[2][1] == bytes.fromhex('40000001')               # parent TPM_RH_OWNER
open('key.pub', 'wb').write(items[3][1]); open('key.priv', 'wb').write(items[4][1])
PY
export TPM2TOOLS_TCTI=$T
# The owner primary from the standard (tpm2-openssl) template, recreated: the key loads under it.
tpm2_createprimary -Q -C o -g sha256 -G ecc256:null:aes128cfb \
  -a 'restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin|userwithauth' -c prim.ctx
tpm2_load -Q -C prim.ctx -u key.pub -r key.priv -c key.ctx
tpm2_readpublic -c key.ctx > readpublic.txt
tpm2_flushcontext -t > /dev/null 2>&1 || true
attrs=$(grep -A1 'attributes:' readpublic.txt | tail -1)
for a in fixedtpm fixedparent sensitivedataorigin userwithauth sign; do
  grep -qw "$a" <<< "$attrs" || fail "tpm2_readpublic: no $a in: $attrs"
done
for a in decrypt restricted encryptedduplication; do
  ! grep -qw "$a" <<< "$attrs" || fail "tpm2_readpublic: $a set in: $attrs"
done
grep -q 'NIST p256\|nistp256\|TPM2_ECC_NIST_P256' readpublic.txt || fail "not P-256: $(cat readpublic.txt)"
pass "tpm2_readpublic: fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign, no decrypt, no duplication, P-256"

# --- a certificate from a throwaway CA ---
tls_ca ca
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out server.pem \
  -extfile server.ext 2> /dev/null
tls_cert other ca /CN=other "subjectAltName=IP:127.0.0.1"   # a software key: other.pem / other.key

# --- verifierd with the key in the TPM ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout builder.key -out builder.crt \
  -days 2 -subj /CN=builder 2> /dev/null
openssl pkey -in builder.key -pubout -out builder.pub 2> /dev/null
cat > policy.yaml <<P
version: 1
builders:
  - name: b
    keys: [builder.pub]
    builder_ids: ["https://builder.example/b"]
    build_types: ["https://builder.example/t"]
sources:
  - repo: https://github.com/example/app
    refs: ["refs/heads/main"]
images: ["registry.example/*"]
P
conf() {  # conf FILE TLS-LINE
  printf 'listen: 127.0.0.1:0\ntls: %s\npolicies: {default: policy.yaml}\n' "$2" > "$1"
}
conf tpm.yaml "{certificate: server.pem, key: \"tpm2:key.tss2\", tcti: \"$T\"}"
out=$("$VERIFIERD" --check-config tpm.yaml 2>&1) || fail "--check-config with the TPM key: $out"
[[ $out == ok ]] || fail "--check-config with the TPM key: $out"
pass "--check-config: a TPM key with its certificate is ok"

LOG=$W/verifierd.log
daemon_start "$LOG" "$VERIFIERD" --config tpm.yaml || fail "verifierd did not start with the TPM key"
PIDS+=("$PID")
[[ $(curl -s -o /dev/null -w '%{http_code}' --cacert ca.pem "https://127.0.0.1:$PORT/healthz") == 200 ]] ||
  fail "curl --cacert /healthz over the TPM key"
for v in -tls1_3 -tls1_2; do
  openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.pem -verify_return_error $v < /dev/null > sclient.txt 2>&1 ||
    fail "openssl s_client $v: $(tail -5 sclient.txt)"
  grep -q 'Verify return code: 0 (ok)' sclient.txt || fail "s_client $v does not verify"
  openssl x509 -in sclient.txt -noout -pubkey | openssl pkey -pubin -outform DER > served.spki.der
  cmp -s served.spki.der csr.spki.der || fail "s_client $v: the served certificate does not carry the TPM key"
done
# The TPM key's public key also equals the one in the CSR the TPM signed.
pass "verifierd serves /healthz over TLS 1.3 and 1.2 with the key in the TPM; s_client sees the TPM key"

# Several handshakes in a row and concurrently (the provider's TPM signatures are serialised).
for i in $(seq 5); do
  curl -s -o /dev/null -w '%{http_code}\n' --cacert ca.pem "https://127.0.0.1:$PORT/healthz" &
done > codes.txt
wait_codes=0
for _ in $(seq 200); do [[ $(grep -c 200 codes.txt || true) == 5 ]] && break; sleep 0.05; done
[[ $(grep -c 200 codes.txt || true) == 5 ]] || fail "concurrent handshakes: $(cat codes.txt)"
pass "5 concurrent handshakes over the TPM key"

# SIGHUP with a (mismatching) software cert is refused; the TPM key keeps serving.
conf tpm.yaml "{certificate: other.pem, key: \"tpm2:key.tss2\", tcti: \"$T\"}"
kill -HUP "$PID"
for _ in $(seq 100); do grep -q '"msg":"reload refused' "$LOG" && break; sleep 0.05; done
grep '"msg":"reload refused' "$LOG" | grep -q 'key.tss2' || fail "a mismatching reload is not refused naming the key"
[[ $(curl -s -o /dev/null -w '%{http_code}' --cacert ca.pem "https://127.0.0.1:$PORT/healthz") == 200 ]] ||
  fail "the TPM key stopped serving after a refused reload"
kill "$PID"; wait "$PID" 2> /dev/null || true
PIDS=()
pass "SIGHUP: a certificate that does not match the TPM key is refused, the old context keeps serving"

# --- refusals at --check-config: exit 2, the file named, no key bytes ---
checkbad() {  # checkbad NAME WANT TLS-LINE
  conf "$1.yaml" "$3"
  set +e; out=$("$VERIFIERD" --check-config "$1.yaml" 2>&1); rc=$?; set -e
  [[ $rc == 2 ]] || fail "$1: exit $rc, want 2: $out"
  grep -q -- "$2" <<< "$out" || fail "$1: does not say '$2': $out"
  ! grep -q 'BEGIN\|MII' <<< "$out" || fail "$1: quotes key material: $out"
}
checkbad missing "missing.tss2" "{certificate: server.pem, key: \"tpm2:missing.tss2\", tcti: \"$T\"}"
checkbad software "other.key" "{certificate: other.pem, key: \"tpm2:other.key\", tcti: \"$T\"}"
checkbad mismatch "key.tss2" "{certificate: other.pem, key: \"tpm2:key.tss2\", tcti: \"$T\"}"
grep -q 'does not match' <<< "$out" || fail "mismatch: does not say so: $out"
sed 's/^[A-Za-z0-9]\{8\}/AAAAAAAA/' key.tss2 > broken.tss2   # corrupt every base64 line's start
checkbad broken "broken.tss2" "{certificate: server.pem, key: \"tpm2:broken.tss2\", tcti: \"$T\"}"
checkbad handle "tls.key" "{certificate: server.pem, key: \"tpm2:handle:0x01000000\"}"
checkbad tcti_file "tls.tcti" "{certificate: other.pem, key: other.key, tcti: \"$T\"}"
checkbad tcti_chars "tls.tcti" "{certificate: server.pem, key: \"tpm2:key.tss2\", tcti: \"swtpm:port=1\$x\"}"
pass "--check-config refuses a missing, software, corrupt or mismatching TPM key, a bad handle and a misplaced/bad tcti (exit 2, file named)"

# File keys keep working next to it.
conf file.yaml "{certificate: other.pem, key: other.key}"
[[ $("$VERIFIERD" --check-config file.yaml 2>&1) == ok ]] || fail "a file key is no longer accepted"
pass "file keys unchanged"
