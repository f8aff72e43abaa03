// Shared by the validator tests: error assertions and a private temp folder per test file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpxError } from '../../protocol/errors.ts';

export const ORIGIN = 'https://cpx.example.org';

/** Awaits `p` and asserts it fails with exactly this CpxError code (any other error fails the test). */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<CpxError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CpxError, `expected CpxError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code} (${JSON.stringify(err.params)})`);
    return err;
  }
  assert.fail(`expected ${code}, but it was accepted`);
}

export function tempDir(prefix: string): { dir: string; path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `cpx-${prefix}-`));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
