# Demo part: provenance-gated signing (sourced by scripts/demo; SIGNET, DEMO, ROOT, step() and the
# SoftHSM fixture variables are in scope; KEY_URI may come from the key step).
if [[ -z ${KEY_URI:-} ]]; then
  step "Release key: ECDSA P-256, generated inside the token, never extractable"
  $SIGNET key generate --token "pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE" --label release
  KEY_URI="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;object=release;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
fi
S=$DEMO/sign; mkdir -p "$S"
$SIGNET key export --key "$KEY_URI" --format pem > "$S/release.pub"

step "An on-prem builder (played by the openssl CLI) signs SLSA v1 provenance and a CycloneDX SBOM"
W=$S SRC=$ROOT
source "$ROOT/scripts/lib/builder.sh"
DIGEST=$(printf 'demo image manifest' | sha256sum | cut -d' ' -f1)
OTHER=$(printf 'some other image' | sha256sum | cut -d' ' -f1)
make_builder
make_provenance provenance "$DIGEST"
make_sbom sbom "$DIGEST"
echo "image $IMAGE@sha256:$DIGEST; provenance and SBOM are DSSE envelopes signed by builder.key"

step "The policy: only this builder, only tags v* of acme/api, and an SBOM about the same digest"
make_policy require-sbom
sed 's/^/  /' "$S/policy.yaml"
$SIGNET policy check "$S/policy.yaml" || true

step "signet sign: the gate allows now, the HSM signs, the decision is logged, then the outputs appear as one set"
$SIGNET sign --key "$KEY_URI" --policy "$S/policy.yaml" --image "$IMAGE@sha256:$DIGEST" \
  --provenance "$S/provenance.dsse.json" --attestation "$S/sbom.dsse.json" \
  --out "$S/out" --audit-log "$S/audit.log" > "$S/decision.out"
{ grep -m1 '"allowed"' "$S/decision.out"; grep -m1 '"builder"' "$S/decision.out"; } | sed 's/^ */  /'
ls -1 "$S/out" | sed 's/^/  wrote /'

step "Independent verifiers: the openssl CLI checks the cosign simple-signing signature"
base64 -d < "$S/out/simplesigning.sig" > "$S/sig.der"
openssl dgst -sha256 -verify "$S/release.pub" -signature "$S/sig.der" "$S/out/simplesigning.json"

step "Independent verifiers: sigstore-js (@sigstore/verify from npm) checks both Sigstore bundles"
"$ROOT/scripts/fixtures/sigstore-js" up "$DEMO" >/dev/null
set -a; source "$DEMO/sigstore-js/env"; set +a
NODE_PATH=$SIGNET_TEST_NODE_PATH node "$ROOT/tests/integration/interop/sigstore_verify.js" "$S/out/image.sigstore.json" "$S/release.pub" "$DIGEST"
NODE_PATH=$SIGNET_TEST_NODE_PATH node "$ROOT/tests/integration/interop/sigstore_verify.js" "$S/out/vsa.sigstore.json" "$S/release.pub" "$DIGEST"
$SIGNET verify-image --key "$S/release.pub" --image "$IMAGE@sha256:$DIGEST" --signature "$S/out"

step "A denied request: the same provenance replayed for another digest"
set +e
$SIGNET sign --key "$KEY_URI" --policy "$S/policy.yaml" --image "$IMAGE@sha256:$OTHER" \
  --provenance "$S/provenance.dsse.json" --attestation "$S/sbom.dsse.json" \
  --out "$S/denied" --audit-log "$S/audit.log" > "$S/denied.out"
rc=$?
set -e
echo "exit $rc (1 = denied); findings: $(grep -o '"code": *"[A-Z_]*"' "$S/denied.out" | sort -u | sed 's/"code": *//' | tr '\n' ' ')"
echo "--out of the denied request: $([[ -e $S/denied ]] && echo "created (unexpected)" || echo "not created, nothing written")"

step "The audit log: every decision, hash-chained; signet log verify checks every link"
cut -c1-150 "$S/audit.log" | sed 's/$/…/'
$SIGNET log verify "$S/audit.log"
cp "$S/audit.log" "$S/tampered.log"; sed -i '1s/"decision":"allow"/"decision":"deny"/' "$S/tampered.log"
$SIGNET log verify "$S/tampered.log" || echo "(a one-word edit of entry 1 is caught: exit $?)"
