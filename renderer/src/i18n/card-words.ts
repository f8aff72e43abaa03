// The card's own words (a certificate's profession label, in French) in English. The card's text itself is data and
// is never replaced: the English UI shows the translation with the French words beside it, "as written on the card".
// Labels as the cards write them (G15 nomenclature labels and the CPE/CPA card labels); one not listed here is shown
// as written, and said so.
export const CARD_WORDS_EN: Readonly<Record<string, string>> = {
  'Médecin': 'Doctor',
  'Pharmacien': 'Pharmacist',
  'Infirmier': 'Nurse',
  'Infirmière': 'Nurse',
  'Chirurgien-dentiste': 'Dental surgeon',
  'Sage-femme': 'Midwife',
  'Masseur-Kinésithérapeute': 'Physiotherapist',
  'Pédicure-Podologue': 'Chiropodist-podiatrist',
  'Carte de personnel établissement santé ou social': 'Health or social care establishment staff card',
  'Carte de service santé ou social': 'Health or social care service card',
  'Personnel autorisé': 'Authorised staff',
};
