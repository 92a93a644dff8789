#!/usr/bin/env node
// The package's bin: runs the TypeScript CLI through tsx, so there is no build step. The entry point is
// where the library (lab/) meets the scenarios: lab/ never imports scenarios/.
import { register } from 'tsx/esm/api';

register();
// Before the CLI loads: the task list's library fixes its colours when it loads (lab/cli/terminal.ts).
const { settleColour } = await import('../lab/cli/terminal.ts');
settleColour();
const { runCli } = await import('../lab/cli/main.ts');
const { SCENARIOS } = await import('../scenarios/index.ts');
await runCli(SCENARIOS);
