// `--seed`: the demo establishment accounts of server/fixtures/demo-accounts.json. Idempotent: accounts that
// already exist (by username) are left exactly as they are, links and all.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db/index.ts';
import { hashPassword } from './passwords.ts';

export const DEMO_ACCOUNTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'demo-accounts.json');

export interface DemoAccount {
  username: string;
  password: string;
  active: boolean;
  /** The simulated card profile this account belongs to (documentation and tests; not stored). */
  forProfile: string | null;
  surname: string;
  givenName: string;
  profession: string | null;
  email: string | null;
  establishment: { name: string; finess: string | null; service: string | null };
  region: string | null;
}

export function demoAccounts(file = DEMO_ACCOUNTS_FILE): DemoAccount[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { accounts: DemoAccount[] }).accounts;
}

/** Returns the usernames created now. */
export async function seedDemoAccounts(db: Db, now: Date, file = DEMO_ACCOUNTS_FILE): Promise<string[]> {
  const accounts = demoAccounts(file);
  const existing = new Set((await db.query<{ u: string }>('SELECT lower(username) AS u FROM accounts WHERE lower(username) = ANY($1)',
    [accounts.map((a) => a.username.toLowerCase())])).map((r) => r.u));
  const created: string[] = [];
  for (const a of accounts.filter((x) => !existing.has(x.username.toLowerCase()))) {
    const rows = await db.query(
      `INSERT INTO accounts (username, kind, password_hash, active, surname, given_name, profession, email,
         establishment_name, establishment_finess, establishment_service, region, created_at)
       VALUES ($1, 'establishment', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING RETURNING id`,
      [a.username, await hashPassword(a.password), a.active, a.surname, a.givenName, a.profession, a.email,
        a.establishment.name, a.establishment.finess, a.establishment.service, a.region, now]);
    if (rows.length) created.push(a.username);
  }
  return created;
}
