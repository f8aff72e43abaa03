// IT's policy files are generated from the settings schema: what is committed is exactly what the generator writes
// now, so a setting added, renamed or given other values cannot leave the ADMX/ADML, the Linux example or the
// deployment guide behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { generatedFiles, policyTable, README, readmeWithTable } from '../../build/gen-policies.ts';
import { SETTING_DOCS } from '../../build/policy-texts.ts';
import { coerceSetting, policyForm, policyValueName, SETTING_KEYS } from '../../electron/core/settings-schema.ts';

const root = path.resolve(import.meta.dirname, '../..');
const committed = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

test('every generated file is committed as the generator writes it from the schema', () => {
  const files = generatedFiles();
  assert.deepEqual([...files.keys()].sort(), [
    'build/README.md', 'build/policies/linux/cpx-link.json', 'build/policies/windows/CPxLink.admx',
    'build/policies/windows/en-US/CPxLink.adml', 'build/policies/windows/fr-FR/CPxLink.adml',
  ]);
  for (const [rel, content] of files) {
    assert.equal(committed(rel), content, `${rel} is out of date: run node --import tsx build/gen-policies.ts`);
  }
});

test('the --check mode agrees (what a CI step or a pre-commit hook would run)', async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'build/gen-policies.ts', '--check'], { cwd: root });
  assert.equal(stdout + stderr, '');
});

test('the guide has one row per setting, in the schema order, under its registry name', () => {
  const rows = policyTable().split('\n').slice(2);
  assert.equal(rows.length, SETTING_KEYS.length);
  SETTING_KEYS.forEach((key, i) => {
    assert.ok(rows[i]!.includes(`\`${policyValueName(key)}\` (${policyForm(key).registry.replace('REG_', '')}`), rows[i]);
    assert.ok(rows[i]!.includes(`| \`${key}\``), rows[i]);
  });
  // The table is replaced between its markers, and nowhere else.
  const readme = committed(README);
  const withOther = readmeWithTable(readme.replace(policyTable(), '| stale | table |'));
  assert.equal(withOther, readme);
  assert.throws(() => readmeWithTable('# no markers'), /markers/);
});

test('each documented example is a value the app accepts as it is, and the Linux example file loads whole', () => {
  for (const key of SETTING_KEYS) {
    const doc = SETTING_DOCS[key];
    for (const example of [doc.example, doc.linuxExample ?? doc.example]) {
      const c = coerceSetting(key, example);
      assert.ok(c.ok, `${key}: ${JSON.stringify(example)}`);
      assert.deepEqual(c.value, example, key);
    }
  }
});

test('a choice policy offers exactly the values the app accepts, each with words in both languages', () => {
  const admx = committed('build/policies/windows/CPxLink.admx');
  for (const key of SETTING_KEYS) {
    const choices = policyForm(key).choices;
    if (!choices) continue;
    const body = new RegExp(`<policy name="${policyValueName(key)}"[\\s\\S]*?</policy>`).exec(admx)![0];
    assert.deepEqual([...body.matchAll(/<string>([^<]*)<\/string>/g)].map((m) => m[1]), [...choices]);
    for (const lang of ['fr', 'en'] as const) {
      assert.deepEqual(Object.keys(SETTING_DOCS[key][lang].choices ?? {}).sort(), [...choices].sort(), `${key} ${lang}`);
    }
  }
});
