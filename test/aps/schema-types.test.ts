// The TypeScript types of the APS resources are generated from the schemas: the checked-in file
// must be exactly what `npm run types` writes now.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { renderSchemaTypes, SCHEMA_TYPES_FILE } from '../../scripts/codegen/schema-types.js';
import { constantOf, renderUiTypes, UI_TYPES_FILE } from '../../scripts/codegen/ui-types.js';

t.test(
  'app/aps/generated/schema-types.ts is what the schemas give (run npm run types after a schema change)',
  async (t) => {
    const fresh = await renderSchemaTypes();
    t.equal(readFileSync(SCHEMA_TYPES_FILE, 'utf8'), fresh);
    for (const file of readdirSync('schemas').filter((f) => f.endsWith('.schema'))) {
      const name = file.replace('.schema', '').replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
      t.match(fresh, new RegExp(`export interface ${name}Provision \\{`), `${name}Provision`);
      t.match(fresh, new RegExp(`export interface ${name}Properties \\{`), `${name}Properties`);
    }
    const app = /export interface AppProvision \{([\s\S]*?)\n\}/.exec(fresh)![1];
    t.match(app, /\n {2}productPath: string;/, 'a defaulted property is present after validation');
    t.match(app, /\n {2}imapServer\?: string;/, 'an optional one without a default may be absent');
    t.match(app, /loginClient: "appsuite" \| "ox6";/, 'enums become unions');
  },
);

t.test('the panels take type ids and the login pattern from the schemas (aps-package/ui/lib/types.js)', async (t) => {
  const fresh = renderUiTypes();
  t.equal(readFileSync(UI_TYPES_FILE, 'utf8'), fresh, 'the checked-in copy is fresh (npm run types)');
  for (const file of readdirSync('schemas').filter((f) => f.endsWith('.schema'))) {
    const schema = JSON.parse(readFileSync(`schemas/${file}`, 'utf8')) as { id: string };
    t.match(fresh, `${constantOf(file.replace('.schema', ''))}: ${JSON.stringify(schema.id)},`, file);
  }
  const mailboxes = JSON.parse(readFileSync('schemas/mailboxes.schema', 'utf8'));
  t.match(fresh, `LOGIN_PATTERN: ${JSON.stringify(mailboxes.properties.login.pattern)}`);
  t.same(['contexts', 'mailboxes', 'shared-mailboxes', 'mobility'].map(constantOf), [
    'CONTEXT',
    'MAILBOX',
    'SHARED_MAILBOX',
    'MOBILITY',
  ]);
});
