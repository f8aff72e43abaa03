// A card as a few readable lines (the `card` command and the cards section of `diagnose`).

import type { CardInfo } from '../protocol/card.ts';
import { formatNationalId } from '../protocol/identity.ts';
import type { Lang } from '../protocol/errors.ts';
import { formatDate, type CliText } from './text.ts';

export function cardLines(card: CardInfo, t: CliText, lang: Lang): string[] {
  const lines = [t.card(card.cardNumber || card.label, card.cardType + (card.cardTypeInferred ? t.inferred : ''), card.reader)];
  const h = card.holder;
  if (h) {
    lines.push(label(t.holder, [h.givenName, h.surname].filter(Boolean).join(' '), lang));
    if (h.profession) lines.push(label(t.profession, h.profession, lang));
    lines.push(label(t.nationalId, formatNationalId(h.nationalId), lang));
    if (h.organisation) lines.push(label(t.organisation, h.organisation, lang));
  } else {
    lines.push(label(t.holder, t.noHolder, lang));
  }
  const pin = card.pin.locked ? t.pinLocked : t.pinTries(card.pin.triesLeft);
  lines.push(label(t.pin, card.pin.pinpad ? `${pin}, ${t.pinpad}` : pin, lang));
  for (const c of card.certificates) {
    lines.push(label(c.role === 'authentication' ? t.certAuth : t.certSig, t.certUntil(formatDate(c.notAfter, lang), c.daysLeft), lang));
  }
  return lines;
}

function label(name: string, value: string, lang: Lang): string {
  return `  ${name}${lang === 'fr' ? ' :' : ':'} ${value}`;
}
