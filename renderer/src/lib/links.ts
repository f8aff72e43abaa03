// Pages the UI may ask the host to open in the system browser (the host checks them against its allow list).
export const CRYPTOLIB_HELP_URL = 'https://industriels.esante.gouv.fr/produits-et-services/cps-et-socle-technique';
