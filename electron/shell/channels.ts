// Names shared by the main process and the two preloads. Kept free of any import so each preload bundle carries
// only these strings.

/** Electron IPC channels: one invoke channel for the whole AppInvokes contract, one event channel, three for the PIN. */
export const IPC = {
  invoke: 'cpx:invoke',
  event: 'cpx:event',
  pinRequest: 'cpx-pin:request',
  pinSubmit: 'cpx-pin:submit',
  pinCancel: 'cpx-pin:cancel',
} as const;

/** The renderer pages are served from this privileged custom scheme, never from file:// or http. */
export const APP_SCHEME = 'cpx-app';
export const APP_HOST = 'ui';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const MAIN_PAGE = `${APP_ORIGIN}/index.html`;
export const PIN_PAGE = `${APP_ORIGIN}/pin.html`;

/** In-memory session for every window: no cookies or cache on disk, and its own network and permission rules. */
export const UI_PARTITION = 'cpx-ui';
