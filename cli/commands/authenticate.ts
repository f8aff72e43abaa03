// `cpx-link authenticate --origin URL --nonce NONCE [--reader N] [--pin-stdin]`: signs a challenge with the card
// and prints the Web eID token. The PIN is read on the terminal without echo, or as one line from stdin.

import { CpxError } from '../../protocol/errors.ts';
import { checkNonce, checkOrigin } from '../../protocol/origin.ts';
import { chooseCard, confirmFinalTry, readerOption } from '../choose-card.ts';
import { usageError, type CliContext } from '../context.ts';
import { readPinFromTerminal, readPinLine } from '../pin-input.ts';

export interface AuthenticateArgs {
  origin?: string;
  nonce?: string;
  reader?: string;
  pinStdin: boolean;
  /** Scripts that would rather stop than risk blocking the card on its last try. */
  refuseFinalTry: boolean;
}

export async function authenticateCommand(ctx: CliContext, args: AuthenticateArgs): Promise<number> {
  const t = ctx.text;
  if (!args.origin) throw usageError(t.missing('--origin'));
  if (args.nonce === undefined) throw usageError(t.missing('--nonce'));
  // Checked before the card service even starts: a bad request never reaches the card.
  const origin = checkOrigin(args.origin);
  const nonce = checkNonce(args.nonce);
  const readerIndex = readerOption(args.reader);
  const interactive = !args.pinStdin;
  if (interactive && !ctx.io.stdin.isTTY) throw usageError(t.noTty);

  const client = await ctx.cards();
  const card = await chooseCard(client, readerIndex);
  // Refused before the PIN is even asked: the card service would refuse it too, without calling C_Login.
  if (card.pin.locked) throw new CpxError('PIN_LOCKED');
  const finalTryConfirmed = await confirmFinalTry(ctx, card, interactive, args.refuseFinalTry);

  let pin: Uint8Array;
  if (card.pin.pinpad) {
    pin = new Uint8Array(0);
    ctx.err(t.pinpadPrompt);
  } else if (interactive) {
    pin = await readPinFromTerminal(ctx.io.stdin, ctx.io.stderr, t.pinPrompt);
  } else {
    pin = await readPinLine(ctx.io.stdin);
  }
  let token;
  try {
    token = await client.request('authenticate', {
      origin, nonce, pin, readerIndex: card.readerIndex, cardNumber: card.cardNumber || undefined, confirmFinalTry: finalTryConfirmed,
    });
  } finally {
    pin.fill(0);
  }
  ctx.printJson(token);
  if (!ctx.json && card.holder) ctx.err(t.authenticated(`${card.holder.givenName} ${card.holder.surname}`.trim()));
  return 0;
}
