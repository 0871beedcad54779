import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const rendererRoot = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(rendererRoot, '..');
const require = createRequire(import.meta.url);

export default defineConfig({
  root: rendererRoot,
  // Relative asset URLs: the same build is served from vesalius://app/ (Electron) and http://127.0.0.1:<port>/ (browser mode).
  base: './',
  plugins: [svelte()],
  resolve: {
    alias: {
      // cornerstone's bundle expects Node's `events`; the browser build uses the npm polyfill.
      events: require.resolve('events/'),
    },
  },
  worker: { format: 'es' },
  optimizeDeps: {
    // The decoder worker imports these lazily; pre-bundle them so the dev server can serve them.
    include: [
      '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
      '@cornerstonejs/codec-charls/decodewasmjs',
      '@cornerstonejs/codec-openjpeg/decodewasmjs',
      '@cornerstonejs/codec-openjph/wasmjs',
      'dicom-parser',
    ],
    exclude: ['@cornerstonejs/dicom-image-loader'],
  },
  build: {
    outDir: path.join(projectRoot, 'dist', 'renderer'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 8000,
  },
  server: { host: '127.0.0.1' },
});
