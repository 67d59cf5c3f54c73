import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * The privacy promise, enforced by the browser: the page and its workers may
 * load code and open connections only to the page's own origin, so an
 * impression log cannot leave the machine even through a bug or a hostile
 * dependency.
 * - 'wasm-unsafe-eval': the tfjs wasm backend compiles its .wasm files; it
 *   allows WebAssembly compilation only, not eval() or new Function().
 * - blob: workers: emscripten and comlink-style helpers may start workers from blob URLs.
 * - img data:/blob:: charts saved as PNG are drawn through an <img>.
 * - style-src without 'unsafe-inline': React's `style` prop and recharts set
 *   styles through the CSSOM, which CSP does not restrict (checked with a
 *   built recharts chart: no violation).
 * WebGL and WebGPU need nothing more: shaders are not governed by CSP.
 */
const CSP_DIRECTIVES: Record<string, string> = {
  'default-src': "'self'",
  'script-src': "'self' 'wasm-unsafe-eval'",
  'worker-src': "'self' blob:",
  'connect-src': "'self'",
  'img-src': "'self' data: blob:",
  'style-src': "'self'",
  'font-src': "'self'",
  'manifest-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'self'",
  'form-action': "'none'",
  // Ignored in a <meta> tag; honoured as a header.
  'frame-ancestors': "'none'",
};

/** Directives a <meta http-equiv> policy may not carry (the CSP spec ignores them there and Chromium logs a warning). */
const HEADER_ONLY = new Set(['frame-ancestors']);

function policy(forMeta: boolean): string {
  return Object.entries(CSP_DIRECTIVES)
    .filter(([name]) => !forMeta || !HEADER_ONLY.has(name))
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}

/**
 * Headers the built app wants from whatever serves it (static hosts must send
 * them too). The CSP header matters beyond the <meta> tag: a dedicated worker
 * gets its policy from its own script's response, never from the page's meta
 * tag, and the worker is where the data lives.
 *
 * No COOP/COEP on purpose: cross-origin isolation makes tfjs pick its
 * threaded wasm build, whose pthread workers fail to start inside our module
 * worker under a Vite build (importScripts of a blob: URL fails; measured with
 * tfjs 4.22, Chromium 156), so training on wasm broke. Single-threaded SIMD is
 * what the benchmarks assume. Revisit with `setThreadsCount` if tfjs fixes it.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': policy(false),
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/**
 * Puts the policy in the built index.html, so that hosting without headers
 * still restricts the page. Build only: the dev server injects an inline
 * React-refresh script and opens a websocket that this policy would block.
 */
function cspMetaTag(): Plugin {
  return {
    name: 'attribution-lab:csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      // Right after <meta charset>: before any script or stylesheet, and without pushing the charset past the first 1024 bytes.
      handler: (html) =>
        html.replace(/<meta charset="[^"]*"\s*\/?>/i, (charset) => `${charset}\n    <meta http-equiv="Content-Security-Policy" content="${policy(true)}" />`),
    },
  };
}

const THEME_COLOUR = '#0072b2';

export default defineConfig({
  plugins: [
    react(),
    cspMetaTag(),
    VitePWA({
      strategies: 'generateSW',
      // An external registerSW.js, not an inline script, which the policy forbids.
      // The plugin adds it to the built page only; `vite` (dev) registers nothing.
      injectRegister: 'script',
      registerType: 'autoUpdate',
      // public/icons/** is matched by globPatterns already; listing the manifest icons again would precache them twice.
      includeManifestIcons: false,
      manifest: {
        name: 'Attribution Lab',
        short_name: 'Attribution',
        description:
          'Marketing attribution and budget optimisation that runs entirely in your browser: your impression log never leaves this device.',
        theme_color: THEME_COLOUR,
        background_color: '#ffffff',
        display: 'standalone',
        start_url: '.',
        scope: '.',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        // Everything the app needs offline, the tfjs .wasm binaries included.
        globPatterns: ['**/*.{js,mjs,css,html,wasm,svg,png,ico,webmanifest,json}'],
        // tfjs bundles and the wasm binaries are several MiB each; Workbox skips files over 2 MiB by default.
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  // Vite finds workers only in the literal `new Worker(new URL(...), {type: 'module'})` form.
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  preview: { port: 4173, strictPort: true, headers: SECURITY_HEADERS },
  server: { port: 5173 },
});
