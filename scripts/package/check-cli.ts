// npm run package:check [-- <file.app.zip>]: validates the source tree, or a built package.
import { readFileSync } from 'node:fs';
import { packageEntries } from './contents.js';
import { checkPackage } from './check.js';
import { readZip } from './unzip.js';

const file = process.argv[2];
const entries = file ? await readZip(readFileSync(file)) : packageEntries();
const problems = checkPackage(entries);
for (const p of problems) console.error(`package: ${p}`);
console.log(
  problems.length
    ? `${problems.length} problem(s) in ${file ?? 'the package sources'}`
    : `package OK: ${entries.size} files${file ? ` in ${file}` : ''}`,
);
process.exit(problems.length ? 1 : 0);
