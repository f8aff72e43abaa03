-- Browser login and "PIN first, then Première connexion" (issue #8).
-- Every token now names its nonce: the signature-digest index that found it goes, and so does the per-address
-- index that served the "recent nonces of this address" search.
ALTER TABLE nonces DROP COLUMN digest;
DROP INDEX nonces_client;
-- A nonce issued for a browser login transaction (its id hash) answers that transaction only; NULL = plain challenge.
ALTER TABLE nonces ADD COLUMN transaction_hash text;

-- 'app': the Bearer session of a card login; 'browser': the cookie of a web page. Neither opens the other's door.
ALTER TABLE sessions ADD COLUMN kind text NOT NULL DEFAULT 'app' CHECK (kind IN ('app', 'browser'));

-- A login started by the service's page (the card button): id and browser secret stored hashed, single use.
CREATE TABLE login_transactions (
  id_hash       text PRIMARY KEY,
  -- SHA-256 of the random secret in the starting browser's HttpOnly cookie: only that browser can finish.
  browser_hash  text NOT NULL,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  completed_at  timestamptz
);
CREATE INDEX login_transactions_expiry ON login_transactions (expires_at);

-- An unlinked card after a verified card authentication: what the certificate said, kept server-side, so that
-- "Première connexion" finishes without another PIN. Bound to that certificate and identity; single use on success.
CREATE TABLE link_tickets (
  ticket_hash   text PRIMARY KEY,
  national_id   text NOT NULL,
  fingerprint   text NOT NULL,
  -- CardIdentity (server/card-identity.ts) as verified from the certificate: holder, card type, serial, expiry.
  identity      jsonb NOT NULL,
  card_number   text,
  -- Set when the ticket comes from a browser transaction: the session it ends in goes to that browser.
  browser_hash  text,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL
);
CREATE INDEX link_tickets_expiry ON link_tickets (expires_at);

-- One-time codes a default browser redeems for a browser session: 'transaction' (the app completed a browser
-- transaction: only the browser that started it may redeem) and 'handoff' (the app's own card session).
CREATE TABLE browser_codes (
  code_hash     text PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('transaction', 'handoff')),
  account_id    integer NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  browser_hash  text,
  session_hash  text,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL
);
CREATE INDEX browser_codes_expiry ON browser_codes (expires_at);
