// "Comment obtenir un compte ?": per-region help texts and support contacts, from a JSON file an operator edits
// (default server/config/regions.json). Checked at start-up so a typo fails loudly rather than on a user's screen:
// every region has a support contact (a help screen with nobody to reach is a dead end), and each of its e-mail,
// phone and web address is one value of its kind, so the UI can make a mailto:, tel: or https link of it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Region } from '../protocol/account.ts';
import { isEmailAddress, isFrenchPhone } from '../protocol/contact.ts';

export const DEFAULT_REGIONS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'config', 'regions.json');

const str = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

function isHttpsUrl(v: string): boolean {
  try {
    return new URL(v).protocol === 'https:';
  } catch {
    return false;
  }
}

const CONTACT_CHECKS = [
  ['email', isEmailAddress, 'one e-mail address'],
  ['phone', isFrenchPhone, 'one French phone number'],
  ['url', isHttpsUrl, 'one https:// address'],
] as const;

function supportOf(s: Record<string, unknown> | null | undefined, where: string): NonNullable<Region['support']> {
  if (s == null || typeof s !== 'object') throw new Error(`${where}: support is required (label and at least one of email, phone, url)`);
  if (!str(s.label) || !CONTACT_CHECKS.some(([k]) => str(s[k]))) {
    throw new Error(`${where}: support needs a label and at least one of email, phone, url`);
  }
  const out: NonNullable<Region['support']> = { label: s.label.trim() };
  for (const [key, valid, what] of CONTACT_CHECKS) {
    const v = s[key];
    if (v === undefined || v === null) continue;
    if (!str(v) || !valid(v.trim())) throw new Error(`${where}: support.${key} must be ${what}, not ${JSON.stringify(v)}`);
    out[key] = v.trim();
  }
  return out;
}

/** English texts are optional, but whole: a region half in English would show French in an English UI. */
function englishOf(e: Record<string, unknown> | null, where: string): NonNullable<Region['en']> {
  if (e == null || typeof e !== 'object' || !str(e.name) || !str(e.howToGetAccount) || !str(e.supportLabel)) {
    throw new Error(`${where}: en needs name, howToGetAccount and supportLabel`);
  }
  return { name: e.name, howToGetAccount: e.howToGetAccount, supportLabel: e.supportLabel };
}

export function loadRegions(file = DEFAULT_REGIONS_FILE): Region[] {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data)) throw new Error(`${file}: a JSON array of regions is expected`);
  const ids = new Set<string>();
  return data.map((r: Record<string, unknown>, i) => {
    const where = `${file}: region #${i + 1}`;
    if (!str(r.id) || !str(r.name) || !str(r.howToGetAccount)) throw new Error(`${where}: id, name and howToGetAccount are required`);
    if (ids.has(r.id)) throw new Error(`${where}: duplicate id "${r.id}"`);
    ids.add(r.id);
    const region: Region = { id: r.id, name: r.name, howToGetAccount: r.howToGetAccount, support: supportOf(r.support as Record<string, unknown> | null, where) };
    if (r.en !== undefined) region.en = englishOf(r.en as Record<string, unknown> | null, where);
    return region;
  });
}
