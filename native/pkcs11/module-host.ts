// One loaded PKCS#11 module: graphene-pk11 gives the object model (slots, tokens, sessions, objects);
// its `lib` (the pkcs11js binding underneath) is used directly for the calls graphene does not expose the way
// we need (C_WaitForSlotEvent, C_Login with a PIN we zero ourselves, the asynchronous C_Sign). See README.md.

import { Module, Session, Slot } from 'graphene-pk11';
import type { PKCS11 } from 'pkcs11js';
import { CKF } from './token-facts.ts';
import { CKR, ckrName, ckrOf } from './ckr.ts';
import { classifyLoadError, tidyLoaderMessage, type LoadFailureKind } from './load-errors.ts';
import { existsSync } from 'node:fs';

export interface ModuleInfo {
  manufacturer: string;
  description: string;
  /** Library version `major.minor`. */
  version: string;
  cryptokiVersion: string;
}

export class ModuleLoadError extends Error {
  constructor(readonly kind: LoadFailureKind, message: string) {
    super(message);
    this.name = 'ModuleLoadError';
  }
}

export interface SlotView {
  /** Position in C_GetSlotList(false): the reader number users and `--reader N` see. */
  index: number;
  handle: Buffer;
  /** Cryptolib: one slot per PC/SC reader, described by the reader's name. */
  name: string;
  /** A token is present and initialised (SoftHSM's spare uninitialised slot counts as an empty reader). */
  cardPresent: boolean;
  /** The token info read to decide `cardPresent` (null when none could be read): callers need not read it again. */
  token: TokenView | null;
}

export interface TokenView {
  label: string;
  serialNumber: string;
  model: string;
  flags: number;
}

const version = (v: { major: number; minor: number }) => `${v.major}.${v.minor}`;

const hex = (handles: Buffer[]) => handles.map((h) => h.toString('hex')).join(',');

export class LoadedModule {
  private finalized = false;

  private constructor(readonly path: string, private readonly mod: Module, readonly info: ModuleInfo) {}

  /** dlopen + C_Initialize(CKF_OS_LOCKING_OK) + C_GetInfo; throws ModuleLoadError. */
  static open(path: string): LoadedModule {
    let mod: Module;
    try {
      mod = Module.load(path);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new ModuleLoadError(classifyLoadError(msg, existsSync(path)), tidyLoaderMessage(msg, path));
    }
    try {
      // The card service calls the module from the libuv thread pool (async C_Sign): the module must lock itself.
      mod.initialize({ flags: CKF.OS_LOCKING_OK });
    } catch (err) {
      try { mod.close(); } catch { /* already unusable */ }
      const code = ckrOf(err);
      throw new ModuleLoadError('load-failed', `C_Initialize: ${code === null ? String((err as Error)?.message ?? err) : ckrName(code)}`);
    }
    const info: ModuleInfo = {
      manufacturer: mod.manufacturerID,
      description: mod.libraryDescription,
      version: version(mod.libraryVersion),
      cryptokiVersion: version(mod.cryptokiVersion),
    };
    return new LoadedModule(path, mod, info);
  }

  get lib(): PKCS11 { return this.mod.lib; }

  slots(): SlotView[] {
    const handles = this.lib.C_GetSlotList(false);
    return handles.map((handle, index) => {
      const info = this.lib.C_GetSlotInfo(handle);
      let cardPresent = (info.flags & CKF.TOKEN_PRESENT) !== 0;
      let token: TokenView | null = null;
      if (cardPresent) {
        try {
          token = this.token(handle);
          cardPresent = (token.flags & CKF.TOKEN_INITIALIZED) !== 0;
        } catch (err) {
          // Pulled out between the two calls, or a token the module cannot read: not a usable card.
          const code = ckrOf(err);
          if (code !== CKR.TOKEN_NOT_PRESENT && code !== CKR.DEVICE_REMOVED && code !== CKR.TOKEN_NOT_RECOGNIZED
            && code !== CKR.DEVICE_ERROR) throw err;
          cardPresent = code === CKR.TOKEN_NOT_RECOGNIZED || code === CKR.DEVICE_ERROR;
        }
      }
      return { index, handle, name: info.slotDescription.replace(/\0/g, '').trim(), cardPresent, token };
    });
  }

  token(slot: Buffer): TokenView {
    const t = this.lib.C_GetTokenInfo(slot);
    const clean = (s: string) => s.replace(/\0/g, '').trim();
    return { label: clean(t.label), serialNumber: clean(t.serialNumber), model: clean(t.model), flags: t.flags };
  }

  /** True when the slot still holds a token (used to tell a removal from a genuine device error). */
  tokenPresent(slot: Buffer): boolean {
    try {
      return (this.lib.C_GetSlotInfo(slot).flags & CKF.TOKEN_PRESENT) !== 0;
    } catch {
      return false;
    }
  }

  /** True while a reader of that name is still listed (a removal error or a reader unplugged?). */
  readerPresent(name: string): boolean {
    try {
      return this.lib.C_GetSlotList(false).some((s) => this.lib.C_GetSlotInfo(s).slotDescription.replace(/\0/g, '').trim() === name);
    } catch {
      return false;
    }
  }

  /**
   * The cheapest look at the readers: the slots and those holding a token, two calls with no token info (which may
   * cost the card an APDU). Equal strings: nothing appeared, left or moved.
   */
  presence(): string {
    return `${hex(this.lib.C_GetSlotList(false))}|${hex(this.lib.C_GetSlotList(true))}`;
  }

  mechanisms(slot: Buffer): number[] {
    return this.lib.C_GetMechanismList(slot);
  }

  /**
   * Opens a session for one operation (read-only unless `rw`: changing a PIN needs a read-write one) and always
   * closes it, whatever happens inside.
   */
  async withSession<T>(slot: Buffer, fn: (session: Session) => Promise<T> | T, opts: { rw?: boolean } = {}): Promise<T> {
    const handle = this.lib.C_OpenSession(slot, CKF.SERIAL_SESSION | (opts.rw ? CKF.RW_SESSION : 0));
    try {
      // graphene's constructors query the slot and session: done inside the try so the handle is never leaked.
      const session = new Session(handle, new Slot(slot, this.mod, this.lib), this.lib);
      return await fn(session);
    } finally {
      try { this.lib.C_CloseSession(handle); } catch { /* card gone: the module already dropped the session */ }
    }
  }

  /**
   * The slot events pending, without waiting (Cryptolib only supports CKF_DONT_BLOCK): how many slots changed (at
   * most `max`), or null when the module does not give events.
   */
  slotEvents(max = 32): number | null {
    let n = 0;
    try {
      while (n < max && this.lib.C_WaitForSlotEvent(CKF.DONT_BLOCK)) n++;
      return n;
    } catch (err) {
      return ckrOf(err) === CKR.NO_EVENT ? n : null;
    }
  }

  finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    try { this.mod.finalize(); } catch { /* finalising a broken module must not stop shutdown */ }
    try { this.mod.close(); } catch { /* idem */ }
  }
}
