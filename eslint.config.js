// Lint rules, above all the layer boundaries: each folder knows which process it runs in and what it may import.
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const pattern = (group, message) => ({ group, message });
// Where a glob cannot say it: a package name that is also a folder name, a folder but one of its subfolders.
const exactly = (name, message) => ({ name, message });
const regex = (source, message) => ({ regex: source, message });

// Imports each layer must never make (paths are globs on the import specifier).
const NODE_BUILTINS = ['node:*', 'fs', 'path', 'child_process', 'os', 'crypto', 'net', 'http', 'https'];
const SERVER_PACKAGES = ['fastify', '@fastify/*', 'pg', '@electric-sql/*'];
// Only the card service process loads a PKCS#11 module; everyone else reaches it through native/service/client.ts.
const PKCS11 = ['pkcs11js', 'graphene-pk11', '**/native/pkcs11/**', '**/native/sim/**'];
const PKCS11_MESSAGE = 'Only the card service process loads the PKCS#11 module: go through native/service/client.ts.';
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
    pattern(['pkcs11js', 'graphene-pk11', '**/native/**'],
      'electron/core/ knows the card service through its ports (ports.ts): the faces plug in native/service/client.ts.'),
    pattern(['../shell/**', '**/electron/shell/**', '**/cli/**', '**/renderer/**'], 'electron/core/ imports none of the faces that use it.'),
  ],
  // The app core, assembled once for the two faces that host it (Electron shell, bridge): the layers below, no face.
  appCore: [
    exactly('electron', 'app-core/ is shared with the development bridge: Electron-only code lives in electron/shell/.'),
    pattern(PKCS11, PKCS11_MESSAGE),
    pattern(['**/server/**', ...SERVER_PACKAGES], 'The app talks to the service over HTTP only.'),
    pattern(['**/electron/shell/**', '**/cli/**', '**/bridge/**', '**/renderer/**'], 'app-core/ imports none of the faces that use it.'),
  ],
  // The faces: each assembles the layers below it and none imports another face.
  electronShell: [
    pattern(PKCS11, PKCS11_MESSAGE),
    pattern(['**/server/**', ...SERVER_PACKAGES], 'The app talks to the service over HTTP only.'),
    pattern(['**/cli/**', '**/bridge/**', '**/renderer/**'], 'electron/shell/ is a face: it imports no other face (the renderer is loaded as pages, not imported).'),
  ],
  cli: [
    exactly('electron', 'The CLI runs in plain Node, outside the app.'),
    pattern(PKCS11, PKCS11_MESSAGE),
    regex('(^|/)server/(?!validator/)', 'The CLI uses the token validator (server/validator/) and nothing else of the service.'),
    pattern(SERVER_PACKAGES, 'The CLI uses the token validator (server/validator/) and nothing else of the service.'),
    pattern(['**/electron/**', '**/bridge/**', '**/renderer/**'], 'The CLI is a face: it imports no other face.'),
  ],
  bridge: [
    exactly('electron', 'The development bridge stands in for Electron, in plain Node.'),
    pattern(PKCS11, PKCS11_MESSAGE),
    pattern(['**/server/**', ...SERVER_PACKAGES], 'The bridge runs the reference service as its own process and talks to it over HTTP only.'),
    pattern(['**/electron/shell/**', '**/cli/**', '**/renderer/**'],
      'The bridge is a face: it reuses electron/core/, never electron/shell/ or another face (it serves the built renderer as files).'),
  ],
};

// A rule list mixes globs and regexes (patterns) with exact names (paths): each goes where the rule expects it.
const restrict = (rules) => ({
  'no-restricted-imports': ['error', {
    paths: rules.filter((r) => 'name' in r),
    patterns: rules.filter((r) => !('name' in r)),
  }],
});

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
  { files: ['app-core/**'], rules: restrict(forbidden.appCore) },
  { files: ['electron/shell/**'], rules: restrict(forbidden.electronShell) },
  { files: ['cli/**'], rules: restrict(forbidden.cli) },
  { files: ['bridge/**'], rules: restrict(forbidden.bridge) },
);
