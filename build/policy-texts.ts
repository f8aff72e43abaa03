// What IT reads about each setting in the group policy editor (French and English ADML) and in the deployment
// guide, with an example value. Everything else about a setting — its name, registry value type, whether it is a
// list or a choice and which values it takes, its longest text — comes from electron/core/settings-schema.ts, so
// this file holds words only. build/gen-policies.ts puts the two together.

import type { Lang } from '../protocol/errors.ts';
import type { SettingKey, SettingValues } from '../electron/core/settings-schema.ts';

export interface PolicyText {
  /** The policy's name in the editor, and the guide's "setting" column (English). */
  name: string;
  /** The editor's explanation, one string per paragraph; the registry value sentence is added after them. */
  explain: readonly string[];
  /** The label in front of the value field. */
  label: string;
  /** For a choice: the words for each value the schema lists. */
  choices?: Readonly<Record<string, string>>;
}

export interface SettingDoc<T> {
  /** Shown in the guide and written to the Linux example policy file… */
  example: NonNullable<T>;
  /** …unless Linux needs another one (a module path). */
  linuxExample?: NonNullable<T>;
  fr: PolicyText;
  en: PolicyText;
}

export const SETTING_DOCS: { [K in SettingKey]: SettingDoc<SettingValues[K]> } = {
  serviceUrl: {
    example: 'https://orientation.sante-centre.fr',
    fr: {
      name: 'Adresse du service',
      explain: [
        'Adresse du service de comptes auquel CPx Link associe les cartes et connecte les professionnels, par exemple https://orientation.sante-centre.fr.',
        "Le service doit être en https (http n'est accepté que sur ce poste même, 127.0.0.1 ou localhost). Si la liste « Services autorisés » est définie, ce service doit en faire partie.",
      ],
      label: 'Adresse du service :',
    },
    en: {
      name: 'Service address',
      explain: [
        'Address of the account service CPx Link links cards to and logs professionals in to, for example https://orientation.sante-centre.fr.',
        'The service must use https (plain http is accepted only on this computer itself, 127.0.0.1 or localhost). When "Allowed services" is set, this service must be on that list.',
      ],
      label: 'Service address:',
    },
  },
  allowedOrigins: {
    example: ['https://orientation.sante-centre.fr', 'https://aide.sante-centre.fr'],
    fr: {
      name: 'Services autorisés',
      explain: [
        'Liste des seules origines (https://hôte[:port], une par ligne) que CPx Link peut contacter et dont il peut ouvrir les liens dans le navigateur.',
        "Sans cette liste, seul le service configuré dans « Adresse du service » est autorisé. Toute autre adresse est refusée, même si l'utilisateur la saisit.",
      ],
      label: 'Services autorisés (une origine par ligne) :',
    },
    en: {
      name: 'Allowed services',
      explain: [
        'The only origins (https://host[:port], one per line) CPx Link may contact and whose links it may open in the browser.',
        'Without this list, only the service set in "Service address" is allowed. Any other address is refused, even if the user types it.',
      ],
      label: 'Allowed services (one origin per line):',
    },
  },
  pkcs11Module: {
    example: '%WINDIR%\\System32\\cps3_pkcs11_w64.dll',
    linuxExample: '/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so',
    fr: {
      name: 'Module PKCS#11 de la carte',
      explain: [
        "Chemin complet du module PKCS#11 à utiliser pour lire les cartes CPx, essayé avant Cryptolib CPS et OpenSC. Les variables d'environnement sont acceptées, par exemple %WINDIR%\\System32\\cps3_pkcs11_w64.dll.",
        'À ne définir que si Cryptolib CPS est installé à un emplacement non standard.',
      ],
      label: 'Chemin du module :',
    },
    en: {
      name: 'Card PKCS#11 module',
      explain: [
        'Full path of the PKCS#11 module used to read CPx cards, tried before Cryptolib CPS and OpenSC. Environment variables are expanded, for example %WINDIR%\\System32\\cps3_pkcs11_w64.dll.',
        'Only set this when Cryptolib CPS is installed in a non-standard place.',
      ],
      label: 'Module path:',
    },
  },
  language: {
    example: 'fr',
    fr: {
      name: "Langue de l'application",
      explain: ["Langue de l'interface de CPx Link."],
      label: 'Langue :',
      choices: { fr: 'Français', en: 'Anglais' },
    },
    en: {
      name: 'Application language',
      explain: ['Language of the CPx Link interface.'],
      label: 'Language:',
      choices: { fr: 'French', en: 'English' },
    },
  },
  serviceName: {
    example: 'ViaTrajectoire — Centre-Val de Loire',
    fr: {
      name: 'Nom du service',
      explain: ["Le nom sous lequel les utilisateurs connaissent le service configuré, par exemple « ViaTrajectoire — Centre-Val de Loire ». La fenêtre « Code porteur » l'affiche, avec l'adresse du service en petits caractères. Sans ce réglage, elle affiche le nom que le service donne lui-même, ou son adresse."],
      label: 'Nom du service :',
    },
    en: {
      name: 'Service name',
      explain: ['The name users know the configured service by, for example "ViaTrajectoire — Centre-Val de Loire". The PIN window shows it, with the service\'s address as the small print. Without this setting it shows the name the service gives itself, or its address.'],
      label: 'Service name:',
    },
  },
  region: {
    example: 'centre-val-de-loire',
    fr: {
      name: 'Région',
      explain: ["Identifiant de la région dont CPx Link affiche l'aide « Comment obtenir un compte ? » et le contact du support, tel que le service le publie (par exemple centre-val-de-loire, grand-est, ile-de-france, normandie)."],
      label: 'Région :',
    },
    en: {
      name: 'Region',
      explain: ['Identifier of the region whose "Comment obtenir un compte ?" help and support contact CPx Link shows, as the service publishes it (for example centre-val-de-loire, grand-est, ile-de-france, normandie).'],
      label: 'Region:',
    },
  },
  supportContact: {
    example: 'Support informatique du GHT : 02 38 00 00 00',
    fr: {
      name: 'Contact du support',
      explain: ["Texte affiché aux utilisateurs pour joindre le support de l'établissement, par exemple « Support informatique du GHT : 02 38 00 00 00 »."],
      label: 'Contact du support :',
    },
    en: {
      name: 'Support contact',
      explain: ['Text shown to users to reach the establishment\'s support, for example "GHT IT support: 02 38 00 00 00".'],
      label: 'Support contact:',
    },
  },
  logging: {
    example: 'info',
    fr: {
      name: 'Journalisation',
      explain: ["Niveau du journal de CPx Link (fichier cpx-link.log du profil de l'utilisateur, avec rotation). Le code porteur, les mots de passe et les sessions n'y figurent jamais, quel que soit le niveau."],
      label: 'Niveau :',
      choices: { off: 'Désactivée', error: 'Erreurs et avertissements', info: 'Informations', debug: 'Débogage' },
    },
    en: {
      name: 'Logging',
      explain: ["Level of the CPx Link log (cpx-link.log in the user's profile, rotated). PINs, passwords and sessions are never written, whatever the level."],
      label: 'Level:',
      choices: { off: 'Off', error: 'Errors and warnings', info: 'Information', debug: 'Debug' },
    },
  },
};

/** The sentences every policy's explanation ends with, in each language. */
export const POLICY_WORDS: Record<Lang, {
  locked: string;
  registryValue: (name: string, type: string, choices?: readonly string[]) => string;
  byDefault: string;
}> = {
  fr: {
    locked: "Lorsque ce paramètre est activé, l'utilisateur ne peut pas le modifier.",
    registryValue: (name, type, choices) => `Valeur de registre : ${name} (${type}${choices ? ` : ${choices.join(', ')}` : ''}).`,
    byDefault: 'par défaut',
  },
  en: {
    locked: 'When this setting is enabled, users cannot change it.',
    registryValue: (name, type, choices) => `Registry value: ${name} (${type}${choices ? `: ${choices.join(', ')}` : ''}).`,
    byDefault: 'default',
  },
};
