// npm run ox-sim -- --port <n> --master-password <p> [--master-login <l>] [--latency <ms>]
//   [--allow-duplicate-display-names] [--master-account-override] [--keep-calls <n>] [--tls]
import { parseArgs } from 'node:util';
import { OxSimulator } from './server.js';
import { selfSignedCertificate } from '../../app/util/tls.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'master-login': { type: 'string', default: 'oxadminmaster' },
    'master-password': { type: 'string', default: 'secret' },
    latency: { type: 'string', default: '0' },
    'allow-duplicate-display-names': { type: 'boolean', default: false },
    'master-account-override': { type: 'boolean', default: false },
    'keep-calls': { type: 'string', default: '500' },
    tls: { type: 'boolean', default: false },
    'username-changeable': { type: 'boolean', default: false },
    'primary-mail-unchangeable': { type: 'boolean', default: false },
  },
});

const sim = await new OxSimulator({
  port: Number(values.port),
  masterLogin: values['master-login'],
  masterPassword: values['master-password'],
  latencyMs: Number(values.latency),
  enforceUniqueDisplayName: !values['allow-duplicate-display-names'],
  masterAccountOverride: values['master-account-override'],
  usernameChangeable: values['username-changeable'],
  primaryMailUnchangeable: values['primary-mail-unchangeable'],
  keepCalls: Number(values['keep-calls']),
  tls: values.tls ? selfSignedCertificate('127.0.0.1') : undefined,
}).start();
console.log(`OX simulator listening on ${sim.url}`);
if (sim.httpsUrl) console.log(`OX simulator UI (HTTPS) on ${sim.httpsUrl}`);
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
