// `cpx-link card [--json]`: the cards present, read without PIN. JSON shape: contracts.md.

import type { CliContext } from '../context.ts';
import { cardLines } from '../format-card.ts';
import { noCardError } from '../no-card.ts';

export async function cardCommand(ctx: CliContext): Promise<number> {
  const client = await ctx.cards();
  const cards = await client.request('cards', {});
  if (cards.length === 0) {
    // Say why there is nothing to show, with the exit class scripts branch on (reader, card).
    throw noCardError(client.lastState ?? await client.request('state', {}));
  }
  if (ctx.json) {
    ctx.printJson({ cards });
  } else {
    cards.forEach((card, i) => {
      if (i > 0) ctx.out();
      for (const line of cardLines(card, ctx.text, ctx.lang)) ctx.out(line);
    });
  }
  return 0;
}
