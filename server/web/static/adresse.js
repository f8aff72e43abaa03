// Mon compte answered at a one-time URL (the card login's completion, the app's "Ouvrir le service"): the address
// bar shows the page's own address instead — the one-time URL is spent, and a reload must show Mon compte, not an
// error. The page's own address is its breadcrumb's current link (one place: the template).
/* global document, history */
'use strict';

const here = document.querySelector('a[aria-current="page"]');
if (here) history.replaceState(null, '', here.href);
