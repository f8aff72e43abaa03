// "Espace médecin libéral": the account-creation form, validated the same way by the UI (field by field,
// before anything is sent) and by the service (which never trusts the UI). Identity fields (Nom, Prénom,
// Profession) come from the card's certificate and are not part of what the user types.

import { isEmailAddress, isFrenchMobile, isFrenchPhone, normaliseFrenchPhone } from './contact.ts';

/** The form's fields, in the order the form shows them: every list of them (IPC check, UI, service) is this one. */
export const DOCTOR_PROFILE_FIELDS = ['specialty', 'email', 'phone', 'mobile', 'address', 'postalCode', 'city'] as const;

export type DoctorProfileField = (typeof DOCTOR_PROFILE_FIELDS)[number];
export type DoctorProfileInput = Record<DoctorProfileField, string>;

/** The form as it opens: every field empty. */
export function emptyDoctorProfile(): DoctorProfileInput {
  return Object.fromEntries(DOCTOR_PROFILE_FIELDS.map((f) => [f, ''])) as DoctorProfileInput;
}

/** Message keys per invalid field; the UI and the service both render them in French or English. */
export type FieldProblem = 'required' | 'email' | 'phone' | 'mobile' | 'postalCode' | 'tooLong';

export const FIELD_PROBLEM_TEXT: Record<FieldProblem, { fr: string; en: string }> = {
  required: { fr: 'Ce champ est obligatoire.', en: 'This field is required.' },
  email: { fr: 'Adresse e-mail invalide (exemple : nom@domaine.fr).', en: 'Invalid email address (example: name@domain.fr).' },
  phone: { fr: 'Numéro de téléphone invalide (10 chiffres, ex. 01 23 45 67 89).', en: 'Invalid phone number (10 digits, e.g. 01 23 45 67 89).' },
  mobile: { fr: 'Numéro de portable invalide (06 ou 07, 10 chiffres).', en: 'Invalid mobile number (06 or 07, 10 digits).' },
  postalCode: { fr: 'Code postal invalide (5 chiffres).', en: 'Invalid postal code (5 digits).' },
  tooLong: { fr: 'Texte trop long.', en: 'Text too long.' },
};

const REQUIRED: readonly DoctorProfileField[] = ['email', 'postalCode', 'city'];
/** Characters per field, after trimming. */
export const DOCTOR_PROFILE_MAX_LENGTH = 200;

export function validateDoctorProfile(input: Partial<Record<DoctorProfileField, unknown>>): Partial<Record<DoctorProfileField, FieldProblem>> {
  const problems: Partial<Record<DoctorProfileField, FieldProblem>> = {};
  const value = (f: DoctorProfileField) => (typeof input[f] === 'string' ? (input[f] as string).trim() : '');
  for (const f of DOCTOR_PROFILE_FIELDS) {
    const v = value(f);
    if (!v) { if (REQUIRED.includes(f)) problems[f] = 'required'; continue; }
    if (v.length > DOCTOR_PROFILE_MAX_LENGTH) { problems[f] = 'tooLong'; continue; }
    if (f === 'email' && !isEmailAddress(v)) problems[f] = 'email';
    if (f === 'phone' && !isFrenchPhone(v)) problems[f] = 'phone';
    if (f === 'mobile' && !isFrenchMobile(v)) problems[f] = 'mobile';
    if (f === 'postalCode' && !/^(\d{5}|2[AB]\d{3})$/.test(v)) problems[f] = 'postalCode';
  }
  return problems;
}

/** The profile as stored: trimmed, phones normalised to 10 digits. Call only once validateDoctorProfile found nothing. */
export function normaliseDoctorProfile(input: Partial<Record<DoctorProfileField, unknown>>): DoctorProfileInput {
  const s = (f: DoctorProfileField) => (typeof input[f] === 'string' ? (input[f] as string).trim() : '');
  return {
    specialty: s('specialty'), email: s('email').toLowerCase(), phone: s('phone') && normaliseFrenchPhone(s('phone')),
    mobile: s('mobile') && normaliseFrenchPhone(s('mobile')), address: s('address'), postalCode: s('postalCode').toUpperCase(), city: s('city'),
  };
}
