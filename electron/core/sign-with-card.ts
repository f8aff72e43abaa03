// "Sign this origin and nonce with this card, after the PIN": the one card operation every login uses (the app's own
// card login, a browser's login transaction, a first login), whoever asks and however its challenge is obtained.
// The PIN dialog says who asks and whose card it is; on a wrong PIN it comes back with the error and the tries left,
// re-read from the card. The user types every attempt: nothing is ever retried on their behalf, a blocked card is
// never sent a PIN, a final try needs the user's confirmation, and the card leaving the reader aborts at once.

import type { Challenge } from '../../protocol/account.ts';
import type { CardInfo, WebEidToken } from '../../protocol/card.ts';
import { CpxError, reasksPin, toCpxError, type Lang } from '../../protocol/errors.ts';
import { pinPromptTimeoutError } from '../../protocol/pin.ts';
import type { FlowStep, PinDialogRequest, Requester } from '../../protocol/ipc.ts';
import type { LogPort } from './log.ts';
import type { CardsPort, PinAnswer, PinPromptPort } from './ports.ts';

/** What the operation needs from the host, the same for every flow. */
export interface SigningContext {
  cards: CardsPort;
  pin: PinPromptPort;
  log: LogPort;
  lang: () => Lang;
  appVersion: string;
  pinpadTimeoutMs: number;
  /** How long one PIN prompt waits for the user (protocol/pin.ts PIN_PROMPT_TIMEOUT_MS; shorter in tests). */
  pinPromptTimeoutMs: number;
  now: () => number;
}

export interface SignRequest {
  readerIndex: number;
  /** The card as just read from `readerIndex`, when the caller has it (read here otherwise). */
  card?: CardInfo;
  /** The origin the card signs for, already checked and allowed by the caller. */
  origin: string;
  /** Shown by the PIN dialog before anything is typed. */
  requester: Requester;
  /** The challenge to sign; called once first, and again when the one in hand is about to expire. */
  challenge: () => Promise<Challenge>;
  progress: (step: FlowStep) => void;
  /** Aborted when the card leaves the reader or the app closes; its reason is the CpxError to report. */
  signal: AbortSignal;
}

export interface CardSignature { token: WebEidToken; nonce: string; card: CardInfo }

/** A challenge about to expire is replaced before signing, so the user does not type a PIN for a refused nonce. */
const CHALLENGE_MARGIN_MS = 15_000;

/** Reads the card in `readerIndex` now (PIN state included); NO_CARD when there is none. */
export async function cardIn(cards: CardsPort, readerIndex: number): Promise<CardInfo> {
  const list = await cards.request('cards', {});
  const card = list.find((c, i) => (c.readerIndex ?? i) === readerIndex);
  if (!card) throw new CpxError('NO_CARD');
  return card;
}

/**
 * Who asks, in the PIN dialog: the name given by settings or policy (or the transaction) first; failing that, the
 * name the service gave itself in its challenge answer. The origin is the card's, never the answer's.
 */
export function namedRequester(requester: Requester, challenge: Challenge): Requester {
  const own = challenge.service?.name.trim();
  return requester.name || !own ? requester : { ...requester, name: own };
}

/** Whose card it is, as the PIN window shows it (the card's label when it has no readable holder). */
function holderOnDialog(card: CardInfo): PinDialogRequest['holder'] {
  const h = card.holder;
  return { name: h ? `${h.givenName} ${h.surname}`.trim() : card.label, cardType: card.cardType, profession: h?.profession ?? null,
    cardNumber: card.cardNumber };
}

/** What every PIN question shows of the card: whose it is, its tries, its reader, the last refusal. */
export function cardQuestion(card: CardInfo, lang: Lang, timeoutMs: number, previousError?: CpxError): PinDialogRequest {
  return {
    holder: holderOnDialog(card),
    triesLeft: card.pin.triesLeft,
    finalTry: card.pin.triesLeft === 1,
    pinpad: card.pin.pinpad,
    timeoutMs,
    lang,
    ...(previousError ? { previousError: previousError.toBody(lang) } : {}),
  };
}

export function pinRequestFor(card: CardInfo, requester: Requester, lang: Lang, timeoutMs: number,
  previousError?: CpxError): PinDialogRequest {
  return { requester, ...cardQuestion(card, lang, timeoutMs, previousError) };
}

