// What `authenticate` and `pin` do before asking for any code: the reader option, the card in it (or why there is
// none), and the final-try confirmation a wrong PIN on the card's last try calls for.

import type { CardInfo } from '../protocol/card.ts';
import { CpxError } from '../protocol/errors.ts';
import type { CardServiceClient } from '../native/service/client.ts';
import { usageError, type CliContext } from './context.ts';
import { noCardError } from './no-card.ts';
import { readLine } from './pin-input.ts';

export function readerOption(reader: string | undefined): number | undefined {
  if (reader === undefined) return undefined;
  if (!/^\d+$/.test(reader)) throw usageError(`--reader ${reader}`);
  return Number(reader);
}

/** The card in that reader (the first card without --reader), or the error that says why there is none. */
export async function chooseCard(client: CardServiceClient, readerIndex: number | undefined): Promise<CardInfo> {
  const cards = await client.request('cards', {});
  const card = readerIndex === undefined ? cards[0] : cards.find((c) => c.readerIndex === readerIndex);
  if (!card) throw noCardError(client.lastState ?? await client.request('state', {}), readerIndex);
  return card;
}

/**
 * On the card's final try: warned, then confirmed on a terminal, or (stdin) accepted unless the script said
 * --refuse-final-try. Returns the confirmation the card service expects.
 */
export async function confirmFinalTry(ctx: CliContext, card: CardInfo, interactive: boolean, refuse: boolean): Promise<boolean> {
  if (card.pin.triesLeft !== 1) return false;
  const t = ctx.text;
  ctx.err(t.finalTry);
  const confirmed = interactive ? t.yes.test(await readLine(ctx.io.stdin, ctx.io.stderr, t.finalTryConfirm)) : !refuse;
  if (!confirmed) throw new CpxError(interactive ? 'CANCELLED' : 'PIN_FINAL_TRY');
  return true;
}
