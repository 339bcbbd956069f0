// Validates an APS package (the source tree's entries or an unpacked zip): one clear line per problem.
import { SchemaRegistry, bodySchema, validatorOf, type ApsSchema } from '../../app/aps/schema-registry.js';
import { schemasDir } from '../../app/util/paths.js';
import { errorMessage } from '../../app/util/errors.js';
import { parseXml, type XmlNode } from '../ox-sim/xml.js';
import { LOCALE_PO, LOCALES, metaStrings, parsePo, translationFiles, uiStrings } from './i18n.js';
import { packageInfo } from './contents.js';
import { APP_LIST, checkAppList } from './manifest.js';
import { checkNavigation, navigationModel, type ViewDecl } from './navigation.js';
import { moduleFiles, pageFiles, uiRuleProblems } from './ui-rules.js';
import { panelModelProblems } from './panel-rules.js';
import { renderUiTypes, UI_TYPES_ENTRY } from '../codegen/ui-types.js';

const APS_NS = 'http://aps-standard.org/ns/2';
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPE_ID = /^https?:\/\/\S+\/\d+\.\d+$/;
const UI_OPERATION =
  /\b(?:ops\.(?:call|post|openLogin)|messages\.loginClick)\(\s*xhr\s*,\s*(?:function \(\) \{[^}]*\}|[^,]+),\s*'(\w+)'/g;

const children = (n: XmlNode, local: string) => n.children.filter((c) => c.local === local);
const child = (n: XmlNode, local: string) => children(n, local)[0];
const text = (n: XmlNode | undefined) => n?.text.trim() ?? '';
function descendants(n: XmlNode, local: string): XmlNode[] {
  return n.children.flatMap((c) => [...(c.local === local ? [c] : []), ...descendants(c, local)]);
}

/** Attributes are not kept by the XML reader; read them from the source text instead. */
function attributeValues(xml: string, element: string, attribute: string): string[] {
  const re = new RegExp(`<${element}\\b[^>]*\\b${attribute}="([^"]*)"`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1]);
}

