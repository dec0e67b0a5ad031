import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// Layers: src/ ships, tools/ builds, test/ tests. src/ imports neither of the others, and tools/ does
// not import test/ (test/ may import both). Type-only imports are not followed by import-x/no-cycle
// (the rule always skips them; it has no option to include them), so a cycle made only of types passes.
const layers = [
  { target: './src', from: './tools', message: 'src/ ships and must not import tools/ (build code).' },
  { target: './src', from: './test', message: 'src/ ships and must not import test/.' },
  { target: './tools', from: './test', message: 'tools/ builds and must not import test/: move the code into test/ or out of it.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/orb/scripts/', '.tmp/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts', 'tools/**/*.ts', 'test/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // The sources import each other with explicit .ts extensions; import-x must parse .ts files to follow them.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layers }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'max-lines': ['error', { max: 200, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
);
