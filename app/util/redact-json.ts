// Redaction of a serialised JSON log line: the value of every member whose name is a secret's,
// at any depth, becomes "[redacted]". pino's own path redaction (@pinojs/redact) parses and walks
// each path for each value of each line: with our 54 paths that was ~30 µs a line, 2% of a
// provision's CPU. A line without such a name (nearly every line) costs one regular expression test.

const CENSOR = '"[redacted]"';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** Index just after the JSON string that opens at `start`. */
function stringEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return s.length;
}

/** Index just after the JSON value that starts at `start` (a string, an object, an array or a literal). */
function valueEnd(s: string, start: number): number {
  const first = s[start];
  if (first === '"') return stringEnd(s, start);
  if (first !== '{' && first !== '[') {
    let i = start;
    while (i < s.length && !',}] \t\r\n'.includes(s[i])) i++;
    return i;
  }
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '"') i = stringEnd(s, i) - 1;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  return s.length;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && ' \t\r\n'.includes(s[i])) i++;
  return i;
}

export class JsonRedactor {
  private readonly names: Set<string>;
  // A quick refusal: a line that names no secret. JSON.stringify writes a name made of letters and
  // hyphens as it is (it escapes only quotes, backslashes and control characters).
  private readonly mayHold: RegExp;

  constructor(names: readonly string[]) {
    const odd = names.find((n) => !/^[A-Za-z0-9_-]+$/.test(n));
    if (odd !== undefined)
      throw new Error(`a secret's name of letters, digits, "_" and "-" only, not ${JSON.stringify(odd)}`);
    this.names = new Set(names);
    this.mayHold = new RegExp(`"(?:${names.join('|')})"`);
  }

  redact(line: string): string {
    if (!this.mayHold.test(line)) return line;
    let out = '';
    let copied = 0;
    let i = 0;
    while (i < line.length) {
      if (line.charCodeAt(i) !== QUOTE) {
        i++;
        continue;
      }
      const end = stringEnd(line, i);
      const colon = skipSpace(line, end);
      if (line.charCodeAt(colon) !== COLON || !this.names.has(line.slice(i + 1, end - 1))) {
        i = end;
        continue;
      }
      const value = skipSpace(line, colon + 1);
      i = valueEnd(line, value);
      out += line.slice(copied, value) + CENSOR;
      copied = i;
    }
    return copied ? out + line.slice(copied) : line;
  }
}
