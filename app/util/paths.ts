// Locations inside the installed project, the same from app/ (tsx) and from dist/app (node).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${start}`);
    dir = up;
  }
  return dir;
}

export const projectRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
export const wsdlDir = join(projectRoot, 'app', 'ox', 'wsdl');
export const schemasDir = join(projectRoot, 'schemas');
