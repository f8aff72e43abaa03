// The card button of the login page: starts a browser login transaction, hands its cpxlink: link to CPx Link
// (and shows it as a button, in case the browser did not open the app), then waits until this browser has a
// session — the app finishes in the default browser, which shares this page's cookies — and opens "Mon compte".
/* global document, location, setTimeout */
'use strict';

const POLL_MS = 1000;
const button = document.getElementById('bouton-carte');
const state = document.getElementById('etat-carte');
const link = document.getElementById('lien-carte');
const problem = document.getElementById('erreur-carte');
const csrf = document.querySelector('input[name="_csrf"]').value;
let waiting = false;

function showProblem(message) {
  problem.textContent = message;
  problem.hidden = false;
  state.hidden = true;
  button.disabled = false;
  waiting = false;
}

async function poll() {
  if (!waiting) return;
  try {
    const res = await fetch(button.dataset.state, { credentials: 'same-origin', cache: 'no-store' });
    const answer = await res.json();
    if (answer.loggedIn) { location.assign(button.dataset.account); return; }
    if (!answer.waiting) { showProblem(button.dataset.expired); return; }
  } catch {
    // A network hiccup while the professional types their PIN: try again at the next tick.
  }
  setTimeout(poll, POLL_MS);
}

button.addEventListener('click', async () => {
  button.disabled = true;
  problem.hidden = true;
  try {
    const res = await fetch(button.dataset.start, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{}',
    });
    const answer = await res.json();
    if (!res.ok) { showProblem(answer.error.message); return; }
    link.href = answer.link;
    state.hidden = false;
    button.disabled = false;
    if (!waiting) { waiting = true; setTimeout(poll, POLL_MS); }
    location.href = answer.link;
  } catch {
    showProblem(button.dataset.unreachable);
  }
});
