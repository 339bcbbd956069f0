// npm run package: builds dist/<name>-<version>-<release>.app.zip (reproducible), after checking it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../app/util/paths.js';
import { packageEntries, zipName } from './contents.js';
import { checkPackage } from './check.js';
import { writeZip } from './zip.js';

const entries = packageEntries();
const problems = checkPackage(entries);
if (problems.length) {
  for (const p of problems) console.error(`package: ${p}`);
  process.exit(1);
}
const outDir = process.env.PACKAGE_OUT_DIR ?? join(projectRoot, 'dist');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, zipName());
await writeZip(entries, file);
console.log(`built ${file} (${entries.size} files)`);
