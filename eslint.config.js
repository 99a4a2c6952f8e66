// typescript-eslint's recommended rules over the server, workers, player, tests and tools.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'player/dist/', 'data/', '.build/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are deliberately unused (an argument a callback's shape requires).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // A test reads JSON answers it then asserts on field by field: typing each would only restate the assertions.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['player/src/**'], languageOptions: { globals: { ...globals.browser } } },
  // k6 scripts run in k6's own runtime, which provides these.
  { files: ['loadtest/**/k6-*.js', 'loadtest/**/*.k6.js'], languageOptions: { globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly' } } },
);
