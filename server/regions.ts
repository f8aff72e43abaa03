// "Comment obtenir un compte ?": per-region help texts and support contacts, from a JSON file an operator edits
// (default server/config/regions.json). Checked at start-up so a typo fails loudly rather than on a user's screen.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Region } from '../protocol/account.ts';

export const DEFAULT_REGIONS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'config', 'regions.json');

const str = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

export function loadRegions(file = DEFAULT_REGIONS_FILE): Region[] {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data)) throw new Error(`${file}: a JSON array of regions is expected`);
  const ids = new Set<string>();
  return data.map((r: Record<string, unknown>, i) => {
    const where = `${file}: region #${i + 1}`;
    if (!str(r.id) || !str(r.name) || !str(r.howToGetAccount)) throw new Error(`${where}: id, name and howToGetAccount are required`);
    if (ids.has(r.id)) throw new Error(`${where}: duplicate id "${r.id}"`);
    ids.add(r.id);
    const s = r.support as Record<string, unknown> | null | undefined;
    if (s != null && (!str(s.label) || !(str(s.email) || str(s.phone) || str(s.url)))) {
      throw new Error(`${where}: support needs a label and at least one of email, phone, url`);
    }
    const support = s == null ? null : {
      label: s.label as string,
      ...(str(s.email) ? { email: s.email } : {}), ...(str(s.phone) ? { phone: s.phone } : {}), ...(str(s.url) ? { url: s.url } : {}),
    };
    return { id: r.id, name: r.name, howToGetAccount: r.howToGetAccount, support };
  });
}
