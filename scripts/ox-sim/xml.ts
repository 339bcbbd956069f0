// A strict, namespace-aware XML reader (sax) and a tiny writer, for the OX simulator.
import sax from 'sax';

export interface XmlNode {
  uri: string;
  local: string;
  nil: boolean;
  text: string;
  /** Attribute values by local name. */
  attrs: Record<string, string>;
  children: XmlNode[];
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export function parseXml(xml: string): XmlNode {
  const parser = sax.parser(true, { xmlns: true });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  parser.onopentag = (tag) => {
    const t = tag as sax.QualifiedTag;
    const nilAttr = Object.values(t.attributes).find((a) => a.uri === XSI && a.local === 'nil');
    const attrs = Object.fromEntries(Object.values(t.attributes).map((a) => [a.local, a.value]));
    const node: XmlNode = { uri: t.uri, local: t.local, nil: nilAttr?.value === 'true', text: '', attrs, children: [] };
    if (stack.length) stack[stack.length - 1].children.push(node);
    else root = node;
    stack.push(node);
  };
  parser.ontext = (text) => {
    if (stack.length) stack[stack.length - 1].text += text;
  };
  parser.oncdata = parser.ontext;
  parser.onclosetag = () => void stack.pop();
  parser.onerror = (err) => {
    throw err;
  };
  parser.write(xml).close();
  if (!root || stack.length) throw new Error(root ? 'unclosed element' : 'empty document');
  return root;
}

export function escapeXml(value: string): string {
  return value.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}
