// Which file of renderer/dist a `cpx-app://ui/...` URL names. No Electron import: tested in plain Node.

import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './channels.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.json': 'application/json',
};

/** The file inside `rendererDir`, or null: another scheme or host, a path leaving the folder, a type we never serve. */
export function resolveAppFile(rendererDir: string, url: string): string | null {
  let u: URL;
  try { u = new URL(url); } catch { return null; }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try { rel = decodeURIComponent(u.pathname); } catch { return null; }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  rel = rel.replace(/^\/+/, '') || 'index.html';
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, rel);
  if (!file.startsWith(root + path.sep) || !MIME[path.extname(file)]) return null;
  return file;
}

export function contentTypeOf(file: string): string {
  return MIME[path.extname(file)] ?? 'application/octet-stream';
}
