// `cpx-link diagnose [--json]`: one screen for the support line — middleware candidates, readers, cards, advice.

import type { DiagnoseResult } from '../../protocol/card-service.ts';
import type { CliContext } from '../context.ts';
import { cardLines } from '../format-card.ts';

const MARK: Record<DiagnoseResult['modules'][number]['status'], string> = {
  loaded: '✔', found: '•', 'not-found': '·', 'load-failed': '✘', 'wrong-arch': '✘',
};

export async function diagnoseCommand(ctx: CliContext): Promise<number> {
  const client = await ctx.cards();
  const result = await client.request('diagnose', {});
  if (ctx.json) {
    ctx.printJson(result);
    return 0;
  }
  const t = ctx.text;
  ctx.out(t.diagnoseTitle);
  ctx.out();
  ctx.out(t.modulesTitle);
  const absent = result.modules.filter((m) => m.status === 'not-found' && m.source !== 'environment' && m.source !== 'policy' && m.source !== 'setting');
  for (const m of result.modules) {
    if (absent.includes(m)) continue;
    ctx.out(`  ${MARK[m.status]} ${m.path}`);
    ctx.out(`      ${m.message}`);
  }
  if (absent.length) ctx.out(`  · ${t.notFoundSummary(absent.length)}`);
  ctx.out();
  ctx.out(t.readersTitle);
  // Every candidate that loads would have been chosen: none loaded means no module, so readers are unknown.
  const loaded = result.modules.some((m) => m.status === 'loaded');
  if (result.readers.length === 0) ctx.out(`  ${loaded ? t.noReaders : t.readersUnknown}`);
  result.readers.forEach((r, i) => ctx.out(`  ${i}. ${r.name} — ${r.card ? t.readerCard : t.readerEmpty}`));
  if (result.cards.length) {
    ctx.out();
    ctx.out(t.cardsTitle);
    for (const card of result.cards) for (const line of cardLines(card, t, ctx.lang)) ctx.out(`  ${line}`);
  }
  ctx.out();
  ctx.out(t.adviceTitle);
  for (const a of result.advice) ctx.out(`  → ${a}`);
  return 0;
}
