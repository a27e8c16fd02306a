import { existsSync } from "node:fs";
import { toJson, toMs } from "./db.mjs";
import { percentile } from "./rng.mjs";

const COMPLETED = "video_analysis_completed";
const FAILED = "failed";
const WRITE_EVENTS = new Set(["completed", "failed", "released"]);

/**
 * Reads the database, the inbox, the emulators and the workers' own event logs after a run,
 * and turns them into the run's checks. `assert: true` checks decide pass/fail; the others
 * are reported for the reader.
 */
export async function checkRun(ctx) {
  const { db, videos, opts, events, actions } = ctx;
  const N = videos.length;
  const rows = await db.query(
    "SELECT id, stage, attempts, lease_owner, lease_token, last_error, data FROM videos ORDER BY id",
  );
  const resultsPer = new Map(
    (await db.query("SELECT video_id, count(*) AS n FROM analysis_results GROUP BY video_id")).map((r) => [
      Number(r.video_id),
      Number(r.n),
    ]),
  );
  const journal = (
    await db.query(
      "SELECT id, video_id, request_hash, status, started_at, finished_at FROM paid_call_journal ORDER BY id",
    )
  ).map((j) => ({
    id: Number(j.id),
    videoId: Number(j.video_id),
    hash: j.request_hash,
    status: j.status,
    startedAt: toMs(j.started_at),
    finishedAt: toMs(j.finished_at),
  }));
  const audit = (
    await db.query(
      "SELECT id, video_id, event, actor, from_stage, to_stage, detail, at FROM audit_events ORDER BY id",
    )
  ).map((a) => ({
    id: Number(a.id),
    videoId: a.video_id === null ? null : Number(a.video_id),
    event: a.event,
    actor: a.actor,
    from: a.from_stage,
    to: a.to_stage,
    detail: toJson(a.detail) ?? {},
    at: toMs(a.at),
  }));
  const writes =
    db.dialect === "postgres"
      ? (await db.query("SELECT * FROM chaos_writes ORDER BY id")).map((w) => ({ ...w, at: toMs(w.at) }))
      : null;

  const checks = [];
  const add = (name, value, expected, ok, assert = true, detail = undefined) =>
    checks.push({ name, value, expected, ok, assert, ...(detail === undefined ? {} : { detail }) });

  // 1. Nothing lost: every video completed (or failed with a reason), nothing in flight.
  const completed = rows.filter((r) => r.stage === COMPLETED);
  const failed = rows.filter((r) => r.stage === FAILED);
  const notTerminal = rows.filter((r) => r.stage !== COMPLETED && r.stage !== FAILED);
  const leased = rows.filter((r) => r.lease_token !== null);
  add(
    "videos completed",
    `${completed.length}/${N}`,
    `${N}/${N}`,
    completed.length === N && rows.length === N,
  );
  add(
    "videos failed (with reason)",
    failed.length,
    0,
    failed.length === 0,
    true,
    failed.map((r) => ({ id: Number(r.id), reason: r.last_error })),
  );
  add(
    "not terminal / leases held at the end",
    `${notTerminal.length} / ${leased.length}`,
    "0 / 0",
    notTerminal.length === 0 && leased.length === 0,
  );

  // 2. Exactly one result per completed video, none for the others.
  const badResults = rows.filter(
    (r) => (resultsPer.get(Number(r.id)) ?? 0) !== (r.stage === COMPLETED ? 1 : 0),
  );
  add(
    "results: exactly one per completed video",
    badResults.length === 0 ? `1 each (${completed.length})` : `${badResults.length} wrong`,
    "1 each",
    badResults.length === 0,
    true,
    badResults.map((r) => ({ id: Number(r.id), stage: r.stage, results: resultsPer.get(Number(r.id)) ?? 0 })),
  );

  // 3. No local file deleted without a verified object: ask the GCS emulator about each one.
  const lostFiles = [];
  let deleted = 0;
  let leftBehind = 0;
  let nameMismatch = 0;
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const v of videos) {
    const row = byId.get(v.id);
    const data = toJson(row?.data) ?? {};
    const expectedName = `videos/${v.sha256}.mp4`;
    if (data.upload?.objectName && data.upload.objectName !== expectedName) nameMismatch++;
    if (existsSync(v.inboxPath)) {
      if (row?.stage === COMPLETED) leftBehind++;
      continue;
    }
    deleted++;
    const res = await fetch(
      `${ctx.gcsUrl}/storage/v1/b/${ctx.bucket}/o/${encodeURIComponent(expectedName)}`,
    ).catch((err) => ({ ok: false, status: String(err) }));
    const meta = res.ok ? await res.json() : null;
    if (!meta || meta.md5Hash !== v.md5 || Number(meta.size) !== v.size) {
      lostFiles.push({
        id: v.id,
        file: v.inboxPath,
        object: expectedName,
        status: res.status,
        md5: meta?.md5Hash,
      });
    }
  }
  add(
    "local files deleted without a verified object",
    lostFiles.length,
    0,
    lostFiles.length === 0,
    true,
    lostFiles,
  );
  add(
    "local files deleted / kept after completion",
    `${deleted} / ${leftBehind}`,
    `${N} / 0`,
    deleted === N,
    false,
  );
  add(
    "object names as the pipeline promises (videos/<sha256>.mp4)",
    `${N - nameMismatch}/${N}`,
    `${N}/${N}`,
    nameMismatch === 0,
  );

  // 4. Paid calls: what the emulator counted, against N plus the calls a disruption cut off.
  const calls = ctx.geminiStats.calls;
  const heldAt = new Map(); // action -> ids
  const counted = new Set();
  const lastClaim = (rec, videoId, before) => {
    let at = null;
    for (const e of events)
      if (e.rec === rec && e.type === "claimed" && e.taskId === videoId && e.at <= before) at = e.at;
    return at;
  };
  const recOf = (action) => ctx.workersAll.find((w) => `worker ${w.slot}.${w.gen}` === action.target);
  let budget = 0;
  let pauseCut = 0;
  const budgetDetail = [];
  for (const a of actions) {
    let cut = [];
    if (a.kind === "sigkill" || a.kind === "sigstop") {
      const rec = recOf(a);
      // The leases it held: what the database said a moment before, plus what its log says.
      const held = new Set(a.held);
      for (const e of events) {
        if (e.rec !== rec || e.at > a.at) continue;
        if (e.type === "claimed") held.add(e.taskId);
      }
      for (const e of events) {
        if (e.rec === rec && e.at <= a.at && (WRITE_EVENTS.has(e.type) || e.type === "lease-lost")) {
          const claim = lastClaim(rec, e.taskId, a.at);
          if (claim !== null && claim <= e.at) held.delete(e.taskId);
        }
      }
      heldAt.set(a, [...held]);
      for (const j of journal) {
        if (!held.has(j.videoId) || counted.has(j.id)) continue;
        const claim = lastClaim(rec, j.videoId, a.at);
        if (claim === null || j.startedAt < claim || j.startedAt > a.at) continue;
        if (j.finishedAt === null || j.finishedAt > a.at) cut.push(j.id);
      }
    } else if (a.kind === "pg-restart") {
      const until = a.doneAt ?? a.at;
      for (const j of journal) {
        if (counted.has(j.id)) continue;
        if (
          j.startedAt >= a.at - 10_000 &&
          j.startedAt <= until &&
          // never answered into the journal: lost, or answered while it could not be written
          j.finishedAt === null
        )
          cut.push(j.id);
      }
    }
    cut = cut.filter((id) => !counted.has(id));
    for (const id of cut) counted.add(id);
    budget += cut.length;
    if (a.kind === "sigstop") pauseCut += cut.length;
    if (cut.length > 0) budgetDetail.push({ kind: a.kind, target: a.target, at: a.at, calls: cut.length });
  }
  add("Gemini calls paid", calls, `≤ ${N} + ${budget} cut off`, calls <= N + budget, true, {
    journalEntries: journal.length,
    cutOffByDisruption: budgetDetail,
  });
  const possiblyCharged = journal.filter((j) => j.status === "started").length;
  add("journal: possibly charged (started, never answered)", possiblyCharged, "= calls cut off", true, false);

  // 5. No answer received (saved) and then paid for again.
  const groups = new Map();
  for (const j of journal) {
    const k = `${j.videoId}:${j.hash}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(j);
  }
  const paidAgain = [];
  const twiceSucceeded = [];
  for (const list of groups.values()) {
    const succeeded = list.filter((j) => j.status === "succeeded");
    if (succeeded.length > 1) twiceSucceeded.push(succeeded.map((j) => j.id));
    const firstSaved = Math.min(...succeeded.map((j) => j.finishedAt));
    for (const j of list)
      if (j.startedAt > firstSaved) paidAgain.push({ videoId: j.videoId, journalId: j.id });
  }
  add("answers saved, then paid for again", paidAgain.length, 0, paidAgain.length === 0, true, paidAgain);
  add(
    "requests with two saved answers (a late save by a paused worker)",
    twiceSucceeded.length,
    `≤ ${pauseCut} (calls cut by pauses)`,
    twiceSucceeded.length <= pauseCut,
    false,
    twiceSucceeded,
  );

  // 6. The paused worker wrote nothing about a row after its lease was recovered.
  const pauseFindings = [];
  let pausedRowsRecovered = 0;
  let pausedLeaseLost = 0;
  let pausedRecoveredOthers = 0;
  for (const a of actions.filter((x) => x.kind === "sigstop")) {
    const rec = recOf(a);
    const recovered = new Map();
    for (const e of audit) {
      // Its leases taken back while it was stopped (not a later claim of it that expired).
      const during =
        e.at >= a.at && e.at <= (a.contAt ?? Number.POSITIVE_INFINITY) + opts.leaseTtlSeconds * 1000;
      if (
        (e.event === "recovered" || e.event === "recovered_failed") &&
        e.detail.leaseOwner === a.workerId &&
        during
      ) {
        if (!recovered.has(e.videoId)) recovered.set(e.videoId, e);
      }
    }
    pausedRowsRecovered += recovered.size;
    pausedLeaseLost += events.filter((e) => e.rec === rec && e.type === "lease-lost").length;
    // Its own account: an event that is only emitted after a successful write.
    for (const [videoId, r] of recovered) {
      const own = events.filter((e) => e.rec === rec && e.taskId === videoId && e.at > r.at);
      for (const e of own) {
        if (e.type === "claimed") break; // it claimed the row again, legitimately
        const stale = WRITE_EVENTS.has(e.type) || (e.type === "advanced" && e.detail?.from === r.from);
        if (stale)
          pauseFindings.push({ source: "worker log", videoId, event: e.type, at: e.at, recoveredAt: r.at });
      }
      // The database's account (Postgres): writes made on its connections, by application_name.
      if (writes) {
        for (const w of writes) {
          if (w.app !== a.app || Number(w.video_id) !== videoId || w.at <= r.at) continue;
          if (w.tbl === "videos" && w.old_owner === null && w.new_owner === a.workerId) break; // re-claimed
          // Once resumed, its sweep may recover SOMEONE ELSE's expired lease on the row (the
          // next owner was killed meanwhile): a recovery, audited with it as the actor.
          const recovery =
            w.tbl === "videos" &&
            w.new_owner === null &&
            w.old_owner !== null &&
            w.old_owner !== a.workerId &&
            audit.some(
              (e) =>
                e.videoId === videoId &&
                (e.event === "recovered" || e.event === "recovered_failed") &&
                e.actor === a.workerId &&
                e.detail.leaseOwner === w.old_owner &&
                Math.abs(e.at - w.at) < 5_000,
            );
          if (recovery) {
            pausedRecoveredOthers++;
            continue;
          }
          pauseFindings.push({
            source: "database",
            videoId,
            table: w.tbl,
            at: w.at,
            recoveredAt: r.at,
            oldStage: w.old_stage,
            newStage: w.new_stage,
            oldOwner: w.old_owner,
            newOwner: w.new_owner,
          });
        }
      }
    }
  }
  const pauses = actions.filter((x) => x.kind === "sigstop").length;
  add(
    "paused worker: writes after its lease was recovered",
    pauseFindings.length,
    0,
    pauseFindings.length === 0,
    true,
    pauseFindings,
  );
  add(
    "paused worker: its rows recovered / its lease-lost drops / later recovered others' leases on them",
    `${pausedRowsRecovered} / ${pausedLeaseLost} / ${pausedRecoveredOthers}`,
    pauses > 0 ? "> 0 (pause exercised)" : "no pause",
    pauses === 0 || pausedRowsRecovered > 0,
    false,
  );

  // 7. Back to work in seconds: from the crash (SIGKILL, SIGSTOP) to the next claim of each
  // row the crashed worker held.
  const latencies = [];
  const neverBack = [];
  for (const a of actions.filter((x) => x.kind === "sigkill" || x.kind === "sigstop")) {
    const rec = recOf(a);
    for (const videoId of heldAt.get(a) ?? []) {
      const doneBefore = audit.some(
        (e) => e.videoId === videoId && (e.event === "completed" || e.event === "failed") && e.at <= a.at,
      );
      const gaveUp = audit.some(
        (e) => e.videoId === videoId && e.event === "recovered_failed" && e.at > a.at,
      );
      if (doneBefore || gaveUp) continue;
      const next = events.find(
        (e) =>
          e.type === "claimed" &&
          e.taskId === videoId &&
          e.at > a.at &&
          !(e.rec === rec && a.kind === "sigkill"),
      );
      if (next) latencies.push(next.at - a.at);
      else neverBack.push({ videoId, kind: a.kind, at: a.at });
    }
  }
  latencies.sort((x, y) => x - y);
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  const max = latencies.length ? latencies[latencies.length - 1] : null;
  const sec = (ms) => (ms === null ? "–" : `${(ms / 1000).toFixed(1)}`);
  add(
    "recovery latency crash → re-claim p50/p95/max (s)",
    `${sec(p50)} / ${sec(p95)} / ${sec(max)} (n=${latencies.length})`,
    `max ≤ ${opts.maxRecoverySeconds}`,
    max === null || max <= opts.maxRecoverySeconds * 1000,
  );
  add("rows a crash held that never came back", neverBack.length, 0, neverBack.length === 0, true, neverBack);

  // 8. Who recovered, and what the fleet went through.
  const workerIds = new Set(ctx.workersAll.map((w) => w.workerId).filter(Boolean));
  const recoveries = audit.filter((e) => e.event === "recovered" || e.event === "recovered_failed");
  const bySched = recoveries.filter((e) => !workerIds.has(e.actor)).length;
  add(
    "recoveries by scheduler / by worker sweeps",
    `${bySched} / ${recoveries.length - bySched}`,
    "",
    true,
    false,
  );
  const count = (k) => actions.filter((a) => a.kind === k).length;
  add(
    "chaos: SIGKILL / SIGTERM / SIGSTOP / scheduler kills / pg restarts",
    `${count("sigkill")} / ${count("sigterm")} / ${count("sigstop")} / ${count("kill-scheduler")} / ${count("pg-restart")}`,
    "",
    true,
    false,
  );
  const unexpected = ctx.exits.filter((x) => x.expected === null && !(x.code === 0 || x.code === 75));
  add(
    "exits nobody asked for (supervisor restarted them)",
    unexpected.length,
    0,
    unexpected.length === 0,
    false,
    unexpected,
  );
  const finalExits = ctx.exits.filter((x) => x.expected === "final-stop");
  add(
    "fleet stop at the end: clean exits (0) / other",
    `${finalExits.filter((x) => x.code === 0).length} / ${finalExits.filter((x) => x.code !== 0).length}`,
    "all 0",
    finalExits.every((x) => x.code === 0),
    false,
    finalExits.filter((x) => x.code !== 0),
  );
  const termExits = ctx.exits.filter((x) => x.expected === "sigterm");
  add(
    "SIGTERMed workers: exit codes",
    termExits.map((x) => x.code ?? x.signal).join(",") || "–",
    "0 (or 75 past the grace)",
    termExits.every((x) => x.code === 0 || x.code === 75),
    true,
  );
  add("run time (s)", (ctx.durationMs / 1000).toFixed(1), `≤ ${opts.timeLimitSeconds}`, !ctx.timedOut);

  const passed = checks.every((c) => !c.assert || c.ok);
  return {
    dialect: ctx.dialect,
    seed: opts.seed,
    videos: N,
    passed,
    checks,
    actions: actions.map((a) => ({ ...a, held: a.held?.length })),
    recoveryLatencyMs: { p50, p95, max, n: latencies.length },
    emulators: { gemini: ctx.geminiStats, gcs: ctx.gcsStats, geminiLatency: ctx.proxyStats },
    exits: ctx.exits,
    processes: {
      workers: ctx.workersAll.length,
      schedulers: ctx.schedulers.length,
    },
  };
}

export function formatTable(report) {
  const rows = report.checks.map((c) => [
    c.assert ? (c.ok ? "ok" : "FAIL") : "info",
    c.name,
    String(c.value),
    String(c.expected),
  ]);
  const head = ["", "check", "value", "expected"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [
    `chaos ${report.dialect} seed=${report.seed} videos=${report.videos}: ${report.passed ? "PASSED" : "FAILED"}`,
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}
