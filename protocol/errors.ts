// The one closed list of error codes shared by the card layer, the CLI, the desktop UI and the account service.
// Runs everywhere (Node, Electron main, utility process, renderer): imports nothing platform-specific.
//
// Adding a code is a protocol change: give it a French and an English message, say whether the user can
// simply try again, which CLI exit class it belongs to, and the HTTP status the service answers with.

/** The languages every face speaks, French first (the default). */
export const LANGS = ['fr', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export function isLang(value: unknown): value is Lang {
  return (LANGS as readonly unknown[]).includes(value);
}

/** CLI exit classes: scripts branch on these, so they never change meaning. */
export const ExitClass = {
  ok: 0,
  usage: 2,
  middleware: 3,
  reader: 4,
  card: 5,
  pin: 6,
  certificate: 7,
  token: 8,
  account: 9,
  network: 10,
  internal: 70,
} as const;
export type ExitClass = keyof typeof ExitClass;

interface ErrorSpec {
  readonly fr: string;
  readonly en: string;
  /**
   * True when the same request, sent again as it was, may succeed (possibly after the user does something outside
   * it: plugging a reader, waiting). An error fixed by changing what was sent (a password, a form field) is not.
   */
  readonly retriable: boolean;
  /** The card refused the PIN without blocking: the signing operation asks for it again, with this error shown. */
  readonly reaskPin?: true;
  readonly exit: ExitClass;
  readonly http: number;
  /**
   * More specific sentences for the same code, chosen by the `variant` param: scripts keep branching on one code
   * while the reader gets the sentence for their case (a module IT configured on purpose vs. none installed).
   */
  readonly variants?: Readonly<Record<string, { readonly fr: string; readonly en: string }>>;
}

// Messages may use {{name}} placeholders filled from the error's params (never from a PIN or a password), and
// {{name|singular|plural}} for a count followed by its noun, agreed by the language's plural rules. A ({{detail}})
// may be filled with a reason's words (REASONS below).
const spec = {
  // --- middleware (PKCS#11 module) ---
  MODULE_NOT_FOUND: {
    fr: "Le logiciel de la carte (Cryptolib CPS) est introuvable sur ce poste. Installez-le depuis le site de l'ANS ou demandez-le à votre service informatique.",
    en: 'The card middleware (Cryptolib CPS) was not found on this computer. Install it from the ANS website or ask your IT department.',
    retriable: false, exit: 'middleware', http: 500,
    variants: {
      configured: {
        fr: "Le module PKCS#11 configuré ({{setting}} = {{path}}) est introuvable : aucun fichier à cet emplacement. Corrigez ce réglage ou installez le module à cet endroit ; CPx Link n'utilise pas d'autre module à sa place.",
        en: 'The configured PKCS#11 module ({{setting}} = {{path}}) was not found: there is no file at that location. Correct the setting or install the module there; CPx Link does not use another module instead.',
      },
    },
  },
  MODULE_LOAD_FAILED: {
    fr: "Le logiciel de la carte est présent mais n'a pas pu être chargé ({{detail}}). Réinstallez Cryptolib CPS.",
    en: 'The card middleware is installed but could not be loaded ({{detail}}). Reinstall Cryptolib CPS.',
    retriable: false, exit: 'middleware', http: 500,
    variants: {
      configured: {
        fr: "Le module PKCS#11 configuré ({{setting}} = {{path}}) n'a pas pu être chargé ({{detail}}). Corrigez ce réglage ou réinstallez ce module ; CPx Link n'utilise pas d'autre module à sa place.",
        en: 'The configured PKCS#11 module ({{setting}} = {{path}}) could not be loaded ({{detail}}). Correct the setting or reinstall that module; CPx Link does not use another module instead.',
      },
    },
  },
  MODULE_WRONG_ARCH: {
    fr: "Le logiciel de la carte installé ne correspond pas à l'architecture de ce poste ({{detail}}). Installez la version 64 bits de Cryptolib CPS.",
    en: 'The installed card middleware does not match this computer’s architecture ({{detail}}). Install the 64-bit Cryptolib CPS.',
    retriable: false, exit: 'middleware', http: 500,
    variants: {
      configured: {
        fr: "Le module PKCS#11 configuré ({{setting}} = {{path}}) n'est pas construit pour l'architecture de ce logiciel ({{detail}}). Configurez la version du module qui correspond ; CPx Link n'utilise pas d'autre module à sa place.",
        en: 'The configured PKCS#11 module ({{setting}} = {{path}}) is not built for this software’s architecture ({{detail}}). Configure the matching version of the module; CPx Link does not use another module instead.',
      },
    },
  },
  // --- readers and cards ---
  NO_READER: {
    fr: "Aucun lecteur de carte n'est détecté. Branchez le lecteur, puis réessayez.",
    en: 'No card reader detected. Plug in the reader, then try again.',
    retriable: true, exit: 'reader', http: 409,
  },
  READER_NOT_FOUND: {
    fr: "Le lecteur n° {{reader}} n'existe pas sur ce poste.",
    en: 'Reader number {{reader}} does not exist on this computer.',
    retriable: false, exit: 'usage', http: 400,
  },
  NO_CARD: {
    fr: "Aucune carte CPx dans le lecteur. Insérez votre carte, puce vers le haut.",
    en: 'No CPx card in the reader. Insert your card, chip facing up.',
    retriable: true, exit: 'reader', http: 409,
  },
  CARD_REMOVED: {
    fr: "La carte a été retirée pendant l'opération. Réinsérez-la puis recommencez.",
    en: 'The card was removed during the operation. Insert it again and start over.',
    retriable: true, exit: 'card', http: 409,
  },
  READER_REMOVED: {
    fr: "Le lecteur de carte a été débranché pendant l'opération. Rebranchez-le, puis recommencez.",
    en: 'The card reader was unplugged during the operation. Plug it in again, then start over.',
    retriable: true, exit: 'reader', http: 409,
  },
  CARD_NOT_RECOGNISED: {
    fr: "Cette carte n'est pas reconnue comme une carte CPx.",
    en: 'This card is not recognised as a CPx card.',
    retriable: false, exit: 'card', http: 422,
  },
  NO_AUTH_CERTIFICATE: {
    fr: "La carte ne contient pas de certificat d'authentification : elle ne permet pas de se connecter.",
    en: 'The card has no authentication certificate: it cannot be used to log in.',
    retriable: false, exit: 'certificate', http: 422,
  },
  CERT_EXPIRED: {
    fr: "Le certificat de la carte a expiré le {{date}}. Commandez une nouvelle carte auprès de l'ANS.",
    en: 'The card’s certificate expired on {{date}}. Order a new card from the ANS.',
    retriable: false, exit: 'certificate', http: 401,
  },
  CERT_NOT_YET_VALID: {
    fr: "Le certificat de la carte n'est pas encore valide (à partir du {{date}}). Vérifiez la date de ce poste.",
    en: 'The card’s certificate is not valid yet (from {{date}}). Check this computer’s date.',
    retriable: false, exit: 'certificate', http: 401,
  },
  // --- PIN ---
  PIN_INCORRECT: {
    fr: 'Code porteur incorrect. Il vous reste {{triesLeft|essai|essais}} avant le blocage de la carte.',
    en: 'Incorrect PIN. {{triesLeft|attempt|attempts}} left before the card is blocked.',
    retriable: true, exit: 'pin', http: 401,
    reaskPin: true, // a wrong PIN with tries left: the user types it again, seeing how many are left
  },
  PIN_LOCKED: {
    fr: 'La carte est bloquée après trois codes porteur erronés. Débloquez-la avec votre code de déblocage (PUK) : « Débloquer avec le code PUK » dans CPx Link, ou à défaut l’outil de gestion de Cryptolib CPS.',
    en: 'The card is blocked after three wrong PINs. Unblock it with your unblocking code (PUK): "Unblock with the PUK" in CPx Link, or else the Cryptolib CPS management tool.',
    retriable: false, exit: 'pin', http: 423,
  },
  PIN_FORMAT: {
    fr: 'Le code porteur doit comporter de {{min}} à {{max}} chiffres.',
    en: 'The PIN must be {{min}} to {{max}} digits.',
    retriable: true, exit: 'pin', http: 400,
  },
  PIN_FINAL_TRY: {
    fr: "Attention : dernier essai. Un code erroné bloquera la carte. Confirmez pour continuer.",
    en: 'Warning: last attempt. A wrong PIN will block the card. Confirm to continue.',
    retriable: true, exit: 'pin', http: 409,
    reaskPin: true, // asked again with the confirmation box the last try needs
  },
  PINPAD_TIMEOUT: {
    fr: "Aucun code n'a été saisi sur le lecteur à temps. Recommencez.",
    en: 'No PIN was typed on the reader in time. Start over.',
    retriable: true, exit: 'pin', http: 408,
    reaskPin: true, // nothing typed on the pad, no try spent
  },
  PIN_PROMPT_TIMEOUT: {
    fr: "Aucun code n'a été saisi pendant {{minutes|minute|minutes}} : la demande a été fermée et rien n'a été envoyé. Recommencez quand vous êtes prêt.",
    en: 'No PIN was typed for {{minutes|minute|minutes}}: the request was closed and nothing was sent. Start again when you are ready.',
    retriable: true, exit: 'pin', http: 408,
  },
  CANCELLED: {
    fr: 'Opération annulée.',
    en: 'Operation cancelled.',
    retriable: true, exit: 'pin', http: 499,
  },
  // --- the card's own PIN management (change, unblock with the PUK) ---
  NEW_PIN_MISMATCH: {
    fr: 'Les deux saisies du nouveau code porteur sont différentes. Rien n’a été changé : saisissez-le de nouveau.',
    en: 'The two entries of the new PIN differ. Nothing was changed: type it again.',
    retriable: true, exit: 'pin', http: 400,
  },
  PUK_FORMAT: {
    fr: 'Le code de déblocage (PUK) comporte {{length}} chiffres. Rien n’a été envoyé à la carte : vérifiez-le et recommencez.',
    en: 'The unblocking code (PUK) has {{length}} digits. Nothing was sent to the card: check it and try again.',
    retriable: true, exit: 'pin', http: 400,
  },
  PUK_INCORRECT: {
    fr: 'Code de déblocage (PUK) incorrect. Il vous reste {{triesLeft|essai|essais}} avant que la carte ne puisse plus être débloquée.',
    en: 'Incorrect unblocking code (PUK). {{triesLeft|attempt|attempts}} left before the card can no longer be unblocked.',
    retriable: true, exit: 'pin', http: 401,
  },
  PUK_BLOCKED: {
    fr: "Le code de déblocage (PUK) est bloqué : cette carte ne peut plus être débloquée. Commandez une nouvelle carte auprès de l'ANS.",
    en: 'The unblocking code (PUK) is blocked: this card can no longer be unblocked. Order a new card from the ANS.',
    retriable: false, exit: 'pin', http: 423,
  },
  PIN_MANAGEMENT_UNSUPPORTED: {
    fr: "Le logiciel de la carte ou le lecteur ne permet pas de changer ou de débloquer le code porteur ({{detail}}). Utilisez l'outil de gestion de Cryptolib CPS ou contactez votre service informatique.",
    en: 'The card middleware or reader cannot change or unblock the PIN ({{detail}}). Use the Cryptolib CPS management tool or contact your IT department.',
    retriable: false, exit: 'middleware', http: 501,
  },
  // --- card service ---
  DEVICE_ERROR: {
    fr: 'Le lecteur ou la carte ne répond pas correctement ({{detail}}). Retirez et réinsérez la carte.',
    en: 'The reader or card is not responding properly ({{detail}}). Remove and reinsert the card.',
    retriable: true, exit: 'card', http: 502,
  },
  SERVICE_CRASHED: {
    fr: "Le logiciel de la carte s'est arrêté brutalement. CPx Link l'a redémarré : recommencez l'opération.",
    en: 'The card middleware crashed. CPx Link restarted it: try the operation again.',
    retriable: true, exit: 'middleware', http: 502,
  },
  SERVICE_BUSY: {
    fr: 'Une autre opération sur la carte est en cours. Patientez quelques secondes.',
    en: 'Another card operation is in progress. Wait a few seconds.',
    retriable: true, exit: 'card', http: 409,
  },
  // --- request checks done by the client before touching the card ---
  INVALID_ORIGIN: {
    fr: "L'adresse du service ({{detail}}) n'est pas valide : https://hôte[:port] attendu, sans chemin (http seulement en local).",
    en: 'The service address ({{detail}}) is not valid: expected https://host[:port] without a path (http only on loopback).',
    retriable: false, exit: 'usage', http: 400,
  },
  ORIGIN_NOT_ALLOWED: {
    fr: "Le service {{detail}} ne fait pas partie des services autorisés sur ce poste.",
    en: 'The service {{detail}} is not on this computer’s list of allowed services.',
    retriable: false, exit: 'usage', http: 403,
  },
  INVALID_NONCE: {
    fr: 'Le défi envoyé par le service est invalide (44 à 128 caractères base64 attendus).',
    en: 'The challenge sent by the service is invalid (44 to 128 base64 characters expected).',
    retriable: false, exit: 'usage', http: 400,
  },
  // --- token validation (server side, also the CLI's verify-token) ---
  TOKEN_SIZE: {
    fr: "Le jeton d'authentification a une taille invalide (100 à 10 000 caractères attendus).",
    en: 'The authentication token has an invalid size (100 to 10,000 characters expected).',
    retriable: false, exit: 'token', http: 400,
  },
  TOKEN_MALFORMED: {
    fr: "Le jeton d'authentification est mal formé ({{detail}}).",
    en: 'The authentication token is malformed ({{detail}}).',
    retriable: false, exit: 'token', http: 400,
  },
  TOKEN_FORMAT_UNSUPPORTED: {
    fr: "Le format du jeton ({{detail}}) n'est pas pris en charge : web-eid:1 attendu.",
    en: 'Token format ({{detail}}) is not supported: web-eid:1 expected.',
    retriable: false, exit: 'token', http: 400,
  },
  TOKEN_ALGORITHM_UNSUPPORTED: {
    fr: "L'algorithme de signature du jeton ({{detail}}) n'est pas pris en charge ou ne correspond pas à la clé.",
    en: 'The token’s signature algorithm ({{detail}}) is unsupported or does not match the key.',
    retriable: false, exit: 'token', http: 400,
  },
  TOKEN_SIGNATURE_INVALID: {
    fr: "La signature du jeton ne correspond pas au défi et à l'adresse du service attendus.",
    en: 'The token signature does not match the expected challenge and service address.',
    retriable: false, exit: 'token', http: 401,
  },
  CERT_MALFORMED: {
    fr: 'Le certificat contenu dans le jeton est illisible.',
    en: 'The certificate in the token cannot be decoded.',
    retriable: false, exit: 'certificate', http: 400,
  },
  CERT_KEY_UNSUPPORTED: {
    fr: "La clé de ce certificat n'est pas celle d'une carte d'authentification ({{detail}}) : clé RSA de 2048 à 4096 bits d'exposant 65537, ou clé EC P-256, P-384 ou P-521 attendue.",
    en: 'This certificate’s key is not an authentication card’s ({{detail}}): an RSA key of 2048 to 4096 bits with exponent 65537, or an EC P-256, P-384 or P-521 key, is expected.',
    retriable: false, exit: 'certificate', http: 401,
  },
  CERT_PURPOSE_INVALID: {
    fr: "Ce certificat n'est pas un certificat d'authentification ({{detail}}).",
    en: 'This certificate is not an authentication certificate ({{detail}}).',
    retriable: false, exit: 'certificate', http: 401,
  },
  CERT_POLICY_REJECTED: {
    fr: "La politique de ce certificat n'est pas acceptée par le service ({{detail}}).",
    en: 'This certificate’s policy is not accepted by the service ({{detail}}).',
    retriable: false, exit: 'certificate', http: 401,
  },
  CERT_UNTRUSTED: {
    fr: "Le certificat n'a pas été émis par une autorité de confiance (IGC-Santé) ({{detail}}).",
    en: 'The certificate was not issued by a trusted authority (IGC-Santé) ({{detail}}).',
    retriable: false, exit: 'certificate', http: 401,
  },
  CERT_REVOKED: {
    fr: 'Le certificat de cette carte a été révoqué : la carte ne peut plus être utilisée.',
    en: 'This card’s certificate has been revoked: the card can no longer be used.',
    retriable: false, exit: 'certificate', http: 401,
  },
  REVOCATION_UNAVAILABLE: {
    fr: "L'état de révocation du certificat n'a pas pu être vérifié ({{detail}}).",
    en: 'The certificate’s revocation status could not be checked ({{detail}}).',
    retriable: true, exit: 'certificate', http: 503,
  },
  NONCE_UNKNOWN: {
    fr: 'Ce défi est inconnu ou a déjà été utilisé. Recommencez la connexion.',
    en: 'This challenge is unknown or was already used. Start the login again.',
    retriable: true, exit: 'token', http: 401,
  },
  NONCE_EXPIRED: {
    fr: 'Le défi a expiré (5 minutes). Recommencez la connexion.',
    en: 'The challenge expired (5 minutes). Start the login again.',
    retriable: true, exit: 'token', http: 401,
  },
  // --- accounts (reference service) ---
  CREDENTIALS_INVALID: {
    fr: "Nom d'utilisateur ou mot de passe incorrect.",
    en: 'Incorrect username or password.',
    retriable: false, exit: 'account', http: 401,
  },
  ACCOUNT_INACTIVE: {
    fr: "Ce compte n'est pas actif. Contactez le référent de votre établissement.",
    en: 'This account is not active. Contact your establishment’s referent.',
    retriable: false, exit: 'account', http: 403,
  },
  CARD_NOT_ACCEPTED: {
    fr: "Cette carte n'est pas acceptée par ce service : l'autorité qui a émis son certificat ({{detail}}) n'est pas parmi celles qu'il reconnaît. Aucun code porteur n'a été demandé. Utilisez une carte acceptée par ce service ou contactez son support.",
    en: 'This card is not accepted by this service: the authority that issued its certificate ({{detail}}) is not one it recognises. No PIN was asked for. Use a card this service accepts or contact its support.',
    retriable: false, exit: 'certificate', http: 403,
  },
  CARD_ALREADY_LINKED: {
    fr: 'Cette carte est déjà associée à un autre compte. Contactez le support pour la détacher.',
    en: 'This card is already linked to another account. Contact support to unlink it.',
    retriable: false, exit: 'account', http: 409,
  },
  CARD_NOT_LINKED: {
    fr: "Cette carte n'est encore associée à aucun compte : faites votre première connexion par carte CPx.",
    en: 'This card is not linked to any account yet: do your first CPx card login.',
    retriable: false, exit: 'account', http: 404,
  },
  ACCOUNT_EXISTS: {
    fr: 'Un compte existe déjà pour ce professionnel. Utilisez l’Espace professionnel.',
    en: 'An account already exists for this professional. Use the professional space.',
    retriable: false, exit: 'account', http: 409,
  },
  INDEPENDENT_DOCTOR_ONLY: {
    fr: "L'Espace médecin libéral est réservé aux médecins titulaires d'une carte CPS.",
    en: 'The independent doctor space is for doctors holding a CPS card only.',
    retriable: false, exit: 'account', http: 403,
  },
  PROFILE_INVALID: {
    fr: 'Certains champs sont invalides : {{detail}}.',
    en: 'Some fields are invalid: {{detail}}.',
    retriable: false, exit: 'account', http: 422,
  },
  TICKET_INVALID: {
    fr: "Cette première connexion a expiré ou a déjà été faite. Reconnectez-vous par carte CPx pour recommencer.",
    en: 'This first login has expired or was already completed. Log in with your CPx card again to start over.',
    retriable: false, exit: 'account', http: 410,
  },
  // --- browser login (a transaction started by the service's page, finished by the app and the browser) ---
  LINK_INVALID: {
    fr: "Ce lien de connexion CPx Link n'est pas valide ({{detail}}). Rien n'a été envoyé : recommencez depuis la page du service.",
    en: 'This CPx Link login link is not valid ({{detail}}). Nothing was sent: start again from the service’s page.',
    retriable: false, exit: 'usage', http: 400,
  },
  TRANSACTION_UNKNOWN: {
    fr: "Cette demande de connexion est inconnue ou a déjà servi. Recommencez depuis la page du service.",
    en: 'This login request is unknown or was already used. Start again from the service’s page.',
    retriable: false, exit: 'account', http: 404,
  },
  TRANSACTION_EXPIRED: {
    fr: "Cette demande de connexion a expiré (5 minutes). Recommencez depuis la page du service.",
    en: 'This login request has expired (5 minutes). Start again from the service’s page.',
    retriable: false, exit: 'account', http: 410,
  },
  TRANSACTION_OTHER_BROWSER: {
    fr: "Cette connexion a été demandée depuis un autre navigateur : elle ne peut pas être terminée ici. Si vous n'êtes pas à l'origine de cette demande, ignorez-la.",
    en: 'This login was requested from another browser: it cannot be completed here. If you did not ask for it, ignore it.',
    retriable: false, exit: 'account', http: 403,
  },
  FORM_EXPIRED: {
    fr: "La page a expiré. Rechargez-la puis recommencez.",
    en: 'The page has expired. Reload it, then try again.',
    retriable: true, exit: 'usage', http: 403,
  },
  RATE_LIMITED: {
    fr: 'Trop de tentatives. Réessayez dans {{retryAfter}} secondes.',
    en: 'Too many attempts. Try again in {{retryAfter}} seconds.',
    retriable: true, exit: 'account', http: 429,
  },
  SESSION_INVALID: {
    fr: 'Votre session a expiré. Reconnectez-vous par carte.',
    en: 'Your session has expired. Log in again with your card.',
    retriable: true, exit: 'account', http: 401,
  },
  BAD_REQUEST: {
    fr: 'Requête invalide ({{detail}}).',
    en: 'Invalid request ({{detail}}).',
    retriable: false, exit: 'usage', http: 400,
  },
  NOT_FOUND: {
    fr: 'Ressource introuvable.',
    en: 'Not found.',
    retriable: false, exit: 'usage', http: 404,
  },
  // --- network, seen from the app and the CLI ---
  SERVICE_UNREACHABLE: {
    fr: "Le service ne répond pas ({{detail}}). Vérifiez votre connexion réseau puis réessayez.",
    en: 'The service is not responding ({{detail}}). Check your network connection, then try again.',
    retriable: true, exit: 'network', http: 503,
  },
  INTERNAL_ERROR: {
    fr: 'Erreur interne inattendue ({{detail}}). Enregistrez un rapport de diagnostic et envoyez-le au support.',
    en: 'Unexpected internal error ({{detail}}). Save a diagnostic report and send it to support.',
    retriable: false, exit: 'internal', http: 500,
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof spec;
export const ERROR_CODES = Object.freeze(Object.keys(spec) as ErrorCode[]);
export const ERRORS: Readonly<Record<ErrorCode, ErrorSpec>> = spec;

// Why a check failed, in words, for the messages that end with a ({{detail}}): a closed list like the codes, so the
// detail speaks the message's language. An error names one in its params (`because(…)`); the reason's own
// placeholders are filled from the same params. A plain `detail` param stays for what needs no words in either
// language: an algorithm, an OID, a URL, a PKCS#11 return code.
const reasons = {
  // --- token and certificate checks (the validator) ---
  TOKEN_NOT_OBJECT: { fr: 'objet JSON attendu', en: 'JSON object expected' },
  FIELD_MISSING: { fr: '{{field}} manquant', en: '{{field}} missing' },
  ALGORITHM_KEY_MISMATCH: { fr: '{{algorithm}} avec une clé {{key}}', en: '{{algorithm}} with a {{key}} key' },
  KEY_USAGE_ABSENT: { fr: 'keyUsage absent', en: 'no keyUsage' },
  SIGNATURE_CERTIFICATE: { fr: 'certificat de signature (nonRepudiation)', en: 'signature certificate (nonRepudiation)' },
  NO_DIGITAL_SIGNATURE: { fr: 'keyUsage sans digitalSignature', en: 'keyUsage without digitalSignature' },
  NO_CLIENT_AUTH: { fr: 'extendedKeyUsage sans clientAuth', en: 'extendedKeyUsage without clientAuth' },
  POLICY_DENIED: { fr: 'politique refusée {{policy}}', en: 'policy {{policy}} refused' },
  POLICY_NOT_ALLOWED: { fr: 'politique non autorisée {{policy}}', en: 'policy {{policy}} not allowed' },
  NO_POLICY: { fr: 'aucune politique de certification', en: 'no certificate policy' },
  NO_TRUST_ANCHOR: { fr: 'aucune ancre de confiance configurée', en: 'no trust anchor configured' },
  CRITICAL_EXTENSION: { fr: 'extension critique non prise en charge {{oid}}', en: 'unsupported critical extension {{oid}}' },
  ISSUER_UNKNOWN: { fr: 'émetteur inconnu : {{issuer}}', en: 'unknown issuer: {{issuer}}' },
  ISSUER_KEY_ID_MISMATCH: { fr: "identifiant de clé de l'émetteur différent ({{ca}})", en: 'issuer key identifier differs ({{ca}})' },
  ISSUER_SIGNATURE_INVALID: { fr: "signature de l'émetteur invalide ({{ca}})", en: 'invalid issuer signature ({{ca}})' },
  ISSUER_NOT_CA: { fr: "l'émetteur n'est pas une autorité ({{ca}})", en: 'the issuer is not a certification authority ({{ca}})' },
  ISSUER_CANNOT_SIGN: { fr: "l'émetteur ne peut pas signer de certificats ({{ca}})", en: 'the issuer may not sign certificates ({{ca}})' },
  PATH_TOO_LONG: { fr: 'longueur de chaîne dépassée ({{ca}}, pathLen {{pathLen}})', en: 'chain too long ({{ca}}, pathLen {{pathLen}})' },
  CA_CRITICAL_EXTENSION: { fr: 'extension critique non prise en charge {{oid}} ({{ca}})', en: 'unsupported critical extension {{oid}} ({{ca}})' },
  CA_OUT_OF_VALIDITY: { fr: 'autorité hors de sa période de validité ({{ca}})', en: 'authority outside its validity period ({{ca}})' },
  // --- revocation (CRLs) ---
  NO_CRL: { fr: 'aucune LCR pour {{ca}}', en: 'no CRL for {{ca}}' },
  CRL_UNREACHABLE: { fr: 'LCR injoignable : {{where}} ({{cause}})', en: 'CRL unreachable: {{where}} ({{cause}})' },
  CRL_UNREADABLE: { fr: 'LCR illisible : {{where}} ({{cause}})', en: 'unreadable CRL: {{where}} ({{cause}})' },
  CRL_NOT_SIGNED_BY_CA: { fr: 'LCR non signée par {{ca}} : {{where}}', en: 'CRL not signed by {{ca}}: {{where}}' },
  CRL_EXPIRED: { fr: 'LCR périmée depuis le {{date}} : {{where}}', en: 'CRL out of date since {{date}}: {{where}}' },
} as const satisfies Record<string, { readonly fr: string; readonly en: string }>;

export type ReasonCode = keyof typeof reasons;
export const REASONS: Readonly<Record<ReasonCode, { readonly fr: string; readonly en: string }>> = reasons;

/** Values that may be shown to the user inside a message. Never put a PIN or a password here. */
export type ErrorParams = Readonly<Record<string, string | number>>;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(spec, value);
}

/**
 * Whether a failed request may be offered again as it was ("Réessayer"): the table decides for our codes; a code
 * this build does not know (a newer peer's) keeps what its sender said.
 */
export function isRetriable(body: Pick<ErrorBody, 'code' | 'retriable'>): boolean {
  return isErrorCode(body.code) ? spec[body.code].retriable : body.retriable === true;
}

/** Whether the signing operation asks for the PIN again after this error (the card refused it, not blocked). */
export function reasksPin(code: ErrorCode): boolean {
  return (spec[code] as ErrorSpec).reaskPin === true;
}

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(reasons, value);
}

/** The params of an error whose detail is `reason`, with the values the reason's words name. */
export function because(reason: ReasonCode, values: ErrorParams = {}): ErrorParams {
  return { ...values, reason };
}

/** `{{name}}`, or `{{name|singular|plural}}` for a count followed by its noun. */
const PLACEHOLDER = /\{\{(\w+)(?:\|([^|}]*)\|([^}]*))?\}\}/g;

