// npm run types: writes app/aps/generated/schema-types.ts and the panels' aps-package/ui/lib/types.js
// from schemas/*.schema.
import { writeFileSync } from 'node:fs';
import { renderSchemaTypes, SCHEMA_TYPES_FILE } from './schema-types.js';
import { renderUiTypes, UI_TYPES_FILE } from './ui-types.js';

writeFileSync(SCHEMA_TYPES_FILE, await renderSchemaTypes());
console.log(`wrote ${SCHEMA_TYPES_FILE}`);
writeFileSync(UI_TYPES_FILE, renderUiTypes());
console.log(`wrote ${UI_TYPES_FILE}`);
