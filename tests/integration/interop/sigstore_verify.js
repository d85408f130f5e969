#!/usr/bin/env node
// Verifies a key-based Sigstore bundle with sigstore-js (@sigstore/verify), the reference
// JavaScript verifier: a Verifier over trust material built from one public key, with
// transparency-log, CT-log and timestamp thresholds 0 (the bundle is key-based and offline).
// usage: node sigstore_verify.js BUNDLE.json PUBKEY.pem [SUBJECT_SHA256_HEX]
// Prints the statement's predicateType; exit 0 verified (and subject matched), 1 refused.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');

const [bundlePath, keyPath, wantDigest] = process.argv.slice(2);
try {
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const key = crypto.createPublicKey(fs.readFileSync(keyPath));
  const der = key.export({ type: 'spki', format: 'der' });
  const hint = crypto.createHash('sha256').update(der).digest('base64');
  const finder = (h) => {
    if (h !== hint) throw new Error(`unknown key hint ${h}`);
    return { publicKey: key, validFor: () => true };
  };
  const root = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
                 tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
  const verifier = new Verifier(toTrustMaterial(root, finder),
                                { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  verifier.verify(toSignedEntity(bundle));
  if (bundle.content.$case === 'dsseEnvelope') {
    const st = JSON.parse(Buffer.from(bundle.content.dsseEnvelope.payload).toString('utf8'));
    if (wantDigest && !st.subject.some((s) => s.digest && s.digest.sha256 === wantDigest)) {
      throw new Error('statement subject does not match the expected digest');
    }
    console.log(`verified: ${st.predicateType}`);
  } else {
    console.log('verified: message signature');
  }
  process.exit(0);
} catch (e) {
  console.error(`refused: ${e.message}`);
  process.exit(1);
}
