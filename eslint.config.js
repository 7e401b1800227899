// Lint: typescript-eslint (type-aware on src/) plus the project's layer rule (eslint-rules/layers.js).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint-rules/layers.js';

/** Browser globals the dashboard may use (no `globals` package is installed). */
const BROWSER_GLOBALS = ['window', 'document', 'location', 'history', 'navigator', 'sessionStorage', 'fetch', 'console',
  'requestAnimationFrame', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'CSS', 'Event', 'Node', 'Element',
  'HTMLElement', 'KeyboardEvent', 'TextDecoderStream', 'AbortController', 'URL'];

/** Rules of the type-checked code (src/ and the dashboard). */
const TYPED_RULES = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': 'error',
  '@typescript-eslint/consistent-type-imports': 'error',
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
  '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
};

/** The layer rule alone; test/unit/lint/layers.test.ts runs it against checked-in violating fixtures. */
/** @type {import('eslint').Linter.Config} */
export const layerConfig = {
  files: ['**/*.ts'],
  languageOptions: { parser: tseslint.parser },
  plugins: { layers },
  rules: { 'layers/imports': 'error' },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'artifacts/', 'test/fixtures/', 'src/api/dashboard/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      ...TYPED_RULES,
      'no-control-regex': 'off',
    },
  },
  {
    // the web dashboard: browser code, type-checked against dashboard/tsconfig.json (lib DOM)
    files: ['dashboard/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: Object.fromEntries(BROWSER_GLOBALS.map((name) => [name, 'readonly'])),
    },
    rules: {
      ...TYPED_RULES,
      'no-restricted-imports': ['error', { patterns: [{ regex: '^node:', message: 'the dashboard runs in the browser' }] }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-control-regex': 'off',
    },
  },
  layerConfig,
);
