// The service's web pages and browser endpoints: registered by web/routes.ts, and written into the URLs the
// service hands the app (completion, hand-off), so both read them from here.
export const BROWSER_PATHS = {
  login: '/',
  account: '/compte',
  passwordLogin: '/connexion',
  startCardLogin: '/connexion/carte',
  loginState: '/connexion/etat',
  complete: '/connexion/terminer',
  handoff: '/connexion/code',
  logout: '/deconnexion',
} as const;

/** The query parameter of each one-time URL. */
export const COMPLETE_PARAM = 'code';
export const HANDOFF_PARAM = 'c';
