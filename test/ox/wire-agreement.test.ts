// The endpoint's OX contract (app/ox/contract.ts) against the simulator's own transcription of
// OX's wire format (scripts/ox-sim/wire.ts, from the spec): every operation, parameter, type and
// namespace the client sends must be one OX knows, in the order OX's schema lists them.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NS, SERVICES, SERVICE_NAMES, type FieldSpec } from '../../app/ox/contract.js';
import { typesOf } from '../../app/ox/service-types.js';
import { wsdlDir } from '../../app/util/paths.js';
import { OX_NS, OX_OPERATIONS, oxTypesOf, type WireField } from '../../scripts/ox-sim/wire.js';
import { pinnedWsdl } from '../../scripts/codegen/gen-wsdl.js';

const describe = (f: FieldSpec | WireField | undefined) => (f ? `${f.name}:${f.type}${f.many ? '[]' : ''}` : 'none');

/** Each client field must exist on OX's side with the same type, and keep OX's relative order. */
function compareFields(t: Test, where: string, ours: FieldSpec[], theirs: WireField[]): void {
  let last = -1;
  for (const field of ours) {
    const at = theirs.findIndex((f) => f.name === field.name);
    t.not(at, -1, `${where}: OX knows ${field.name}`);
    if (at === -1) continue;
    t.equal(describe(field), describe(theirs[at]), `${where}: ${field.name} has OX's type`);
    t.ok(at > last, `${where}: ${field.name} in OX's order`);
    last = at;
  }
}

t.test("namespaces are OX's", async (t) => {
  for (const key of ['soapenv', 'xsi', 'admin', 'data', 'rmi', 'exceptions'] as const)
    t.equal(NS[key], OX_NS[key], key);
});

t.test("every operation the client sends is an OX operation with OX's parameters and answer", async (t) => {
  for (const service of SERVICE_NAMES) {
    for (const [name, spec] of Object.entries(SERVICES[service])) {
      const ox = OX_OPERATIONS[service][name];
      t.ok(ox, `${service}.${name} exists in OX`);
      if (!ox) continue;
      compareFields(t, `${service}.${name}`, spec.params, ox.params);
      t.equal(
        describe('returns' in spec ? spec.returns : undefined),
        describe(ox.returns),
        `${service}.${name} answer`,
      );
    }
  }
});

t.test("every data object the client knows has OX's fields and namespace, as each service's WSDL has it", async (t) => {
  for (const service of SERVICE_NAMES) {
    const theirs = oxTypesOf(service);
    for (const [name, spec] of Object.entries(typesOf(service))) {
      const ox = theirs[name];
      t.ok(ox, `${service}: ${name} is an OX type`);
      if (!ox) continue;
      t.equal(spec.ns, ox.ns, `${service}: ${name} namespace`);
      compareFields(t, `${service}: ${name}`, spec.fields, ox.fields);
    }
  }
});

t.test('the pinned WSDLs are generated from the contract as it is now', async (t) => {
  for (const service of SERVICE_NAMES) {
    t.equal(
      readFileSync(join(wsdlDir, `${service}.wsdl`), 'utf8'),
      pinnedWsdl(service),
      `${service}.wsdl is fresh (npm run wsdl)`,
    );
  }
});
