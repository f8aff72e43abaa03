// Diagnosing middleware candidates and choosing the module the card service uses.
// The file system and the loader come in as parameters: tests diagnose Windows/macOS candidate lists on Linux.

import { existsSync } from 'node:fs';
import type { ModuleDiagnosis } from '../../protocol/card-service.ts';
import { CpxError, type Lang } from '../../protocol/errors.ts';
import { archCompatible, describeArch, readBinaryArch, type BinaryArch } from './binary-arch.ts';
import type { ModuleCandidate } from './candidates.ts';
import { LoadedModule, ModuleLoadError, type ModuleInfo } from './module-host.ts';

export interface ProbeDeps {
  exists(path: string): boolean;
  readArch(path: string): BinaryArch | null;
  /** Loads the module, reads C_GetInfo and unloads it; throws ModuleLoadError. */
  probe(path: string): ModuleInfo;
}

export const realProbeDeps: ProbeDeps = {
  exists: existsSync,
  readArch: readBinaryArch,
  probe(path) {
    const m = LoadedModule.open(path);
    try { return m.info; } finally { m.finalize(); }
  },
};

const TEXT = {
  fr: {
    'not-found': () => 'fichier absent',
    found: () => 'présent (non chargé : un module précédent est utilisé)',
    loaded: (i: ModuleInfo, inUse: boolean) => `${inUse ? 'utilisé' : 'chargeable'} : ${i.manufacturer} — ${i.description} ${i.version} (PKCS#11 ${i.cryptokiVersion})`,
    'wrong-arch': (found: string, arch: string) => `architecture du fichier (${found}) incompatible avec ce logiciel (${arch})`,
    'load-failed': (m: string) => `échec du chargement : ${m}`,
  },
  en: {
    'not-found': () => 'file not present',
    found: () => 'present (not loaded: an earlier module is in use)',
    loaded: (i: ModuleInfo, inUse: boolean) => `${inUse ? 'in use' : 'loadable'}: ${i.manufacturer} — ${i.description} ${i.version} (PKCS#11 ${i.cryptokiVersion})`,
    'wrong-arch': (found: string, arch: string) => `file architecture (${found}) does not match this software (${arch})`,
    'load-failed': (m: string) => `failed to load: ${m}`,
  },
} as const;

function base(c: ModuleCandidate): Pick<ModuleDiagnosis, 'path' | 'source' | 'manufacturer' | 'description' | 'version' | 'cryptokiVersion'> {
  return { path: c.path, source: c.source, manufacturer: null, description: null, version: null, cryptokiVersion: null };
}

/** `inUse`: the module the service works with (others are loaded only to be diagnosed, then unloaded). */
export function loadedDiagnosis(c: ModuleCandidate, info: ModuleInfo, lang: Lang, inUse = false): ModuleDiagnosis {
  return { ...base(c), status: 'loaded', manufacturer: info.manufacturer, description: info.description, version: info.version,
    cryptokiVersion: info.cryptokiVersion, message: TEXT[lang].loaded(info, inUse) };
}

/** Checks existence and architecture; null when the candidate is worth loading. */
function precheck(c: ModuleCandidate, deps: ProbeDeps, lang: Lang): ModuleDiagnosis | null {
  if (!deps.exists(c.path)) return { ...base(c), status: 'not-found', message: TEXT[lang]['not-found']() };
  const arch = deps.readArch(c.path);
  if (arch && !archCompatible(arch, c.expectedArch)) {
    return { ...base(c), status: 'wrong-arch', message: TEXT[lang]['wrong-arch'](describeArch(arch), c.expectedArch) };
  }
  return null;
}

export function failureDiagnosis(c: ModuleCandidate, err: unknown, lang: Lang): ModuleDiagnosis {
  const kind = err instanceof ModuleLoadError ? err.kind : 'load-failed';
  const msg = err instanceof Error ? err.message : String(err);
  if (kind === 'wrong-arch') return { ...base(c), status: 'wrong-arch', message: TEXT[lang]['wrong-arch'](msg, c.expectedArch) };
  if (kind === 'not-found') return { ...base(c), status: 'not-found', message: TEXT[lang]['not-found']() };
  return { ...base(c), status: 'load-failed', message: TEXT[lang]['load-failed'](msg) };
}

/** Full diagnosis of one candidate (loads it unless `load` is false). */
export function diagnoseCandidate(c: ModuleCandidate, deps: ProbeDeps, lang: Lang, load = true): ModuleDiagnosis {
  const pre = precheck(c, deps, lang);
  if (pre) return pre;
  if (!load) return { ...base(c), status: 'found', message: TEXT[lang].found() };
  try {
    return loadedDiagnosis(c, deps.probe(c.path), lang);
  } catch (err) {
    return failureDiagnosis(c, err, lang);
  }
}

export interface Selection<M> {
  module: M | null;
  candidate: ModuleCandidate | null;
  diagnoses: ModuleDiagnosis[];
}

/**
 * Tries the candidates in order and keeps the first that loads; later candidates are only checked for presence
 * (loading them too would initialise a second middleware for nothing).
 */
export function selectModule<M extends { info: ModuleInfo }>(
  candidates: ModuleCandidate[], deps: Omit<ProbeDeps, 'probe'> & { open(path: string): M }, lang: Lang,
): Selection<M> {
  const diagnoses: ModuleDiagnosis[] = [];
  let chosen: M | null = null;
  let candidate: ModuleCandidate | null = null;
  for (const c of candidates) {
    const pre = precheck(c, { ...deps, probe: () => { throw new Error('unused'); } }, lang);
    if (pre) { diagnoses.push(pre); continue; }
    if (chosen) { diagnoses.push({ ...base(c), status: 'found', message: TEXT[lang].found() }); continue; }
    try {
      chosen = deps.open(c.path);
      candidate = c;
      diagnoses.push(loadedDiagnosis(c, chosen.info, lang, true));
    } catch (err) {
      diagnoses.push(failureDiagnosis(c, err, lang));
    }
  }
  return { module: chosen, candidate, diagnoses };
}

/** Why no module is usable, as the one error the user sees (the most actionable diagnosis wins). */
export function noModuleError(diagnoses: ModuleDiagnosis[]): CpxError {
  const wrong = diagnoses.find((d) => d.status === 'wrong-arch');
  if (wrong) return new CpxError('MODULE_WRONG_ARCH', { detail: `${wrong.path}: ${wrong.message}` });
  const failed = diagnoses.find((d) => d.status === 'load-failed');
  if (failed) return new CpxError('MODULE_LOAD_FAILED', { detail: `${failed.path}: ${failed.message}` });
  return new CpxError('MODULE_NOT_FOUND');
}
