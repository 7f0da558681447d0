// graphql-codegen: every operation in src/graphql/operations (marked /* GraphQL */) is
// checked against the server's schema and typed into src/graphql/generated.ts.
// `npm run codegen` writes it; `make test` fails when it is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../graph/schema/*.graphqls',
  documents: ['src/graphql/operations/*.ts'],
  generates: {
    'src/graphql/generated.ts': {
      plugins: ['typescript-operations'],
      config: {
        enumsAsTypes: true,
        skipTypename: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        scalars: { ID: 'string', Time: 'string', Date: 'string', Int64: 'number', Upload: 'File' },
      },
    },
  },
};

export default config;
