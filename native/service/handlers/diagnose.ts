import { diagnoseCandidate, loadedDiagnosis, realProbeDeps } from '../../pkcs11/probe.ts';
import { advise } from '../advice.ts';
import type { Handler } from './index.ts';

/**
 * Every candidate (the module in use reported from its live instance; the others loaded, queried and unloaded;
 * without a module, the selection's own diagnosis),
 * the readers, the cards, and advice. A candidate that is the module in use under another path (symlink) is
 * not loaded again: C_Finalize on it would finalise the live module too.
 */
export const diagnose: Handler<'diagnose'> = {
  run: (svc) => svc.lock.run(async () => {
    const { state } = await svc.refresh();
    const active = svc.module;
    // Without a module, the selection that just failed has already looked at every candidate it may use (and
    // stopped at a configured one that does not load): its diagnosis is the answer.
    const modules = active ? svc.candidates().map((c) => {
      if (svc.isActiveModule(c.path)) return loadedDiagnosis(c, active.info, svc.lang, true);
      return diagnoseCandidate(c, realProbeDeps, svc.lang);
    }) : svc.diagnoses;
    return {
      modules,
      readers: state.readers.map((r) => ({ name: r.name, card: r.card })),
      cards: state.cards,
      advice: advise(modules, state, svc.lang),
      ...(state.kind === 'NO_MODULE' && state.module ? { moduleError: state.module } : {}),
    };
  }),
};
