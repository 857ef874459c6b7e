/**
 * The API reference at `/docs` (Swagger UI, served from the package: it works offline), branded Portico,
 * under a Content-Security-Policy that allows what Swagger UI needs and nothing else.
 */
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { FAVICON_SVG, LOGO_SVG } from './brand.ts';

export const DOCS_PREFIX = '/docs';

/**
 * Scripts and styles from Portico only. Swagger UI's React inserts one `<style>` element of its own, allowed
 * by its hash (a new Swagger UI version may change it: the browser test of `/docs` fails then). Images: the
 * logo is a data: URL.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The top bar in Portico's colours; the URL box shows Swagger UI's own copy of the document. */
const THEME_CSS = `.swagger-ui .topbar{background:#1f2328}
.swagger-ui .topbar .download-url-wrapper .download-url-button{background:#0969da}
.swagger-ui .topbar .download-url-wrapper input[type=text]{border-color:#0969da}`;

export async function registerApiReference(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CSP,
    logo: { type: 'image/svg+xml', content: Buffer.from(LOGO_SVG), href: '/', target: '_self' },
    theme: {
      title: 'Portico API reference',
      css: [{ filename: 'portico.css', content: THEME_CSS }],
      favicon: [
        {
          filename: 'favicon.svg',
          rel: 'icon',
          sizes: 'any',
          type: 'image/svg+xml',
          content: Buffer.from(FAVICON_SVG),
        },
      ],
    },
  });
}