export async function signWithCard(ctx: SigningContext, req: SignRequest): Promise<CardSignature> {
  const { cards, log } = ctx;
  const { readerIndex, origin, signal } = req;
  let card = req.card ?? await cardIn(cards, readerIndex);
  const cardNumber = card.cardNumber;
  if (!card.holder) throw new CpxError('NO_AUTH_CERTIFICATE');

  req.progress('challenge');
  let challenge = await req.challenge();
  const requester = namedRequester(req.requester, challenge);
  let previousError: CpxError | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      if (card.pin.locked || card.pin.triesLeft <= 0) throw new CpxError('PIN_LOCKED');
      req.progress('pin');
      const answer = await askWithin(ctx, pinRequestFor(card, requester, ctx.lang(), ctx.pinpadTimeoutMs, previousError), signal);
      throwIfAborted(signal);
      if (!answer) throw new CpxError('CANCELLED');
      let pending: Promise<WebEidToken> | undefined;
      try {
        if (Date.parse(challenge.expiresAt) - ctx.now() < CHALLENGE_MARGIN_MS) challenge = await req.challenge();
        req.progress('signing');
        log.info('card.authenticate', { readerIndex, attempt, pinpad: card.pin.pinpad, triesLeft: card.pin.triesLeft });
        pending = cards.request('authenticate', {
          readerIndex, origin, nonce: challenge.nonce, pin: answer.pin,
          confirmFinalTry: answer.confirmFinalTry, appVersion: ctx.appVersion,
        });
        const stop = answer.withdrawn ? AbortSignal.any([signal, answer.withdrawn]) : signal;
        const token = await raceAbort(pending, stop, () => { void cards.request('cancel', {}).catch(() => {}); });
        return { token, nonce: challenge.nonce, card };
      } catch (err) {
        const e = toCpxError(err);
        if (!reasksPin(e.code)) throw e;
        log.warn('card.pin-refused', { readerIndex, attempt, code: e.code });
        previousError = e;
        // Tries left come from the card itself, read again now: the next dialog shows exactly where the user stands.
        card = await cardIn(cards, readerIndex);
        if (card.cardNumber !== cardNumber) throw new CpxError('CARD_REMOVED');
        if (card.pin.locked || card.pin.triesLeft <= 0) throw new CpxError('PIN_LOCKED');
      } finally {
        // The client zeroed these bytes as soon as its transport serialised the request (native/service/client.ts);
        // this second wipe covers a request that never went out. Who zeroes the PIN in each process: protocol/pin.ts.
        const zero = () => { answer.pin.fill(0); };
        if (pending) pending.then(zero, zero); else zero();
      }
    }
  } finally {
    ctx.pin.close?.();
  }
}

/** The prompt, closed unanswered after the prompt timeout: PIN_PROMPT_TIMEOUT, with nothing sent to the card. */
export async function askWithin(ctx: Pick<SigningContext, 'pin' | 'pinPromptTimeoutMs'>, request: PinDialogRequest, signal: AbortSignal): Promise<PinAnswer | null> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(pinPromptTimeoutError(ctx.pinPromptTimeoutMs)), ctx.pinPromptTimeoutMs);
  try {
    const answer = await ctx.pin.ask(request, AbortSignal.any([signal, timeout.signal]));
    if (timeout.signal.aborted && !signal.aborted) {
      answer?.pin.fill(0);
      throw timeout.signal.reason as CpxError;
    }
    return answer;
  } finally {
    clearTimeout(timer);
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof CpxError ? signal.reason : new CpxError('CANCELLED');
}

/** Settles with `p`, or rejects with the abort reason as soon as `signal` fires (after asking the work to stop). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => void): Promise<T> {
  if (signal.aborted) { onAbort(); p.catch(() => {}); return Promise.reject(abortError(signal)); }
  return new Promise<T>((resolve, reject) => {
    const stop = () => { onAbort(); reject(abortError(signal)); };
    signal.addEventListener('abort', stop, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

function abortError(signal: AbortSignal): CpxError {
  return signal.reason instanceof CpxError ? signal.reason : new CpxError('CANCELLED');
}
