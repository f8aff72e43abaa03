// Headers on every answer: a JSON API that nothing should frame, sniff, cache or embed; HSTS over HTTPS.
// CORS stays closed (no Access-Control-* header at all) unless one origin is explicitly allowed.
import type { FastifyInstance } from 'fastify';

const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

export function securityHeaders(app: FastifyInstance, opts: { https: boolean; corsOrigin: string | null }): void {
  const headers = opts.https ? { ...COMMON, 'strict-transport-security': 'max-age=31536000' } : COMMON;
  app.addHook('onRequest', async (req, reply) => {
    void reply.headers(headers);
    if (opts.corsOrigin && req.headers.origin === opts.corsOrigin) {
      void reply.header('access-control-allow-origin', opts.corsOrigin).header('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        return reply.code(204)
          .header('access-control-allow-methods', 'GET, POST')
          .header('access-control-allow-headers', 'content-type, authorization')
          .header('access-control-max-age', '600')
          .send();
      }
    }
  });
}
