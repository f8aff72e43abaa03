// Payload checks for every invoke channel, applied before any handler runs (Electron's ipc handle() wrapper and the
// development bridge both call it). A renderer is untrusted input: shapes are checked exactly, unknown fields refused,
// sizes bounded. Errors name the channel and field, never the value (it may be a password).

import { DOCTOR_PROFILE_FIELDS, emptyDoctorProfile } from '../../protocol/doctor-profile.ts';
import { CpxError, isLang, LANGS } from '../../protocol/errors.ts';
import { APP_CHANNELS, type AppChannel, type AppInvokes } from '../../protocol/ipc.ts';

const MAX_READER = 63;
const MAX_TEXT = 500;

function bad(channel: string, what: string): CpxError {
  return new CpxError('BAD_REQUEST', { detail: `${channel}: ${what}` });
}

function record(channel: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(channel, 'an object is expected');
  const extra = Object.keys(v).filter((k) => !keys.includes(k));
  if (extra.length) throw bad(channel, `unexpected field ${extra[0].slice(0, 40)}`);
  return v as Record<string, unknown>;
}

function readerIndex(channel: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > MAX_READER) throw bad(channel, 'readerIndex');
  return v as number;
}

function text(channel: string, field: string, v: unknown, { min = 0, max = MAX_TEXT } = {}): string {
  if (typeof v !== 'string' || v.length < min || v.length > max) throw bad(channel, field);
  return v;
}

function nothing(channel: string, v: unknown): null {
  if (v !== null && v !== undefined) throw bad(channel, 'no payload expected');
  return null;
}

const CHECKS: { [C in AppChannel]: (v: unknown, c: C) => AppInvokes[C][0] } = {
  'app:snapshot': (v, c) => nothing(c, v),
  'card:refresh': (v, c) => nothing(c, v),
  'account:regions': (v, c) => nothing(c, v),
  'account:open-service': (v, c) => nothing(c, v),
  'account:first-login-cancel': (v, c) => nothing(c, v),
  'browser:retry': (v, c) => nothing(c, v),
  'flow:cancel': (v, c) => nothing(c, v),
  'diagnostic:save': (v, c) => nothing(c, v),
  'account:link': (v, c) => {
    const r = record(c, v, ['username', 'password']);
    return { username: text(c, 'username', r.username, { min: 1, max: 200 }).trim(),
      password: text(c, 'password', r.password, { min: 1, max: 500 }) };
  },
  'account:create-doctor': (v, c) => {
    const r = record(c, v, ['profile']);
    const p = record(c, r.profile, DOCTOR_PROFILE_FIELDS);
    const profile = emptyDoctorProfile();
    for (const f of DOCTOR_PROFILE_FIELDS) if (p[f] !== undefined) profile[f] = text(c, `profile.${f}`, p[f]);
    return { profile };
  },
  'account:card-login': (v, c) => {
    const r = record(c, v, ['readerIndex']);
    return { readerIndex: readerIndex(c, r.readerIndex) };
  },
  'card:change-pin': (v, c) => {
    const r = record(c, v, ['readerIndex']);
    return { readerIndex: readerIndex(c, r.readerIndex) };
  },
  'card:unblock-pin': (v, c) => {
    const r = record(c, v, ['readerIndex']);
    return { readerIndex: readerIndex(c, r.readerIndex) };
  },
  'app:visibility': (v, c) => {
    if (v !== 'visible' && v !== 'hidden') throw bad(c, 'visible or hidden expected');
    return v;
  },
  'settings:set-language': (v, c) => {
    if (!isLang(v)) throw bad(c, `language ${LANGS.join(' or ')} expected`);
    return v;
  },
  'settings:set-region': (v, c) => text(c, 'region', v, { min: 1, max: 100 }),
  'link:open-external': (v, c) => text(c, 'url', v, { min: 1, max: 2048 }),
};

export function isAppChannel(channel: unknown): channel is AppChannel {
  return typeof channel === 'string' && (APP_CHANNELS as readonly string[]).includes(channel);
}

/** The request for `channel`, checked; throws BAD_REQUEST (unknown channel included). */
export function validateRequest<C extends AppChannel>(channel: C, payload: unknown): AppInvokes[C][0];
export function validateRequest(channel: unknown, payload: unknown): unknown;
export function validateRequest(channel: unknown, payload: unknown): unknown {
  if (!isAppChannel(channel)) throw new CpxError('BAD_REQUEST', { detail: `unknown channel ${String(channel).slice(0, 40)}` });
  return (CHECKS[channel] as (v: unknown, c: AppChannel) => unknown)(payload, channel);
}