function checkSchema(
  path: string,
  serviceId: string,
  raw: Buffer | undefined,
  served: SchemaRegistry,
  problems: string[],
): ApsSchema | undefined {
  if (!raw) {
    problems.push(`service ${serviceId}: schema file ${path} is missing`);
    return undefined;
  }
  let schema: ApsSchema;
  try {
    schema = JSON.parse(raw.toString('utf8')) as ApsSchema;
  } catch (err) {
    problems.push(`${path}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
  if (schema.apsVersion !== '2.0') problems.push(`${path}: apsVersion must be "2.0"`);
  if (!TYPE_ID.test(schema.id ?? ''))
    problems.push(`${path}: type id ${JSON.stringify(schema.id)} must end in /<major>.<minor>`);
  for (const name of [...Object.keys(schema.properties ?? {}), ...Object.keys(schema.relations ?? {})]) {
    if (!NAME.test(name))
      problems.push(`${path}: property name ${JSON.stringify(name)} does not match ^[a-zA-Z_][a-zA-Z0-9_]*$`);
  }
  try {
    validatorOf(bodySchema(schema, 'provision')); // the endpoint's own compiler (kept per schema)
  } catch (err) {
    problems.push(`${path}: does not compile (${errorMessage(err)})`);
  }
  const endpoint = served.get(serviceId)?.schema;
  if (!endpoint) problems.push(`service ${serviceId}: the endpoint serves no such service`);
  else {
    if (endpoint.id !== schema.id)
      problems.push(`${path}: type id ${schema.id} differs from the endpoint's ${endpoint.id}`);
    if (JSON.stringify(endpoint.implements ?? []) !== JSON.stringify(schema.implements ?? []))
      problems.push(`${path}: implements differs from what the endpoint serves`);
  }
  return schema;
}

/** The files a package needs: what APP-META.xml names, what the views load, translations, the manifest. */
function namedFiles(
  metaXml: string,
  views: ViewDecl[],
  languages: string[],
  entries: Map<string, Buffer>,
): Set<string> {
  const named = new Set<string>(['APP-META.xml', APP_LIST]);
  for (const p of [...attributeValues(metaXml, 'schema', 'path'), ...attributeValues(metaXml, 'icon', 'path')])
    named.add(p);
  if (views.some((v) => v.kind !== 'cp')) named.add('ui/bootstrapApp.html');
  for (const view of views) {
    named.add(view.file);
    const loads = view.kind === 'cp' ? pageFiles(view.file, entries) : moduleFiles(view.file, entries);
    for (const f of loads) named.add(f);
  }
  for (const lang of languages) if (LOCALES[lang]) named.add(`i18n/${LOCALES[lang]}.po`);
  const po = new Map([...entries].filter(([name]) => named.has(name) && name.endsWith('.po')));
  for (const json of translationFiles(po).keys()) named.add(json);
  return named;
}

/** Each language's JSON holds exactly its .po's translations. */
function translationProblems(entries: Map<string, Buffer>): string[] {
  const problems: string[] = [];
  for (const [name, expected] of translationFiles(entries)) {
    const actual = entries.get(name);
    if (!actual) problems.push(`${name} is missing: panels read translations as JSON [ux1 §7]`);
    else if (!actual.equals(expected)) problems.push(`${name} differs from its .po: build the package again [ux1 §7]`);
  }
  return problems;
}

export function checkPackage(entries: Map<string, Buffer>): string[] {
  const problems: string[] = [];
  const metaXml = entries.get('APP-META.xml')?.toString('utf8');
  if (!metaXml) return ['APP-META.xml is missing'];
  let meta: XmlNode;
  try {
    meta = parseXml(metaXml);
  } catch (err) {
    return [`APP-META.xml is not well-formed XML: ${(err as Error).message.split('\n')[0]}`];
  }
  if (meta.uri !== APS_NS || meta.local !== 'application')
    problems.push(`APP-META.xml: the root must be <application xmlns="${APS_NS}">`);
  for (const field of ['id', 'name', 'version', 'release'])
    if (!text(child(meta, field))) problems.push(`APP-META.xml: <${field}> is missing`);
  const info = packageInfo();
  if (text(child(meta, 'version')) !== info.version)
    problems.push(`APP-META.xml: version ${text(child(meta, 'version'))} is not package.json's ${info.version}`);
  if (text(child(meta, 'release')) !== info.release)
    problems.push(
      `APP-META.xml: release ${text(child(meta, 'release'))} is not package.json's aps.release ${info.release}`,
    );

  const served = new SchemaRegistry(schemasDir);
  const schemaPaths = attributeValues(metaXml, 'schema', 'path');
  const serviceIds = children(meta, 'service').map((s, i) => ({
    id: attributeValues(metaXml, 'service', 'id')[i] ?? '',
    node: s,
  }));
  const operations = new Set<string>();
  const ownTypes = new Set<string>();
  const schemas: ApsSchema[] = [];
  serviceIds.forEach(({ id }, i) => {
    const path = schemaPaths[i];
    if (!path) return void problems.push(`service ${id}: no <schema path>`);
    const schema = checkSchema(path, id, entries.get(path), served, problems);
    for (const op of Object.keys(schema?.operations ?? {})) operations.add(op);
    if (schema?.id) ownTypes.add(schema.id);
    if (schema) schemas.push(schema);
  });
  const views = navigationModel(meta);
  const source = (file: string) => entries.get(file)?.toString('utf8');
  problems.push(
    ...checkNavigation(
      views,
      (v) => (v.kind === 'cp' ? pageFiles(v.file, entries).map(source).join('\n') : source(v.file)),
      ownTypes,
    ),
  );
  problems.push(...uiRuleProblems(views, entries));
  // The views' type ids and login pattern come from the schemas, never by hand.
  if (entries.get(UI_TYPES_ENTRY)?.toString('utf8') !== renderUiTypes())
    problems.push(`${UI_TYPES_ENTRY} is not what the schemas give (type ids, login pattern): run npm run types`);
  problems.push(...checkAppList(entries), ...translationProblems(entries));
  for (const id of served.types.keys())
    if (!serviceIds.some((s) => s.id === id))
      problems.push(`APP-META.xml: the endpoint serves ${id} but no <service id="${id}"> declares it`);

  const languages = descendants(meta, 'language').map((l) => text(l));
  const named = namedFiles(metaXml, views, languages, entries);
  for (const file of named)
    if (!entries.has(file)) problems.push(`${file} is named by APP-META.xml but missing from the package`);
  for (const file of entries.keys())
    if (!named.has(file)) problems.push(`${file} is in the package but not named by APP-META.xml`);

  const strings = new Set(metaStrings(metaXml));
  const called = new Set<string>();
  for (const [file, data] of entries) {
    if (!file.endsWith('.js') && !file.endsWith('.html')) continue;
    const source = data.toString('utf8');
    for (const s of uiStrings(source)) strings.add(s);
    for (const m of source.matchAll(UI_OPERATION)) {
      called.add(m[1]);
      if (!operations.has(m[1])) problems.push(`${file}: calls operation ${m[1]}, which no schema declares`);
    }
  }
  problems.push(...panelModelProblems(meta, views, entries, schemas, called));
  for (const lang of languages) {
    const file = `i18n/${LOCALES[lang] ?? lang}.po`;
    if (!LOCALES[lang])
      problems.push(`APP-META.xml: language ${lang} has no locale the package knows (i18n.ts LOCALES)`);
    const po = entries.get(file);
    if (!po) continue;
    const translations = parsePo(po.toString('utf8'));
    for (const s of strings)
      if (!translations.get(s)) problems.push(`${file}: no translation for ${JSON.stringify(s)}`);
  }
  for (const file of entries.keys())
    if (file.endsWith('.po') && !LOCALE_PO.test(file))
      problems.push(`${file}: translation sources are named i18n/<ll>_<CC>.po, e.g. i18n/de_DE.po [ux1 §16.5]`);
  return problems;
}
