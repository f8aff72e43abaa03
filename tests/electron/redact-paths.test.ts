// The redactor masks random-looking runs; a middleware path is not one. Every place CPx Link looks for a module,
// on every OS, reaches the log and the diagnostic report readable, while random material inside a path or
// base64 that starts with a slash is still masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleCandidates } from '../../native/pkcs11/candidates.ts';
import { MASK, Redactor } from '../../electron/core/redact.ts';

test('module candidate paths of Linux, macOS and Windows stay readable', () => {
  const r = new Redactor();
  const all = (['linux', 'darwin', 'win32'] as const).flatMap((platform) =>
    (['x64', 'arm64', 'ia32'] as const).flatMap((arch) => moduleCandidates({ platform, arch, env: {} }).map((c) => c.path)));
  assert.ok(all.includes('/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so'));
  for (const p of all) assert.equal(r.string(`module ${p} absent`), `module ${p} absent`);
});

test('random material in or shaped like a path is still masked', () => {
  const r = new Redactor();
  assert.equal(r.string('/tmp/cpx-report-module-ClQh1j/moved-away/libcps3_pkcs11_lux.so'), `${MASK}.so`);
  assert.equal(r.string(`/srv/keys/${'ab12'.repeat(8)}/x`), MASK);
  // 33 random bytes in base64 that happen to start with a slash and hold several more.
  for (const b64 of ['/GStDk3oLUmb/FXeWJ4XXJnpKj1SipWjk/aEx/YGqHdnH', '/BAvlkRXfVW/F44VMz/REDaPDQExqH+I4lhJKLImgvzJe',
    '/kd/BRpSA1eVslZ8TJArwtZg/qL9DipBQRo5s/o0xy4qU']) assert.equal(r.string(`value ${b64}`), `value ${MASK}`, b64);
});
