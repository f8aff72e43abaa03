// "Pour associer un compte « Médecin libéral » à votre compte" (the service's user guide, on "Mon compte"): shown to a
// doctor whose CPS is linked to an establishment account — that card now logs in to the establishment account, so
// "Espace médecin libéral" is no longer offered at login. Written once for the app (fr/en) and the service's page.
import type { Lang } from './errors.ts';

export interface DoctorAccountLinkText {
  heading: string;
  /** What happened, then what to do: the region's support follows (its contact is shown after the last sentence). */
  paragraphs: string[];
}

export const DOCTOR_ACCOUNT_LINK: Record<Lang, DoctorAccountLinkText> = {
  fr: {
    heading: 'Pour associer un compte « Médecin libéral » à votre compte',
    paragraphs: [
      'Vous exercez aussi en libéral ? Votre carte CPS est associée à ce compte d’établissement : elle vous connecte à ce compte, et l’Espace médecin libéral ne vous est plus proposé à la connexion.',
      'Pour que ce compte vous donne aussi accès à l’espace médecin libéral, demandez-le au support de votre région en indiquant votre numéro RPPS (dans « Id nationaux » ci-dessus) :',
    ],
  },
  en: {
    heading: 'To link an independent doctor’s account (« Médecin libéral ») to your account',
    paragraphs: [
      'Do you also practise independently? Your CPS card is linked to this establishment account: it logs you in to this account, so the independent doctor’s space (Espace médecin libéral) is no longer offered when you log in.',
      'To have this account give you access to the independent doctor’s space as well, ask your region’s support, giving your RPPS number (under “National identifiers” above):',
    ],
  },
};
