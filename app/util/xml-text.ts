// Text as XML element content, for every writer of XML the endpoint has (SOAP, mail autoconfig).
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#x9;',
  '\r': '&#xD;',
  '\n': '&#xA;',
};
const ESCAPED = /[&<>"'\t\r\n]/g;
const NEEDS_ESCAPING = /[&<>"'\t\r\n]/;

/** Text as element content: every character that is markup (or whitespace XML would fold) escaped. */
export function xmlText(value: string): string {
  return NEEDS_ESCAPING.test(value) ? value.replace(ESCAPED, (c) => ESCAPES[c]) : value;
}
