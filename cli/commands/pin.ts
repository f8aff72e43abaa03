// `cpx-link pin change|unblock [--reader N] [--pin-stdin]`: the card's own PIN management, for IT. On a terminal the
// codes are read without echo and the new PIN is asked twice; with --pin-stdin one line each (change: current PIN then
// new PIN; unblock: PUK then new PIN). Every check that needs no card is the card service's (protocol/pin-management.ts).

import type { CardInfo } from '../../protocol/card.ts';
import type { PinManagementResult } from '../../protocol/card-service.ts';
import { CpxError } from '../../protocol/errors.ts';
import { chooseCard, confirmFinalTry, readerOption } from '../choose-card.ts';
import { usageError, type CliContext } from '../context.ts';
import { readPinFromTerminal, readPinLines } from '../pin-input.ts';

export type PinAction = 'change' | 'unblock';

export interface PinArgs {
  action: string | undefined;
  reader?: string;
  pinStdin: boolean;
  refuseFinalTry: boolean;
}

interface Codes { first: Uint8Array; newPin: Uint8Array; newPinConfirmation?: Uint8Array }

/** The codes, as the user types them: PIN pad (nothing here), terminal (new PIN twice), or stdin lines. */
async function readCodes(ctx: CliContext, action: PinAction, card: CardInfo, interactive: boolean): Promise<Codes> {
  const t = ctx.text;
  if (card.pin.pinpad) return { first: new Uint8Array(0), newPin: new Uint8Array(0) };
  if (!interactive) {
    const [first, newPin] = await readPinLines(ctx.io.stdin, 2);
    return { first: first!, newPin: newPin! };
  }
  const ask = (prompt: string) => readPinFromTerminal(ctx.io.stdin, ctx.io.stderr, prompt);
  const first = await ask(action === 'change' ? t.currentPinPrompt : t.pukPrompt);
  const newPin = await ask(t.newPinPrompt);
  const newPinConfirmation = await ask(t.confirmPinPrompt);
  return { first, newPin, newPinConfirmation };
}

export async function pinCommand(ctx: CliContext, args: PinArgs): Promise<number> {
  const t = ctx.text;
  if (args.action !== 'change' && args.action !== 'unblock') throw usageError(t.badAction(String(args.action ?? '')));
  const action: PinAction = args.action;
  const readerIndex = readerOption(args.reader);
  const interactive = !args.pinStdin;
  if (interactive && !ctx.io.stdin.isTTY) throw usageError(t.noTty);

  const client = await ctx.cards();
  const card = await chooseCard(client, readerIndex);
  // Refused before any code is asked: the card service would refuse them too, without presenting them.
  if (action === 'change' && card.pin.locked) throw new CpxError('PIN_LOCKED');
  if (action === 'unblock' && card.puk?.locked) throw new CpxError('PUK_BLOCKED');
  // A wrong current PIN on the last try would block the card (an unblock does not present the PIN).
  const finalTryConfirmed = action === 'change' && await confirmFinalTry(ctx, card, interactive, args.refuseFinalTry);

  const onPad = (ev: { step?: keyof typeof t.pinpadSteps }) => ctx.err(t.pinpadSteps[ev.step ?? 'pin']);
  client.on('pinpad-waiting', onPad);
  const codes = await readCodes(ctx, action, card, interactive);
  const choice = { readerIndex: card.readerIndex, cardNumber: card.cardNumber || undefined };
  let result: PinManagementResult;
  try {
    result = action === 'change'
      ? await client.request('changePin', {
        ...choice, currentPin: codes.first, newPin: codes.newPin, newPinConfirmation: codes.newPinConfirmation, confirmFinalTry: finalTryConfirmed,
      })
      : await client.request('unblockPin', { ...choice, puk: codes.first, newPin: codes.newPin, newPinConfirmation: codes.newPinConfirmation });
  } finally {
    for (const code of Object.values(codes)) code?.fill(0);
    client.off('pinpad-waiting', onPad);
  }
  if (ctx.json) ctx.printJson({ action, ...result });
  else ctx.out(action === 'change' ? t.pinChanged(result.cardNumber) : t.pinUnblocked(result.cardNumber));
  return 0;
}
