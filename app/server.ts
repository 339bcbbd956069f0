// The server process: configuration, TLS (asking for the client certificate), the app plugin,
// listen, graceful shutdown.
import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import Fastify, { type FastifyInstance } from 'fastify';
import closeWithGrace from 'close-with-grace';
import { loadConfig, type Config } from './config.js';
import { ConfigError, readSettingFile } from './util/setting-files.js';
import { loadTlsIdentity } from './util/tls.js';
import { errorCode, errorField, errorMessage } from './util/errors.js';
import { RequestLog, logDestination, loggerOptions, requestId } from './logging.js';
import app, { registerPublicRoutes } from './app.js';
import type { DestinationStream } from 'pino';

export interface ServerOptions {
  config: Config;
  /** Where log lines go (tests capture them); stdout when absent. */
  logStream?: DestinationStream;
}

export async function buildServer({ config, logStream }: ServerOptions): Promise<FastifyInstance> {
  // APS_PLAIN_HTTP: TLS ends at the provider's ingress (APS Connect instances only).
  const tls = config.APS_PLAIN_HTTP
    ? undefined
    : loadTlsIdentity({ ...config, hostname: new URL(config.PUBLIC_URL).hostname || hostname() });
  const stream = logStream ?? logDestination(config.LOG_FORMAT, process.stdout.isTTY === true);
  const logger = stream ? { ...loggerOptions(config.LOG_LEVEL), stream } : loggerOptions(config.LOG_LEVEL);
  const fastify = Fastify({
    ...(tls ? { https: { cert: tls.cert, key: tls.key, requestCert: true, rejectUnauthorized: false } } : {}),
    logger,
    logController: new RequestLog(),
    genReqId: requestId,
    bodyLimit: config.BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true },
    connectionTimeout: 120_000,
    requestTimeout: 120_000,
    keepAliveTimeout: 10_000,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: config.TRUST_PROXY || false,
  });
  if (!tls) fastify.log.warn('APS_PLAIN_HTTP: listening in plain HTTP; terminate TLS in front of the endpoint');
  if (tls?.generated)
    fastify.log.warn(
      { dir: config.DATA_DIR },
      'Generated a self-signed TLS certificate; set TLS_CERT_FILE and TLS_KEY_FILE for production',
    );
  if (!config.allowFrom) fastify.log.warn('APS_ALLOW_FROM is not set: any address may create application instances');
  await fastify.register(app, { config });
  if (config.SSO_PORT !== undefined) {
    const publicServer = await buildPublicServer(config, fastify);
    fastify.decorate('publicServer', publicServer);
    fastify.addHook('onClose', async () => publicServer.close());
  }
  return fastify;
}

/**
 * The listener customers' browsers reach (SSO_PORT): the single sign-on pages and nothing else, so
 * the APS port can be firewalled to the controller. Plain HTTP behind the provider's TLS proxy, or
 * HTTPS with its own certificate.
 */
async function buildPublicServer(config: Config, app: FastifyInstance): Promise<FastifyInstance> {
  const tls =
    config.SSO_TLS_CERT_FILE && config.SSO_TLS_KEY_FILE
      ? {
          cert: readSettingFile('SSO_TLS_CERT_FILE', config.SSO_TLS_CERT_FILE),
          key: readSettingFile('SSO_TLS_KEY_FILE', config.SSO_TLS_KEY_FILE),
        }
      : undefined;
  const publicServer = Fastify({
    ...(tls ? { https: tls } : {}),
    loggerInstance: app.log.child({ listener: 'sso' }),
    logController: new RequestLog(),
    genReqId: requestId,
    bodyLimit: 1024,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    trustProxy: config.TRUST_PROXY || false,
  });
  publicServer.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  await registerPublicRoutes(publicServer, app);
  return publicServer;
}

/** Listens on PORT, and on SSO_PORT when the single sign-on pages have their own listener. */
export async function listen(server: FastifyInstance, config: Config): Promise<void> {
  await server.listen({ port: config.PORT, host: config.HOST });
  if (server.publicServer)
    await server.publicServer.listen({ port: config.SSO_PORT, host: config.SSO_HOST ?? config.HOST });
}

/** One line for a start that cannot succeed: the setting to fix, no stack, no secret. */
function startupFailure(err: unknown, config?: Config): string {
  if (err instanceof ConfigError) return `Configuration error: ${err.message}`;
  const code = errorCode(err);
  if (config && (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
    const sso = errorField(err, 'port') === config.SSO_PORT && config.SSO_PORT !== undefined;
    return sso
      ? `Configuration error: SSO_PORT ${config.SSO_PORT} on SSO_HOST ${config.SSO_HOST ?? config.HOST} cannot be used (${code})`
      : `Configuration error: PORT ${config.PORT} on HOST ${config.HOST} cannot be used (${code})`;
  }
  return `Start-up failed: ${errorMessage(err)}`.split('\n')[0];
}

/**
 * V8 lets its old generation grow to several times what was live at the last full collection
 * before it collects again: under load the bench's endpoint reached 210 MB of RSS with 28 MB live.
 * A bound on that growth keeps the process near its live size, for a little more collecting. Set
 * here, not in the app plugin: a V8 flag holds for the whole process, and tests that build the app
 * inside their own process keep V8's defaults.
 */
function boundHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

async function main(): Promise<void> {
  let config: Config | undefined;
  let server: FastifyInstance | undefined;
  try {
    config = loadConfig();
    boundHeapGrowth(config.HEAP_GROWTH_PERCENT);
    server = await buildServer({ config });
    await listen(server, config);
  } catch (err) {
    console.error(startupFailure(err, config));
    await server?.close().catch(() => undefined);
    process.exit(1);
  }
  const running = server;
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) running.log.error({ err }, 'shutting down after an error');
    await running.close();
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

declare module 'fastify' {
  interface FastifyInstance {
    /** The single sign-on listener, when SSO_PORT is set. */
    publicServer?: FastifyInstance;
  }
}
