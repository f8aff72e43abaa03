// argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane). verifyPassword takes the same time whether or not
// the account exists, so response times do not reveal which usernames are real.
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Algorithm, Options } from '@node-rs/argon2';

// Algorithm is a const enum, which isolatedModules cannot import as a value: 2 is Argon2id.
const OPTIONS: Options = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export async function hashPassword(password: string): Promise<string> {
  return await hash(password, OPTIONS);
}

let dummy: Promise<string> | null = null;
/** A hash of a random password, to verify against when there is no real hash (unknown user, card-only account). */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  try {
    const ok = await verify(phc ?? await dummyHash(), password);
    return ok && phc !== null;
  } catch {
    return false;
  }
}
