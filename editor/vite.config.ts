/** Vite build of the rule editor: `npm run build:editor` writes editor/dist, which the API serves at `/`. */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    port: 5173,
    proxy: { '/admin': 'http://127.0.0.1:3000', '/v1': 'http://127.0.0.1:3000' },
  },
});
