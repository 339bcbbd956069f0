import t from 'tap';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageEntries, renderMeta, zipName } from '../../scripts/package/contents.js';
import { checkPackage } from '../../scripts/package/check.js';
import { writeZip } from '../../scripts/package/zip.js';
import { readZip } from '../../scripts/package/unzip.js';
import { schemasDir } from '../../app/util/paths.js';

t.test('the package sources pass the check', async (t) => {
  t.same(checkPackage(packageEntries()), []);
});

t.test('the built zip is reproducible and holds exactly what APP-META.xml names', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pkg-'));
  const a = join(dir, 'a.zip');
  const b = join(dir, 'b.zip');
  await writeZip(packageEntries(), a);
  await writeZip(packageEntries(), b);
  t.ok(readFileSync(a).equals(readFileSync(b)), 'two builds, the same bytes');
  t.match(zipName(), /^OX-App-Suite-\d+\.\d+\.\d+-\d+\.app\.zip$/);
  const unpacked = await readZip(readFileSync(a));
  t.same(checkPackage(unpacked), [], 'the unpacked zip passes the check');
  t.equal(unpacked.get('APP-META.xml')!.toString(), renderMeta());
  for (const file of readdirSync(schemasDir)) {
    t.ok(unpacked.get(`schemas/${file}`)?.equals(readFileSync(join(schemasDir, file))), `${file} is the endpoint's schema`);
  }
  const meta = renderMeta();
  const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
  t.match(meta, new RegExp(`<version>${version.replace(/\./g, '\\.')}</version>`));
  t.notMatch(meta, /\{\{/);
});

t.test('each problem is found and named on one line', async (t) => {
  const mutate = (fn: (e: Map<string, Buffer>) => void) => {
    const entries = packageEntries();
    fn(entries);
    return checkPackage(entries);
  };
  const edit = (e: Map<string, Buffer>, file: string, from: string | RegExp, to: string) => e.set(file, Buffer.from(e.get(file)!.toString().replace(from, to)));
  const cases: Array<[string, (e: Map<string, Buffer>) => void, RegExp]> = [
    ['not well-formed', (e) => e.set('APP-META.xml', Buffer.from('<application>')), /not well-formed/],
    ['wrong namespace', (e) => edit(e, 'APP-META.xml', 'http://aps-standard.org/ns/2', 'http://example.com/ns'), /root must be <application xmlns="http:\/\/aps-standard\.org\/ns\/2">/],
    ['missing schema', (e) => e.delete('schemas/mobility.schema'), /schema file schemas\/mobility\.schema is missing/],
    ['schema not JSON', (e) => e.set('schemas/profiles.schema', Buffer.from('{')), /profiles\.schema: not valid JSON/],
    ['type id without version', (e) => edit(e, 'schemas/mobility.schema', 'mobility/1.0', 'mobility'), /must end in \/<major>\.<minor>/],
    ['bad property name', (e) => edit(e, 'schemas/mailboxes.schema', '"login":', '"log-in":'), /property name "log-in"/],
    ['unknown UI operation', (e) => edit(e, 'ui/context-overview.js', "'adminLogin'", "'superLogin'"), /calls operation superLogin/],
    ['missing translation', (e) => edit(e, 'i18n/de.po', /msgid "Open webmail"\nmsgstr "[^"]*"/, ''), /i18n\/de\.po: no translation for "Open webmail"/],
    ['extra file', (e) => e.set('ui/stray.js', Buffer.from('')), /ui\/stray\.js is in the package but not named/],
    ['missing view', (e) => e.delete('ui/mailbox-list.js'), /ui\/mailbox-list\.js is named by APP-META\.xml but missing/],
    ['undeclared service', (e) => edit(e, 'APP-META.xml', /<service id="mobility">[\s\S]*?<\/service>/, ''), /serves mobility but no <service id="mobility">/],
    ['view var missing', (e) => edit(e, 'APP-META.xml', /<var name="mailbox"[^>]*\/>/, ''), /ui\/mailbox-edit\.js: reads aps\.context\.vars\.mailbox, but view mailbox-edit has no <var name="mailbox">/],
    ['navigation var missing', (e) => edit(e, 'APP-META.xml', /<var name="app"[^>]*\/>/, ''), /ui\/profile-edit\.js: reads aps\.context\.vars\.app, but view profile-edit has no <var name="app">/],
    ['submit without its control', (e) => edit(e, 'APP-META.xml', /(id="app-settings"[\s\S]*?)<submit\/>/, '$1'), /ui\/app-settings\.js: handles onSubmit, but view app-settings declares no <controls><submit\/><\/controls>/],
    ['cancel without its control', (e) => edit(e, 'APP-META.xml', /(id="profile-edit"[\s\S]*?)<cancel\/>/, '$1'), /ui\/profile-edit\.js: handles onCancel, but view profile-edit declares no <controls><cancel\/>/],
    ['control without a handler', (e) => edit(e, 'APP-META.xml', /(id="app-settings"[\s\S]*?)<submit\/>/, '$1<submit/><cancel/>'), /view app-settings declares <cancel\/> but ui\/app-settings\.js has no onCancel handler/],
    ['unknown view', (e) => edit(e, 'ui/mailbox-list.js', "gotoView('mailbox-edit')", "gotoView('mailbox-editor')"), /ui\/mailbox-list\.js: goes to view mailbox-editor, which APP-META\.xml does not declare/],
    ['var of an undeclared type', (e) => edit(e, 'APP-META.xml', 'aps/mailboxes/1.0" required', 'aps/mailbox/1.0" required'), /<var name="mailbox"> in view mailbox-edit has type http:\/\/ox-connector\.org\/aps\/mailbox\/1\.0, which no schema/],
  ];
  for (const [label, fn, expected] of cases) {
    const problems = mutate(fn);
    t.ok(problems.some((p) => expected.test(p)), `${label}: ${problems.join(' | ')}`);
    t.ok(problems.every((p) => !p.includes('\n')), `${label}: one line each`);
  }
});

t.test('npm run package and npm run package:check work as commands', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'pkg-cmd-'));
  const env = { ...process.env, PACKAGE_OUT_DIR: dir };
  const built = execFileSync('npm', ['run', '-s', 'package'], { env, encoding: 'utf8' });
  t.match(built, /built .*OX-App-Suite-.*\.app\.zip \(\d+ files\)/);
  const zip = join(dir, zipName());
  const checked = execFileSync('npm', ['run', '-s', 'package:check', '--', zip], { env, encoding: 'utf8' });
  t.match(checked, /^package OK: \d+ files in /m);
});
