// Runs after `npm install` / `npm ci`: rebuilds tap's runner with the plugins package.json names
// (tsx instead of tap's ts-node loader). Skipped where tap is not installed (production images).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

if (existsSync('node_modules/.bin/tap')) execFileSync('node_modules/.bin/tap', ['build'], { stdio: 'ignore' });
