// npm run ox-sim -- --port <n> --master-password <p> [--master-login <l>] [--latency <ms>]
import { parseArgs } from 'node:util';
import { OxSimulator } from '../test/support/ox-sim/server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'master-login': { type: 'string', default: 'oxadminmaster' },
    'master-password': { type: 'string', default: 'secret' },
    latency: { type: 'string', default: '0' },
    'allow-duplicate-display-names': { type: 'boolean', default: false },
  },
});

const sim = await new OxSimulator({
  port: Number(values.port),
  masterLogin: values['master-login'],
  masterPassword: values['master-password'],
  latencyMs: Number(values.latency),
  enforceUniqueDisplayName: !values['allow-duplicate-display-names'],
}).start();
console.log(`OX simulator listening on ${sim.url}`);
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
