// The linter: type-aware rules that tsc does not check (decision 0024). Formatting is Prettier's.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['**/dist/', '**/node_modules/', '.cache/', 'test/fixtures/', 'templates/', 'demo-mirror/', 'demo-app/'] },
  {
    files: ['**/*.ts', '**/*.mjs'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // tsconfig.json's program for the TypeScript; the .mjs files (not in it) get a default one.
        // bench/ grows one .mjs per bench: past typescript-eslint's default of 8 files, which only costs lint time here.
        projectService: {
          allowDefaultProject: ['bench/*.mjs', 'test/helpers/*.mjs', 'eslint.config.mjs'],
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection kills the CLI) and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a void one is expected (forEach, an event handler): its rejection goes nowhere.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `import type` says an import vanishes at run time (verbatimModuleSyntax keeps the others).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
);
