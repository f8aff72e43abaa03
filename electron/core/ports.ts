// What the controller needs from the outside world, as interfaces: Electron's shell plugs in `net`, a PIN window
// and utilityProcess; the development bridge and the tests plug in fetch, a PIN page or a scripted user, and a
// Node child process. The controller never knows which.

import type { CardServiceMethod, CardServiceRequests, PinpadStep } from '../../protocol/card-service.ts';
import type { WatchState } from '../../protocol/card.ts';
import type { PinDialogRequest } from '../../protocol/ipc.ts';

export type HttpMethod = 'GET' | 'POST';
export interface HttpResponse { status: number; body: unknown }

/** JSON over HTTP. Throws only when no answer came back (DNS, refused, TLS, timeout); any status is an answer. */
export interface HttpPort {
  request(method: HttpMethod, url: string, jsonBody?: unknown, headers?: Record<string, string>): Promise<HttpResponse>;
}

export interface PinAnswer {
  /** Digits as ASCII bytes (empty on a PIN pad). The controller zeroes it once the card service has it. */
  pin: Uint8Array;
  confirmFinalTry: boolean;
  /**
   * Fires (reason: CpxError CANCELLED) when the user cancels after answering — on a PIN-pad reader the dialog stays
   * open with its countdown while the reader waits — so the flow stops before anything is signed.
   */
  withdrawn?: AbortSignal;
}

/** Asks the user for the PIN; resolves null when they cancel (or `signal` aborts: card pulled out, app closing). */
export interface PinPromptPort {
  ask(req: PinDialogRequest, signal: AbortSignal): Promise<PinAnswer | null>;
  /**
   * A question is coming (the card is read, the challenge on its way): the prompt may open its window now, showing
   * that it waits, so that the question shows the moment it is asked. Closed by close() like an asked one; the user
   * closing it before the question comes makes that question answer null (cancelled).
   */
  prepare?(): void;
  /**
   * The operation is over (success or failure). Lets the prompt stay open between a wrong PIN and the next ask
   * (the dialog "stays open" with the error) and during a PIN-pad wait, and close only now.
   */
  close?(): void;
}

export type CardServiceStatus = { up: boolean; crashed?: boolean };
/** The card service waits for the user to type on a PIN-pad reader (what the reader asks for: `step`). */
export type PinpadWaiting = { readerIndex: number; timeoutMs: number; step?: PinpadStep };

/** The part of native/service/client.ts CardServiceClient the app uses. */
export interface CardsPort {
  request<M extends CardServiceMethod>(method: M, params: CardServiceRequests[M][0]): Promise<CardServiceRequests[M][1]>;
  on(event: 'state', listener: (state: WatchState) => void): unknown;
  on(event: 'service', listener: (status: CardServiceStatus) => void): unknown;
  on(event: 'pinpad-waiting', listener: (waiting: PinpadWaiting) => void): unknown;
  off?(event: 'state' | 'service' | 'pinpad-waiting', listener: (...args: never[]) => void): unknown;
}

/** Desktop integration: the system browser/mail client, and the "save as" dialog. */
export interface SystemPort {
  openExternal(url: string): Promise<void>;
  /** Where to save a file the user asked for; null when they cancel. */
  chooseSavePath(defaultName: string): Promise<string | null>;
}
