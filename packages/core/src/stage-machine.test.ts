import { describe, expect, it } from "vitest";
import { ConfigError, IllegalTransitionError } from "./errors.js";
import { defineStageMachine } from "./stage-machine.js";
import { videoStageMachine } from "./video-stages.js";

describe("the video stage machine (the seed's names)", () => {
  const m = videoStageMachine;

  it("allows the lifecycle in DESIGN.md and nothing else", () => {
    expect(m.canTransition("pending", "metadata_extracting")).toBe(true);
    expect(m.canTransition("metadata_extracting", "processing")).toBe(true);
    expect(m.canTransition("processing", "video_analysis_completed")).toBe(true);
    expect(m.canTransition("processing", "metadata_extracting")).toBe(true);
    expect(m.canTransition("pending", "video_analysis_completed")).toBe(false);
    expect(m.canTransition("video_analysis_completed", "pending")).toBe(false);
    expect(m.canTransition("failed", "pending")).toBe(false);
  });

  it("throws a typed error naming both stages for an illegal move", () => {
    let caught: unknown;
    try {
      m.assertTransition("pending", "video_analysis_completed");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    expect((caught as IllegalTransitionError).from).toBe("pending");
    expect((caught as IllegalTransitionError).to).toBe("video_analysis_completed");
    expect((caught as Error).message).toContain("pending → video_analysis_completed");
  });

  it("treats an unknown stage as illegal rather than as a silent write", () => {
    expect(() => m.assertTransition("processing", "done")).toThrow(IllegalTransitionError);
    expect(() => m.assertTransition("nope", "processing")).toThrow(IllegalTransitionError);
  });

  it("releases processing back to metadata_extracting (the seed's reset target)", () => {
    expect(m.releaseTarget("processing")).toBe("metadata_extracting");
    expect(m.releaseTarget("metadata_extracting")).toBe("metadata_extracting");
    expect(m.releaseTarget("pending")).toBe("pending");
  });

  it("knows which stages are ready and which are terminal", () => {
    expect(m.ready).toEqual(["pending", "metadata_extracting"]);
    expect(m.isReady("processing")).toBe(false);
    expect(m.isTerminal("failed")).toBe(true);
    expect(m.isTerminal("video_analysis_completed")).toBe(true);
    expect(m.isTerminal("processing")).toBe(false);
    expect(m.isStage("processing")).toBe(true);
    expect(m.isStage("PROCESSING")).toBe(false);
  });
});

describe("defineStageMachine", () => {
  const base = {
    stages: ["new", "busy", "done", "dead"] as const,
    initial: "new",
    transitions: { new: ["busy", "dead"], busy: ["done", "new", "dead"], done: [], dead: [] },
    terminal: ["done", "dead"],
    ready: ["new"],
    releaseTo: { busy: "new" },
    failed: "dead",
    completed: "done",
    legacyStuck: ["busy"],
  } as const;

  it("accepts a project's own machine", () => {
    const m = defineStageMachine<"new" | "busy" | "done" | "dead">(base);
    expect(m.canTransition("new", "busy")).toBe(true);
    expect(m.releaseTarget("busy")).toBe("new");
    expect(Object.isFrozen(m)).toBe(true);
  });

  it("rejects a definition that names an unknown stage", () => {
    expect(() => defineStageMachine({ ...base, ready: ["nowhere"] } as never)).toThrow(
      /unknown stage "nowhere"/,
    );
    expect(() =>
      defineStageMachine({ ...base, transitions: { ...base.transitions, new: ["gone"] } } as never),
    ).toThrow(ConfigError);
  });

  it("rejects a terminal stage with transitions, or a failed stage that is not terminal", () => {
    expect(() =>
      defineStageMachine({ ...base, transitions: { ...base.transitions, done: ["new"] } } as never),
    ).toThrow(/terminal stage "done" has transitions/);
    expect(() => defineStageMachine({ ...base, terminal: ["done"] } as never)).toThrow(/must be terminal/);
  });
});
