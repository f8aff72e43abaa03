// `npm run --silent cards -- <subcommand>`: drives the simulated CPx readers from a shell, the way an IT team's
// scripts or the outside checks do (../shared/contracts.md: the subcommand names and outputs are a contract).
// State directory: $CPX_SIM_STATE, else <repo>/.cache/sim-state.

import { parseArgs } from 'node:util';
import * as control from './control.ts';
import { PROFILE_NAMES, PROFILES, getProfile, tokenLabel } from './profiles.ts';

// provision.ts and the PKI pull in the X.509 and SoftHSM code: loaded only by the commands that need them, so
// `status`, `pinpad`… answer quickly.
const provisioning = () => import('./provision.ts');

class UsageError extends Error {}

const USAGE = `Usage : npm run --silent cards -- <commande> [options]

  profiles [--long]                 profils de carte disponibles / card profiles, one per line
  insert <profil> [--reader N]      insère une carte neuve (compteur PIN à 3) / inserts a fresh card
  remove [--reader N] [--keep]      retire la carte (et efface son jeton, sauf --keep) / takes the card out
  pinpad <on|off> [--reader N]      lecteur à clavier / PIN-pad reader mode
  type-pin <code>… | --clear [--reader N]  code(s) « tapé(s) » sur le clavier du lecteur, un par demande
                                    (changement : actuel puis nouveau) / code(s) typed on the pad, one per request
  reset-pin [--reader N] [--tries N] [--puk-tries N]  remet les compteurs PIN et PUK / resets the PIN and PUK counters
  reader <unplug|plug> [--reader N] débranche / rebranche un lecteur (les suivants changent d'emplacement)
  readers <N>                       nombre de lecteurs du poste (0 : machine virtuelle sans lecteur)
  status [--json]                   lecteurs, cartes, compteurs PIN / readers, cards, PIN counters
  module-path                       chemin du module PKCS#11 simulé / simulator module path
  env                               lignes "export NOM=valeur" pour utiliser les lecteurs simulés
  latency [--login MS] [--sign MS] [--pinpad MS] [--detect MS] | latency zero|card|workstation
                                    (workstation : comme un vrai poste, détection Cryptolib toutes les 2 s)
  fault <C_Function> <device_error|not_supported|no_event|abort|off>
  counters [--json] [--reset]       appels PKCS#11 comptés / call counters
  init [--readers N]                crée l'état du simulateur / creates the simulator state

Lecteur par défaut / default reader: 0. État / state: $CPX_SIM_STATE ou / or <repo>/.cache/sim-state.`;

const options = {
  reader: { type: 'string', short: 'r' },
  json: { type: 'boolean' },
  long: { type: 'boolean' },
  keep: { type: 'boolean' },
  reset: { type: 'boolean' },
  clear: { type: 'boolean' },
  tries: { type: 'string' },
  'puk-tries': { type: 'string' },
  detect: { type: 'string' },
  readers: { type: 'string' },
  login: { type: 'string' },
  sign: { type: 'string' },
  pinpad: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function intOption(value: string | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} attend un entier / expects an integer: "${value}"`);
  return Number(value);
}

/** The reader index, checked against the simulator's reader count before anything is changed. */
function readerOption(dir: string, flags: Flags): number {
  const reader = intOption(flags.reader, 'reader', 0)!;
  const count = control.status(dir).readers.length;
  if (reader >= count) {
    throw new UsageError(`pas de lecteur / no reader ${reader}: le simulateur en a / the simulator has ${count} (0..${count - 1})`);
  }
  return reader;
}

function positional(args: string[], index: number, what: string): string {
  const value = args[index];
  if (value === undefined) throw new UsageError(`${what} manquant / missing`);
  return value;
}

/** A subcommand's word among its choices (`pinpad on|off`, `reader unplug|plug`), refused otherwise. */
function choice<T extends string>(args: string[], command: string, choices: readonly T[]): T {
  const value = positional(args, 1, choices.join('|'));
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${command} attend / expects ${choices.join('|')}, pas / not "${value}"`);
  }
  return value as T;
}

/** POSIX shell single quoting: safe for any value in `eval "$(…)"`. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Profile of a card from its card number (the first part of the card id this tool and provision.ts write). */
function profileOfCard(cardId: string): string | null {
  const cardNumber = cardId.split('-')[0];
  return PROFILE_NAMES.find((n) => PROFILES[n]!.cardNumber === cardNumber) ?? null;
}

function prepare(dir: string): void {
  control.ensureBuilt();
  control.initState(dir);
}

