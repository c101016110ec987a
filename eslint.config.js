import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'build/**', 'dist/**', 'crds/generated/**', 'config/charts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // The import picture (docs/ARCHITECTURE.md): e2e/ and bench/ on top; speaker/ and
  // operator/ side by side, never importing each other; lib/ below them; crds/ and native/
  // at the ground. Shipped folders never import a harness: the image copies them whole.
  // explain/ reads what both programs write, with their pure parts: it sits above them.
  layer('crds/**', ['lib', 'operator', 'speaker', 'explain', 'e2e', 'bench', 'hack', 'bin']),
  layer('native/**', ['crds', 'lib', 'operator', 'speaker', 'explain', 'e2e', 'bench', 'hack', 'bin']),
  layer('lib/**', ['operator', 'speaker', 'explain', 'e2e', 'bench', 'hack', 'bin']),
  layer('operator/**', ['speaker', 'explain', 'e2e', 'bench', 'hack', 'bin']),
  layer('speaker/**', ['operator', 'explain', 'e2e', 'bench', 'hack', 'bin']),
  layer('explain/**', ['e2e', 'bench', 'hack', 'bin']),
  layer('bin/**', ['e2e', 'bench', 'hack']),
);

/** A lint rule that forbids files matching `files` to import from the `above` folders. */
function layer(files, above) {
  return {
    files: [files],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: above.map((dir) => ({
          group: [`**/${dir}/**`],
          message: `${files.split('/')[0]}/ must not import from ${dir}/ (imports point down: see docs/ARCHITECTURE.md)`,
        })),
      }],
    },
  };
}
