// Writes app/ox/wsdl/<Service>.wsdl from the OX wire contract.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES } from '../app/ox/contract.js';
import { renderWsdl } from '../app/ox/wsdl-render.js';
import { wsdlDir } from '../app/util/paths.js';

for (const service of SERVICE_NAMES) {
  const file = join(wsdlDir, `${service}.wsdl`);
  writeFileSync(file, renderWsdl(service));
  console.log(`wrote ${file}`);
}
