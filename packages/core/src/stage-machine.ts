import { ConfigError, IllegalTransitionError } from "./errors.js";

/**
 * A project's stages and the rules between them. The store and the worker loop never
 * hard-code a stage name; they ask the machine.
 */
export interface StageMachineDefinition<S extends string = string> {
  /** Every stage, in lifecycle order (used for display). */
  readonly stages: readonly S[];
  /** Where a new row starts. */
  readonly initial: S;
  /** Legal moves, `from → [to…]`. Anything else throws IllegalTransitionError. */
  readonly transitions: { readonly [K in S]: readonly S[] };
  /** Stages a row never leaves. */
  readonly terminal: readonly S[];
  /** Stages a worker may claim when the row holds no live lease. */
  readonly ready: readonly S[];
  /**
   * Where a row goes when its lease is released or recovered, by the stage it was in.
   * A stage not listed stays where it is. The seed's reset: `processing → metadata_extracting`.
   */
  readonly releaseTo: { readonly [K in S]?: S };
  /** The dead letter: where a row goes after max attempts or a permanent error. */
  readonly failed: S;
  /** The stage reached on success (a terminal stage). */
  readonly completed: S;
  /**
   * Stages that the legacy recovery mode scans for rows with no lease and an old
   * `updated_at` (the seed's rule, for databases written by the old system).
   */
  readonly legacyStuck: readonly S[];
}

export interface StageMachine<S extends string = string> extends StageMachineDefinition<S> {
  isStage(value: string): value is S;
  canTransition(from: S, to: S): boolean;
  /** Throws IllegalTransitionError naming both stages when the move is not allowed. */
  assertTransition(from: string, to: string): void;
  isTerminal(stage: S): boolean;
  isReady(stage: S): boolean;
  /** Where a released or recovered row in `stage` goes. */
  releaseTarget(stage: S): S;
}

export function defineStageMachine<S extends string>(def: StageMachineDefinition<S>): StageMachine<S> {
  const known = new Set<string>(def.stages);
  const check = (what: string, stage: string) => {
    if (!known.has(stage)) throw new ConfigError(`stage machine: ${what} names unknown stage "${stage}"`);
  };
  check("initial", def.initial);
  check("failed", def.failed);
  check("completed", def.completed);
  for (const s of [...def.terminal, ...def.ready, ...def.legacyStuck]) check("a stage list", s);
  for (const [from, tos] of Object.entries(def.transitions) as [string, readonly string[]][]) {
    check("transitions", from);
    for (const to of tos) check(`transitions of ${from}`, to);
  }
  for (const [from, to] of Object.entries(def.releaseTo) as [string, string][]) {
    check("releaseTo", from);
    check(`releaseTo of ${from}`, to);
  }
  if (!def.terminal.includes(def.failed) || !def.terminal.includes(def.completed)) {
    throw new ConfigError("stage machine: the failed and completed stages must be terminal");
  }
  for (const t of def.terminal) {
    if ((def.transitions[t] ?? []).length > 0)
      throw new ConfigError(`stage machine: terminal stage "${t}" has transitions`);
  }

  const allowed = new Map<string, Set<string>>(
    def.stages.map((s) => [s, new Set<string>(def.transitions[s] ?? [])]),
  );
  const machine: StageMachine<S> = {
    ...def,
    isStage: (value): value is S => known.has(value),
    canTransition: (from, to) => allowed.get(from)?.has(to) ?? false,
    assertTransition(from, to) {
      if (!(allowed.get(from)?.has(to) ?? false)) throw new IllegalTransitionError(from, to);
    },
    isTerminal: (stage) => def.terminal.includes(stage),
    isReady: (stage) => def.ready.includes(stage),
    releaseTarget: (stage) => def.releaseTo[stage] ?? stage,
  };
  return Object.freeze(machine);
}
