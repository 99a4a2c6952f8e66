import { defineConfig } from 'vite';

// `npm run build:player` runs from the repository root; anchoring root to this file's folder
// makes the build independent of the working directory.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
});
