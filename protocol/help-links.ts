// The card issuer's help pages: the UI links to them and the host opens them without any setting naming them.
// Written once here so that a link the UI shows is always one the host agrees to open.

const ISSUER_SITE = 'esante.gouv.fr';

/** How to get and install Cryptolib CPS (shown when no card middleware is found). */
export const CRYPTOLIB_HELP_URL = `https://industriels.${ISSUER_SITE}/produits-et-services/cps-et-socle-technique`;

/** Origins the host opens in the system browser with no setting: the issuer's sites. */
export const BUILT_IN_HELP_ORIGINS: readonly string[] = ['industriels.', '', 'www.'].map((sub) => `https://${sub}${ISSUER_SITE}`);
