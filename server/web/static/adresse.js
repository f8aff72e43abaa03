// A page answered at a one-time URL (the card login's completion, the app's "Ouvrir le service"): the address bar
// shows the page's own address instead — the one-time URL is spent, and a reload must show the page, not an error.
// Async: nothing waits for it (the address is on the script's own tag, no need for the document to be parsed).
/* global document, history */
'use strict';

const address = document.currentScript && document.currentScript.dataset.adresse;
if (address) history.replaceState(null, '', address);
