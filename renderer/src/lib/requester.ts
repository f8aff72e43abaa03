// Who asks for the card's signature, in words: the service's own name when it gave one, else its address.
import type { Requester } from '../../../protocol/ipc.ts';

export function requesterName(r: Requester): string {
  return r.name ?? hostOf(r.origin);
}

export function hostOf(origin: string): string {
  try { return new URL(origin).host; } catch { return origin; }
}
