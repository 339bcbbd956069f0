// The HTTP client node-soap posts its envelopes with (its `httpClient` option), on node:http.
// node-soap's own client goes through axios, which cost ~9% of a mailbox provision's CPU (request
// config merging, adapters) and re-armed TCP keep-alive with a value other than the agent's, so
// every request made four setsockopt calls. This one posts the envelope and hands node-soap the
// body; a status other than 2xx comes back as the error node-soap expects, with the body attached
// so that it can read a SOAP fault from it.
import http from 'node:http';
import https from 'node:https';

export interface SoapHttpOptions {
  agent: http.Agent;
  /** Idle time allowed on the socket while a call waits (as axios's `timeout`). */
  timeoutMs: number;
  /** A larger answer is refused, and its connection dropped. */
  maxResponseBytes: number;
}

/** What node-soap reads of an answer: the status, the headers and the body. */
export interface SoapHttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  data: string;
}

/** A failed call as node-soap and toOxError read it: a code, or the answer that was not 2xx. */
export class SoapHttpError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly response?: SoapHttpResponse,
  ) {
    super(message);
    this.name = 'SoapHttpError';
  }
}

type Callback = (err: unknown, res?: SoapHttpResponse, body?: string) => void;

export class SoapHttpClient {
  private readonly targets = new Map<string, { url: URL; send: typeof http.request }>();

  constructor(private readonly opts: SoapHttpOptions) {}

  /** node-soap's call: posts `data` to `rurl` with its headers and calls back once (it reads nothing else). */
  request(rurl: string, data: string, callback: Callback, exheaders?: Record<string, string>): void {
    this.post(rurl, data, exheaders ?? {}, (err, res) => callback(err, res, res?.data));
  }

  private target(rurl: string) {
    let target = this.targets.get(rurl);
    if (!target) {
      const url = new URL(rurl);
      target = { url, send: url.protocol === 'https:' ? https.request : http.request };
      this.targets.set(rurl, target);
    }
    return target;
  }

  private post(
    rurl: string,
    data: string,
    headers: Record<string, string>,
    done: (err: unknown, res?: SoapHttpResponse) => void,
  ): void {
    const { url, send } = this.target(rurl);
    const body = Buffer.from(data, 'utf8');
    let settled = false;
    const finish = (err: unknown, res?: SoapHttpResponse) => {
      if (settled) return;
      settled = true;
      done(err, res);
    };
    const req = send(
      url,
      {
        method: 'POST',
        agent: this.opts.agent,
        headers: { ...headers, 'Content-Length': body.length, Accept: 'text/xml, application/soap+xml' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          size += chunk.length;
          if (size <= this.opts.maxResponseBytes) return void chunks.push(chunk);
          finish(
            new SoapHttpError(
              `the answer is larger than ${this.opts.maxResponseBytes} bytes`,
              'ERR_RESPONSE_TOO_LARGE',
            ),
          );
          req.destroy();
        });
        res.on('error', (err) => finish(err));
        res.on('end', () => {
          const answer: SoapHttpResponse = {
            status: res.statusCode ?? 0,
            headers: res.headers,
            data: Buffer.concat(chunks, size).toString('utf8'),
          };
          if (answer.status >= 200 && answer.status < 300) finish(null, answer);
          else finish(new SoapHttpError(`HTTP ${answer.status}`, undefined, answer));
        });
      },
    );
    req.setTimeout(this.opts.timeoutMs, () => {
      finish(new SoapHttpError(`timeout of ${this.opts.timeoutMs} ms exceeded`, 'ETIMEDOUT'));
      req.destroy();
    });
    req.on('error', (err) => finish(err));
    req.end(body);
  }
}
