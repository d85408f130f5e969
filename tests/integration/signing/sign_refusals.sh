#!/usr/bin/env bash
# `signet sign`, `log verify` and `verify-image` fed exactly the inputs issue 12 names (items 9,
# 11, 22, 25, 26, 27). Each case states the input and what must (not) happen: bad input exits 2,
# says why on stderr, writes nothing and logs nothing; the audit log is opened, never guessed at;
# outputs appear as one set or not at all.
# usage: sign_refusals.sh FIXTURE_DIR SIGNET SOURCE_DIR
set -euo pipefail
FIX=$1 SIGNET=$2 SRC=$3
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-sign-refusals-XXXXXX"); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# expect_rc WANT CMD...: run with a deadline (a FIFO must never block us), keep stdout/stderr.
expect_rc() { local want=$1; shift; local run=(timeout 60); declare -F "$1" > /dev/null && run=()
  set +e; "${run[@]}" "$@" > "$W/last.out" 2> "$W/last.err"; local rc=$?; set -e
  [[ $rc == "$want" ]] || { cat "$W/last.out" "$W/last.err"; fail "'$1 $2 ...' exited $rc, want $want"; }; }
said() { grep -q -- "$1" "$W/last.err" || fail "stderr does not say '$1': $(cat "$W/last.err")"; }
unchanged() { cmp -s "$1" "$1.orig" || fail "$1 was changed"; }

