// Contact details: one rule for what an e-mail address and a French phone number look like — the independent
// doctor's form and the regions' support contacts both use it — and for the mailto:/tel: links the UI makes of them.

/** One e-mail address and nothing else (no display name, no second address, no phone number beside it). */
export function isEmailAddress(v: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(v);
}

/** French numbers, with or without spaces, dots, dashes or the +33 prefix, as their 10 digits (not checked). */
export function normaliseFrenchPhone(v: string): string {
  const digits = v.replace(/[\s.\-()]/g, '');
  return digits.startsWith('+33') ? '0' + digits.slice(3) : digits;
}

/** A French number (10 digits, 0 then 1–9), however it is written. */
export function isFrenchPhone(v: string): boolean {
  return /^0[1-9]\d{8}$/.test(normaliseFrenchPhone(v));
}

/** A French mobile number (06 or 07), however it is written. */
export function isFrenchMobile(v: string): boolean {
  return /^0[67]\d{8}$/.test(normaliseFrenchPhone(v));
}

/** The link that opens the user's mail client on a valid address. */
export function mailtoHref(email: string): string {
  return `mailto:${email}`;
}

/** The link that dials a valid French number: RFC 3966 global form, `0805 690 656` → `tel:+33805690656`. */
export function telHref(phone: string): string {
  return `tel:+33${normaliseFrenchPhone(phone).slice(1)}`;
}
