// `npm run cards -- …` as a shell script calls it (../shared/contracts.md), on a private state directory.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { softhsmConfPath, status as simStatus } from '../../native/sim/control.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(REPO, 'native', 'sim', 'cards-cli.ts');

interface Run { code: number; stdout: string; stderr: string }

async function cards(state: string, ...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: REPO, env: { ...process.env, CPX_SIM_STATE: state },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('cards CLI', () => {
  let state: string;
  let tokens = () => '';
  before(() => {
    state = mkdtempSync(join(tmpdir(), 'cpx-cards-cli-'));
    tokens = () => execFileSync('softhsm2-util', ['--show-slots'], {
      env: { ...process.env, SOFTHSM2_CONF: softhsmConfPath(state) }, encoding: 'utf8',
    });
  });
  after(() => rmSync(state, { recursive: true, force: true }));

  it('profiles: one name per line, the contract\'s ones included', async () => {
    const r = await cards(state, 'profiles');
    assert.equal(r.code, 0);
    const lines = r.stdout.trim().split('\n');
    for (const p of ['cps-medecin', 'cps-pharmacien', 'cps-adeli', 'cpe', 'cpa', 'cpf', 'expired', 'revoked', 'sign-only', 'cps4']) {
      assert.ok(lines.includes(p), p);
    }
    assert.ok(lines.every((l) => /^[a-z0-9-]+$/.test(l)));
  });

  it('insert, pinpad, status --json, insert again (old token deleted), remove', async () => {
    assert.equal((await cards(state, 'insert', 'cps-pharmacien', '--reader', '1')).code, 0);
    assert.equal((await cards(state, 'pinpad', 'on', '--reader', '1')).code, 0);
    let r = await cards(state, 'status', '--json');
    assert.equal(r.code, 0);
    let status = JSON.parse(r.stdout);
    const first = status.readers[1].card;
    assert.equal(first.profile, 'cps-pharmacien');
    assert.equal(first.cardNumber.length, 10);
    assert.equal(first.triesLeft, 3);
    assert.equal(status.readers[1].pinpad, true);
    assert.equal(status.readers[0].card, null);
    assert.ok(tokens().includes(first.tokenSerial));

    assert.equal((await cards(state, 'insert', 'cpe', '--reader', '1')).code, 0);
    status = JSON.parse((await cards(state, 'status', '--json')).stdout);
    const second = status.readers[1].card;
    assert.equal(second.profile, 'cpe');
    assert.ok(!tokens().includes(first.tokenSerial), 'the replaced card\'s token is deleted');

    r = await cards(state, 'remove', '--reader', '1');
    assert.equal(r.code, 0);
    assert.ok(!tokens().includes(second.tokenSerial), 'a removed card\'s token is deleted');
    assert.equal(simStatus(state).readers[1]!.card, null, 'the reader is empty');
  });

  it('bad input exits non-zero with a message, and changes nothing', async () => {
    const before = tokens();
    let r = await cards(state, 'insert', 'cps-astronaute');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cps-astronaute/);
    assert.match(r.stderr, /cps-medecin, cps-pharmacien/, 'lists the valid profiles');
    r = await cards(state, 'insert', 'cps-medecin', '--reader', '9');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /9/);
    assert.notEqual((await cards(state, 'pinpad', 'peut-être')).code, 0);
    assert.equal(tokens(), before, 'no token created by a refused insert');
  });

  it('env: POSIX export lines a shell can eval, even for a state path with spaces and quotes', async () => {
    const odd = mkdtempSync(join(tmpdir(), "cpx cards 'env' "));
    try {
      const r = await cards(odd, 'env');
      assert.equal(r.code, 0);
      assert.ok(r.stdout.trim().split('\n').every((l) => /^export [A-Z0-9_]+='/.test(l)));
      const script = 'eval "$1"; printf "%s\\n" "$CPX_PKCS11_MODULE" "$CPX_SIM_STATE" "$CPX_TEST_TRUST" "$CPX_TEST_CRL" "$SOFTHSM2_CONF"';
      const [module, simState, trust, crl, conf] = execFileSync('sh', ['-c', script, 'sh', r.stdout], { encoding: 'utf8' }).split('\n');
      assert.ok(existsSync(module!), 'CPX_PKCS11_MODULE is a file');
      assert.equal(simState, odd);
      assert.ok(existsSync(trust!) && existsSync(crl!), 'test trust and CRL files exist');
      assert.ok(existsSync(conf!), 'the state has its own SoftHSM configuration');
    } finally {
      rmSync(odd, { recursive: true, force: true });
    }
  });
});
