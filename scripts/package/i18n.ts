// Translatable strings: labels and texts of APP-META.xml and every _('…') in the UI, and the
// .po files that translate them.

const META_TEXT = /<(name|summary|description|entry)>([^<]+)<\/\1>/g;
const META_LABEL = /\blabel="([^"]*)"/g;
const LINK_TEXT = /<link [^>]*>([^<]+)<\/link>/g;
const UI_STRING = /\b_\('((?:[^'\\]|\\.)*)'\s*[,)]/g;

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

/** The locale (`<ll>_<CC>`) of each language APP-META.xml lists: the panel reads i18n/<locale>.json [ux1 §16.5]. */
export const LOCALES: Record<string, string> = {
  en: 'en_US',
  de: 'de_DE',
  nl: 'nl_NL',
  fr: 'fr_FR',
  es: 'es_ES',
  it: 'it_IT',
};

export const LOCALE_PO = /^i18n\/([a-z]{2}_[A-Z]{2})\.po$/;

/** i18n/<ll_CC>.po → i18n/<ll_CC>.json: flat {"msgid": "msgstr"}, as `aps build` writes. */
export function translationFiles(entries: Map<string, Buffer>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, data] of entries) {
    const locale = LOCALE_PO.exec(name)?.[1];
    if (!locale) continue;
    out.set(
      `i18n/${locale}.json`,
      Buffer.from(`${JSON.stringify(Object.fromEntries(parsePo(data.toString('utf8'))), null, 1)}\n`),
    );
  }
  return out;
}
