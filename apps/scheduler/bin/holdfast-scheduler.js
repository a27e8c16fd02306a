#!/usr/bin/env node
// A plain file that exists before the build, so pnpm can link the bin on a fresh install.
import "../dist/main.js";
