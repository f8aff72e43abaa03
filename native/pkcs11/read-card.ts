// Reading a card without its PIN: public certificates (role from keyUsage/EKU via protocol/identity.ts), the
// holder from the authentication certificate, the PIN and PUK states from the token flags, the card number from the label.

import { createHash } from 'node:crypto';
import { CertificateType, ObjectClass, type Session } from 'graphene-pk11';
import type { CardCertificate, CardInfo, CardType } from '../../protocol/card.ts';
import { daysLeft, parseCertificate, type ParsedCertificate } from '../../protocol/identity.ts';
import type { LoadedModule, SlotView, TokenView } from './module-host.ts';
import { parseCardLabel, pinStateFromFlags, pukStateFromFlags } from './token-facts.ts';

export interface CertObject {
  der: Buffer;
  /** CKA_ID: pairs the certificate with its private key. */
  id: Buffer;
  label: string;
}

/** The authentication certificate the card signs with, kept by the service for `authenticate`. */
export interface AuthCertificate {
  der: Buffer;
  id: Buffer;
  notBefore: Date;
  notAfter: Date;
}

export type CardRead =
  | { ok: true; card: CardInfo; auth: AuthCertificate | null }
  | { ok: false; label: string; reason: string };

export function listCertificates(session: Session): CertObject[] {
  const found = session.find({ class: ObjectClass.CERTIFICATE, certType: CertificateType.X_509 });
  const out: CertObject[] = [];
  for (let i = 0; i < found.length; i++) {
    // One C_GetAttributeValue for the three attributes (each is an APDU round on a real card).
    const a = found.items(i).getAttribute({ value: null, id: null, label: null });
    if (!a.value) continue;
    out.push({ der: Buffer.from(a.value as Buffer), id: Buffer.from((a.id as Buffer | undefined) ?? Buffer.alloc(0)), label: String(a.label ?? '') });
  }
  return out;
}

export async function readCertificates(m: LoadedModule, slot: Buffer): Promise<CertObject[]> {
  return m.withSession(slot, (session) => listCertificates(session));
}

// Parsing a certificate costs about a millisecond; a card's certificates never change, so parse each DER once.
const parsedCache = new Map<string, ParsedCertificate | null>();
function parseCached(der: Buffer): ParsedCertificate | null {
  const key = createHash('sha256').update(der).digest('hex');
  if (parsedCache.has(key)) return parsedCache.get(key)!;
  let parsed: ParsedCertificate | null;
  try { parsed = parseCertificate(der); } catch { parsed = null; }
  if (parsedCache.size > 64) parsedCache.clear();
  parsedCache.set(key, parsed);
  return parsed;
}

const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function toCardCertificate(p: ParsedCertificate, now: Date): CardCertificate | null {
  if (p.role !== 'authentication' && p.role !== 'signature') return null;
  const notBefore = asDate(p.notBefore);
  const notAfter = asDate(p.notAfter);
  return {
    role: p.role,
    subject: p.subject,
    issuer: p.issuer,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: daysLeft(notAfter, now),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
    ...(typeof p.fingerprint === 'string' ? { fingerprint: p.fingerprint } : {}),
  };
}

/** Picks the authentication pair when a card carries several (e.g. a contactless technical certificate). */
function pickAuth(entries: { obj: CertObject; parsed: ParsedCertificate }[]) {
  const auths = entries.filter((e) => e.parsed.role === 'authentication' && e.parsed.holder);
  return auths.find((e) => /authentification/i.test(e.obj.label)) ?? auths[0] ?? null;
}

export function describeCard(slot: SlotView, token: TokenView, certs: CertObject[], now = new Date()): CardRead {
  const label = parseCardLabel(token.label);
  const entries = certs.flatMap((obj) => {
    const parsed = parseCached(obj.der);
    return parsed ? [{ obj, parsed }] : [];
  });
  const auth = pickAuth(entries);
  // Authentication first: the order users and support read them in, whatever the card's object order.
  const roleCerts = entries.filter((e) => e.parsed.role === 'authentication' || e.parsed.role === 'signature')
    .sort((a, b) => (a.parsed.role === b.parsed.role ? 0 : a.parsed.role === 'authentication' ? -1 : 1));
  const typed = auth ?? roleCerts.find((e) => e.parsed.cardType) ?? null;
  if (!label && !typed) {
    return { ok: false, label: token.label, reason: certs.length ? 'no CPx certificate' : 'not a CPx card' };
  }
  if (!typed?.parsed.cardType) {
    return { ok: false, label: token.label, reason: 'no certificate' };
  }
  const card: CardInfo = {
    readerIndex: slot.index,
    reader: slot.name,
    label: token.label,
    cardNumber: label?.cardNumber ?? '',
    cardType: typed.parsed.cardType as CardType,
    cardTypeInferred: Boolean(typed.parsed.cardTypeInferred),
    pin: pinStateFromFlags(token.flags),
    puk: pukStateFromFlags(token.flags),
    holder: auth?.parsed.holder ?? null,
    certificates: roleCerts.flatMap((e) => {
      const c = toCardCertificate(e.parsed, now);
      return c ? [c] : [];
    }),
  };
  const authCert = auth ? { der: auth.obj.der, id: auth.obj.id, notBefore: asDate(auth.parsed.notBefore), notAfter: asDate(auth.parsed.notAfter) } : null;
  return { ok: true, card, auth: authCert };
}