/** The params a template reads, in order (a count's name too). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

function fill(template: string, lang: Lang, params: ErrorParams): string {
  return template.replace(PLACEHOLDER, (_, name: string, one?: string, other?: string) => {
    const v = params[name];
    if (v === undefined) return '?';
    return one === undefined ? String(v) : `${v} ${countNoun(lang, Number(v), one, other!)}`;
  }).replace(/ \(\?\)/g, '');
}

/** The params a message is filled from: a known reason becomes the detail, in the message's language. */
function withReason(lang: Lang, params: ErrorParams): ErrorParams {
  return isReasonCode(params.reason) ? { ...params, detail: fill(reasons[params.reason][lang], lang, params) } : params;
}

/** The code's words, or those of the variant its params name (e.g. which setting named a missing module). */
function template(code: ErrorCode, lang: Lang, params: ErrorParams): string {
  const variants = ERRORS[code].variants;
  const variant = variants && typeof params.variant === 'string' && Object.hasOwn(variants, params.variant) ? variants[params.variant] : undefined;
  return (variant ?? spec[code])[lang];
}

export function errorMessage(code: ErrorCode, lang: Lang = 'fr', params: ErrorParams = {}): string {
  return fill(template(code, lang, params), lang, withReason(lang, params));
}

/** The params `code`'s message (and its reason's words) would miss with these params. */
export function missingParams(code: ErrorCode, lang: Lang, params: ErrorParams): string[] {
  const names = placeholders(template(code, lang, params));
  if (isReasonCode(params.reason) && names.includes('detail')) names.push(...placeholders(reasons[params.reason][lang]));
  const filled = withReason(lang, params);
  return names.filter((n) => filled[n] === undefined);
}

