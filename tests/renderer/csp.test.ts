// The UI's CSP is defined once (protocol/ui-csp.ts); the pages' meta tags, which cannot import it, must say the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { uiContentSecurityPolicy } from '../../protocol/ui-csp.ts';

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...v]) => [name!, v.join(' ')]));

for (const page of ['index.html', 'pin.html']) {
  test(`renderer/${page}: its CSP meta tag is the one definition`, () => {
    const html = readFileSync(new URL(`../../renderer/${page}`, import.meta.url), 'utf8');
    const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(metas, [uiContentSecurityPolicy('meta')]);
  });
}

test('every host states the same policy, bar where the page may connect and what only a header can say', () => {
  const [electron, bridge, meta] = (['electron', 'bridge', 'meta'] as const).map((h) => directives(uiContentSecurityPolicy(h)));
  assert.equal(electron!.get('connect-src'), "'none'", 'the Electron UI talks to main through its preload only');
  assert.equal(bridge!.get('connect-src'), "'self'");
  assert.equal(meta!.has('frame-ancestors'), false, 'ignored in a meta tag');
  for (const csp of [electron!, bridge!, meta!]) {
    assert.equal(csp.get('default-src'), "'none'");
    assert.equal(csp.get('script-src'), "'self'");
    assert.doesNotMatch([...csp.values()].join(' '), /unsafe-inline|unsafe-eval/);
  }
});
