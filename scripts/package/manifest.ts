// APP-LIST.xml: the manifest package builders write at the root of an APS package, one
// <file name size sha256/> per packaged file, which a controller may check at import.
import { createHash } from 'node:crypto';
import { parseXml } from '../ox-sim/xml.js';

export const APP_LIST = 'APP-LIST.xml';
const LIST_NS = 'http://apstandard.com/ns/1';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The manifest of every entry but itself, in the entries' order. */
export function renderAppList(entries: Map<string, Buffer>): string {
  const lines = [...entries]
    .filter(([name]) => name !== APP_LIST)
    .map(([name, data]) => `  <file name="${escapeAttr(name)}" size="${data.length}" sha256="${sha256(data)}"/>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<files xmlns="${LIST_NS}" xmlns:ns2="http://www.w3.org/2000/09/xmldsig#">\n${lines.join('\n')}\n</files>\n`;
}

/** Every listed file is in the package with its size and digest, and every packaged file is listed. */
export function checkAppList(entries: Map<string, Buffer>): string[] {
  const raw = entries.get(APP_LIST);
  if (!raw) return [`${APP_LIST} is missing: the controller cannot verify the package's files`];
  let root;
  try {
    root = parseXml(raw.toString('utf8'));
  } catch (err) {
    return [`${APP_LIST} is not well-formed XML: ${(err as Error).message.split('\n')[0]}`];
  }
  if (root.local !== 'files' || root.uri !== LIST_NS)
    return [`${APP_LIST}: the root must be <files xmlns="${LIST_NS}">`];
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const file of root.children.filter((c) => c.local === 'file')) {
    const { name = '', size, sha256: digest } = file.attrs;
    listed.add(name);
    const data = entries.get(name);
    if (!data) problems.push(`${APP_LIST} lists ${name}, which is not in the package`);
    else if (Number(size) !== data.length)
      problems.push(`${APP_LIST}: ${name} has ${data.length} bytes, the list says ${size}`);
    else if (digest !== sha256(data)) problems.push(`${APP_LIST}: the SHA-256 of ${name} differs from the list`);
  }
  for (const name of entries.keys())
    if (name !== APP_LIST && !listed.has(name)) problems.push(`${name} is in the package but not in ${APP_LIST}`);
  return problems;
}
