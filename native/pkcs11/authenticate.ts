// Signing a Web eID challenge with the card: every refusal that can be decided without the card comes first,
// then ONE C_Login, the authentication key found by its certificate's CKA_ID, the asynchronous C_Sign, logout.

import type { WebEidToken } from '../../protocol/card.ts';
import { CpxError } from '../../protocol/errors.ts';
import { isPinWellFormed, pinFormatError } from '../../protocol/pin.ts';
import { authSignedData, WEB_EID_FORMAT } from '../../protocol/webeid.ts';
import { cardError, type CardErrorContext } from './card-errors.ts';
import { CKU, loginOnce, startLoggedOut } from './login.ts';
import type { LoadedModule, SlotView, TokenView } from './module-host.ts';
import { describeCard, listCertificates, type CertObject } from './read-card.ts';
import { planSignature } from './signing.ts';
import { pinStateFromFlags } from './token-facts.ts';

export interface AuthenticateInput {
  /** Already normalised by checkOrigin / checkNonce. */
  origin: string;
  nonce: string;
  /** Zeroed by this function as soon as C_Login returns (and on every refusal). */
  pin: Uint8Array;
  confirmFinalTry: boolean;
  appVersion: string;
  now?: Date;
  isCancelled(): boolean;
  /** Called just before a PIN-pad C_Login, which blocks until the user types on the reader. */
  beforePinpadLogin?(): Promise<void>;
  /**
   * The certificates already read from this very card (same token serial and label), if the caller has them:
   * a card's certificates do not change while it stays in the reader.
   */
  knownCertificates?(token: TokenView): CertObject[] | null;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export async function authenticateWithCard(m: LoadedModule, slot: SlotView, input: AuthenticateInput): Promise<WebEidToken> {
  const ctx: CardErrorContext = {
    phase: 'read',
    tokenPresent: () => m.tokenPresent(slot.handle),
    readerPresent: () => m.readerPresent(slot.name),
    tokenFlags: () => m.token(slot.handle).flags,
  };
  try {
    // The slot was just listed under the same lock: its token info is current.
    const token = slot.token ?? m.token(slot.handle);
    const pinState = pinStateFromFlags(token.flags);
    ctx.pinpad = pinState.pinpad;
    ctx.triesBefore = pinState.triesLeft;
    // A blocked card is refused here: a C_Login on it would only return CKR_PIN_LOCKED at best.
    if (pinState.locked) throw new CpxError('PIN_LOCKED');
    const mechanisms = m.mechanisms(slot.handle);
    return await m.withSession(slot.handle, async (session) => {
      const read = describeCard(slot, token, input.knownCertificates?.(token) ?? listCertificates(session), input.now);
      if (!read.ok) throw new CpxError('CARD_NOT_RECOGNISED');
      const auth = read.auth;
      if (!auth) throw new CpxError('NO_AUTH_CERTIFICATE');
      const now = input.now ?? new Date();
      if (now < auth.notBefore) throw new CpxError('CERT_NOT_YET_VALID', { date: isoDay(auth.notBefore) });
      if (now > auth.notAfter) throw new CpxError('CERT_EXPIRED', { date: isoDay(auth.notAfter) });
      if (pinState.triesLeft === 1 && !input.confirmFinalTry) throw new CpxError('PIN_FINAL_TRY');
      if (!pinState.pinpad && !isPinWellFormed(input.pin)) throw pinFormatError();
      const message = Buffer.from(authSignedData(input.origin, input.nonce));
      const plan = planSignature(mechanisms, message);
      if (!plan) throw new CpxError('DEVICE_ERROR', { detail: 'no RSA signature mechanism' });
      if (input.isCancelled()) throw new CpxError('CANCELLED');
      startLoggedOut(m, session.handle);
      if (pinState.pinpad) await input.beforePinpadLogin?.();

      ctx.phase = 'login';
      loginOnce(m, session.handle, CKU.USER, pinState.pinpad ? new Uint8Array(0) : input.pin);
      let loggedIn = true;
      try {
        // C_Login blocked this process (a PIN-pad wait can last seconds): let a cancel that arrived meanwhile be read.
        await afterPendingIo();
        if (input.isCancelled()) throw new CpxError('CANCELLED');
        ctx.phase = 'sign';
        // The key is chosen by the authentication certificate's CKA_ID only: the signature key (nonRepudiation)
        // has another CKA_ID and must never sign an authentication challenge.
        const key = findPrivateKey(m, session.handle, auth.id);
        m.lib.C_SignInit(session.handle, { mechanism: plan.mechanism }, key);
        const signature = await signAsync(m, session.handle, plan.input);
        // The operation ends with the logout: a card pulled out before that point did not complete it, whatever
        // the module answered to C_Sign (the user saw the card leave, and the token would not match what they saw).
        loggedIn = false;
        m.lib.C_Logout(session.handle);
        return {
          unverifiedCertificate: auth.der.toString('base64'),
          algorithm: 'RS256',
          signature: signature.toString('base64'),
          format: WEB_EID_FORMAT,
          appVersion: input.appVersion,
        } satisfies WebEidToken;
      } finally {
        if (loggedIn) try { m.lib.C_Logout(session.handle); } catch { /* card gone or session closed: nothing left to log out */ }
      }
    });
  } catch (err) {
    throw cardError(err, ctx);
  } finally {
    input.pin.fill(0);
  }
}

/**
 * Resolves after the event loop has gone through its I/O phase once: the first setImmediate runs in this turn's
 * check phase (before any new message is read), the second in the next turn's, after its poll phase.
 */
function afterPendingIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

const CKA_CLASS = 0x0;
const CKA_ID = 0x102;
const CKO_PRIVATE_KEY = 0x3;

/** The one private key with this CKA_ID (plain pkcs11js: a find on the hot path of every authentication). */
function findPrivateKey(m: LoadedModule, session: Buffer, id: Buffer): Buffer {
  m.lib.C_FindObjectsInit(session, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }, { type: CKA_ID, value: id }]);
  let found: Buffer[];
  try {
    found = m.lib.C_FindObjects(session, 2);
  } finally {
    m.lib.C_FindObjectsFinal(session);
  }
  if (found.length !== 1) throw new CpxError('NO_AUTH_CERTIFICATE');
  return found[0]!;
}


/** C_Sign on the libuv thread pool: the service keeps answering (and noticing removals) while the card computes. */
function signAsync(m: LoadedModule, session: Buffer, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    m.lib.C_Sign(session, data, Buffer.alloc(1024), (err: Error | null, sig: Buffer) => {
      if (err) reject(err);
      else resolve(Buffer.from(sig));
    });
  });
}
