/**
 * A budget of live checks per account and kind (the hosted product's connection-check and profile-refresh)
 * in fixed windows: each call takes one; past the limit it is refused until the window ends. In memory,
 * per process, like the other rate limits; the clock is injected.
 */
export interface BudgetState {
  allowed: boolean;
  limit: number;
  used: number;
  remaining: number;
  windowSeconds: number;
  /** Seconds until the window ends. */
  resetsIn: number;
}

/** Accounts tracked at once; past it, ended windows are forgotten first, then the oldest. */
const MAX_TRACKED = 10_000;

export class CheckBudget {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { used: number; endsAt: number }>();

  constructor(options: { limit: number; windowSeconds: number; now: () => number }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowSeconds * 1000;
    this.#now = options.now;
  }

  /** Takes one check for `key` when the budget allows it; says where the budget stands either way. */
  take(key: string): BudgetState {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (!window || window.endsAt <= now) {
      if (this.#windows.size >= MAX_TRACKED) this.#forget(now);
      window = { used: 0, endsAt: now + this.#windowMs };
      this.#windows.set(key, window);
    }
    const allowed = window.used < this.#limit;
    if (allowed) window.used++;
    return {
      allowed,
      limit: this.#limit,
      used: window.used,
      remaining: this.#limit - window.used,
      windowSeconds: this.#windowMs / 1000,
      resetsIn: Math.max(1, Math.ceil((window.endsAt - now) / 1000)),
    };
  }

  #forget(now: number): void {
    for (const [key, w] of this.#windows) if (w.endsAt <= now) this.#windows.delete(key);
    for (const key of this.#windows.keys()) {
      if (this.#windows.size < MAX_TRACKED) break;
      this.#windows.delete(key);
    }
  }
}
