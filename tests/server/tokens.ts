// Web eID tokens signed in-process with the test PKI's card keys (what a simulated card would produce,
// without PKCS#11): for service tests and the server bench. Tests stand apart from the layers, so they may
// use the test PKI (native/sim/pki); the service itself never imports native/.
import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { WebEidToken } from '../../protocol/card.ts';
import { WEB_EID_FORMAT } from '../../protocol/webeid.ts';
import { signedData, signWith } from '../validator/pki-fixture.ts';
import { ensurePki } from '../../native/sim/pki/index.ts';
import type { TestPki } from '../../native/sim/pki/index.ts';

export interface CardSigner {
  profile: string;
  certificate: Uint8Array;
  key: KeyObject;
  token(origin: string, nonce: string, opts?: { algorithm?: 'RS256' | 'PS256' }): Promise<WebEidToken>;
}

let pki: Promise<TestPki> | null = null;
export function testPki(): Promise<TestPki> {
  pki ??= ensurePki();
  return pki;
}

export async function cardSigner(profile: string): Promise<CardSigner> {
  const auth = (await testPki()).card(profile).authentication;
  if (!auth) throw new Error(`profile ${profile} has no authentication certificate`);
  const key = createPrivateKey({ key: Buffer.from(auth.privateKey), format: 'der', type: 'pkcs8' });
  const certificate = auth.certificate;
  return {
    profile, certificate, key,
    async token(origin, nonce, opts = {}) {
      const algorithm = opts.algorithm ?? 'RS256';
      const signature = signWith(key, algorithm, signedData(origin, nonce, algorithm));
      return {
        unverifiedCertificate: Buffer.from(certificate).toString('base64'), algorithm, signature: signature.toString('base64'),
        format: WEB_EID_FORMAT, appVersion: 'https://cpx-link.test/tests/1.0',
      };
    },
  };
}
