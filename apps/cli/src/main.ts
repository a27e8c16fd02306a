import { runCli } from "./cli.js";

// The process entry point (bin/holdfast.js imports it). Every command returns its exit code;
// exiting explicitly means a forgotten timer or socket can never keep a finished command
// alive. On Linux, writes to pipes, files and terminals are synchronous, so no output is lost.
const code = await runCli(process.argv.slice(2));
process.exit(code);
