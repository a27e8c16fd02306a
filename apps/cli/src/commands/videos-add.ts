import { rm } from "node:fs/promises";
import { Command, Option } from "clipanion";
import { CliError } from "../errors.js";
import { shortId } from "../output/format.js";
import { formatTable } from "../output/table.js";
import { loadPipeline, pipelineEnv, pipelineOptions } from "../pipeline-options.js";
import { checkFiles, placeInInbox } from "../videos/place-in-inbox.js";
import { HoldfastCommand } from "./base-command.js";

export class VideosAddCommand extends HoldfastCommand {
  static override paths = [["videos", "add"]];
  static override usage = Command.Usage({
    description: "register videos for analysis",
    details: `
      Copies each file into the inbox (a file already inside the inbox is referenced where it is) and adds one
      \`pending\` row per video. The source id is the file's SHA-256 unless \`--source-id\` gives one. Adding the same
      video twice is a no-op that says so. Every file is checked before anything is added: one missing file changes
      nothing. Your original files are never deleted; the inbox copy is deleted once its upload is verified.
    `,
    examples: [
      ["Register two videos", "$0 videos add clip1.mp4 clip2.mp4"],
      ["Register a video under your own id", "$0 videos add --source-id order-1234 clip.mp4"],
    ],
  });

  sourceId = Option.String("--source-id", { description: "Source id for the video (only with one file)" });
  inbox = pipelineOptions.inbox();
  config = pipelineOptions.config();
  json = Option.Boolean("--json", false, { description: "Print the result as JSON" });
  files = Option.Rest({ name: "file", required: 1 });

  protected async run(): Promise<number> {
    if (this.sourceId !== undefined) {
      if (this.files.length !== 1)
        throw new CliError("--source-id names one video: pass exactly one file with it");
      if (this.sourceId.trim() === "") throw new CliError("--source-id must not be empty");
    }
    const checked = await checkFiles(this.files);
    // Only the inbox matters here: force the keyless backends so that a Gemini key that is
    // not set on this machine does not stop anyone from adding files.
    const { loadPipelineConfig, PIPELINE_ENV } = await loadPipeline();
    const env = pipelineEnv(PIPELINE_ENV, this.context.env, {
      inbox: this.inbox,
      analyzer: "offline",
      storage: "local",
    });
    const { inboxDir } = loadPipelineConfig(env, this.config);
    const store = await this.openStore();

    const results: Array<{ file: string; id: number; sourceId: string; created: boolean; path: string }> = [];
    for (const file of checked) {
      const sourceId = this.sourceId ?? file.sha256;
      const placed = await placeInInbox(file, inboxDir, sourceId);
      let added: { id: number; created: boolean };
      try {
        added = await store.taskAdd({ sourceId, data: { path: placed.path }, now: new Date() });
      } catch (err) {
        if (placed.copied) await rm(placed.absolutePath, { force: true });
        throw err;
      }
      // The row already existed: the copy this call made is nobody's, remove it again.
      if (!added.created && placed.copied) await rm(placed.absolutePath, { force: true });
      results.push({ file: file.given, id: added.id, sourceId, created: added.created, path: placed.path });
    }

    if (this.json) {
      this.printJson({ inbox: inboxDir, videos: results });
      return 0;
    }
    this.print(
      formatTable(
        ["id", "file", "source id", "result"],
        results.map((r) => [
          r.id,
          r.file,
          shortId(r.sourceId),
          r.created ? "added" : "already registered: nothing changed",
        ]),
      ),
    );
    const added = results.filter((r) => r.created).length;
    this.print(`${added} added, ${results.length - added} already registered (inbox ${inboxDir})`);
    return 0;
  }
}
