// What is in the readers right now. A card's certificates are read from the card once per insertion (keyed by
// slot + token serial + label); every later look only re-reads the token info (PIN flags change after a login).

import type { CardInfo, ReaderInfo, WatchState } from '../../protocol/card.ts';
import { ckrOf, isRemovalCode } from '../pkcs11/ckr.ts';
import type { LoadedModule, SlotView, TokenView } from '../pkcs11/module-host.ts';
import { describeCard, readCertificates, type AuthCertificate, type CertObject } from '../pkcs11/read-card.ts';

export interface Snapshot {
  slots: SlotView[];
  readers: ReaderInfo[];
  cards: CardInfo[];
  unrecognised: WatchState['unrecognised'];
  /** Authentication certificate per reader index (the service does not re-read it to show identities). */
  auth: Map<number, AuthCertificate | null>;
}

interface Cached { serial: string; label: string; certs: CertObject[] }

export class CardStore {
  private readonly bySlot = new Map<string, Cached>();

  /** The certificates read from the card now in this slot, if it is the same card (token serial and label). */
  known(slot: Buffer, token: TokenView): CertObject[] | null {
    const cached = this.bySlot.get(slot.toString('hex'));
    return cached && cached.serial === token.serialNumber && cached.label === token.label ? cached.certs : null;
  }

  /** Forget what was read from one slot (a slot event) or from all. */
  invalidate(slot?: Buffer): void {
    if (slot) this.bySlot.delete(slot.toString('hex'));
    else this.bySlot.clear();
  }

  async snapshot(m: LoadedModule, now = new Date()): Promise<Snapshot> {
    const slots = m.slots();
    const snap: Snapshot = { slots, readers: [], cards: [], unrecognised: [], auth: new Map() };
    for (const slot of slots) {
      const key = slot.handle.toString('hex');
      let present = slot.cardPresent;
      if (present) {
        try {
          this.describe(slot, now, snap, await this.certificates(m, slot, key));
        } catch (err) {
          if (isRemovalCode(ckrOf(err)) || !m.tokenPresent(slot.handle)) present = false;
          else snap.unrecognised.push({ reader: slot.name, readerIndex: slot.index, label: '', reason: String((err as Error)?.message ?? err).slice(0, 120) });
        }
      }
      if (!present) this.bySlot.delete(key);
      snap.readers.push({ index: slot.index, name: slot.name, card: present });
    }
    return snap;
  }

  private async certificates(m: LoadedModule, slot: SlotView, key: string): Promise<{ token: TokenView; certs: CertObject[] }> {
    const token = slot.token ?? m.token(slot.handle);
    const cached = this.bySlot.get(key);
    if (cached && cached.serial === token.serialNumber && cached.label === token.label) return { token, certs: cached.certs };
    const certs = await readCertificates(m, slot.handle);
    this.bySlot.set(key, { serial: token.serialNumber, label: token.label, certs });
    return { token, certs };
  }

  private describe(slot: SlotView, now: Date, snap: Snapshot, got: { token: TokenView; certs: CertObject[] }): void {
    const read = describeCard(slot, got.token, got.certs, now);
    if (read.ok) {
      snap.cards.push(read.card);
      snap.auth.set(slot.index, read.auth);
    } else {
      snap.unrecognised.push({ reader: slot.name, readerIndex: slot.index, label: read.label, reason: read.reason });
    }
  }
}
