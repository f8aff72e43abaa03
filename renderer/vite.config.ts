// Builds the two renderer pages (main window + PIN dialog) into renderer/dist with a relative base, so Electron can
// load them from file:// and the development bridge can serve them from any port.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be injected as code we don't need: Chromium (Electron and the test browser) has modulepreload.
    modulePreload: { polyfill: false },
    // Keep CSS in files: the pages run under a strict CSP without 'unsafe-inline'.
    cssCodeSplit: true,
    assetsInlineLimit: 0,
    rolldownOptions: {
      input: { index: `${root}index.html`, pin: `${root}pin.html` },
      // The build is small; a plugin-timing report on a loaded CI machine is noise, not news.
      checks: { pluginTimings: false },
    },
  },
});
