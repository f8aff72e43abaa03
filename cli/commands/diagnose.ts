// `cpx-link diagnose [--json]`: one screen for the support line — middleware candidates, readers, cards, advice.

import { isExplicitModuleSource, type DiagnoseResult } from '../../protocol/card-service.ts';
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
  // A configured module is always shown, and its absence is a failure, not one more place that was looked at.
  const absent = result.modules.filter((m) => m.status === 'not-found' && !isExplicitModuleSource(m.source));
  for (const m of result.modules) {
    if (absent.includes(m)) continue;
    ctx.out(`  ${m.status === 'not-found' ? '✘' : MARK[m.status]} ${m.path}`);
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
  // The advice that is the module error carries its code, as the other commands print it.
  const failure = result.moduleError;
  for (const a of result.advice) ctx.out(`  → ${a}${failure && a === failure.message ? ` [${failure.code}]` : ''}`);
  return 0;
}
