// How often the card service looks at the readers. CPx Link stays open all day on every workstation, and on terminal
// servers one copy runs per user session: at rest it must cost next to nothing. So the service looks often only while
// a window of the app is visible or a flow runs, with the cheapest look there is (slot events, or the slot lists); it
// reads the cards again (token info, certificates) only when that look says something changed, or as a slower safety
// refresh that catches what no look can see (a PIN counter changed by another application, a card swapped between two
// looks under a middleware that polls its readers itself).
//
// Figures: bench/README.md (idle-cost). On the reference machine a Node process that merely wakes up twice a second
// already costs 0.1–0.2 % of a core (each wake-up is a trip through the scheduler of a virtual machine), so the
// visible pace is the slowest that keeps card inserted → identity on screen under 400 ms at p50 (half the period,
// one read of the new card, the UI), not faster.

import type { Visibility } from '../../protocol/card-service.ts';

export const WATCH = {
  /** The cheap look while a window is visible or a flow runs. */
  activeCheckMs: 600,
  /** Hidden: the pace Cryptolib itself detects its GALSS readers at. */
  hiddenCheckMs: 2_000,
  /** Full read of the readers even when no look saw a change. */
  activeRefreshMs: 10_000,
  hiddenRefreshMs: 60_000,
  /** A flow (any card request) keeps the active pace this long after its last request. */
  flowLingerMs: 30_000,
} as const;

export class WatchSchedule {
  private visibility: Visibility = 'visible';
  private flowUntil = -Infinity;
  private lastFull = -Infinity;

  /** `checkMs`: the active pace (CardServiceOptions.pollMs); hidden is never faster. */
  constructor(private readonly checkMs: number = WATCH.activeCheckMs, private readonly now: () => number = () => performance.now()) {}

  get window(): Visibility { return this.visibility; }

  /** Returns true when the pace changed. */
  setVisibility(v: Visibility): boolean {
    const before = this.active();
    this.visibility = v;
    return before !== this.active();
  }

  /** A card request arrived: the app is doing something with the card. */
  noteFlow(): void {
    this.flowUntil = this.now() + WATCH.flowLingerMs;
  }

  active(): boolean {
    return this.visibility === 'visible' || this.now() < this.flowUntil;
  }

  /** Delay before the next look. */
  nextDelayMs(): number {
    return this.active() ? this.checkMs : Math.max(this.checkMs, WATCH.hiddenCheckMs);
  }

  fullReadDue(): boolean {
    return this.now() - this.lastFull >= (this.active() ? WATCH.activeRefreshMs : WATCH.hiddenRefreshMs);
  }

  fullReadDone(): void {
    this.lastFull = this.now();
  }
}
