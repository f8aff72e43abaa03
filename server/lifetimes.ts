// How long each secret the service hands out lives. One place, because several of them depend on each other
// (the browser's transaction cookie must outlive a transaction that ends in a link ticket).

/** A challenge nonce (Web eID: 5 minutes). */
export const NONCE_TTL_MS = 5 * 60_000;
/** A session, for the app (Bearer) and for a browser (cookie) alike. */
export const SESSION_TTL_MS = 8 * 60 * 60_000;
/** "Première connexion" after one PIN entry: long enough to find a password or fill the doctor's form. */
export const TICKET_TTL_MS = 10 * 60_000;
/** A browser login transaction, from the card button to the app's completion (Web eID for mobile: 5 minutes). */
export const TRANSACTION_TTL_MS = 5 * 60_000;
/** A one-time code the default browser redeems (completion or hand-off): the app opens it at once. */
export const BROWSER_CODE_TTL_MS = 60_000;
/** The browser's transaction cookie: the transaction, then possibly a link ticket bound to it. */
export const TRANSACTION_COOKIE_TTL_MS = TRANSACTION_TTL_MS + TICKET_TTL_MS;
/** Expired rows are kept this long so that a late answer says "expired" rather than "unknown", then purged. */
export const KEEP_EXPIRED_MS = 60 * 60_000;
