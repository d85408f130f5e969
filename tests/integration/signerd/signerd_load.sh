#!/usr/bin/env bash
# Concurrency: 8 clients x 200 signings against one signerd (curl, keep-alive, one process per
# client). Every answer is a 200 allow; afterwards `signet log verify` passes, every released
# signature has its entry (same seq and hash), and there are no duplicates.
# usage: signerd_load.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR [CLIENTS] [PER_CLIENT]
set -euo pipefail
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4 CLIENTS=${5:-8} PER=${6:-200}
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-signerd-load-XXXXXX")
source "$(dirname "$0")/lib.sh"
make_tls
make_key "signerd-load-$$"
make_builder
make_policy
D=$(printf 'signerd load %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
write_config "$W/signerd.yaml" "$W/state"
start_signerd "$W/signerd.yaml" "$W/signerd.log"
body "$W/allow.json" "$D"

# curl_config CLIENT N DIR: one curl config doing N POSTs on one kept-alive connection.
curl_config() {
  local i
  for ((i = 0; i < $2; i++)); do
    [[ $i == 0 ]] || echo "next"
    printf 'url = "https://127.0.0.1:%s/v1/sign"\ncacert = "%s/ca.pem"\ncert = "%s/%s.pem"\nkey = "%s/%s.key"\n' \
      "$PORT" "$W" "$W" "$1" "$W" "$1"
    printf 'header = "Content-Type: application/json"\ndata-binary = "@%s/allow.json"\noutput = "%s/%d.json"\n' "$W" "$3" "$i"
    printf 'silent\nmax-time = 60\nwrite-out = "%%{http_code}\\n"\n'
  done
}
cpids=()
for ((c = 0; c < CLIENTS; c++)); do
  mkdir -p "$W/c$c"
  curl_config pipeline-a "$PER" "$W/c$c" > "$W/c$c.cfg"
  curl -K "$W/c$c.cfg" > "$W/c$c.codes" 2> "$W/c$c.err" &
  cpids+=("$!")
done
for p in "${cpids[@]}"; do wait "$p" || true; done
total=$((CLIENTS * PER))
ok=$(cat "$W"/c*.codes | grep -c '^200$' || true)
[[ $ok == "$total" ]] || fail "$ok of $total answers were 200: $(cat "$W"/c*.codes | sort | uniq -c | tr '\n' ' ')"
"$SIGNET" log verify "$W/state/audit.log" > /dev/null || fail "signet log verify"
[[ $(wc -l < "$W/state/audit.log") == "$total" ]] || fail "want $total entries, got $(wc -l < "$W/state/audit.log")"
checked=$(python3 "$(dirname "$0")/check_released.py" "$W/state/audit.log" "$W"/c*/*.json --exact "$total") || fail "$checked"
pass "$CLIENTS x $PER signings: $checked signatures, each with its own durable entry; log verifies"
echo "signerd load OK"
