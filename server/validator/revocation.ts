// Is this card certificate revoked? Answered from CRLs loaded from files or fetched from the certificate's CRL
// distribution points over HTTP, each verified against the issuing CA, cached, refreshed on an interval, and
// refused once past its nextUpdate. When no usable CRL exists the answer is "unavailable" and the validator's
// mode decides (hard: refuse, soft: accept with a warning).
//
// Only the card certificate is checked, as the Web eID validators do; the CAs are the configured trust anchors.
import { readFileSync, statSync } from 'node:fs';
import { because, CpxError, type ErrorParams } from '../../protocol/errors.ts';
import type { CertificateFacts } from '../../protocol/identity.ts';
import { parseCrl, verifyX509Signature, type ParsedCrl } from './crl.ts';
import type { CaCert } from './trust-store.ts';

export type RevocationMode = 'hard' | 'soft' | 'off';

export interface CrlConfig {
  /** CRL files (DER or PEM), re-read when they change (checked every refreshMs). */
  files?: string[];
  /** Fetch CRLs from the certificate's http(s) distribution points when no file covers its issuer. Default true. */
  fetch?: boolean;
  /** How long a fetched CRL is used before fetching it again (ms). Default 10 minutes. */
  refreshMs?: number;
  /** Per-fetch timeout (ms). Default 5 s. */
  timeoutMs?: number;
  /** Largest CRL accepted (bytes). Default 32 MiB. */
  maxBytes?: number;
  /** Replaces the HTTP client (tests, proxies). */
  fetcher?: (url: string, signal: AbortSignal) => Promise<Uint8Array>;
  /** Maps a distribution point URL to the one actually fetched (mirror, test server). */
  rewriteUrl?: (url: string) => string;
}

export type RevocationStatus =
  | { status: 'good' }
  | { status: 'revoked'; at: number }
  /** `why`: the REVOCATION_UNAVAILABLE params (a reason and its values). */
  | { status: 'unavailable'; why: ErrorParams };

interface FileSource { path: string; mtimeMs: number; size: number; crl: ParsedCrl }
interface UrlSource { url: string; crl: ParsedCrl | null; fetchedAt: number; failedAt: number; error: ErrorParams | null; pending: Promise<void> | null }

const GOOD: RevocationStatus = Object.freeze({ status: 'good' });

export class RevocationChecker {
  readonly #files: FileSource[] = [];
  readonly #urls = new Map<string, UrlSource>();
  /** Per issuer CA: the file CRLs that are its own (issuer name, key id, signature), recomputed when files change. */
  readonly #fileCrlsByCa = new Map<string, ParsedCrl[]>();
  readonly #signatureOk = new WeakMap<ParsedCrl, Map<string, boolean>>();
  readonly #fetch: boolean;
  readonly #refreshMs: number;
  readonly #retryMs: number;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #fetcher: (url: string, signal: AbortSignal) => Promise<Uint8Array>;
  readonly #rewrite: (url: string) => string;
  readonly #realNow: () => number;
  #filesCheckedAt: number;

  constructor(cfg: CrlConfig = {}, realNow: () => number = Date.now) {
    this.#fetch = cfg.fetch ?? true;
    this.#refreshMs = cfg.refreshMs ?? 10 * 60_000;
    // After a failed fetch, wait (5 to 30 s) before trying again, so a dead CRL server is not hit once per login.
    this.#retryMs = Math.min(30_000, Math.max(this.#refreshMs, 5_000));
    this.#timeoutMs = cfg.timeoutMs ?? 5_000;
    this.#maxBytes = cfg.maxBytes ?? 32 * 1024 * 1024;
    this.#fetcher = cfg.fetcher ?? ((url, signal) => httpGet(url, signal, this.#maxBytes));
    this.#rewrite = cfg.rewriteUrl ?? ((u) => u);
    this.#realNow = realNow;
    for (const path of cfg.files ?? []) this.#files.push(readCrlFile(path));
    this.#filesCheckedAt = realNow();
  }

