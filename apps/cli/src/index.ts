export { createCli, runCli } from "./cli.js";
export { CLI_DEFAULTS, type CliDefaults } from "./defaults.js";
export { EXIT, type ExitCode } from "./exit-codes.js";
