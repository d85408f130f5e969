// sigstore-js baseline for bench/verify_bundle.sh: verifies the same accept bundles as
// bench_verify_bundle, round-robin, single thread, bundle parse included.
// usage: node sigstore_js_verify.js SHARED_DIR SECONDS   (run with NODE_PATH at the npm install)
'use strict';
const fs = require('fs');
const path = require('path');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

const shared = process.argv[2];
const seconds = Number(process.argv[3] || 3);
const v = (p) => path.join(shared, 'vectors', p);
const GHA = 'https://token.actions.githubusercontent.com';
const BEACON = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const rows = [
  ['accept/gha-delegator-v2.1.0/provenance.sigstore.json', 'sigstore-public-good', 'accept/gha-delegator-v2.1.0/artifact',
   'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml@refs/tags/v2.1.0'],
  ['accept/gh-attest-bcr/MODULE.bazel.sigstore.json', 'sigstore-public-good', 'accept/gh-attest-bcr/MODULE.bazel',
   'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1'],
  ['accept/conformance/happy-path-intoto-in-dsse-v3.sigstore.json', 'sigstore-public-good', 'accept/conformance/a.txt', BEACON],
  ['accept/conformance/intoto-with-custom-trust-root.sigstore.json', 'conformance-mock', 'accept/conformance/d.txt', BEACON],
];
const samples = rows.map(([b, r, a, san]) => {
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(v(`trust/trusted_root.${r}.json`), 'utf8')));
  return {
    text: fs.readFileSync(v(b), 'utf8'),
    verifier: new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1 }),
    artifact: fs.readFileSync(v(a)),
    policy: { subjectAlternativeName: san, extensions: { issuer: GHA } },
  };
});
function once(s) {
  const bundle = bundleFromJSON(JSON.parse(s.text));
  // For DSSE bundles sigstore-js verifies the envelope only; the subject check is ours to add.
  s.verifier.verify(toSignedEntity(bundle, bundle.content.$case === 'messageSignature' ? s.artifact : undefined), s.policy);
}
for (const s of samples) once(s);  // warm-up, and fail loudly if any sample does not verify
// Rates use process CPU time (as Google Benchmark's items_per_second does for signet), so a busy
// machine slows both sides alike; wall time is printed too.
let n = 0;
const cpu0 = process.cpuUsage();
const start = process.hrtime.bigint();
const end = start + BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() < end) {
  once(samples[n % samples.length]);
  n++;
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(`sigstore-js ${require('@sigstore/verify/package.json').version}: ${(n / cpuSeconds).toFixed(1)} verifications/s ` +
            `(${n} in ${cpuSeconds.toFixed(2)} s CPU, ${elapsed.toFixed(2)} s wall)`);
