#!/usr/bin/env node
// Verifies a Signet bundle with @sigstore/verify against a Sigstore trusted root (the one
// `signet trust export` writes), the way a stock verifier does offline: the release public key as
// key material (found by the bundle's publicKey.hint), the log and TSA from the trusted root.
// usage: node sigstore_verify_root.js BUNDLE.json PUBKEY.pem TRUSTED_ROOT.json TLOG_THRESHOLD TIMESTAMP_THRESHOLD
// Prints "verified: <predicateType>"; exit 0 verified, 1 refused (the error on stderr).
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

const [bundlePath, keyPath, rootPath, tlogThreshold, timestampThreshold] = process.argv.slice(2);
try {
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const key = crypto.createPublicKey(fs.readFileSync(keyPath));
  const der = key.export({ type: 'spki', format: 'der' });
  const hint = crypto.createHash('sha256').update(der).digest('base64');
  const finder = (h) => {
    if (h !== hint) throw new Error(`unknown key hint ${h}`);
    return { publicKey: key, validFor: () => true };
  };
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootPath, 'utf8')));
  const verifier = new Verifier(toTrustMaterial(root, finder), {
    tlogThreshold: Number(tlogThreshold), ctlogThreshold: 0, timestampThreshold: Number(timestampThreshold),
  });
  verifier.verify(toSignedEntity(bundle));
  const st = JSON.parse(Buffer.from(bundle.content.dsseEnvelope.payload).toString('utf8'));
  console.log(`verified: ${st.predicateType}`);
  process.exit(0);
} catch (e) {
  console.error(`refused: ${e.code || ''} ${e.message}`);
  process.exit(1);
}
