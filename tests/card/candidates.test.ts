// Middleware candidates per OS, in order, computed for Windows and macOS on any machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleCandidates } from '../../native/pkcs11/candidates.ts';

const paths = (platform: NodeJS.Platform, arch: string, env: Record<string, string> = {}, explicit?: { path: string; source: 'policy' | 'setting' }) =>
  moduleCandidates({ platform, arch, env, explicit }).map((c) => `${c.source}:${c.path}`);

test('Windows 64-bit: explicit module, Cryptolib 64-bit in System32, then the 32-bit ones in SysWOW64, then OpenSC', () => {
  const list = paths('win32', 'x64', { WINDIR: 'D:\\WINNT', CPX_PKCS11_MODULE: 'C:\\custom\\p11.dll' }, { path: 'C:\\policy\\cps.dll', source: 'policy' });
  assert.deepEqual(list.slice(0, 5), [
    'policy:C:\\policy\\cps.dll',
    'environment:C:\\custom\\p11.dll',
    'cryptolib:D:\\WINNT\\System32\\cps3_pkcs11_w64.dll',
    'cryptolib:D:\\WINNT\\SysWOW64\\cps3_pkcs11_w32.dll',
    'cryptolib-legacy:D:\\WINNT\\SysWOW64\\cps_pkcs11_w32.dll',
  ]);
  assert.ok(list.slice(5).every((p) => p.startsWith('opensc:') && p.endsWith('opensc-pkcs11.dll')), list.join('\n'));
});

test('Windows 32-bit process: the 32-bit Cryptolib names come first', () => {
  const list = paths('win32', 'ia32', { WINDIR: 'C:\\Windows' });
  assert.equal(list[0], 'cryptolib:C:\\Windows\\System32\\cps3_pkcs11_w32.dll');
  assert.ok(list.includes('cryptolib-legacy:C:\\Windows\\System32\\cps_pkcs11_w32.dll'));
  assert.ok(!list.some((p) => p.includes('w64')));
});

test('macOS: /usr/local/lib then the older /usr/lib install, legacy names, then OpenSC', () => {
  const list = paths('darwin', 'arm64');
  assert.deepEqual(list.slice(0, 4), [
    'cryptolib:/usr/local/lib/libcps3_pkcs11_osx.dylib',
    'cryptolib:/usr/lib/libcps3_pkcs11_osx.dylib',
    'cryptolib-legacy:/usr/local/lib/libcps_pkcs11_osx.dylib',
    'cryptolib-legacy:/usr/lib/libcps_pkcs11_osx.dylib',
  ]);
  assert.ok(list.slice(4).every((p) => p.startsWith('opensc:')));
});

test('Linux: /opt/santesocial, its /usr/lib64 symlink, legacy CPS2ter, then OpenSC incl. the Debian multiarch path', () => {
  const list = paths('linux', 'x64');
  assert.equal(list[0], 'cryptolib:/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so');
  assert.equal(list[1], 'cryptolib:/usr/lib64/libcps3_pkcs11_lux.so');
  assert.ok(list.indexOf('cryptolib-legacy:/opt/santesocial/CPS/lib/libcps_pkcs11_lux.so') > 1);
  assert.ok(list.includes('opensc:/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so'));
  const firstOpensc = list.findIndex((p) => p.startsWith('opensc:'));
  assert.ok(list.slice(0, firstOpensc).every((p) => p.startsWith('cryptolib')));
  assert.ok(paths('linux', 'arm64').includes('opensc:/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so'));
});

test('the same path is listed once, with its most specific source', () => {
  const list = paths('linux', 'x64', { CPX_PKCS11_MODULE: '/usr/lib64/libcps3_pkcs11_lux.so' });
  assert.equal(list.filter((p) => p.endsWith('/usr/lib64/libcps3_pkcs11_lux.so')).length, 1);
  assert.equal(list[0], 'environment:/usr/lib64/libcps3_pkcs11_lux.so');
});
