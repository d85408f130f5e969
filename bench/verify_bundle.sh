#!/usr/bin/env bash
# bench/verify_bundle.sh — bundle verification throughput, single thread, in one run:
#   signet (bench_verify_bundle), the OpenSSL crypto floor, and sigstore-js @sigstore/verify 4
#   installed from npm into a temporary directory (removed afterwards).
# usage: bench/verify_bundle.sh [BUILD_DIR] [SHARED_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/default}
shared=${2:-$here/../../shared}
exe=$build/bench/bench_verify_bundle
[[ -x $exe ]] || { echo "build bench_verify_bundle first (cmake --build $build --target bench_verify_bundle)"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

SIGNET_SHARED_DIR=$shared "$exe" --benchmark_format=json --benchmark_out="$tmp/signet.json" \
  --benchmark_out_format=json >/dev/null
(cd "$tmp" && npm install --silent --no-audit --no-fund --prefix "$tmp/js" \
   @sigstore/verify@4 >/dev/null 2>&1) \
  || { echo "npm install of @sigstore/verify failed"; exit 2; }
js_line=$(NODE_PATH=$tmp/js/node_modules node "$here/sigstore_js_verify.js" "$shared" 5)
python3 - "$tmp/signet.json" "$js_line" <<'PY'
import json, re, sys
data = json.load(open(sys.argv[1]))
rate = {b["name"]: b["items_per_second"] for b in data["benchmarks"] if "items_per_second" in b}
signet = rate["BM_VerifyBundle_All/min_time:2.000"]
floor = rate["BM_CryptoFloor/min_time:2.000"]
floor_pb = rate["BM_CryptoFloorPerBundle/min_time:2.000"]
js = float(re.search(r": ([0-9.]+) verifications/s", sys.argv[2]).group(1))
print(f"signet verify-bundle : {signet:8.0f} verifications/s")
for name, r in sorted(rate.items()):
    if name.startswith("BM_VerifyBundle_One"):
        label = next(b.get("label", "") for b in data["benchmarks"] if b["name"] == name)
        print(f"  {label:27s}: {r:8.0f} /s")
print(f"crypto floor         : {floor:8.0f} /s  (2x P-384 chain + SCT + SET + checkpoint + DSSE)")
print(f"  per-bundle floor   : {floor_pb:8.0f} /s  (the same without the root-over-intermediate P-384, checked once per trusted root)")
decode = rate.get("BM_LeafCertificateDecode/min_time:1.000")
if decode:
    print(f"  leaf d2i_X509      : {decode:8.0f} /s  (not in either floor: {1e6 / decode:.0f} us of every verification)")
print(f"{sys.argv[2]}")
print(f"signet / floor       : {signet / floor * 100:5.1f} %   (target >= 80 %)")
print(f"signet / per-bundle  : {signet / floor_pb * 100:5.1f} %")
print(f"signet / sigstore-js : {signet / js:5.1f} x   (target >= 8 x)")
PY
