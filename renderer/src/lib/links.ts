// Pages the UI may ask the host to open in the system browser (the host checks them against its allow list).
export { CRYPTOLIB_HELP_URL } from '../../../protocol/help-links.ts';