/**
 * A body's message in `lang`: rendered again from the catalogue when the code is ours and the body carries every
 * param it needs, else the message the other side wrote (a newer peer's code, or params it kept to itself).
 */
export function bodyMessage(body: ErrorBody, lang: Lang): string {
  if (!isErrorCode(body.code)) return body.message;
  const params = body.params ?? {};
  if (missingParams(body.code, lang, params).length && body.message) return body.message;
  return errorMessage(body.code, lang, params);
}

/**
 * A body as a person reads it: the sentence (what happened, what to do) apart from the technical small print. A raw
 * detail the message only quotes in parentheses — a host and its socket error, a certificate's subject, a PKCS#11
 * return code — goes to `detail`, for the UI's "Détails" fold and the diagnostic report; a reason's words are written
 * for people and stay in the sentence.
 */
export function bodyForPeople(body: ErrorBody, lang: Lang): { message: string; detail: string | null } {
  const params = body.params ?? {};
  if (isErrorCode(body.code) && typeof params.detail === 'string' && !isReasonCode(params.reason)
    && template(body.code, lang, params).includes('({{detail}})')) {
    const { detail, ...rest } = params;
    if (missingParams(body.code, lang, rest).every((n) => n === 'detail')) return { message: errorMessage(body.code, lang, rest), detail };
  }
  return { message: bodyMessage(body, lang), detail: null };
}

