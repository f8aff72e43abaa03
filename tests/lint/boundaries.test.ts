// The layer boundaries are lint rules; this checks each one really fires, and that allowed imports pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: { file: string; code: string; blocked: boolean }[] = [
  { file: 'renderer/src/probe.ts', code: "import { ipcRenderer } from 'electron';", blocked: true },
  { file: 'renderer/src/probe.ts', code: "import { x } from '../../native/service/client.ts';", blocked: true },
  { file: 'renderer/src/probe.ts', code: "import { x } from '../../server/app.ts';", blocked: true },
  { file: 'renderer/src/probe.ts', code: "import { readFileSync } from 'node:fs';", blocked: true },
  { file: 'renderer/src/probe.ts', code: "import { errorMessage } from '../../protocol/errors.ts';", blocked: false },
  { file: 'native/service/probe.ts', code: "import { app } from 'electron';", blocked: true },
  { file: 'native/service/probe.ts', code: "import { TokenValidator } from '../../server/validator/index.ts';", blocked: true },
  { file: 'native/service/probe.ts', code: "import { parseCertificate } from '../../protocol/identity.ts';", blocked: false },
  { file: 'server/probe.ts', code: "import { app } from 'electron';", blocked: true },
  { file: 'server/probe.ts', code: "import { x } from '../native/sim/control.ts';", blocked: true },
  { file: 'server/probe.ts', code: "import pkcs11js from 'pkcs11js';", blocked: true },
  { file: 'protocol/probe.ts', code: "import Fastify from 'fastify';", blocked: true },
  { file: 'protocol/probe.ts', code: "import { createHash } from 'node:crypto';", blocked: true },
  { file: 'electron/core/probe.ts', code: "import { net } from 'electron';", blocked: true },
  { file: 'electron/shell/probe.ts', code: "import { net } from 'electron';", blocked: false },
  { file: 'cli/probe.ts', code: "import { x } from '../native/service/client.ts'; import { y } from '../server/validator/index.ts';", blocked: false },
];

for (const c of cases) {
  test(`${c.blocked ? 'blocks' : 'allows'} in ${c.file}: ${c.code}`, async () => {
    const messages = await restricted(c.file, `${c.code}\nexport {};\n`);
    assert.equal(messages.length > 0, c.blocked, messages.join('\n') || 'no restriction reported');
  });
}
