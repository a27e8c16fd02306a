/** Time as a port, so leases, recovery and heartbeats can be tested without waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = Object.freeze({ now: () => new Date() });
