import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * The privacy promise, enforced by the browser: the page and its workers may
 * load code and open connections only to the page's own origin, so an
 * impression log cannot leave the machine even through a bug or a hostile
 * dependency.
 * - 'wasm-unsafe-eval': the tfjs wasm backend and the .gz inflater
 *   (zlib-streams.wasm) compile their .wasm files; it allows WebAssembly
 *   compilation only, not eval() or new Function().
 * - blob: workers: emscripten and comlink-style helpers may start workers from blob URLs.
 * - blob: scripts: tfjs's threaded wasm build starts each pthread as a classic
 *   worker that importScripts() a blob: copy of the Emscripten module, made in
 *   the worker from the bundle's own code. A blob: URL can only hold what a
 *   script already running on this origin wrote, so this lets no new code in
 *   from elsewhere, and nothing out: connect-src stays 'self', so no script,
 *   blob-born or not, can send a byte to another origin. Without it, a page
 *   served cross-origin isolated falls back to single-threaded wasm
 *   (src/worker/backends.ts).
 * - img data:/blob:: charts saved as PNG are drawn through an <img>.
 * - style-src without 'unsafe-inline': React's `style` prop and recharts set
 *   styles through the CSSOM, which CSP does not restrict (checked with a
 *   built recharts chart: no violation).
 * WebGL and WebGPU need nothing more: shaders are not governed by CSP.
 */
const CSP_DIRECTIVES: Record<string, string> = {
  'default-src': "'self'",
  'script-src': "'self' 'wasm-unsafe-eval' blob:",
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
 * No COOP/COEP by default, on measurement: cross-origin isolation makes tfjs
 * pick its threaded wasm build, which now starts (blob: in script-src and
 * selfContainedWasmThreads below) but did not train faster on a 2-core
 * machine: tfjs gives it one thread there (half the cores), as fast as
 * single-threaded SIMD, and two threads trained 1.6-3.9x slower
 * (scripts/train-browser.ts, Chromium 156, tfjs 4.22). A host may add
 * ISOLATION_HEADERS; if threads then fail, the worker falls back to
 * single-threaded SIMD and says why (src/worker/backends.ts).
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': policy(false),
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/**
 * What makes a page cross-origin isolated, and so lets tfjs run its threaded
 * wasm build: no window of another origin shares our process, and no
 * resource of another origin loads unless it opts in (we load none anyway).
 * Not sent by default (see SECURITY_HEADERS); scripts/train-browser.ts and
 * e2e/threads.spec.ts serve the build with it.
 */
export const ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
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

/**
 * tfjs starts each pthread of its threaded wasm build by handing the worker a
 * blob: copy of the Emscripten factory, made with `factory.toString()`, so the
 * factory must not reach outside its own source. It reads one variable of its
 * enclosing closure, `_scriptDir`, once behind `typeof _scriptDir !==
 * "undefined"`; the minifier, knowing the variable is declared, turns that into
 * `e !== void 0`, which throws "e is not defined" in the pthread worker
 * (measured: tfjs 4.22, Vite 8). `_scriptDir` is always undefined for us (it is
 * set only for a classic <script> or in Node; we run as a bundle in a module
 * worker, and tfjs always passes mainScriptUrlOrBlob), so both reads go.
 */
const THREADED_FACTORY = /tfjs-backend-wasm-threaded-simd\.js$/;
const SCRIPT_DIR_READS: [string, string][] = [
  ['if(typeof _scriptDir !== "undefined" && _scriptDir){scriptDirectory=_scriptDir}', ''],
  ['"urlOrBlob":Module["mainScriptUrlOrBlob"]||_scriptDir', '"urlOrBlob":Module["mainScriptUrlOrBlob"]'],
];

function selfContainedWasmThreads(): Plugin {
  return {
    name: 'attribution-lab:self-contained-wasm-threads',
    transform(code, id) {
      if (!THREADED_FACTORY.test(id.split('?')[0])) return null;
      let out = code;
      for (const [from, to] of SCRIPT_DIR_READS) {
        // A tfjs upgrade may change the text: say so; the backend ladder falls back to single-threaded wasm meanwhile.
        if (!out.includes(from)) this.warn(`tfjs threaded wasm factory changed: "${from}" not found; wasm threads may fail to start`);
        out = out.replace(from, to);
      }
      return { code: out, map: null };
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
  // Worker bundles get only the plugins listed here, not the page's: tfjs lives in the worker.
  worker: { format: 'es', plugins: () => [selfContainedWasmThreads()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  preview: { port: 4173, strictPort: true, headers: SECURITY_HEADERS },
  server: { port: 5173 },
});
