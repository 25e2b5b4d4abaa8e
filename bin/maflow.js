#!/usr/bin/env node
// The `maflow` command: the compiled CLI (`npm run build` writes dist/; a checkout's `npm ci` runs it).
await import('../dist/cli/main.js');
