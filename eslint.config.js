// Lint rules, above all the layer boundaries: each folder knows which process it runs in and what it may import.
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const pattern = (group, message) => ({ group, message });

// Imports each layer must never make (paths are globs on the import specifier).
const NODE_BUILTINS = ['node:*', 'fs', 'path', 'child_process', 'os', 'crypto', 'net', 'http', 'https'];
const forbidden = {
  protocol: [
    pattern(['electron', 'pkcs11js', 'graphene-pk11', 'fastify', '@fastify/*', 'pg', '@electric-sql/*', ...NODE_BUILTINS],
      'protocol/ is shared by every process, the renderer included: no Electron, PKCS#11, server framework or Node built-ins.'),
    pattern(['**/native/**', '**/server/**', '**/electron/**', '**/cli/**', '**/bridge/**', '**/renderer/**'],
      'protocol/ imports nothing of the layers that use it.'),
  ],
  renderer: [
    pattern(['electron', 'pkcs11js', 'graphene-pk11', 'fastify', '@peculiar/*', ...NODE_BUILTINS],
      'The renderer is sandboxed web content: it reaches the host only through window.cpx / window.cpxPin.'),
    pattern(['**/electron/**', '**/native/**', '**/server/**', '**/cli/**', '**/bridge/**'],
      'The renderer may import protocol/ only.'),
  ],
  native: [
    pattern(['electron'], 'The card layer runs in plain Node (CLI, tests) as well as in Electron: no electron import.'),
    pattern(['**/server/**', '**/cli/**', '**/electron/**', '**/bridge/**', 'fastify'], 'The card layer never imports the server or the faces that use it.'),
  ],
  server: [
    pattern(['electron'], 'The account service is not part of the desktop app.'),
    pattern(['**/native/**', '**/cli/**', '**/electron/**', '**/bridge/**', 'pkcs11js', 'graphene-pk11'], 'The server never imports the card layer.'),
  ],
  electronCore: [
    pattern(['electron'], 'electron/core/ is shared with the development bridge: Electron-only code lives in electron/shell/.'),
    pattern(['**/server/**', '**/bridge/**'], 'The app talks to the service over HTTP only.'),
  ],
};

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'renderer/dist/', 'native/sim/build/', '.cache/', 'tests/e2e/screenshots/', 'build/**/*.js', 'cli/bin/'] },
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] }, globals: globals.browser },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['protocol/**'], rules: restrict(forbidden.protocol) },
  { files: ['renderer/src/**'], rules: restrict(forbidden.renderer) },
  { files: ['native/**'], rules: restrict(forbidden.native) },
  { files: ['server/**'], rules: restrict(forbidden.server) },
  { files: ['electron/core/**'], rules: restrict(forbidden.electronCore) },
);
