// "What to do next" lines for the diagnosis screen: what a support line would tell the user, in order.

import { isExplicitModuleSource, type DiagnoseResult, type ModuleDiagnosis } from '../../protocol/card-service.ts';
import type { CardInfo, WatchState } from '../../protocol/card.ts';
import { countNoun, errorMessage, type Lang } from '../../protocol/errors.ts';
import { failingModule, noModuleError } from '../pkcs11/probe.ts';

const EXPIRY_WARNING_DAYS = 30;

const T = {
  fr: {
    wrongArch: (p: string) => `Le logiciel de la carte installé (${p}) n'a pas la bonne architecture : installez la version 64 bits de Cryptolib CPS.`,
    loadFailed: (p: string) => `Le logiciel de la carte (${p}) est présent mais ne se charge pas : réinstallez Cryptolib CPS.`,
    notFound: "Installez Cryptolib CPS (logiciel de la carte, site de l'ANS) ou demandez-le à votre service informatique.",
    opensc: "Le module OpenSC est utilisé faute de Cryptolib CPS : installez Cryptolib CPS pour un fonctionnement garanti.",
    noReader: "Aucun lecteur détecté : branchez le lecteur et vérifiez que le service « carte à puce » (PC/SC) est démarré.",
    noCard: 'Insérez votre carte CPx dans le lecteur, puce vers le haut.',
    removed: 'La carte a été retirée : réinsérez-la.',
    unrecognised: (r: string) => `La carte du lecteur « ${r} » n'est pas reconnue comme une carte CPx : vérifiez qu'il s'agit de votre carte professionnelle.`,
    locked: (c: string) => `La carte n° ${c} est bloquée : débloquez-la avec votre code PUK dans l'outil de gestion de Cryptolib CPS.`,
    tries: (c: string, n: number) => `Carte n° ${c} : plus que ${n} ${countNoun('fr', n, 'essai', 'essais')} de code porteur avant blocage. Saisissez-le avec soin.`,
    noAuth: (c: string) => `La carte n° ${c} n'a pas de certificat d'authentification : elle ne permet pas de se connecter.`,
    expired: (c: string) => `Le certificat de la carte n° ${c} a expiré : commandez une nouvelle carte auprès de l'ANS.`,
    expiring: (c: string, d: number) => `Le certificat de la carte n° ${c} expire dans ${d} ${countNoun('fr', d, 'jour', 'jours')} : pensez à commander une nouvelle carte.`,
    ready: (c: string, who: string) => `Tout est prêt : la carte n° ${c}${who ? ` (${who})` : ''} peut être utilisée.`,
  },
  en: {
    wrongArch: (p: string) => `The installed card middleware (${p}) has the wrong architecture: install the 64-bit Cryptolib CPS.`,
    loadFailed: (p: string) => `The card middleware (${p}) is present but does not load: reinstall Cryptolib CPS.`,
    notFound: 'Install Cryptolib CPS (the card middleware, from the ANS website) or ask your IT department.',
    opensc: 'The OpenSC module is used because Cryptolib CPS is missing: install Cryptolib CPS for supported operation.',
    noReader: 'No reader detected: plug in the reader and check that the smart card (PC/SC) service is running.',
    noCard: 'Insert your CPx card in the reader, chip facing up.',
    removed: 'The card was removed: insert it again.',
    unrecognised: (r: string) => `The card in reader "${r}" is not recognised as a CPx card: check it is your professional card.`,
    locked: (c: string) => `Card ${c} is blocked: unblock it with your PUK in the Cryptolib CPS management tool.`,
    tries: (c: string, n: number) => `Card ${c}: only ${n} PIN ${countNoun('en', n, 'attempt', 'attempts')} left before it is blocked. Type it carefully.`,
    noAuth: (c: string) => `Card ${c} has no authentication certificate: it cannot be used to log in.`,
    expired: (c: string) => `The certificate of card ${c} has expired: order a new card from the ANS.`,
    expiring: (c: string, d: number) => `The certificate of card ${c} expires in ${d} ${countNoun('en', d, 'day', 'days')}: order a new card soon.`,
    ready: (c: string, who: string) => `All set: card ${c}${who ? ` (${who})` : ''} can be used.`,
  },
} as const;

function cardAdvice(card: CardInfo, t: (typeof T)[Lang]): string[] {
  const out: string[] = [];
  const n = card.cardNumber || card.label;
  const auth = card.certificates.find((c) => c.role === 'authentication');
  if (card.pin.locked) out.push(t.locked(n));
  else if (card.pin.triesLeft < 3) out.push(t.tries(n, card.pin.triesLeft));
  if (!auth) out.push(t.noAuth(n));
  else if (auth.daysLeft < 0) out.push(t.expired(n));
  else if (auth.daysLeft <= EXPIRY_WARNING_DAYS) out.push(t.expiring(n, auth.daysLeft));
  if (out.length === 0) {
    const who = card.holder ? `${card.holder.givenName} ${card.holder.surname}`.trim() : '';
    out.push(t.ready(n, who));
  }
  return out;
}

export function advise(modules: ModuleDiagnosis[], state: WatchState, lang: Lang): DiagnoseResult['advice'] {
  const t = T[lang];
  const loaded = modules.find((m) => m.status === 'loaded');
  if (!loaded) {
    // A module someone configured on purpose: what to do is about that setting, not about installing Cryptolib.
    if (isExplicitModuleSource(failingModule(modules)?.source)) {
      const e = noModuleError(modules);
      return [errorMessage(e.code, lang, e.params)];
    }
    const wrong = modules.find((m) => m.status === 'wrong-arch');
    if (wrong) return [t.wrongArch(wrong.path)];
    const failed = modules.find((m) => m.status === 'load-failed');
    if (failed) return [t.loadFailed(failed.path)];
    return [t.notFound];
  }
  const out: string[] = [];
  if (loaded.source === 'opensc') out.push(t.opensc);
  if (state.kind === 'NO_READER') out.push(t.noReader);
  else if (state.kind === 'NO_CARD') out.push(t.noCard);
  else if (state.kind === 'CARD_REMOVED') out.push(t.removed);
  for (const u of state.unrecognised) out.push(t.unrecognised(u.reader));
  for (const c of state.cards) out.push(...cardAdvice(c, t));
  return out;
}
