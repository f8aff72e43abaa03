-- Accounts, card links, challenges (nonces), sessions and the audit log.
-- Times are written by the service from its own clock (never now()), so tests can move time.

CREATE TABLE accounts (
  id                    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username              text NOT NULL,
  kind                  text NOT NULL CHECK (kind IN ('establishment', 'independent-doctor')),
  -- argon2id PHC string; NULL for accounts that only ever log in by card (independent doctors).
  password_hash         text,
  active                boolean NOT NULL DEFAULT true,
  surname               text NOT NULL,
  given_name            text NOT NULL,
  profession            text,
  specialty             text,
  email                 text,
  phone                 text,
  mobile                text,
  address               text,
  postal_code           text,
  city                  text,
  establishment_name    text,
  establishment_finess  text,
  establishment_service text,
  region                text,
  -- The professional's own national identifier for accounts created from a card (one independent account each).
  owner_national_id     text UNIQUE,
  created_at            timestamptz NOT NULL
);
CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username));

-- One row per card holder identity (national_id = the certificate CN's idNat, prefix digit included, which is
-- also how "Mon compte" shows it): the primary key is what makes "a card links once" hold under any concurrency.
-- card_number is what the client declared (the certificate does not carry it): informative only.
CREATE TABLE card_links (
  national_id        text PRIMARY KEY,
  national_id_type   text NOT NULL,
  account_id         integer NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  card_type          text NOT NULL,
  card_number        text,
  cert_fingerprint   text NOT NULL,
  cert_serial        text,
  cert_not_after     timestamptz NOT NULL,
  linked_at          timestamptz NOT NULL
);
CREATE INDEX card_links_account ON card_links (account_id);

-- Issued challenges. `digest` = SHA-256(SHA-256(origin) || SHA-256(nonce)), the value an RS256 token signs:
-- it lets the service find which challenge a token answers from its signature alone (see server/README.md).
CREATE TABLE nonces (
  nonce       text PRIMARY KEY,
  digest      text NOT NULL UNIQUE,
  client      text NOT NULL,
  issued_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX nonces_client ON nonces (client, issued_at DESC);
CREATE INDEX nonces_expiry ON nonces (expires_at);

-- Sessions are kept as SHA-256 of the opaque value handed to the client.
CREATE TABLE sessions (
  token_hash  text PRIMARY KEY,
  account_id  integer NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed password attempts per username as typed (lower-cased), whether or not such an account exists,
-- so that the lockout answer tells nothing about which usernames exist.
CREATE TABLE credential_failures (
  username_key  text PRIMARY KEY,
  failures      integer NOT NULL,
  locked_until  timestamptz,
  updated_at    timestamptz NOT NULL
);

-- What happened, never a secret: no password, token, nonce value or session value.
CREATE TABLE audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL,
  event        text NOT NULL,
  outcome      text NOT NULL,
  account_id   integer,
  national_id  text,
  fingerprint  text,
  client       text,
  detail       jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);
