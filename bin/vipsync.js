#!/usr/bin/env node
// The vipsync command. Sources are TypeScript, run through tsx's loader: no build step to forget.
// (The worker image runs the compiled form instead: node dist/cli/run.js, after `npm run build`.)
import { register } from 'tsx/esm/api';

register();
await import('../cli/run.ts');