async function insert(dir: string, args: string[], flags: Flags): Promise<void> {
  const name = positional(args, 1, 'profil / profile');
  const profile = getProfile(name);
  prepare(dir);
  const reader = readerOption(dir, flags);
  const { deleteToken, provisionCard } = await provisioning();
  const card = await provisionCard(dir, profile.name);
  const previous = control.removeCard(dir, reader);
  control.resetPinCounter(dir, card.cardId);
  control.resetPukCounter(dir, card.cardId);
  control.insertCard(dir, reader, card.tokenSerial, card.cardId);
  if (previous) await deleteToken(dir, previous.tokenSerial);
  console.log(`${profile.name}: ${card.label} inséré dans le lecteur / inserted in reader ${reader} (token ${card.tokenSerial})`);
}

async function remove(dir: string, flags: Flags): Promise<void> {
  prepare(dir);
  const reader = readerOption(dir, flags);
  const removed = control.removeCard(dir, reader);
  if (!removed) {
    console.log(`lecteur / reader ${reader}: pas de carte / no card`);
    return;
  }
  if (!flags.keep) await (await provisioning()).deleteToken(dir, removed.tokenSerial);
  console.log(`lecteur / reader ${reader}: carte retirée / card removed${flags.keep ? ` (token ${removed.tokenSerial} kept)` : ''}`);
}

function printStatus(dir: string, json: boolean): void {
  const s = control.status(dir);
  const readers = s.readers.map((r) => ({
    ...r,
    card: r.card ? { ...r.card, profile: profileOfCard(r.card.cardId), cardNumber: r.card.cardId.split('-')[0] } : null,
  }));
  if (json) {
    console.log(JSON.stringify({ ...s, readers }, null, 2));
    return;
  }
  console.log(`état / state: ${s.dir}`);
  for (const r of readers) {
    const pad = r.pinpad ? ' [clavier / PIN pad]' : '';
    if (!r.card) {
      console.log(`lecteur ${r.index} (${r.name})${pad}${r.plugged ? '' : ' [débranché / unplugged]'}: pas de carte / no card`);
      continue;
    }
    const tries = r.card.triesLeft === 0 ? 'PIN bloqué / PIN locked' : `PIN: ${r.card.triesLeft} essai(s) / tries left`;
    const puk = r.card.pukTriesLeft === 0 ? 'PUK bloqué / PUK blocked' : `PUK: ${r.card.pukTriesLeft}`;
    const label = r.card.profile ? tokenLabel(PROFILES[r.card.profile]!) : r.card.cardNumber;
    const unplugged = r.plugged ? '' : ' [débranché / unplugged]';
    console.log(`lecteur ${r.index} (${r.name})${pad}${unplugged}: ${r.card.profile ?? '?'} ${label}, ${tries}, ${puk}, token ${r.card.tokenSerial}`);
  }
  const faults = Object.entries(s.faults);
  if (faults.length) console.log(`pannes / faults: ${faults.map(([f, k]) => `${f}=${k}`).join(', ')}`);
  console.log(latencyLine(s.latency));
}

function latencyLine(l: control.SimLatency): string {
  return `latence / latency: login ${l.loginMs} ms, sign ${l.signMs} ms, pinpad ${l.pinpadMs} ms, détection / detection ${l.detectMs} ms`;
}

