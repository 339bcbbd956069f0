import t from 'tap';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageEntries, renderMeta, withAppList, zipName } from '../../scripts/package/contents.js';
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
    t.ok(
      unpacked.get(`schemas/${file}`)?.equals(readFileSync(join(schemasDir, file))),
      `${file} is the endpoint's schema`,
    );
  }
  const meta = renderMeta();
  const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
  t.match(meta, new RegExp(`<version>${version.replace(/\./g, '\\.')}</version>`));
  t.notMatch(meta, /\{\{/);
  t.match(
    meta,
    /<application [^>]*packaged="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/,
    "stamped with the sources' time, UTC, no fraction",
  );
  for (const file of ['APP-LIST.xml', 'ui/bootstrapApp.html', 'ui/lib/i18n.js', 'ui/plugins/users-column.js'])
    t.ok(unpacked.has(file), `the zip holds ${file}`);
  // Every language the panels ship, named here rather than taken from the builder's own table:
  // <ll_CC>.po sources and <ll_CC>.json only, as real packages ship them.
  for (const [lang, locale] of [
    ['en', 'en_US'],
    ['de', 'de_DE'],
    ['nl', 'nl_NL'],
    ['fr', 'fr_FR'],
    ['es', 'es_ES'],
    ['it', 'it_IT'],
  ]) {
    for (const file of [`i18n/${locale}.po`, `i18n/${locale}.json`]) t.ok(unpacked.has(file), `the zip holds ${file}`);
    for (const file of [`i18n/${lang}.po`, `i18n/${lang}.json`]) t.notOk(unpacked.has(file), `and no ${file}`);
  }
  t.same(
    JSON.parse(unpacked.get('i18n/de_DE.json')!.toString())['Open webmail'],
    'Webmail öffnen',
    'JSON translations from the .po',
  );
});

