import type { StageMachine } from "@holdfast/core";

/** A SQL string literal. Stage names come from the project's code, but are quoted all the same. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function inList(values: readonly string[]): string {
  return values.length === 0 ? "(NULL)" : `(${values.map(literal).join(", ")})`;
}

/**
 * The parts of the stage machine that the SQL needs, rendered once when the store opens:
 * both dialects' statements then run with no per-call string building.
 */
export interface StageSql {
  /** `(…)` list of ready stages. */
  ready: string;
  /** `(…)` list of stages the legacy recovery scans. */
  legacyStuck: string;
  /** `(…)` list of stages that may move to the failed stage. */
  canFail: string;
  failed: string;
  completed: string;
  /** CASE expression: where a released row in `col` goes. */
  releaseTarget(col: string): string;
  /** Boolean SQL: is the released row ready again? */
  releaseReady(col: string, trueSql: string, falseSql: string): string;
}

export function stageSql(machine: StageMachine): StageSql {
  const pairs = Object.entries(machine.releaseTo) as [string, string][];
  const target = (col: string) =>
    pairs.length === 0
      ? col
      : `CASE ${col} ${pairs.map(([from, to]) => `WHEN ${literal(from)} THEN ${literal(to)}`).join(" ")} ELSE ${col} END`;
  return {
    ready: inList(machine.ready),
    legacyStuck: inList(machine.legacyStuck),
    canFail: inList(machine.stages.filter((s) => machine.canTransition(s, machine.failed))),
    failed: literal(machine.failed),
    completed: literal(machine.completed),
    releaseTarget: target,
    releaseReady: (col, t, f) =>
      `CASE WHEN ${target(col)} IN ${inList(machine.ready)} THEN ${t} ELSE ${f} END`,
  };
}