async function run(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values: flags, positionals: args } = parsed;
  const command = args[0];
  if (flags.help || command === undefined || command === 'help') {
    console.log(USAGE);
    if (command === undefined && !flags.help) process.exitCode = 2;
    return;
  }
  const dir = control.defaultStateDir();
  switch (command) {
    case 'profiles':
      for (const n of PROFILE_NAMES) console.log(flags.long ? `${n}\t${PROFILES[n]!.description}` : n);
      return;
    case 'insert':
      return insert(dir, args, flags);
    case 'remove':
      return remove(dir, flags);
    case 'pinpad': {
      const mode = choice(args, 'pinpad', ['on', 'off'] as const);
      prepare(dir);
      const reader = readerOption(dir, flags);
      control.setPinpad(dir, reader, mode === 'on');
      console.log(`lecteur / reader ${reader}: clavier / PIN pad ${mode}`);
      return;
    }
    case 'type-pin': {
      prepare(dir);
      const reader = readerOption(dir, flags);
      const codes = flags.clear ? null : args.slice(1);
      if (codes !== null && codes.length === 0) positional(args, 1, 'PIN');
      if (codes !== null && !codes.every((c) => /^[0-9A-Za-z]{0,32}$/.test(c))) throw new UsageError('un clavier ne tape que des chiffres et lettres / a PIN pad types digits and letters only');
      control.typeOnPinpad(dir, reader, codes);
      // The codes themselves are never echoed.
      console.log(`lecteur / reader ${reader}: ${codes === null ? 'saisie effacée / cleared' : 'code(s) saisi(s) sur le clavier / typed on the pad'}`);
      return;
    }
    case 'reset-pin': {
      prepare(dir);
      const reader = readerOption(dir, flags);
      const card = control.status(dir).readers[reader]!.card;
      if (!card) throw new UsageError(`lecteur / reader ${reader}: pas de carte / no card`);
      const tries = intOption(flags.tries, 'tries', 3)!;
      const pukTries = intOption(flags['puk-tries'], 'puk-tries', 3)!;
      control.resetPinCounter(dir, card.cardId, tries);
      control.resetPukCounter(dir, card.cardId, pukTries);
      console.log(`lecteur / reader ${reader}: PIN ${tries} essai(s) / tries, PUK ${pukTries}`);
      return;
    }
    case 'reader': {
      const action = choice(args, 'reader', ['unplug', 'plug'] as const);
      prepare(dir);
      const reader = readerOption(dir, flags);
      control.setReaderPlugged(dir, reader, action === 'plug');
      console.log(`lecteur / reader ${reader}: ${action === 'plug' ? 'branché / plugged in' : 'débranché / unplugged'}`);
      return;
    }
    case 'readers': {
      const n = intOption(positional(args, 1, 'N'), 'readers')!;
      prepare(dir);
      control.setReaderCount(dir, n);
      console.log(`état / state: ${control.status(dir).readers.length} lecteur(s) / reader(s)`);
      return;
    }
    case 'status':
      prepare(dir);
      printStatus(dir, flags.json === true);
      return;
    case 'module-path':
      control.ensureBuilt();
      console.log(control.modulePath());
      return;
    case 'env': {
      prepare(dir);
      await (await import('./pki/index.ts')).ensurePki(); // CPX_TEST_TRUST / CPX_TEST_CRL must name existing files
      for (const [k, v] of Object.entries(control.simEnv(dir))) console.log(`export ${k}=${shellQuote(v)}`);
      return;
    }
    case 'latency': {
      prepare(dir);
      const preset = args[1];
      if (preset === 'zero') control.setLatency(dir, { loginMs: 0, signMs: 0, pinpadMs: 0, detectMs: 0 });
      else if (preset === 'card') control.setLatency(dir, { loginMs: 150, signMs: 250, pinpadMs: 500, detectMs: 0 });
      else if (preset === 'workstation') control.setLatency(dir, control.WORKSTATION_LATENCY);
      else if (preset !== undefined) throw new UsageError(`latency: zero|card|workstation ou / or --login/--sign/--pinpad/--detect MS, pas / not "${preset}"`);
      else {
        control.setLatency(dir, {
          loginMs: intOption(flags.login, 'login'), signMs: intOption(flags.sign, 'sign'), pinpadMs: intOption(flags.pinpad, 'pinpad'),
          detectMs: intOption(flags.detect, 'detect'),
        });
      }
      console.log(latencyLine(control.status(dir).latency));
      return;
    }
    case 'fault': {
      const fn = positional(args, 1, 'fonction / function (C_Sign…)');
      const kind = positional(args, 2, 'device_error|not_supported|no_event|abort|off');
      if (kind !== 'off' && !control.isFaultKind(kind)) {
        throw new UsageError(`fault: device_error|not_supported|no_event|abort|off, pas / not "${kind}"`);
      }
      prepare(dir);
      control.injectFault(dir, fn, kind === 'off' ? null : kind);
      console.log(`${fn}: ${kind}`);
      return;
    }
    case 'counters': {
      prepare(dir);
      const counters = control.readCounters(dir);
      if (flags.reset) control.resetCounters(dir);
      if (flags.json) console.log(JSON.stringify(counters));
      else for (const [k, v] of Object.entries(counters).sort()) console.log(`${k}\t${v}`);
      return;
    }
    case 'init': {
      control.ensureBuilt();
      control.initState(dir, { readers: intOption(flags.readers, 'readers') });
      console.log(`état / state: ${dir}, ${control.status(dir).readers.length} lecteur(s) / reader(s)`);
      return;
    }
    default:
      throw new UsageError(`commande inconnue / unknown command "${command}"`);
  }
}

// `cards profiles | head -1` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

try {
  await run(process.argv.slice(2));
} catch (e) {
  const message = (e as Error).message;
  if (e instanceof UsageError) {
    console.error(`cards: ${message}\n(aide / help: npm run --silent cards -- help)`);
    process.exitCode = 2;
  } else {
    console.error(`cards: ${message}`);
    process.exitCode = 1;
  }
}
