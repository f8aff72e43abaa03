// The cheap look at the readers between two full reads: the module's slot events where it reports them reliably,
// else the two slot lists (no token info: on a real card that may cost an APDU). Reliability is checked, not assumed:
// when a full read finds cards or readers changed that no event announced, the events are given up for the lists.

import type { LoadedModule, SlotView } from '../pkcs11/module-host.ts';

/** What a full read saw, as events would announce it: readers, whether each holds a token, and which. */
export function identityKey(slots: readonly SlotView[]): string {
  return slots.map((s) => `${s.handle.toString('hex')}:${s.cardPresent ? `${s.token?.serialNumber ?? ''}/${s.token?.label ?? ''}` : '-'}`).join(',');
}

export class ReaderLook {
  /** null: not known yet; true: events are used; false: the slot lists are. */
  private events: boolean | null = null;
  private presence = '';
  private eventsSinceFullRead = 0;
  private lastIdentity: string | null = null;
  /** Something changed after the last full read started: read again at the next look. */
  private pending = false;

  constructor(private readonly log: (message: string) => void) {}

  get usesEvents(): boolean { return this.events === true; }

  /** True when the readers may have changed since the last look. */
  changed(m: LoadedModule): boolean {
    if (this.events !== false) {
      const n = m.slotEvents();
      if (n !== null) {
        this.events = true;
        this.eventsSinceFullRead += n;
        return n > 0 || this.takePending();
      }
      this.events = false;
      this.log('slot events not supported: watching the slot lists');
    }
    const now = m.presence();
    const moved = now !== this.presence;
    this.presence = now;
    return moved || this.takePending();
  }

  /** Around a full read: `before` it, the baseline; `after` it, what changed meanwhile and whether events kept up. */
  beforeFullRead(m: LoadedModule): void {
    this.changed(m);
  }

  afterFullRead(m: LoadedModule, slots: readonly SlotView[]): void {
    const before = this.eventsSinceFullRead;
    if (this.changed(m)) this.pending = true;
    // Events that arrive now announce what this read saw, or a change after it (the next read's).
    const after = this.eventsSinceFullRead - before;
    const identity = identityKey(slots);
    if (this.events === true && this.lastIdentity !== null && identity !== this.lastIdentity && this.eventsSinceFullRead === 0) {
      this.events = false;
      this.presence = m.presence();
      this.log('a change came without a slot event: watching the slot lists');
    }
    this.lastIdentity = identity;
    this.eventsSinceFullRead = after;
  }

  private takePending(): boolean {
    const p = this.pending;
    this.pending = false;
    return p;
  }
}