TOKEN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
label="sign-refusals-$$"
"$SIGNET" key generate --token "$TOKEN" --label "$label" > /dev/null
KEY="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=$label;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
"$SIGNET" key export --key "$KEY" --format pem > "$W/release.pub"
source "$SRC/scripts/lib/builder.sh"
make_builder
make_policy
D=$(printf 'refusals %s' "$$" | sha256sum | cut -d' ' -f1)
OTHER=$(printf 'other %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
LOG=$W/audit.log
sign() {  # sign OUT [extra flags...]: sign IMAGE@sha256:D into OUT with LOG
  local out=$1; shift
  "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" --provenance "$W/prov.dsse.json" \
    --out "$out" --audit-log "$LOG" "$@"
}
lines() { if [[ -e $LOG ]]; then wc -l < "$LOG"; else echo none; fi; }

# --- item 11: sign takes no --at ---
expect_rc 2 sign "$W/o-at" --at 2026-01-01T00:00:00Z
[[ ! -e $W/o-at && ! -e $LOG ]] || fail "sign --at wrote something"

# --- items 9, 26, 27: bad input is refused before any decision, nothing logged or written ---
expect_rc 0 sign "$W/o-first"  # the log exists from here on
n=$(lines)
expect_rc 2 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "" --provenance "$W/prov.dsse.json" \
  --out "$W/o-empty" --audit-log "$LOG"
said "empty"
expect_rc 2 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image $'registry.example.internal/acme/api:v1\xff' \
  --provenance "$W/prov.dsse.json" --out "$W/o-utf8" --audit-log "$LOG"
said "UTF-8"
cp "$W/prov.dsse.json" "$W/prov"$'\xfe'".json"
expect_rc 2 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/prov"$'\xfe'".json" --out "$W/o-name" --audit-log "$LOG"
said "UTF-8"
expect_rc 2 sign "$W/o-annotation" --annotation $'team=acme\xc0\xaf'
# An entry over the documented bound (64 KiB): 400 inputs under a 3000-byte path. Before, the
# 1.2 MB entry was written and the next open refused the log for good.
deep=$W; for i in 1 2 3 4 5 6 7 8 9 10 11; do deep=$deep/$(printf 'd%.0s' $(seq 250)); done
mkdir -p "$deep"; cp "$W/prov.dsse.json" "$deep/p.json"
many=(); for i in $(seq 400); do many+=(--attestation "$deep/p.json"); done
expect_rc 2 sign "$W/o-big" "${many[@]}"
said "bound"
# A malformed --provenance: exit 2, says why, no deny entry with an empty key_id.
printf '{not json' > "$W/garbage.json"
expect_rc 2 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
  --provenance "$W/garbage.json" --out "$W/o-garbage" --audit-log "$LOG"
said "garbage.json"
[[ ! -s $W/last.out ]] || fail "bad input printed a decision: $(cat "$W/last.out")"
[[ $(lines) == "$n" ]] || fail "bad input was logged: $(tail -1 "$LOG")"
for d in o-empty o-utf8 o-name o-annotation o-big o-garbage; do [[ ! -e $W/$d ]] || fail "$d was created"; done
expect_rc 0 sign "$W/o-after"  # the log is not bricked
expect_rc 0 "$SIGNET" log verify "$LOG"

# --- item 25: a deny creates no --out; outputs are one set ---
n=$(lines)
expect_rc 1 "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$OTHER" \
  --provenance "$W/prov.dsse.json" --out "$W/o-deny" --audit-log "$LOG"
[[ ! -e $W/o-deny ]] || fail "a deny created --out"
[[ $(lines) == $((n + 1)) ]] || fail "the deny was not logged"
mkdir "$W/o-foreign"; echo mine > "$W/o-foreign/notes.txt"
expect_rc 2 sign "$W/o-foreign"
[[ $(cat "$W/o-foreign/notes.txt") == mine && $(ls "$W/o-foreign") == notes.txt ]] || fail "foreign --out was touched"
before=$(cat "$W/o-first/simplesigning.sig")
mkdir "$W/o-first.staging-Zz9Zz9"; echo half > "$W/o-first.staging-Zz9Zz9/simplesigning.sig"  # a killed run's
expect_rc 0 sign "$W/o-first"
[[ $(ls "$W/o-first" | wc -l) == 5 ]] || fail "the replaced set is not exactly one set: $(ls "$W/o-first")"
[[ $(cat "$W/o-first/simplesigning.sig") != "$before" ]] || fail "the previous set was not replaced"
compgen -G "$W/o-first.staging-*" > /dev/null && fail "staging directories left behind: $(ls -d "$W"/o-first.staging-*)"
expect_rc 0 "$SIGNET" verify-image --key "$W/release.pub" --image "$IMAGE@sha256:$D" --signature "$W/o-first"

# --- item 22 / 27: the audit log is opened, never guessed at ---
try_log() {  # try_log WANT PATH: sign into PATH as the audit log
  expect_rc "$1" "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" \
    --provenance "$W/prov.dsse.json" --out "$W/o-log" --audit-log "$2"
}
mkdir "$W/logdir"
try_log 2 "$W/logdir"
printf 'precious\n' > "$W/target"; cp "$W/target" "$W/target.orig"; ln -s target "$W/link.log"
try_log 2 "$W/link.log"; unchanged "$W/target"
mkfifo "$W/fifo.log"
try_log 2 "$W/fifo.log"
printf 'my notes, no newline' > "$W/notes"; cp "$W/notes" "$W/notes.orig"
try_log 2 "$W/notes"; unchanged "$W/notes"; said "not a Signet audit log"
printf 'line one\nline two' > "$W/lines"; cp "$W/lines" "$W/lines.orig"
try_log 2 "$W/lines"; unchanged "$W/lines"
cp "$LOG" "$W/foreign-tail.log"; printf 'not an entry' >> "$W/foreign-tail.log"; cp "$W/foreign-tail.log" "$W/foreign-tail.log.orig"
try_log 2 "$W/foreign-tail.log"; unchanged "$W/foreign-tail.log"; said "is torn"
{ head -n -1 "$LOG"; tail -1 "$LOG" | sed 's/"decision":"[a-z]*"/"decision":"allow","x":1/'; } > "$W/malformed.log"
try_log 2 "$W/malformed.log"; said "malformed"
{ head -n -2 "$LOG"; tail -1 "$LOG"; tail -2 "$LOG" | head -1; } > "$W/chain.log"
try_log 2 "$W/chain.log"; said "broken chain"
cp "$LOG" "$W/torn.log"; tail -1 "$LOG" | head -c 100 >> "$W/torn.log"
try_log 0 "$W/torn.log"; said "cut a torn final entry (100 bytes"
expect_rc 0 "$SIGNET" log verify "$W/torn.log"
touch "$W/statefile"
expect_rc 2 env SIGNET_STATE_DIR="$W/statefile" "$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" \
  --image "$IMAGE@sha256:$D" --provenance "$W/prov.dsse.json" --out "$W/o-state"
expect_rc 2 "$SIGNET" log verify "$W/logdir"
expect_rc 2 "$SIGNET" log verify "$W/fifo.log"
expect_rc 1 "$SIGNET" log verify --json "$W/chain.log"
grep -q '"kind": "chain"' "$W/last.out" || fail "log verify does not say the chain is broken: $(cat "$W/last.out")"

# --- item 27: a signature that does not verify is exit 1, also when its base64 is not canonical ---
mkdir "$W/noncanon"; cp "$W/o-first/simplesigning.json" "$W/noncanon/"
python3 - "$W/o-first/simplesigning.sig" "$W/noncanon/simplesigning.sig" <<'EOF'
import base64, sys
raw = base64.b64decode(open(sys.argv[1]).read().strip())
raw = raw[:-1] if len(raw) % 3 == 0 else raw  # make sure the encoding has padding
enc = base64.b64encode(raw).decode()
body = enc.rstrip("=")
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Set a trailing bit the padding leaves unused: same bytes for a lax decoder, not canonical.
body = body[:-1] + alphabet[alphabet.index(body[-1]) | 1]
open(sys.argv[2], "w").write(body + "=" * (len(enc) - len(body)) + "\n")
EOF
expect_rc 1 "$SIGNET" verify-image --key "$W/release.pub" --image "$IMAGE@sha256:$D" --signature "$W/noncanon"
grep -q SIGNATURE_INVALID "$W/last.out" || fail "non-canonical signature not reported SIGNATURE_INVALID: $(cat "$W/last.out")"
echo "sign refusals OK"
