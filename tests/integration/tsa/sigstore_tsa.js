#!/usr/bin/env node
// Verifies a TimeStampResp from Signet's TSA the way @sigstore/verify does for a bundle's
// verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp: parsed by
// @sigstore/core's RFC3161Timestamp, checked over DATA against a trusted root whose
// timestampAuthorities[] holds CHAIN.pem (leaf first) with toTrustMaterial's defaults.
// usage: node sigstore_tsa.js TOKEN.tsr DATA CHAIN.pem    exit 0 verified, 1 refused
'use strict';
const fs = require('fs');
const { toTrustMaterial } = require('@sigstore/verify');
const { RFC3161Timestamp } = require('@sigstore/core');
const { verifyRFC3161Timestamp } = require('@sigstore/verify/dist/timestamp/tsa');

const [tokenPath, dataPath, chainPath] = process.argv.slice(2);
try {
  const pems = fs.readFileSync(chainPath, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  const certificates = pems.map((p) => ({
    rawBytes: Buffer.from(p.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'),
  }));
  const root = { tlogs: [], ctlogs: [], certificateAuthorities: [],
                 timestampAuthorities: [{ certChain: { certificates } }] };
  const trust = toTrustMaterial(root, () => { throw new Error('no keys'); });
  const ts = RFC3161Timestamp.parse(fs.readFileSync(tokenPath));
  verifyRFC3161Timestamp(ts, fs.readFileSync(dataPath), trust.timestampAuthorities);
  console.log(`verified: genTime ${ts.signingTime.toISOString()}`);
} catch (e) {
  console.log(`refused: ${e.message}`);
  process.exit(1);
}
