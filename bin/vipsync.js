#!/usr/bin/env node
// The vipsync command. Sources are TypeScript, run through tsx's loader: no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
await runCli(process.argv);
