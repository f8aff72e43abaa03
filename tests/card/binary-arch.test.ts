// Architecture of a shared library from its header: real ELF files, and PE / Mach-O headers built byte by byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { archCompatible, detectArch, readBinaryArch } from '../../native/pkcs11/binary-arch.ts';
import { classifyLoadError } from '../../native/pkcs11/load-errors.ts';
import { foreignArchLibraries, SOFTHSM } from './harness.ts';



test('a real x64 ELF module is x64 and compatible with this process', () => {
  const a = readBinaryArch(SOFTHSM)!;
  assert.deepEqual(a, { format: 'elf', archs: ['x64'], bits: 64 });
  assert.equal(archCompatible(a, 'x64'), true);
  assert.equal(archCompatible(a, 'ia32'), false);
});

test('ELF class and machine are read from the file (32-bit, ARM64)', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpx-arch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { elf32, arm64 } = foreignArchLibraries(dir);
  assert.deepEqual(readBinaryArch(elf32), { format: 'elf', archs: ['ia32'], bits: 32 });
  assert.deepEqual(readBinaryArch(arm64)!.archs, ['arm64']);
  assert.equal(readBinaryArch(path.join(dir, 'missing.so')), null);
});

function pe(machine: number, peOffset = 0x80): Buffer {
  const b = Buffer.alloc(peOffset + 24);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(peOffset, 0x3c);
  b.write('PE\0\0', peOffset, 'latin1');
  b.writeUInt16LE(machine, peOffset + 4);
  return b;
}

test('PE: 32-bit and 64-bit DLLs, NT header found through e_lfanew (also beyond the first block)', () => {
  assert.deepEqual(detectArch(pe(0x8664)), { format: 'pe', archs: ['x64'], bits: 64 });
  assert.deepEqual(detectArch(pe(0x14c)), { format: 'pe', archs: ['ia32'], bits: 32 });
  const far = pe(0x14c, 6000);
  assert.deepEqual(detectArch(far.subarray(0, 4096), (o, l) => far.subarray(o, o + l)).archs, ['ia32']);
});

test('Mach-O thin and universal binaries', () => {
  const thin = Buffer.alloc(32);
  thin.writeUInt32LE(0xfeedfacf, 0);
  thin.writeUInt32LE(0x0100000c, 4);
  assert.deepEqual(detectArch(thin), { format: 'macho', archs: ['arm64'], bits: 64 });
  const fat = Buffer.alloc(8 + 2 * 20);
  fat.writeUInt32BE(0xcafebabe, 0);
  fat.writeUInt32BE(2, 4);
  fat.writeUInt32BE(0x01000007, 8);
  fat.writeUInt32BE(0x0100000c, 28);
  const u = detectArch(fat);
  assert.deepEqual(u.archs, ['x64', 'arm64']);
  assert.equal(archCompatible(u, 'arm64'), true);
  assert.equal(archCompatible(u, 'ia32'), false);
});

test('loader messages that mean "wrong architecture" on each OS', () => {
  assert.equal(classifyLoadError('/x/lib.so: wrong ELF class: ELFCLASS32', true), 'wrong-arch');
  assert.equal(classifyLoadError('Win32 error 193', true), 'wrong-arch');
  assert.equal(classifyLoadError('%1 is not a valid Win32 application.', true), 'wrong-arch');
  assert.equal(classifyLoadError("dlopen(x, 1): mach-o file, but is an incompatible architecture (have 'x86_64', need 'arm64')", true), 'wrong-arch');
  assert.equal(classifyLoadError('/x/lib.so: cannot open shared object file: No such file or directory', false), 'not-found');
  assert.equal(classifyLoadError('libpcsclite.so.1: cannot open shared object file: No such file or directory', true), 'load-failed');
  assert.equal(classifyLoadError('/etc/passwd: invalid ELF header', true), 'load-failed');
});
