// The one closed list of error codes shared by the card layer, the CLI, the desktop UI and the account service.
// Runs everywhere (Node, Electron main, utility process, renderer): imports nothing platform-specific.
//
// Adding a code is a protocol change: give it a French and an English message, say whether the user can
// simply try again, which CLI exit class it belongs to, and the HTTP status the service answers with.

export type Lang = 'fr' | 'en';

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
  /** True when the same action may simply be tried again (possibly after the user does something). */
  readonly retriable: boolean;
  readonly exit: ExitClass;
  readonly http: number;
}

// Messages may use {{name}} placeholders filled from the error's params (never from a PIN or a password), and
// {{name|singular|plural}} for a count followed by its noun, agreed by the language's plural rules.
const spec = {
  // --- middleware (PKCS#11 module) ---
  MODULE_NOT_FOUND: {
    fr: "Le logiciel de la carte (Cryptolib CPS) est introuvable sur ce poste. Installez-le depuis le site de l'ANS ou demandez-le à votre service informatique.",
    en: 'The card middleware (Cryptolib CPS) was not found on this computer. Install it from the ANS website or ask your IT department.',
    retriable: false, exit: 'middleware', http: 500,
  },
  MODULE_LOAD_FAILED: {
    fr: "Le logiciel de la carte est présent mais n'a pas pu être chargé ({{detail}}). Réinstallez Cryptolib CPS.",
    en: 'The card middleware is installed but could not be loaded ({{detail}}). Reinstall Cryptolib CPS.',
    retriable: false, exit: 'middleware', http: 500,
  },
  MODULE_WRONG_ARCH: {
    fr: "Le logiciel de la carte installé ne correspond pas à l'architecture de ce poste ({{detail}}). Installez la version 64 bits de Cryptolib CPS.",
    en: 'The installed card middleware does not match this computer’s architecture ({{detail}}). Install the 64-bit Cryptolib CPS.',
    retriable: false, exit: 'middleware', http: 500,
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
  },
  PIN_LOCKED: {
    fr: 'La carte est bloquée après trois codes porteur erronés. Débloquez-la avec votre code de déblocage (PUK) dans l’outil de gestion de Cryptolib CPS.',
    en: 'The card is blocked after three wrong PINs. Unblock it with your unblocking code (PUK) in the Cryptolib CPS management tool.',
    retriable: false, exit: 'pin', http: 423,
  },
  PIN_FORMAT: {
    fr: 'Le code porteur doit comporter de 4 à 8 chiffres.',
    en: 'The PIN must be 4 to 8 digits.',
    retriable: true, exit: 'pin', http: 400,
  },
  PIN_FINAL_TRY: {
    fr: "Attention : dernier essai. Un code erroné bloquera la carte. Confirmez pour continuer.",
    en: 'Warning: last attempt. A wrong PIN will block the card. Confirm to continue.',
    retriable: true, exit: 'pin', http: 409,
  },
  PINPAD_TIMEOUT: {
    fr: "Aucun code n'a été saisi sur le lecteur à temps. Recommencez.",
    en: 'No PIN was typed on the reader in time. Start over.',
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
    retriable: true, exit: 'account', http: 401,
  },
  ACCOUNT_INACTIVE: {
    fr: "Ce compte n'est pas actif. Contactez le référent de votre établissement.",
    en: 'This account is not active. Contact your establishment’s referent.',
    retriable: false, exit: 'account', http: 403,
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
    retriable: true, exit: 'account', http: 422,
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

/** Values that may be shown to the user inside a message. Never put a PIN or a password here. */
export type ErrorParams = Readonly<Record<string, string | number>>;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(spec, value);
}

export function errorMessage(code: ErrorCode, lang: Lang = 'fr', params: ErrorParams = {}): string {
  const template = spec[code][lang];
  return template.replace(/\{\{(\w+)(?:\|([^|}]*)\|([^}]*))?\}\}/g, (_, name: string, one?: string, other?: string) => {
    const v = params[name];
    if (v === undefined) return '?';
    return one === undefined ? String(v) : `${v} ${countNoun(lang, Number(v), one, other!)}`;
  }).replace(/ \(\?\)/g, '');
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
