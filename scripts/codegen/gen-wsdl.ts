// Writes app/ox/wsdl/<Service>.wsdl, the endpoint's pinned WSDLs, from its OX wire contract.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NS, SERVICES, SERVICE_NAMES, type ServiceName } from '../../app/ox/contract.js';
import { typesOf } from '../../app/ox/service-types.js';
import { wsdlDir } from '../../app/util/paths.js';
import { renderWsdl } from './wsdl-render.js';

export function pinnedWsdl(service: ServiceName): string {
  return renderWsdl(service, {
    ns: NS,
    types: typesOf(service),
    operations: SERVICES[service],
    source: 'app/ox/contract.ts by scripts/codegen/gen-wsdl.ts',
  });
}

if (process.argv[1]?.endsWith('gen-wsdl.ts')) {
  for (const service of SERVICE_NAMES) {
    const file = join(wsdlDir, `${service}.wsdl`);
    writeFileSync(file, pinnedWsdl(service));
    console.log(`wrote ${file}`);
  }
}
