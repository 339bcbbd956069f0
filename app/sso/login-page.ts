// What a redeemed token serves. Form login (OX6, or where the token flow cannot work): a hidden
// form that posts to OX at once (a button when scripts are off), the password in the form body,
// never in a URL. Token login needs no page: a redirect. And the pages for what went wrong.
import { randomBytes, randomUUID } from 'node:crypto';

export interface FormLogin {
  /** OX's public origin and path, e.g. https://webmail.example.com */
  oxPublicUrl: string;
  login: string;
  password: string;
  client: string;
  uiWebPath: string;
  productName: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function formLoginAction(oxPublicUrl: string): string {
  const url = new URL('ajax/login', oxPublicUrl.endsWith('/') ? oxPublicUrl : `${oxPublicUrl}/`);
  url.searchParams.set('action', 'formlogin');
  url.searchParams.set('authId', randomUUID());
  return url.href;
}

export interface RenderedPage {
  html: string;
  headers: Record<string, string>;
}

function securityHeaders(nonce: string, formAction: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; form-action ${formAction}; base-uri 'none'; frame-ancestors 'none'`,
  };
}

export function renderLoginPage(f: FormLogin): RenderedPage {
  const nonce = randomBytes(16).toString('base64');
  const action = formLoginAction(f.oxPublicUrl);
  const fields: Record<string, string> = {
    login: f.login,
    password: f.password,
    client: f.client,
    version: 'OX APS connector',
    uiWebPath: f.uiWebPath,
    autologin: 'false',
  };
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
    .join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Opening ${escapeHtml(f.productName)}…</title><style nonce="${nonce}">body{font-family:sans-serif;margin:3em;color:#333}</style></head>
<body><form id="ox-login" method="post" action="${escapeHtml(action)}">${inputs}
<p>Opening ${escapeHtml(f.productName)}…</p>
<noscript><p>Scripts are off in this browser. Press the button to continue.</p><button type="submit">Open ${escapeHtml(f.productName)}</button></noscript></form>
<script nonce="${nonce}">document.getElementById('ox-login').submit();</script></body></html>`;
  return { html, headers: securityHeaders(nonce, new URL(action).origin) };
}

/** A page that says what went wrong and what to do; no script, nothing about the account. */
export function renderProblemPage(title: string, text: string): RenderedPage {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
  return { html, headers: securityHeaders(nonce, "'none'") };
}

/** Headers for the redirect that carries OX's one-time tokens (in the URL fragment). */
export const REDIRECT_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

export function renderInvalidPage(): RenderedPage {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Link expired</title></head>
<body><h1>This login link cannot be used</h1><p>Login links work once and only for a short time. Go back to the control panel and click the login button again.</p></body></html>`;
  return { html, headers: securityHeaders(nonce, "'none'") };
}
