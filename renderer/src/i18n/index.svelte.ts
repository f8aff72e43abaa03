// UI strings through i18next, made reactive for Svelte: every `t()` call reads the current language rune, so
// switching language re-renders exactly the text that depends on it.
import i18next from 'i18next';
import { bodyForPeople, isLang, LANGS } from '../../../protocol/errors.ts';
import type { ErrorBody, Lang } from '../../../protocol/errors.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';

const i18n = i18next.createInstance();
void i18n.init({
  lng: 'fr',
  fallbackLng: 'fr',
  supportedLngs: [...LANGS],
  resources: { fr: { translation: fr }, en: { translation: en } },
  initAsync: false,
  // Svelte escapes text itself; the UI never renders strings as HTML.
  interpolation: { escapeValue: false },
});

let current = $state<Lang>('fr');

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  if (!isLang(next)) return;
  current = next;
  void i18n.changeLanguage(next);
  document.documentElement.lang = next;
}

export function t(key: string, options: Record<string, unknown> = {}): string {
  return i18n.t(key, { ...options, lng: current }) as string;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Intl.DateTimeFormat(current === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long' }).format(ms);
}

/** The time of day of a timestamp ("14:05"), for what expires within the hour. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Intl.DateTimeFormat(current === 'fr' ? 'fr-FR' : 'en-GB', { timeStyle: 'short' }).format(ms);
}

/**
 * An error in the UI's language, as a person reads it. The host already localises ErrorBody.message, but the user may
 * have switched language since: the shared catalogue renders it again when it can. Technical detail (a host and its
 * socket error, a certificate's subject) is left out: errorDetail gives it to the "Détails" fold.
 */
export function errorText(error: ErrorBody): string {
  return bodyForPeople(error, current).message;
}

/** The technical detail errorText leaves out, or null. */
export function errorDetail(error: ErrorBody): string | null {
  return bodyForPeople(error, current).detail;
}
