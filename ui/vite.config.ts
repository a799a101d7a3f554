import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The desktop shell embeds ui/dist (see the root tauri.conf.json). `clearScreen: false` keeps
// Rust's output visible when Tauri runs `npm run dev`; the port is tauri.conf.json's devUrl.
export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari16', // WebKitGTK on Linux, WKWebView on macOS
  },
  // Under Vitest, resolve Svelte's client build (not its server build) so components mount.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    setupFiles: ['./tests/setup.ts'],
    include: ['tests/**/*.test.ts'],
  },
}));