t.test('each problem is found and named on one line', async (t) => {
  // Each mutation is checked with a fresh manifest, so that only the rule under test can fire
  // (the manifest's own rules are mutated on the manifest itself).
  const mutate = (fn: (e: Map<string, Buffer>) => void, keepManifest: boolean) => {
    const entries = packageEntries();
    fn(entries);
    return checkPackage(keepManifest ? entries : withAppList(entries));
  };
  const edit = (e: Map<string, Buffer>, file: string, from: string | RegExp, to: string) =>
    e.set(file, Buffer.from(e.get(file)!.toString().replace(from, to)));
  const cases: Array<[string, (e: Map<string, Buffer>) => void, RegExp, boolean?]> = [
    ['not well-formed', (e) => e.set('APP-META.xml', Buffer.from('<application>')), /not well-formed/],
    [
      'wrong namespace',
      (e) => edit(e, 'APP-META.xml', 'http://aps-standard.org/ns/2', 'http://example.com/ns'),
      /root must be <application xmlns="http:\/\/aps-standard\.org\/ns\/2">/,
    ],
    ['missing schema', (e) => e.delete('schemas/mobility.schema'), /schema file schemas\/mobility\.schema is missing/],
    ['schema not JSON', (e) => e.set('schemas/profiles.schema', Buffer.from('{')), /profiles\.schema: not valid JSON/],
    [
      'type id without version',
      (e) => edit(e, 'schemas/mobility.schema', 'mobility/1.0', 'mobility'),
      /must end in \/<major>\.<minor>/,
    ],
    [
      'bad property name',
      (e) => edit(e, 'schemas/mailboxes.schema', '"login":', '"log-in":'),
      /property name "log-in"/,
    ],
    [
      'unknown UI operation',
      (e) => edit(e, 'ui/ccp/overview.js', "'adminLogin'", "'superLogin'"),
      /calls operation superLogin/,
    ],
    [
      'missing translation',
      (e) => edit(e, 'i18n/it_IT.po', /msgid "Open webmail"\nmsgstr "[^"]*"/, ''),
      /i18n\/it_IT\.po: no translation for "Open webmail"/,
    ],
    ['extra file', (e) => e.set('ui/stray.js', Buffer.from('')), /ui\/stray\.js is in the package but not named/],
    [
      'type id written by hand',
      (e) => edit(e, 'ui/lib/types.js', 'mailboxes/1.1', 'mailboxes/1.0'),
      /ui\/lib\/types\.js is not what the schemas give/,
    ],
    [
      'login pattern apart from the schema',
      (e) => edit(e, 'ui/lib/types.js', /LOGIN_PATTERN: "[^"]*"/, 'LOGIN_PATTERN: "^[a-z]+$"'),
      /ui\/lib\/types\.js is not what the schemas give/,
    ],
    [
      'missing view',
      (e) => e.delete('ui/ccp/mailboxes.js'),
      /ui\/ccp\/mailboxes\.js is named by APP-META\.xml but missing/,
    ],
    [
      'undeclared service',
      (e) => edit(e, 'APP-META.xml', /<service id="mobility">[\s\S]*?<\/service>/, ''),
      /serves mobility but no <service id="mobility">/,
    ],
    [
      'view var missing',
      (e) => edit(e, 'APP-META.xml', /<var name="mailbox"[^>]*\/>/, ''),
      /ui\/ccp\/mailbox-edit\.js: reads aps\.context\.vars\.mailbox, but view mailbox-edit has no <var name="mailbox">/,
    ],
    [
      'navigation var missing',
      (e) => edit(e, 'APP-META.xml', /<var name="app"[^>]*\/>/, ''),
      /ui\/settings\.html: reads aps\.context\.vars\.app, but view settings has no <var name="app">/,
    ],
    [
      'submit without its control',
      (e) => edit(e, 'APP-META.xml', /(id="mailbox-new"[\s\S]*?)<submit\/>/, '$1'),
      /ui\/ccp\/mailbox-new\.js: handles onSubmit, but view mailbox-new declares no <controls><submit\/><\/controls>/,
    ],
    [
      'classic page without its control',
      (e) => edit(e, 'APP-META.xml', /(id="tier-edit"[\s\S]*?)<cancel\/>/, '$1'),
      /ui\/tier-edit\.html: handles onCancel, but view tier-edit declares no <controls><cancel\/>/,
    ],
    [
      'control without a handler',
      (e) => edit(e, 'APP-META.xml', /(id="settings"[\s\S]*?)<submit\/>/, '$1<submit/><cancel/>'),
      /view settings declares <cancel\/> but ui\/settings\.html has no onCancel handler/,
    ],
    [
      'unknown view',
      (e) => edit(e, 'ui/ccp/mailbox-edit.js', "gotoView('mailboxes')", "gotoView('mailbox-list')"),
      /ui\/ccp\/mailbox-edit\.js: goes to view mailbox-list, which APP-META\.xml does not declare/,
    ],
    [
      'var of an undeclared type',
      (e) => edit(e, 'APP-META.xml', 'aps/mailboxes/1.1"/>', 'aps/mailbox/1.1"/>'),
      /<var name="mailbox"> in view mailbox-edit has type http:\/\/ox-connector\.org\/aps\/mailbox\/1\.1, which no schema/,
    ],
    // The package format (aps2.md §9)
    ['no APP-LIST.xml', (e) => e.delete('APP-LIST.xml'), /APP-LIST\.xml is missing/, true],
    [
      'a digest that does not match',
      (e) => e.set('ui/ccp/overview.js', Buffer.concat([e.get('ui/ccp/overview.js')!, Buffer.from('\n')])),
      /ui\/ccp\/overview\.js has \d+ bytes, the list says \d+/,
      true,
    ],
    [
      'a file the list lacks',
      (e) => edit(e, 'APP-LIST.xml', /\s*<file name="ui\/ccp\/overview\.js"[^>]*\/>/, ''),
      /ui\/ccp\/overview\.js is in the package but not in APP-LIST\.xml/,
      true,
    ],
    [
      'a listed file missing',
      (e) => edit(e, 'APP-LIST.xml', '</files>', '  <file name="ui/gone.js" size="1" sha256="00"/>\n</files>'),
      /APP-LIST\.xml lists ui\/gone\.js, which is not in the package/,
      true,
    ],
    // The panel rules (ux1.md), one mutation each
    ['no bootstrapApp.html', (e) => e.delete('ui/bootstrapApp.html'), /ui\/bootstrapApp\.html is missing/],
    [
      'bootstrap without the frame',
      (e) => edit(e, 'ui/bootstrapApp.html', 'id="aps-frame"', 'id="frame"'),
      /bootstrapApp\.html must hold <div id="aps-frame">/,
    ],
    ['translations only as .po', (e) => e.delete('i18n/de_DE.json'), /i18n\/de_DE\.json is missing/],
    [
      'stale translation JSON',
      (e) => e.set('i18n/fr_FR.json', Buffer.from('{}')),
      /i18n\/fr_FR\.json differs from its \.po/,
    ],
    [
      'the aps/_ module',
      (e) => edit(e, 'ui/ccp/overview.js', "'aps/View',", "'aps/View', 'aps/_',"),
      /ui\/ccp\/overview\.js: loads aps\/_/,
    ],
    [
      'a module required but not defined',
      (e) =>
        edit(
          e,
          'ui/ccp/overview.js',
          'onContext: function () {',
          "onContext: function () {\n      var B = require('aps/Button');",
        ),
      /require\('aps\/Button'\) of a module not in its define list/,
    ],
    [
      'a view not declared from View',
      (e) => edit(e, 'ui/ccp/overview.js', 'return declare(View, {', 'return declare([], {'),
      /ui\/ccp\/overview\.js: a UX1 view must return declare\(View/,
    ],
    [
      'state on the View',
      (e) => edit(e, 'ui/ccp/overview.js', 'onContext: function () {', 'onContext: function () {\n      this.ctx = 1;'),
      /keeps state as a custom property of the View \(this\.ctx\)/,
    ],
    [
      'onContext without hideLoading',
      (e) => edit(e, 'ui/ccp/overview.js', /\n\s*aps\.apsc\.hideLoading\(\);/, ''),
      /ui\/ccp\/overview\.js: onContext must end with aps\.apsc\.hideLoading\(\)/,
    ],
    [
      'a literal widget id',
      (e) => edit(e, 'ui/ccp/overview.js', "id: this.genId('ov_ctx')", "id: 'ov_ctx'"),
      /widget id 'ov_ctx' is not made with genId/,
    ],
    [
      'an undocumented panel method',
      (e) =>
        edit(e, 'ui/ccp/mailboxes.js', 'aps.apsc.hideLoading();', 'aps.apsc.refresh();\n      aps.apsc.hideLoading();'),
      /aps\.apsc\.refresh is not a documented panel method/,
    ],
    [
      'displayMessage with a string',
      (e) =>
        edit(
          e,
          'ui/lib/messages.js',
          "aps.apsc.displayMessage({ id: ID, description: description, type: type || 'error' });",
          'aps.apsc.displayMessage(description);',
        ),
      /displayMessage takes one object/,
    ],
    [
      'a store property that does not exist',
      (e) => edit(e, 'ui/ccp/mailbox-new.js', 'apsType: types.MAILBOX });', "apsType: types.MAILBOX, query: 'x' });"),
      /aps\/ResourceStore has no property query/,
    ],
    [
      'a store query set afterwards',
      (e) =>
        edit(
          e,
          'ui/ccp/mailboxes.js',
          'aps.apsc.hideLoading();',
          "var s = {};\n      s.query = 'eq(x,1)';\n      aps.apsc.hideLoading();",
        ),
      /sets a store's query/,
    ],
    [
      'a grid without apsResourceViewId',
      (e) => edit(e, 'ui/ccp/mailboxes.js', "apsResourceViewId: 'mailbox-edit',", ''),
      /ui\/ccp\/mailboxes\.js: an aps\/Grid without apsResourceViewId/,
    ],
    [
      'a grid without a resourceName column',
      (e) => edit(e, 'ui/ccp/mailboxes.js', "type: 'resourceName', ", ''),
      /an aps\/Grid without a column of type resourceName/,
    ],
    [
      'a grid row click',
      (e) =>
        edit(
          e,
          'ui/ccp/mailboxes.js',
          "apsResourceViewId: 'mailbox-edit',",
          "apsResourceViewId: 'mailbox-edit', onRowClick: function () {},",
        ),
      /aps\/Grid has no onRowClick/,
    ],
    [
      'a child view beside its list',
      (e) => edit(e, 'APP-META.xml', /(<view id="mailbox-edit"[\s\S]*?<\/view>)\s*<\/view>/, '</view>\n$1'),
      /view mailbox-edit is a child view \(it has <cancel\/>\) but is not nested/,
    ],
    [
      'a POST naming no subscription',
      (e) => edit(e, 'ui/ccp/mailbox-new.js', /aps\.context\.subscriptionId = subscription;/, ''),
      /ui\/ccp\/mailbox-new\.js: creates resources without setting aps\.context\.subscriptionId/,
    ],
    [
      'aps.biz without its placeholder',
      (e) =>
        edit(
          e,
          'APP-META.xml',
          /\s*<plugin-placeholder id="http:\/\/www\.aps-standard\.org\/core\/package#biz"\/>/,
          '',
        ),
      /view add-mailbox uses aps\.biz but declares no <plugin-placeholder/,
    ],
    [
      'a UX1 module in the classic panel',
      (e) =>
        edit(
          e,
          'APP-META.xml',
          '<view id="settings" label="Settings">',
          '<view id="settings" label="Settings" src="ui/ccp/overview.js">',
        ),
      /view settings plugs into the classic panel but is a UX1 module/,
    ],
    [
      'a classic page in UX1',
      (e) =>
        edit(
          e,
          'APP-META.xml',
          '<view id="overview" label="Overview" src="ui/ccp/overview.js"/>',
          '<view id="overview" label="Overview"/>',
        ),
      /view overview plugs into http:\/\/www\.parallels\.com\/ccp\/2 but is a classic page/,
    ],
    [
      'a view-plugin not from ViewPlugin',
      (e) => edit(e, 'ui/plugins/dashboard.js', 'return declare(ViewPlugin, {', 'return declare(Tile, {'),
      /a view-plugin must return declare\(ViewPlugin/,
    ],
    // The panel as the platform documents it (ux1.md §16), one mutation per rule
    [
      'mailboxes not a user service',
      (e) => edit(e, 'schemas/mailboxes.schema', '"http://aps-standard.org/types/core/user/service/1.0",', ''),
      /mailboxes\/1\.1: a per-user resource \(required user link\) must implement http:\/\/aps-standard\.org\/types\/core\/user\/service\/1\.0/,
    ],
    [
      'no MSS business mode',
      (e) => edit(e, 'APP-META.xml', /<capabilities>[\s\S]*?<\/capabilities>/, ''),
      /one context per subscription is the MSS business mode/,
    ],
    [
      "the subscription's context as a collection",
      (e) =>
        edit(
          e,
          'APP-META.xml',
          '<var name="context" type-id="http://ox-connector.org/aps/contexts/1.1"/>\n      <item id="ox-overview"',
          '<var name="context" type-id="http://ox-connector.org/aps/contexts/1.1" collection="true"/>\n      <item id="ox-overview"',
        ),
      /view overview binds the subscription's service as a collection/,
    ],
    [
      'a customer tree without the context var',
      (e) => edit(e, 'APP-META.xml', /(<view-plugin id="dashboard"[^>]*>)\s*<var name="context"[^>]*\/>/, '$1'),
      /view dashboard declares no var of the subscription's service type/,
    ],
    [
      "a plug-in's library on the host's _()",
      (e) => edit(e, 'ui/lib/format.js', "define(['./i18n'], function (_) {", 'define([], function () {'),
      /ui\/lib\/format\.js: a plug-in's texts need _ bound to the package/,
    ],
    [
      'a wizard step that takes Cancel',
      (e) =>
        edit(
          e,
          'ui/wizard/add-mailbox.js',
          '    onNext: function () {',
          '    onCancel: function () {\n      aps.apsc.removeAllMessages();\n    },\n    onNext: function () {',
        ),
      /ui\/wizard\/add-mailbox\.js: a wizard step leaves Cancel to the wizard/,
    ],
    [
      'a wizard step whose Back stays',
      (e) =>
        edit(
          e,
          'ui/wizard/add-mailbox.js',
          '    onNext: function () {',
          '    onPrev: function () {\n      aps.apsc.removeAllMessages();\n    },\n    onNext: function () {',
        ),
      /onPrev must go back with aps\.apsc\.prev\(\)/,
    ],
    [
      'two top-level views in one item',
      (e) => edit(e, 'APP-META.xml', /<\/item>\s*<item id="ox-mailboxes" label="Mailboxes">/, ''),
      /item ox-overview holds 2 top-level views/,
    ],
    [
      'pacs one folder above what aps build writes',
      (e) => edit(e, 'ui/bootstrapApp.html', 'url.slice(0, -3)', 'url.slice(0, -4)'),
      /bootstrapApp\.html must map "pacs" to the folder that holds the package's folder/,
    ],
    [
      'the two dashboard forms mixed',
      (e) =>
        edit(
          e,
          'ui/plugins/dashboard.js',
          'return declare(ViewPlugin, {',
          'return declare(ViewPlugin, {\n    apsType: 1,',
        ),
      /dashboard\.js: mixes the basic \(apsType, entryViewId\) and the advanced/,
    ],
    [
      'dashboard state in the module',
      (e) =>
        edit(
          e,
          'ui/plugins/dashboard.js',
          "  'use strict';",
          "  'use strict';\n  var shown;\n  function keep(c) { shown = c; }",
        ),
      /module variable shown is shared by the tiles of every subscription/,
    ],
    [
      'a translation source named by language only',
      (e) => {
        e.set('i18n/de.po', e.get('i18n/de_DE.po')!);
        e.delete('i18n/de_DE.po');
      },
      /i18n\/de\.po: translation sources are named i18n\/<ll>_<CC>\.po/,
    ],
    [
      'the generated password unreachable',
      (e) => edit(e, 'ui/ccp/mailbox-edit.js', "'revealPassword'", "'revealSecret'"),
      /operation revealPassword is reached from no view/,
    ],
    [
      'a login button for every administrator',
      (e) =>
        edit(
          e,
          'ui/ccp/mailbox-edit.js',
          "byId('mbx_webmail').set('visible', mailbox.adminMayOpen === true);",
          "byId('mbx_webmail').set('visible', true);",
        ),
      /mailbox-edit\.js: offers a mailbox login to administrators without asking adminMayOpen/,
    ],
    [
      'the add-on offered with a tier that has mobility',
      (e) => edit(e, 'ui/ccp/mailbox-new.js', /form\.showMobility\([^;]*;/g, ''),
      /mailbox-new\.js: sells the mobility add-on without hiding it for tiers that include mobility/,
    ],
  ];
  for (const [label, fn, expected, keepManifest = false] of cases) {
    const problems = mutate(fn, keepManifest);
    t.ok(
      problems.some((p) => expected.test(p)),
      `${label}: ${problems.join(' | ')}`,
    );
    t.ok(
      problems.every((p) => !p.includes('\n')),
      `${label}: one line each`,
    );
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
