// Flat config: typescript-eslint's recommended rules over every TypeScript file we ship or test.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tap/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
      eqeqeq: ['error', 'always']
    }
  },
  {
    // Scripts a page loads as they are (no build step): the browser's globals they use.
    files: ['examples/*/public/**/*.js', 'test/helpers/client-page/*.js'],
    languageOptions: {
      globals: Object.fromEntries(['document', 'location', 'navigator', 'localStorage', 'sessionStorage', 'indexedDB', 'caches', 'fetch', 'Event', 'PageTransitionEvent', 'FormData', 'URLSearchParams', 'console', 'globalThis'].map((name) => [name, 'readonly']))
    }
  },
  {
    files: ['bench/**', 'examples/**', 'test/**'],
    rules: { 'no-console': 'off' }
  }
)
