// Diagnosing middleware candidates and choosing the module the card service uses.
// The file system and the loader come in as parameters: tests diagnose Windows/macOS candidate lists on Linux.

import { existsSync } from 'node:fs';
import { isExplicitModuleSource as isExplicit, type ModuleDiagnosis } from '../../protocol/card-service.ts';
import { CpxError, type Lang } from '../../protocol/errors.ts';
import { archCompatible, describeArch, readBinaryArch, type BinaryArch } from './binary-arch.ts';
import { EXPLICIT_SOURCE_NAMES, type ModuleCandidate } from './candidates.ts';
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
    'not-tried': () => 'présent (non essayé : seul le module configuré est utilisé)',
    configured: (setting: string) => `module configuré par ${setting} : aucun autre module n'est essayé à sa place`,
    loaded: (i: ModuleInfo, inUse: boolean) => `${inUse ? 'utilisé' : 'chargeable'} : ${i.manufacturer} — ${i.description} ${i.version} (PKCS#11 ${i.cryptokiVersion})`,
    'wrong-arch': (found: string, arch: string) => `architecture du fichier (${found}) incompatible avec ce logiciel (${arch})`,
    'load-failed': (m: string) => `échec du chargement : ${m}`,
  },
  en: {
    'not-found': () => 'file not present',
    found: () => 'present (not loaded: an earlier module is in use)',
    'not-tried': () => 'present (not tried: only the configured module is used)',
    configured: (setting: string) => `module configured by ${setting}: no other module is tried instead`,
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

/** A failing explicit candidate says so: no other module stands in for it. */
function failed(c: ModuleCandidate, d: ModuleDiagnosis, lang: Lang): ModuleDiagnosis {
  return isExplicit(c.source) ? { ...d, message: `${d.message} — ${TEXT[lang].configured(EXPLICIT_SOURCE_NAMES[c.source])}` } : d;
}

/** Checks existence and architecture; null when the candidate is worth loading. */
function precheck(c: ModuleCandidate, deps: ProbeDeps, lang: Lang): ModuleDiagnosis | null {
  if (!deps.exists(c.path)) return failed(c, { ...base(c), status: 'not-found', message: TEXT[lang]['not-found']() }, lang);
  const arch = deps.readArch(c.path);
  if (arch && !archCompatible(arch, c.expectedArch)) {
    const found = describeArch(arch);
    return failed(c, { ...base(c), status: 'wrong-arch', detail: found, message: TEXT[lang]['wrong-arch'](found, c.expectedArch) }, lang);
  }
  return null;
}

export function failureDiagnosis(c: ModuleCandidate, err: unknown, lang: Lang): ModuleDiagnosis {
  const kind = err instanceof ModuleLoadError ? err.kind : 'load-failed';
  const msg = err instanceof Error ? err.message : String(err);
  if (kind === 'wrong-arch') return failed(c, { ...base(c), status: 'wrong-arch', detail: msg, message: TEXT[lang]['wrong-arch'](msg, c.expectedArch) }, lang);
  if (kind === 'not-found') return failed(c, { ...base(c), status: 'not-found', message: TEXT[lang]['not-found']() }, lang);
  return failed(c, { ...base(c), status: 'load-failed', detail: msg, message: TEXT[lang]['load-failed'](msg) }, lang);
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
 * (loading them too would initialise a second middleware for nothing). An explicit module that does not load
 * ends the selection: whoever configured it gets told, rather than a different middleware working behind their back.
 */
export function selectModule<M extends { info: ModuleInfo }>(
  candidates: ModuleCandidate[], deps: Omit<ProbeDeps, 'probe'> & { open(path: string): M }, lang: Lang,
): Selection<M> {
  const diagnoses: ModuleDiagnosis[] = [];
  let chosen: M | null = null;
  let candidate: ModuleCandidate | null = null;
  let configuredFailed = false;
  for (const c of candidates) {
    const pre = precheck(c, { ...deps, probe: () => { throw new Error('unused'); } }, lang);
    if (pre) {
      diagnoses.push(pre);
      if (!chosen && isExplicit(c.source)) configuredFailed = true;
      continue;
    }
    if (chosen || configuredFailed) {
      diagnoses.push({ ...base(c), status: 'found', message: TEXT[lang][chosen ? 'found' : 'not-tried']() });
      continue;
    }
    try {
      chosen = deps.open(c.path);
      candidate = c;
      diagnoses.push(loadedDiagnosis(c, chosen.info, lang, true));
    } catch (err) {
      diagnoses.push(failureDiagnosis(c, err, lang));
      if (isExplicit(c.source)) configuredFailed = true;
    }
  }
  return { module: chosen, candidate, diagnoses };
}

/**
 * The candidate the "no module" error is about: the explicit module when one was configured (it is the only
 * one that counts), else the most actionable failure (wrong architecture, then load failure); null when
 * nothing was found at all.
 */
export function failingModule(diagnoses: readonly ModuleDiagnosis[]): ModuleDiagnosis | null {
  const configured = diagnoses.find((d) => isExplicit(d.source));
  if (configured && configured.status !== 'loaded' && configured.status !== 'found') return configured;
  return diagnoses.find((d) => d.status === 'wrong-arch') ?? diagnoses.find((d) => d.status === 'load-failed') ?? null;
}

const CODE_OF_STATUS = { 'not-found': 'MODULE_NOT_FOUND', 'load-failed': 'MODULE_LOAD_FAILED', 'wrong-arch': 'MODULE_WRONG_ARCH' } as const;

/** Why no module is usable, as the one error the user sees. */
export function noModuleError(diagnoses: readonly ModuleDiagnosis[]): CpxError {
  const d = failingModule(diagnoses);
  if (!d || d.status === 'loaded' || d.status === 'found') return new CpxError('MODULE_NOT_FOUND');
  const code = CODE_OF_STATUS[d.status];
  if (isExplicit(d.source)) {
    return new CpxError(code, { variant: 'configured', setting: EXPLICIT_SOURCE_NAMES[d.source], path: d.path, ...(d.detail ? { detail: d.detail } : {}) });
  }
  return new CpxError(code, { detail: `${d.path}: ${d.message}` });
}
