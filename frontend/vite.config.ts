/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The Go server (`aomas serve`) serves the built SPA from internal/web/dist and answers
// /graphql (HTTP and graphql-transport-ws) on the same origin. In development
// Vite serves the SPA and forwards /graphql to a locally running server.
const apiTarget = process.env.AOMAS_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: '../internal/web/dist',
    // The Makefile cleans internal/web/dist; emptying it here would delete the committed .keep.
    emptyOutDir: false,
  },
  server: {
    proxy: {
      '/graphql': { target: apiTarget, ws: true, changeOrigin: false },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