/** French says "0 essai, 1 essai, 2 essais"; English "0 attempts, 1 attempt". */
export function countNoun(lang: Lang, n: number, one: string, other: string): string {
  return new Intl.PluralRules(lang).select(n) === 'one' ? one : other;
}

/** The wire form of an error: CLI `--json`, service bodies, IPC replies. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retriable?: boolean;
  params?: Record<string, string | number>;
}

export class CpxError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;
  constructor(code: ErrorCode, params: ErrorParams = {}, options?: { cause?: unknown }) {
    super(errorMessage(code, 'en', params), options);
    this.name = 'CpxError';
    this.code = code;
    this.params = params;
  }
  get retriable(): boolean { return spec[this.code].retriable; }
  toBody(lang: Lang = 'fr'): ErrorBody {
    return { code: this.code, message: errorMessage(this.code, lang, this.params), retriable: this.retriable,
      ...(Object.keys(this.params).length ? { params: { ...this.params } } : {}) };
  }
  static fromBody(body: { code: unknown; params?: unknown }): CpxError {
    const code = isErrorCode(body.code) ? body.code : 'INTERNAL_ERROR';
    const params = body.params && typeof body.params === 'object' ? body.params as ErrorParams : {};
    return new CpxError(code, code === body.code ? params : { detail: String(body.code) });
  }
}

/** Wraps anything thrown into a CpxError, keeping a CpxError as it is. */
export function toCpxError(err: unknown): CpxError {
  if (err instanceof CpxError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new CpxError('INTERNAL_ERROR', { detail: detail.slice(0, 200) }, { cause: err });
}
