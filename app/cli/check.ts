// ox-aps check: whether OX answers at a SOAP URL and accepts the master credentials.
import { readSettingFile } from '../util/setting-files.js';
import { errorMessage } from '../util/errors.js';
import { askPassword, fail, options, usageError } from './common.js';

export async function check(args: string[]): Promise<void> {
  const { values } = options('check', args, {
    url: { type: 'string' },
    login: { type: 'string', default: 'oxadminmaster' },
    'password-file': { type: 'string' },
  });
  if (!values.url) usageError('ox-aps check: --url is required');
  const file = values['password-file'];
  const password = file
    ? readSettingFile('--password-file', file).trim()
    : await askPassword(`Password of ${values.login}: `);
  console.log(`Checking OX SOAP at ${values.url}`);
  const { OxConnections } = await import('../ox/connections.js');
  const { OxFault, OxTransportError } = await import('../ox/faults.js');
  const connections = OxConnections.forTool(15_000);
  try {
    const started = Date.now();
    const ox = await connections.client(values.url, {
      master: { login: values.login, password },
      masterAccountOverride: false,
    });
    console.log('  SOAP clients built from the pinned WSDLs (OXContextService, OXUserService)');
    const contexts = await ox.listContexts('*');
    console.log(`  reachable, master credentials accepted (${Date.now() - started} ms)`);
    const ids = contexts.map((c) => c.id).sort((x, y) => x - y);
    console.log(`  contexts visible: ${contexts.length}${ids.length ? ` (ids ${ids[0]}…${ids[ids.length - 1]})` : ''}`);
    const accounts = await ox.principals.accountsAvailable({ login: values.login, password });
    console.log(
      accounts
        ? '  shared mailboxes: available (OXSecondaryAccountService answers)'
        : '  shared mailboxes: NOT available: this OX has no OXSecondaryAccountService (OX App Suite 7.10.6 or later); shared mailboxes will be refused',
    );
    console.log(
      `OK: OX at ${values.url} accepts the master admin "${values.login}"; ${contexts.length} context(s) visible`,
    );
  } catch (err) {
    if (err instanceof OxFault && err.kind === 'authentication')
      fail(`FAILED: OX refused the master admin "${values.login}" (${err.oxMessage}): check the password`);
    if (err instanceof OxTransportError)
      fail(`FAILED: OX did not answer at ${values.url} (${err.reason}): check the URL and the network`);
    if (err instanceof OxFault) fail(`FAILED: OX answered ${err.exceptionClass}: ${err.oxMessage}`);
    fail(`FAILED: ${errorMessage(err)}`);
  } finally {
    await connections.close();
  }
}
