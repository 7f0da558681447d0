// ESLint for the SPA: typescript-eslint's recommended rules, the React hooks rules, and the
// import boundaries of the layout (shared → features → app):
//   - no import cycles;
//   - components/ui, lib and graphql import no feature and nothing of app/;
//   - a feature never imports app/;
//   - code outside a feature reaches it only through the feature's index.ts.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const FEATURES = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/** Each feature is a zone of its own: from anywhere else, only its index.ts may be imported. */
const featureZones = FEATURES.map((f) => ({
  target: ['./src/app', './src/test', './src/main.tsx', `./src/features/!(${f})/**`],
  from: `./src/features/${f}/**`,
  except: [`**/src/features/${f}/index.ts`],
  message: `Import ${f} through src/features/${f}/index.ts.`,
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/graphql/generated.ts', 'e2e/screenshots/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'import-x': importX, 'react-hooks': reactHooks },
    settings: {
      // Without these import-x parses no .ts/.tsx dependency, and no-cycle sees nothing.
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
    },
    rules: {
      // The hooks rules proper. The React Compiler rules that v7's recommended set adds
      // (refs, immutability, set-state-in-effect, ...) are left out: the viewer drives an
      // imperative engine and canvas layers from render by design, and nothing is compiled.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { maxDepth: Infinity }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src/features', from: './src/app', message: 'Features never import app/: move what they share into a feature or components/ui.' },
            {
              target: ['./src/components', './src/lib', './src/graphql'],
              from: ['./src/features', './src/app'],
              message: 'Shared code (components/ui, lib, graphql) imports no feature and nothing of app/.',
            },
            ...featureZones,
          ],
        },
      ],
    },
  },
  {
    // Node scripts: the tool configs, and the end-to-end journeys (whose page.evaluate
    // callbacks run in the browser).
    files: ['e2e/**/*.{js,mjs}', '*.{js,ts}'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
