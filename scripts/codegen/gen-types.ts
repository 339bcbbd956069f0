// npm run types: writes app/aps/generated/schema-types.ts from schemas/*.schema.
import { writeFileSync } from 'node:fs';
import { renderSchemaTypes, SCHEMA_TYPES_FILE } from './schema-types.js';

writeFileSync(SCHEMA_TYPES_FILE, await renderSchemaTypes());
console.log(`wrote ${SCHEMA_TYPES_FILE}`);
