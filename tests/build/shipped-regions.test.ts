// The regions copy the app ships is the service's file, as the service loads it: never a second list to keep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHIPPED_REGIONS, shippedRegionsText } from '../../build/gen-regions.ts';

test('electron/core/shipped-regions.json is server/config/regions.json as the service loads it', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  assert.equal(readFileSync(path.join(root, SHIPPED_REGIONS), 'utf8'), shippedRegionsText(),
    'out of date: run node --import tsx build/gen-regions.ts');
});
