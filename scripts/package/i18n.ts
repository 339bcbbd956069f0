// Translatable strings: labels and texts of APP-META.xml and every _('…') in the UI, and the
// .po files that translate them.

const META_TEXT = /<(name|summary|description|entry)>([^<]+)<\/\1>/g;
const META_LABEL = /\blabel="([^"]*)"/g;
const LINK_TEXT = /<link [^>]*>([^<]+)<\/link>/g;
const UI_STRING = /\b_\('((?:[^'\\]|\\.)*)'\)/g;

export function metaStrings(meta: string): string[] {
  const out = new Set<string>();
  for (const m of meta.matchAll(META_TEXT)) out.add(m[2].trim());
  for (const m of meta.matchAll(META_LABEL)) out.add(m[1]);
  for (const m of meta.matchAll(LINK_TEXT)) out.add(m[1].trim());
  return [...out];
}

export function uiStrings(source: string): string[] {
  return [...source.matchAll(UI_STRING)].map((m) => m[1].replace(/\\(.)/g, '$1'));
}

/** msgid → msgstr of a .po file (single-line entries). */
export function parsePo(text: string): Map<string, string> {
  const unquote = (s: string) => s.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
  const map = new Map<string, string>();
  let id: string | undefined;
  for (const line of text.split('\n')) {
    const msgid = /^msgid (".*")$/.exec(line);
    const msgstr = /^msgstr (".*")$/.exec(line);
    if (msgid) id = unquote(msgid[1]);
    else if (msgstr && id !== undefined) {
      if (id !== '') map.set(id, unquote(msgstr[1]));
      id = undefined;
    }
  }
  return map;
}