  /** Synchronous when a cached CRL answers (the usual case); a Promise when a CRL must be fetched first. */
  check(leaf: CertificateFacts, issuer: CaCert, atMs: number): RevocationStatus | Promise<RevocationStatus> {
    this.#reloadChangedFiles();
    const fromFiles = this.#fileCrls(issuer).filter((crl) => current(crl, atMs));
    if (fromFiles.length) return lookup(fromFiles, leaf.serialNumber, atMs);
    const urls = this.#fetch ? leaf.crlDistributionPoints.filter((u) => /^https?:\/\//i.test(u)).map(this.#rewrite) : [];
    const now = this.#realNow();
    for (const url of urls) {
      const src = this.#urls.get(url);
      if (src?.crl && now - src.fetchedAt < this.#refreshMs && this.#accepts(src.crl, issuer, atMs)) {
        return lookup([src.crl], leaf.serialNumber, atMs);
      }
    }
    if (!urls.length) return { status: 'unavailable', why: this.#whyNoFileCrl(issuer, atMs) };
    return this.#fromUrls(urls, leaf, issuer, atMs);
  }

  async #fromUrls(urls: string[], leaf: CertificateFacts, issuer: CaCert, atMs: number): Promise<RevocationStatus> {
    let why = because('NO_CRL', { ca: issuer.label });
    for (const url of urls) {
      const src = this.#source(url);
      const now = this.#realNow();
      const due = !src.crl || now - src.fetchedAt >= this.#refreshMs || !this.#accepts(src.crl, issuer, atMs);
      if (due && (!src.error || now - src.failedAt >= this.#retryMs)) await this.#refresh(src);
      if (src.crl && this.#accepts(src.crl, issuer, atMs)) return lookup([src.crl], leaf.serialNumber, atMs);
      why = src.error ?? (src.crl ? this.#whyRefused(src.crl, issuer, atMs, url) : because('CRL_UNREACHABLE', { where: url }));
    }
    return { status: 'unavailable', why };
  }

  #source(url: string): UrlSource {
    let src = this.#urls.get(url);
    if (!src) this.#urls.set(url, (src = { url, crl: null, fetchedAt: 0, failedAt: 0, error: null, pending: null }));
    return src;
  }

  /** One fetch at a time per URL; concurrent validations wait for the same one. */
  #refresh(src: UrlSource): Promise<void> {
    src.pending ??= (async () => {
      try {
        const bytes = await this.#fetcher(src.url, AbortSignal.timeout(this.#timeoutMs));
        if (bytes.length > this.#maxBytes) throw new Error(`CRL larger than ${this.#maxBytes} bytes`);
        src.crl = parseCrl(bytes);
        src.fetchedAt = this.#realNow();
        src.error = null;
      } catch (err) {
        // The previous CRL, if any, stays usable until its nextUpdate.
        src.failedAt = this.#realNow();
        src.error = because('CRL_UNREACHABLE', { where: src.url, cause: causeOf(err) });
      } finally {
        src.pending = null;
      }
    })();
    return src.pending;
  }

  #fileCrls(issuer: CaCert): ParsedCrl[] {
    let list = this.#fileCrlsByCa.get(issuer.fingerprint);
    if (!list) {
      list = this.#files.map((f) => f.crl).filter((crl) => this.#belongsTo(crl, issuer));
      this.#fileCrlsByCa.set(issuer.fingerprint, list);
    }
    return list;
  }

  #reloadChangedFiles(): void {
    const now = this.#realNow();
    if (!this.#files.length || now - this.#filesCheckedAt < this.#refreshMs) return;
    this.#filesCheckedAt = now;
    let changed = false;
    this.#files.forEach((f, i) => {
      try {
        const st = statSync(f.path);
        if (st.mtimeMs === f.mtimeMs && st.size === f.size) return;
        this.#files[i] = readCrlFile(f.path);
        changed = true;
      } catch {
        // Being rewritten or gone: keep what was read; its nextUpdate still bounds how long it is trusted.
      }
    });
    if (changed) this.#fileCrlsByCa.clear();
  }

  #belongsTo(crl: ParsedCrl, issuer: CaCert): boolean {
    if (crl.issuer !== issuer.facts.subject) return false;
    if (crl.authorityKeyId && issuer.facts.subjectKeyId && crl.authorityKeyId !== issuer.facts.subjectKeyId) return false;
    let byCa = this.#signatureOk.get(crl);
    if (!byCa) this.#signatureOk.set(crl, (byCa = new Map()));
    let ok = byCa.get(issuer.fingerprint);
    if (ok === undefined) {
      ok = verifyX509Signature(crl.signatureAlgorithm, crl.tbs, crl.signature, issuer.publicKey);
      byCa.set(issuer.fingerprint, ok);
    }
    return ok;
  }

  #accepts(crl: ParsedCrl, issuer: CaCert, atMs: number): boolean {
    return current(crl, atMs) && this.#belongsTo(crl, issuer);
  }

  /** Why a CRL that was found cannot answer: not the issuer's own, or out of date. */
  #whyRefused(crl: ParsedCrl, issuer: CaCert, atMs: number, where: string): ErrorParams {
    if (!this.#belongsTo(crl, issuer)) return because('CRL_NOT_SIGNED_BY_CA', { ca: issuer.label, where });
    return because('CRL_EXPIRED', { date: crl.nextUpdate?.toISOString() ?? '?', where });
  }

  #whyNoFileCrl(issuer: CaCert, atMs: number): ErrorParams {
    const own = this.#fileCrls(issuer)[0];
    if (own) return this.#whyRefused(own, issuer, atMs, this.#files.find((f) => f.crl === own)?.path ?? '?');
    return because('NO_CRL', { ca: issuer.label });
  }
}

function current(crl: ParsedCrl, atMs: number): boolean {
  return crl.nextUpdate === null || atMs <= crl.nextUpdate.getTime();
}

function lookup(crls: readonly ParsedCrl[], serial: string, atMs: number): RevocationStatus {
  for (const crl of crls) {
    const at = crl.revoked.get(serial);
    // Revoked after the validation time (a check "as of" a past date): it was still good then.
    if (at !== undefined && at <= atMs) return { status: 'revoked', at };
  }
  return GOOD;
}

function readCrlFile(path: string): FileSource {
  try {
    const st = statSync(path);
    return { path, mtimeMs: st.mtimeMs, size: st.size, crl: parseCrl(readFileSync(path)) };
  } catch (err) {
    throw new CpxError('REVOCATION_UNAVAILABLE', because('CRL_UNREADABLE', { where: path, cause: causeOf(err) }), { cause: err });
  }
}

async function httpGet(url: string, signal: AbortSignal, maxBytes: number): Promise<Uint8Array> {
  const res = await fetch(url, { signal, redirect: 'follow', headers: { accept: 'application/pkix-crl, */*' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new Error(`CRL larger than ${maxBytes} bytes`);
  return new Uint8Array(await res.arrayBuffer());
}

/** What went wrong underneath (network, file system, decoder), as the runtime said it: shown in parentheses. */
function causeOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 160);
}
