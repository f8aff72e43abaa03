// Runs the real `cpx-link` bin (cli/bin/cpx-link.mjs) as a child process, the way scripts and support call it.
import { spawn, spawnSync } from 'node:child_process';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeSim, type Sim } from '../helpers/sim.ts';

export const BIN = fileURLToPath(new URL('../../cli/bin/cpx-link.mjs', import.meta.url));

export interface CliRun { code: number | null; stdout: string; stderr: string }

export function runCli(args: string[], env: Record<string, string>, input?: string, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`cpx-link ${args.join(' ')}: no exit within ${timeoutMs} ms`)); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/**
 * Runs the bin on a pseudo-terminal (util-linux `script`, see HAS_SCRIPT); each time `prompt` appears in the output,
 * the next keys are typed. The screen is everything the terminal showed.
 */
export function onTerminal(args: string[], env: Record<string, string>, steps: { prompt: RegExp; keys: string }[]): Promise<{ code: number | null; screen: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let next = 0;
    let seenUpTo = 0;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no exit; screen: ${screen}`)); }, 60_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      screen += c;
      const step = steps[next];
      if (step && step.prompt.test(screen.slice(seenUpTo))) {
        next++;
        seenUpTo = screen.length;
        child.stdin.write(step.keys);
      }
    });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, screen }); });
  });
}

/** util-linux `script` is there to give the bin a terminal. */
export const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

/** `--json` output: exactly one JSON document on stdout. */
export function json(run: CliRun): Record<string, unknown> {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not one JSON document (exit ${run.code}): ${run.stdout.slice(0, 300)} / stderr: ${run.stderr.slice(0, 300)}`);
  }
}

/** The same CLI run in this process (main() with its own streams): cheaper when the bin itself is not the subject. */
export async function runMain(args: string[], env: Record<string, string>, input?: string): Promise<CliRun> {
  const { main } = await import('../../cli/main.ts');
  const { PassThrough, Readable } = await import('node:stream');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
  const stdin = Readable.from(input === undefined ? [] : [Buffer.from(input)]);
  const code = await main(args, { stdout, stderr, stdin, env: { ...process.env, ...env } });
  return { code, stdout: out, stderr: err };
}

/** The test file's private simulator and the environment that points the CLI at it (and at it only). */
export function useCliSimulator(readers = 1): { readonly sim: Sim; readonly env: Record<string, string> } {
  let sim: Sim | undefined;
  let env: Record<string, string> | undefined;
  before(async () => {
    sim = await makeSim({ readers });
    env = { ...sim.env, CPX_PKCS11_MODULE_ONLY: '1' };
  });
  after(async () => { await sim?.cleanup(); });
  const ready = <T>(v: T | undefined): T => { if (v === undefined) throw new Error('fixture used before its before() hook'); return v; };
  return { get sim() { return ready(sim); }, get env() { return ready(env); } };
}
