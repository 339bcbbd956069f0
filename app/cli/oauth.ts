// ox-aps oauth: the APS Connect consumer keys in OAUTH_CLIENTS_FILE.
import { parseArgs } from 'node:util';
import { readSettingFile } from '../util/setting-files.js';
import { errorMessage } from '../util/errors.js';
import { fail, table, usageError, withLedger } from './common.js';

/** The instances bound to a consumer key (none when there is no ledger yet). */
async function instancesOf(key: string): Promise<string[]> {
  try {
    return await withLedger(async (ledger) =>
      (await ledger.listInstances()).filter((i) => i.oauthKey === key).map((i) => i.id),
    );
  } catch {
    return [];
  }
}

export async function oauth(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: rest,
        options: { 'secret-file': { type: 'string' }, force: { type: 'boolean' } },
        allowPositionals: true,
      });
    } catch (err) {
      return usageError(`ox-aps oauth: ${errorMessage(err).split('. ')[0]}`);
    }
  })();
  const { loadConfig } = await import('../config.js');
  const { isConsumerKey, readClientsFile, writeClientsFile } = await import('../aps/oauth-clients.js');
  const file =
    loadConfig().OAUTH_CLIENTS_FILE ??
    fail('OAUTH_CLIENTS_FILE is not set: name the file that holds the APS Connect keys (the endpoint reads the same)');
  const { existsSync } = await import('node:fs');
  const clients = existsSync(file) ? readClientsFile(file) : new Map<string, string>();
  switch (action) {
    case 'list':
      return table(
        await Promise.all(
          [...clients.keys()].map(async (key) => ({ key, instances: (await instancesOf(key)).join(' ') })),
        ),
      );
    case 'add': {
      const { randomBytes, randomUUID } = await import('node:crypto');
      const key = positionals[0] ?? `apsconnect-${randomUUID().replaceAll('-', '')}`;
      if (!isConsumerKey(key)) usageError('ox-aps oauth add: a key is 1 to 200 printable ASCII characters');
      if (clients.has(key))
        fail(`consumer key ${key} exists already in ${file}; remove it first to give it a new secret`);
      const secretFile = values['secret-file'];
      const secret = secretFile
        ? readSettingFile('--secret-file', secretFile).trim()
        : randomBytes(24).toString('base64url');
      if (!secret) fail('the secret file is empty');
      writeClientsFile(file, new Map([...clients, [key, secret]]));
      console.log(`added consumer key ${key} to ${file}; a running endpoint uses it within a second`);
      if (!secretFile)
        console.log(
          `key:    ${key}\nsecret: ${secret}\n(enter both in the controller when you create the APS Connect instance; the secret is not shown again)`,
        );
      return;
    }
    case 'remove': {
      const key = positionals[0] ?? usageError('ox-aps oauth remove: a consumer key is required');
      if (!clients.has(key)) fail(`no consumer key ${key} in ${file}`);
      const bound = await instancesOf(key);
      if (bound.length && !values.force)
        fail(
          `consumer key ${key} signs application instance(s) ${bound.join(', ')}: they stop working without it (--force removes it anyway)`,
        );
      clients.delete(key);
      writeClientsFile(file, clients);
      return void console.log(`removed consumer key ${key} from ${file}`);
    }
    default:
      return usageError(`ox-aps oauth: list, add or remove, not "${action ?? ''}"`);
  }
}
