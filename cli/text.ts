// The CLI's own words (error messages come from protocol/errors.ts). French by default, `--lang en`.

import { countNoun, type Lang } from '../protocol/errors.ts';

const fr = {
  usage: `Usage : cpx-link <commande> [options]

Commandes :
  diagnose                 état du logiciel de la carte, des lecteurs et des cartes, avec des conseils
  card                     cartes présentes (identité du titulaire, code porteur, certificats)
  authenticate --origin URL --nonce DÉFI [--reader N] [--pin-stdin]
                           signe un défi avec la carte et affiche le jeton Web eID
  verify-token --token FICHIER --origin URL --nonce DÉFI --trust PEM… [--crl FICHIER…] [--require-cpx]
                           vérifie un jeton Web eID (signature, chaîne de confiance, révocation) ;
                           --require-cpx exige en plus un titulaire CPx
  pin change [--reader N] [--pin-stdin]
                           change le code porteur (stdin : code actuel puis nouveau code, une ligne chacun)
  pin unblock [--reader N] [--pin-stdin]
                           débloque la carte avec le code de déblocage (stdin : PUK puis nouveau code)

Options : --json (sortie JSON), --lang fr|en, --help`,
  errorPrefix: 'Erreur',
  diagnoseTitle: 'CPx Link — diagnostic du poste',
  modulesTitle: 'Logiciel de la carte (PKCS#11)',
  notFoundSummary: (n: number) => `${n} ${countNoun('fr', n, 'autre emplacement vérifié : absent', 'autres emplacements vérifiés : absents')} (détail avec --json)`,
  readersTitle: 'Lecteurs',
  noReaders: 'aucun lecteur',
  readersUnknown: 'inconnus : aucun logiciel de carte chargé',
  readerCard: 'carte présente',
  readerEmpty: 'vide',
  cardsTitle: 'Cartes',
  adviceTitle: 'Que faire ?',
  card: (n: string, type: string, reader: string) => `Carte ${type} n° ${n} — lecteur « ${reader} »`,
  holder: 'Titulaire',
  profession: 'Profession',
  nationalId: 'Identifiant national',
  organisation: 'Organisation',
  pin: 'Code porteur',
  pinLocked: 'BLOQUÉ (déblocage avec le code PUK)',
  pinTries: (n: number) => `${n} ${countNoun('fr', n, 'essai restant', 'essais restants')}`,
  pinpad: 'saisie sur le lecteur',
  certAuth: "Certificat d'authentification",
  certSig: 'Certificat de signature',
  certUntil: (d: string, days: number) => days < 0 ? `EXPIRÉ depuis le ${d}` : `valable jusqu'au ${d} (${days} ${countNoun('fr', days, 'jour', 'jours')})`,
  noHolder: 'pas de certificat d\'authentification',
  inferred: ' (type déduit de l\'identifiant)',
  pinPrompt: 'Code porteur : ',
  pinpadPrompt: 'Saisissez votre code porteur sur le clavier du lecteur…',
  currentPinPrompt: 'Code porteur actuel : ',
  newPinPrompt: 'Nouveau code porteur : ',
  confirmPinPrompt: 'Nouveau code porteur, de nouveau : ',
  pukPrompt: 'Code de déblocage (PUK) : ',
  pinpadSteps: {
    pin: 'Saisissez votre code porteur sur le clavier du lecteur…',
    change: 'Saisissez votre code porteur actuel, puis le nouveau, sur le clavier du lecteur…',
    puk: 'Saisissez votre code de déblocage (PUK) sur le clavier du lecteur…',
    'new-pin': 'Saisissez le nouveau code porteur sur le clavier du lecteur…',
  },
  pinChanged: (n: string) => `Le code porteur de la carte n° ${n} a été changé.`,
  pinUnblocked: (n: string) => `La carte n° ${n} est débloquée : utilisez désormais votre nouveau code porteur.`,
  badAction: (a: string) => `pin change ou pin unblock attendu, pas « ${a} »`,
  finalTry: 'Attention : dernier essai. Un code erroné bloquera la carte.',
  finalTryConfirm: 'Continuer ? [o/N] ',
  yes: /^(o|oui|y|yes)$/i,
  authenticated: (who: string) => `Authentification réussie${who ? ` : ${who}` : ''}.`,
  noTty: 'pas de terminal pour saisir le code porteur : utilisez --pin-stdin',
  badOption: (o: string) => `option inconnue ou incomplète : ${o}`,
  missing: (o: string) => `option obligatoire manquante : ${o}`,
  unknownCommand: (c: string) => `commande inconnue : ${c}`,
};

