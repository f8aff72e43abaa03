import { diagnoseCandidate, loadedDiagnosis, realProbeDeps } from '../../pkcs11/probe.ts';
import { advise } from '../advice.ts';
import type { Handler } from './index.ts';

/**
 * Every candidate (the module in use reported from its live instance; the others loaded, queried and unloaded),
 * the readers, the cards, and advice. A candidate that is the module in use under another path (symlink) is
 * not loaded again: C_Finalize on it would finalise the live module too.
 */
export const diagnose: Handler<'diagnose'> = {
  run: (svc) => svc.lock.run(async () => {
    const { state } = await svc.refresh();
    const modules = svc.candidates().map((c) => {
      if (svc.module && svc.isActiveModule(c.path)) return loadedDiagnosis(c, svc.module.info, svc.lang, true);
      return diagnoseCandidate(c, realProbeDeps, svc.lang);
    });
    return {
      modules,
      readers: state.readers.map((r) => ({ name: r.name, card: r.card })),
      cards: state.cards,
      advice: advise(modules, state, svc.lang),
    };
  }),
};
