// Builds the browser side: the SMART app (client/index.html → served at /app/), the SMART launch page
// (launch.html → /launch.html) and the sandbox's EHR page (sandbox/ehr/index.html → /ehr), into
// dist/client with every asset under /app/assets. The engine (criteria/) is bundled into the app.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/app/',
  plugins: [
    react(),
    {
      // The engine's paths all compile to direct access (criteria/fast-path.ts), so the engine's own
      // imports of fhirpath.js get a stand-in. Only the project's modules: the SDC form renderer
      // (a separate, lazily loaded chunk) evaluates enableWhen and expressions with its own fhirpath.
      name: 'engine-fhirpath-stand-in',
      enforce: 'pre',
      resolveId(source, importer) {
        if (!importer || importer.includes('/node_modules/')) return null;
        if (source === 'fhirpath/fhir-context/r4') return here('client/fhirpath-r4-browser.ts');
        if (source === 'fhirpath') return here('client/fhirpath-browser.ts');
        return null;
      },
    },
  ],
  // fhirclient's "pure" browser build: modern browsers need none of its polyfills.
  define: { FHIRCLIENT_PURE: 'true' },
  publicDir: false,
  build: {
    outDir: here('dist/client'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        app: here('client/index.html'),
        launch: here('launch.html'),
        ehr: here('sandbox/ehr/index.html'),
      },
    },
  },
});
