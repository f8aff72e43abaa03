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
  // electron/core/ is shared with the bridge: no PKCS#11, no card layer, no face.
  { file: 'electron/core/probe.ts', code: "import pkcs11js from 'pkcs11js';", blocked: true },
  { file: 'electron/core/probe.ts', code: "import { CardServiceClient } from '../../native/service/client.ts';", blocked: true },
  { file: 'electron/core/probe.ts', code: "import { handle } from '../shell/ipc.ts';", blocked: true },
  { file: 'electron/core/probe.ts', code: "import { x } from '../../cli/context.ts';", blocked: true },
  { file: 'electron/core/probe.ts', code: "import { isPinWellFormed } from '../../protocol/pin.ts';", blocked: false },
  // The faces: the layers below them, never the PKCS#11 module itself, never one another.
  { file: 'electron/shell/probe.ts', code: "import pkcs11js from 'pkcs11js';", blocked: true },
  { file: 'electron/shell/probe.ts', code: "import { probe } from '../../native/pkcs11/probe.ts';", blocked: true },
  { file: 'electron/shell/probe.ts', code: "import { x } from '../../server/app.ts';", blocked: true },
  { file: 'electron/shell/probe.ts', code: "import { startBridge } from '../../bridge/stack.ts';", blocked: true },
  { file: 'electron/shell/probe.ts', code: "import { x } from '../../cli/main.ts';", blocked: true },
  { file: 'electron/shell/probe.ts', code: "import { CardServiceClient } from '../../native/service/client.ts'; import { AppController } from '../core/controller.ts';", blocked: false },
  // app-core/ is assembled for both hosting faces: the layers below (core, card service client, protocol), nothing else.
  { file: 'app-core/probe.ts', code: "import { app } from 'electron';", blocked: true },
  { file: 'app-core/probe.ts', code: "import pkcs11js from 'pkcs11js';", blocked: true },
  { file: 'app-core/probe.ts', code: "import { probe } from '../native/pkcs11/probe.ts';", blocked: true },
  { file: 'app-core/probe.ts', code: "import { x } from '../server/app.ts';", blocked: true },
  { file: 'app-core/probe.ts', code: "import { handle } from '../electron/shell/ipc.ts';", blocked: true },
  { file: 'app-core/probe.ts', code: "import { startBridge } from '../bridge/stack.ts';", blocked: true },
  { file: 'app-core/probe.ts', code: "import { x } from '../cli/main.ts';", blocked: true },
  { file: 'app-core/probe.ts', code: "import { AppController } from '../electron/core/controller.ts'; import { CardServiceClient } from '../native/service/client.ts'; import { LANGS } from '../protocol/errors.ts';", blocked: false },
  { file: 'electron/shell/probe.ts', code: "import { assembleAppCore } from '../../app-core/assemble.ts';", blocked: false },
  { file: 'bridge/probe.ts', code: "import { assembleAppCore } from '../app-core/assemble.ts';", blocked: false },
  { file: 'cli/probe.ts', code: "import { app } from 'electron';", blocked: true },
  { file: 'cli/commands/probe.ts', code: "import * as graphene from 'graphene-pk11';", blocked: true },
  { file: 'cli/commands/probe.ts', code: "import { readCard } from '../../native/pkcs11/read-card.ts';", blocked: true },
  { file: 'cli/probe.ts', code: "import { x } from '../server/service.ts';", blocked: true },
  { file: 'cli/probe.ts', code: "import { x } from '../server/validator-port.ts';", blocked: true },
  { file: 'cli/probe.ts', code: "import Fastify from 'fastify';", blocked: true },
  { file: 'cli/probe.ts', code: "import { FileLogger } from '../electron/core/log.ts';", blocked: true },
  { file: 'cli/probe.ts', code: "import { startBridge } from '../bridge/stack.ts';", blocked: true },
  { file: 'bridge/probe.ts', code: "import { BrowserWindow } from 'electron';", blocked: true },
  { file: 'bridge/probe.ts', code: "import { x } from '../native/sim/control.ts';", blocked: true },
  { file: 'bridge/probe.ts', code: "import { x } from '../server/app.ts';", blocked: true },
  { file: 'bridge/probe.ts', code: "import { handle } from '../electron/shell/ipc.ts';", blocked: true },
  { file: 'bridge/probe.ts', code: "import { x } from '../cli/context.ts';", blocked: true },
  { file: 'bridge/probe.ts', code: "import { AppController } from '../electron/core/controller.ts'; import { forkTransport } from '../native/service/transport.ts';", blocked: false },
];

for (const c of cases) {
  test(`${c.blocked ? 'blocks' : 'allows'} in ${c.file}: ${c.code}`, async () => {
    const messages = await restricted(c.file, `${c.code}\nexport {};\n`);
    assert.equal(messages.length > 0, c.blocked, messages.join('\n') || 'no restriction reported');
  });
}
