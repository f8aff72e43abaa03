// Signing through the card service vs raw pkcs11js on the same SoftHSM2 key (no simulator, no latency).
//   npm run --silent bench -- card-sign [--count N]
// Both sides do the same PKCS#11 work for one authentication — open a session, C_Login, find the authentication
// key, C_SignInit + C_Sign over 64 bytes (CKM_SHA256_RSA_PKCS), C_Logout, close — so the difference is what the
// card service adds: the process boundary, the request checks, reading the token state and certificates, the
// asynchronous C_Sign. Iterations alternate between the two sides so machine load affects both alike.
// Each side has its own copy of the token (same key, same serial): SoftHSM2 rewrites its token file at every
// C_Login, and a second process using the same files would reload the token after each of the other's logins,
// a cost no smart card has.
// Lines: raw C_Sign alone (information), raw authentication sequence, service authenticate, then the headline.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import * as control from '../native/sim/control.ts';
import { provisionCard } from '../native/sim/provision.ts';
import { CardServiceClient } from '../native/service/client.ts';
import { forkTransport } from '../native/service/transport.ts';

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
const GOAL_ADDED_MS = 1;
const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 300;
const WARMUP = 20;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (n: number) => Math.round(n * 1000) / 1000;
function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50Ms: round(percentile(s, 50)), p99Ms: round(percentile(s, 99)), n: s.length };
}
const now = () => Number(process.hrtime.bigint()) / 1e6;

const dir = mkdtempSync(path.join(tmpdir(), 'cpx-bench-sign-'));
control.initState(dir, { readers: 1 });
await provisionCard(dir, 'cps-medecin');
const conf = control.softhsmConfPath(dir);
const rawTokens = path.join(dir, 'raw-tokens');
cpSync(path.join(dir, 'tokens'), rawTokens, { recursive: true });
const rawConf = path.join(dir, 'raw-softhsm2.conf');
writeFileSync(rawConf, `directories.tokendir = ${rawTokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
process.env.SOFTHSM2_CONF = rawConf;

const p11 = new pkcs11js.PKCS11();
p11.load(SOFTHSM);
p11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
const slot = p11.C_GetSlotList(true)[0]!;
const message = randomBytes(64);

function findKey(session: Buffer): Buffer {
  p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_LABEL, value: 'CPS_PRIV_AUT' }]);
  const key = p11.C_FindObjects(session, 1)[0];
  p11.C_FindObjectsFinal(session);
  if (!key) throw new Error('no authentication key on the bench token');
  return key;
}

function rawAuthentication(): void {
  const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  try {
    p11.C_Login(session, pkcs11js.CKU_USER, '1234');
    p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, findKey(session));
    p11.C_Sign(session, message, Buffer.alloc(512));
    p11.C_Logout(session);
  } finally {
    p11.C_CloseSession(session);
  }
}

const client = new CardServiceClient({
  restart: false,
  transport: forkTransport({ env: { ...process.env, SOFTHSM2_CONF: conf, CPX_PKCS11_MODULE: SOFTHSM, CPX_PKCS11_MODULE_ONLY: '1' } }),
});
await client.start();
const nonce = randomBytes(32).toString('base64');
const serviceAuthentication = () =>
  client.request('authenticate', { origin: 'https://example.org', nonce, pin: new TextEncoder().encode('1234') });

// Raw C_Sign alone, on a logged-in session (what the card itself costs).
const signOnly: number[] = [];
{
  const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  p11.C_Login(session, pkcs11js.CKU_USER, '1234');
  const key = findKey(session);
  for (let i = 0; i < WARMUP + COUNT; i++) {
    const t0 = now();
    p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key);
    p11.C_Sign(session, message, Buffer.alloc(512));
    if (i >= WARMUP) signOnly.push(now() - t0);
  }
  p11.C_Logout(session);
  p11.C_CloseSession(session);
}

const raw: number[] = [];
const service: number[] = [];
for (let i = 0; i < WARMUP + COUNT; i++) {
  let t0 = now();
  rawAuthentication();
  const r = now() - t0;
  t0 = now();
  await serviceAuthentication();
  const s = now() - t0;
  if (i >= WARMUP) { raw.push(r); service.push(s); }
}
await client.close();
p11.C_Finalize();
p11.close();
rmSync(dir, { recursive: true, force: true });

const signStats = stats(signOnly);
const rawStats = stats(raw);
const serviceStats = stats(service);
console.log(JSON.stringify({ bench: 'card-sign', part: 'raw C_SignInit+C_Sign (logged-in session)', ...signStats }));
console.log(JSON.stringify({ bench: 'card-sign', part: 'raw pkcs11js authentication sequence (session, login, find key, sign, logout)', ...rawStats }));
console.log(JSON.stringify({ bench: 'card-sign', part: 'card service authenticate (client request → token)', ...serviceStats }));
// Also the median of the per-iteration differences (each pair ran back to back): less sensitive to load swings.
const paired = stats(service.map((v, i) => v - raw[i]!));
console.log(JSON.stringify({ bench: 'card-sign', part: 'service minus raw, per iteration', ...paired }));
const added = round(serviceStats.p50Ms - rawStats.p50Ms);
console.log(JSON.stringify({
  bench: 'card-sign', module: 'softhsm2', count: COUNT,
  rawP50Ms: rawStats.p50Ms, rawP99Ms: rawStats.p99Ms, rawSignOnlyP50Ms: signStats.p50Ms,
  serviceP50Ms: serviceStats.p50Ms, serviceP99Ms: serviceStats.p99Ms,
  addedP50Ms: added, pairedAddedP50Ms: paired.p50Ms, goalAddedMs: GOAL_ADDED_MS, withinGoal: added <= GOAL_ADDED_MS,
}));