const en: typeof fr = {
  usage: `Usage: cpx-link <command> [options]

Commands:
  diagnose                 card middleware, readers and cards status, with advice
  card                     cards present (holder identity, PIN state, certificates)
  authenticate --origin URL --nonce NONCE [--reader N] [--pin-stdin]
                           signs a challenge with the card and prints the Web eID token
  verify-token --token FILE --origin URL --nonce NONCE --trust PEM… [--crl FILE…] [--require-cpx]
                           checks a Web eID token (signature, trust chain, revocation);
                           --require-cpx also requires a CPx holder
  pin change [--reader N] [--pin-stdin]
                           changes the PIN (stdin: current PIN then new PIN, one line each)
  pin unblock [--reader N] [--pin-stdin]
                           unblocks the card with its unblocking code (stdin: PUK then new PIN)

Options: --json (JSON output), --lang fr|en, --help`,
  errorPrefix: 'Error',
  diagnoseTitle: 'CPx Link — workstation diagnosis',
  modulesTitle: 'Card middleware (PKCS#11)',
  notFoundSummary: (n: number) => `${n} other ${countNoun('en', n, 'location', 'locations')} checked: not present (details with --json)`,
  readersTitle: 'Readers',
  noReaders: 'no reader',
  readersUnknown: 'unknown: no card middleware loaded',
  readerCard: 'card present',
  readerEmpty: 'empty',
  cardsTitle: 'Cards',
  adviceTitle: 'What to do next',
  card: (n: string, type: string, reader: string) => `${type} card ${n} — reader "${reader}"`,
  holder: 'Holder',
  profession: 'Profession',
  nationalId: 'National identifier',
  organisation: 'Organisation',
  pin: 'PIN',
  pinLocked: 'BLOCKED (unblock with the PUK)',
  pinTries: (n: number) => `${n} ${countNoun('en', n, 'attempt left', 'attempts left')}`,
  pinpad: 'typed on the reader',
  certAuth: 'Authentication certificate',
  certSig: 'Signature certificate',
  certUntil: (d: string, days: number) => days < 0 ? `EXPIRED since ${d}` : `valid until ${d} (${days} ${countNoun('en', days, 'day', 'days')})`,
  noHolder: 'no authentication certificate',
  inferred: ' (type inferred from the identifier)',
  pinPrompt: 'PIN: ',
  pinpadPrompt: 'Type your PIN on the reader’s keypad…',
  currentPinPrompt: 'Current PIN: ',
  newPinPrompt: 'New PIN: ',
  confirmPinPrompt: 'New PIN again: ',
  pukPrompt: 'Unblocking code (PUK): ',
  pinpadSteps: {
    pin: 'Type your PIN on the reader’s keypad…',
    change: 'Type your current PIN, then the new one, on the reader’s keypad…',
    puk: 'Type your unblocking code (PUK) on the reader’s keypad…',
    'new-pin': 'Type the new PIN on the reader’s keypad…',
  },
  pinChanged: (n: string) => `The PIN of card ${n} was changed.`,
  pinUnblocked: (n: string) => `Card ${n} is unblocked: use your new PIN from now on.`,
  badAction: (a: string) => `expected pin change or pin unblock, not "${a}"`,
  finalTry: 'Warning: last attempt. A wrong PIN will block the card.',
  finalTryConfirm: 'Continue? [y/N] ',
  yes: /^(y|yes|o|oui)$/i,
  authenticated: (who: string) => `Authenticated${who ? `: ${who}` : ''}.`,
  noTty: 'no terminal to type the PIN: use --pin-stdin',
  badOption: (o: string) => `unknown or incomplete option: ${o}`,
  missing: (o: string) => `missing required option: ${o}`,
  unknownCommand: (c: string) => `unknown command: ${c}`,
};

export type CliText = typeof fr;
export const TEXT: Record<Lang, CliText> = { fr, en };

export function formatDate(iso: string, lang: Lang): string {
  const d = new Date(iso);
  return lang === 'fr' ? d.toLocaleDateString('fr-FR', { timeZone: 'UTC' }) : d.toISOString().slice(0, 10);
}
