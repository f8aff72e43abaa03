// The diagnostic report a user saves and sends to support: what the card service sees (the CLI's `diagnose`),
// the app and OS versions, the settings with where each came from, and the recent log lines. Everything goes through
// the log's Redactor, so the report can hold no PIN, password, session or token even if one slipped into an input.

import os from 'node:os';
import path from 'node:path';
import type { DiagnoseResult } from '../../protocol/card-service.ts';
import { findLoginLinkArg } from '../../protocol/deep-link.ts';
import { toCpxError } from '../../protocol/errors.ts';
import type { SettingsView } from '../../protocol/ipc.ts';
import type { Redactor } from './redact.ts';
import { writeJsonAtomic } from './settings.ts';

export const REPORT_FORMAT = 'cpx-link-diagnostic:1';

export interface DiagnosticInputs {
  appVersion: string;
  /** Runtime versions worth knowing (electron, chrome, node). */
  runtime?: Record<string, string | undefined>;
  settings: { view(): SettingsView; problems(): string[]; readonly policySource: string };
  /** The card service's `diagnose`; may fail (middleware crashed): the report says so and is still written. */
  diagnose: () => Promise<DiagnoseResult>;
  recentLog: () => string[];
  redactor: Redactor;
  now?: () => Date;
}

export interface DiagnosticReport {
  format: typeof REPORT_FORMAT;
  generatedAt: string;
  app: { name: string; version: string; runtime: Record<string, string> };
  os: { platform: string; release: string; version: string; arch: string; locale: string };
  settings: SettingsView;
  policy: { readFrom: string; problems: string[] };
  /** As `diagnose` answers, except each card's `pin` (its state) is named `cardLock`. */
  cardService: DiagnoseResult | { error: { code: string; message: string } };
  recentLog: string[];
}

export async function buildDiagnosticReport(input: DiagnosticInputs): Promise<DiagnosticReport> {
  const now = (input.now ?? (() => new Date()))();
  let cardService: DiagnosticReport['cardService'];
  try {
    cardService = withCardLock(await input.diagnose());
  } catch (err) {
    const body = toCpxError(err).toBody('en');
    cardService = { error: { code: body.code, message: body.message } };
  }
  const runtime = Object.fromEntries(Object.entries({ node: process.versions.node, ...input.runtime })
    .filter((e): e is [string, string] => typeof e[1] === 'string'));
  const report: DiagnosticReport = {
    format: REPORT_FORMAT,
    generatedAt: now.toISOString(),
    app: { name: 'CPx Link', version: input.appVersion, runtime },
    // No host name or account name: support does not need them to help, and the report may be mailed around.
    os: { platform: process.platform, release: os.release(), version: os.version(), arch: process.arch,
      locale: Intl.DateTimeFormat().resolvedOptions().locale },
    settings: input.settings.view(),
    policy: { readFrom: input.settings.policySource, problems: input.settings.problems() },
    cardService,
    recentLog: input.recentLog(),
  };
  return input.redactor.value(report) as DiagnosticReport;
}

/**
 * A card's `pin` field is its PIN *state* (tries left, locked, PIN pad), but the redactor drops every field named
 * like a PIN: renamed `cardLock` so support still sees whether the card is blocked.
 */
function withCardLock(d: DiagnoseResult): DiagnoseResult {
  return { ...d, cards: d.cards.map(({ pin, ...card }) => ({ ...card, cardLock: pin })) as unknown as DiagnoseResult['cards'] };
}

/** `cpx-link-diagnostic-20260131-142501.json`: sorts by date, and says what it is to whoever receives it. */
export function reportFileName(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `cpx-link-diagnostic-${stamp}.json`;
}

export async function saveDiagnosticReport(report: DiagnosticReport, file: string): Promise<void> {
  await writeJsonAtomic(file, report);
}

export const REPORT_SWITCH = '--diagnostic-report';

/**
 * The file named by `--diagnostic-report <file>` (or `--diagnostic-report=<file>`) on the app's command line, as an
 * absolute path; null without it. With it the app writes the report and quits, no window: how IT (and the Windows
 * CI job) see what an installed app reads on a workstation. Never honoured on a command line that carries a
 * `cpxlink:` link: a link is hostile input and must not choose where a file is written.
 */
export function reportSwitchOf(argv: readonly string[], cwd: string = process.cwd()): string | null {
  if (findLoginLinkArg(argv) !== null) return null;
  const i = argv.findIndex((a) => a === REPORT_SWITCH || a.startsWith(`${REPORT_SWITCH}=`));
  if (i < 0) return null;
  const file = argv[i] === REPORT_SWITCH ? argv[i + 1] : argv[i].slice(REPORT_SWITCH.length + 1);
  if (!file || file.startsWith('-')) return null;
  return path.resolve(cwd, file);
}
