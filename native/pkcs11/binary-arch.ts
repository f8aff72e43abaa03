// Which CPU a shared library is built for, read from its file header (ELF, PE, Mach-O, universal Mach-O).
// The loaders' own messages are poor at this (glibc says "No such file or directory" for an ARM .so on x64,
// Windows says "error 193"), so the diagnosis reads the header itself.

import { openSync, readSync, closeSync } from 'node:fs';

export type BinaryFormat = 'elf' | 'pe' | 'macho' | 'unknown';

export interface BinaryArch {
  format: BinaryFormat;
  /** process.arch names (x64, ia32, arm64, arm, …); several for a universal Mach-O; empty when unknown. */
  archs: string[];
  bits: 32 | 64 | null;
}

const ELF_MACHINES: Record<number, string> = {
  0x03: 'ia32', 0x3e: 'x64', 0x28: 'arm', 0xb7: 'arm64', 0x08: 'mips', 0x14: 'ppc', 0x15: 'ppc64', 0x16: 's390x', 0xf3: 'riscv64',
};
const PE_MACHINES: Record<number, string> = { 0x14c: 'ia32', 0x8664: 'x64', 0xaa64: 'arm64', 0x1c4: 'arm' };
const MACHO_CPUS: Record<number, string> = { 7: 'ia32', 0x01000007: 'x64', 12: 'arm', 0x0100000c: 'arm64', 18: 'ppc', 0x01000012: 'ppc64' };

const UNKNOWN: BinaryArch = { format: 'unknown', archs: [], bits: null };

/**
 * Decodes the header bytes. For a PE whose NT header lies beyond `bytes`, `readAt(offset, length)` supplies
 * the missing part (optional: without it such a file is `unknown`).
 */
export function detectArch(bytes: Uint8Array, readAt?: (offset: number, length: number) => Uint8Array): BinaryArch {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 20 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) {
    const bits = b[4] === 1 ? 32 : b[4] === 2 ? 64 : null;
    const machine = b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18);
    let arch = ELF_MACHINES[machine];
    if (arch === 'ppc64' && bits === 32) arch = 'ppc';
    if (arch === 'x64' && bits === 32) arch = 'x32';
    return { format: 'elf', archs: arch ? [arch] : [`elf-machine-${machine}`], bits };
  }
  if (b.length >= 0x40 && b[0] === 0x4d && b[1] === 0x5a) {
    const peOffset = b.readUInt32LE(0x3c);
    let nt: Buffer | null = null;
    if (peOffset + 6 <= b.length) nt = b.subarray(peOffset, peOffset + 6);
    else if (readAt) nt = Buffer.from(readAt(peOffset, 6));
    if (!nt || nt.length < 6 || nt.readUInt32LE(0) !== 0x00004550) return { format: 'pe', archs: [], bits: null };
    const arch = PE_MACHINES[nt.readUInt16LE(4)];
    return { format: 'pe', archs: arch ? [arch] : [`pe-machine-${nt.readUInt16LE(4).toString(16)}`], bits: arch === 'ia32' || arch === 'arm' ? 32 : 64 };
  }
  if (b.length >= 8) {
    const be = b.readUInt32BE(0);
    const le = b.readUInt32LE(0);
    if (be === 0xcafebabe || be === 0xcafebabf) {
      // Universal binary: every slice counts, the loader picks the one matching the process.
      const n = b.readUInt32BE(4);
      const size = be === 0xcafebabf ? 32 : 20;
      const archs: string[] = [];
      for (let i = 0; i < n && 8 + (i + 1) * size <= b.length && i < 16; i++) {
        const cpu = b.readUInt32BE(8 + i * size);
        archs.push(MACHO_CPUS[cpu] ?? `macho-cpu-${cpu}`);
      }
      return { format: 'macho', archs, bits: null };
    }
    for (const [magic, read] of [[le, (o: number) => b.readUInt32LE(o)], [be, (o: number) => b.readUInt32BE(o)]] as const) {
      if (magic === 0xfeedface || magic === 0xfeedfacf) {
        const cpu = read(4);
        return { format: 'macho', archs: [MACHO_CPUS[cpu] ?? `macho-cpu-${cpu}`], bits: magic === 0xfeedfacf ? 64 : 32 };
      }
    }
  }
  return UNKNOWN;
}

/** Reads a file's header; null when it cannot be read (missing, no permission). */
export function readBinaryArch(file: string): BinaryArch | null {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch { return null; }
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    return detectArch(head.subarray(0, n), (offset, length) => {
      const more = Buffer.alloc(length);
      const got = readSync(fd, more, 0, length, offset);
      return more.subarray(0, got);
    });
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** True when a module with this header can load into a process of `processArch` (unknown formats: let the loader decide). */
export function archCompatible(found: BinaryArch, processArch: string): boolean {
  if (found.format === 'unknown' || found.archs.length === 0) return true;
  return found.archs.includes(processArch);
}

/** Human label: "64 bits (x64)", "32 bits (ia32)", "universel (x64, arm64)". */
export function describeArch(a: BinaryArch): string {
  if (a.archs.length === 0) return a.format;
  if (a.archs.length > 1) return `${a.format} ${a.archs.join('+')}`;
  return `${a.format} ${a.archs[0]}${a.bits ? ` ${a.bits}-bit` : ''}`;
}
