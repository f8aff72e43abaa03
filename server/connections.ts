// How long a client may hold a connection, and how many connections one service process accepts. Without these, a
// client sending its body a byte every 5 s kept a connection (and its memory) for as long as it liked: 25 of 25
// such connections were still open after 100 s. Values are per process; every legitimate request is small (bodies
// ≤ 32 KiB) and answered in milliseconds, so the bounds are far above what a real client needs.
import type { Server } from 'node:http';

export interface ConnectionLimits {
  /** From a request's first byte to the end of its headers. */
  headersMs: number;
  /** From a request's first byte to the end of its body (Node answers 408 and closes past it). */
  requestMs: number;
  /** An idle keep-alive connection between two requests. */
  keepAliveMs: number;
  /** No byte either way (e.g. a client that stops reading its answer). */
  idleMs: number;
  /** Open connections per process; past it Node closes new ones at once. */
  maxConnections: number;
  /** How often Node checks the header and request deadlines (its default, 30 s, would let a slow client stay that much longer). */
  checkEveryMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  // Headers fit in one packet; 5 s leaves room for a slow mobile link or a lost packet and its retransmission.
  headersMs: 5_000,
  // The largest body, 32 KiB, takes 4 s at 64 kbit/s.
  requestMs: 10_000,
  // Reconnecting is cheap, so this only saves a handshake between the requests of a burst. Behind a reverse proxy,
  // keep the proxy's idle upstream connections shorter than this (nginx: keepalive_timeout in the upstream block).
  keepAliveMs: 10_000,
  idleMs: 30_000,
  // Under the usual 1,024 open-file limit with room for the database pool, CRL fetches and logs; with slow clients
  // cut after 10 s, holding them all takes 80 new connections a second, which the per-address limits and a proxy see.
  maxConnections: 800,
  checkEveryMs: 1_000,
};

/** Fastify's server options for these limits (HTTP/1.1 over http or https: Node takes the same ones in both). */
export function connectionOptions(l: ConnectionLimits, https: { cert: string | Buffer; key: string | Buffer } | null) {
  const node = { headersTimeout: l.headersMs, requestTimeout: l.requestMs, connectionsCheckingInterval: l.checkEveryMs };
  return {
    ...(https ? { https: { ...https, ...node } } : { https: null, http: node }),
    requestTimeout: l.requestMs,
    keepAliveTimeout: l.keepAliveMs,
    connectionTimeout: l.idleMs,
  };
}

/** The cap on open connections (a property of the listening server, set once it exists). */
export function capConnections(server: Server, l: ConnectionLimits): void {
  server.maxConnections = l.maxConnections;
}
