/**
 * A small strict XML parser for tests (Deno and Bun have no DOM): elements,
 * attributes, text, the five named entities and character references,
 * self-closing tags, comments and an optional `<?xml …?>` prolog. Anything
 * malformed throws `XmlError`: unclosed or mismatched tags, duplicate or
 * unquoted attributes, a bare `&` or `<`, unknown entities, content after the
 * root. No DTDs, CDATA or processing instructions beyond the prolog: plots
 * never write them.
 */

/** An element. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

/** An element or a run of text. */
export type XmlNode = XmlElement | string;

/** Malformed XML, with the offset where it was found. */
export class XmlError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = "XmlError";
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const SPACE = /[ \t\r\n]*/y;
const NAMED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Parses `src`, a document with one root element. */
export const parseXml = (src: string): XmlElement => {
  let i = 0;
  const fail = (msg: string): never => {
    throw new XmlError(msg, i);
  };
  const space = () => {
    SPACE.lastIndex = i;
    SPACE.exec(src);
    i = SPACE.lastIndex;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) fail("expected a name");
    i = NAME.lastIndex;
    return m![0];
  };
  const decode = (s: string, at: number): string => {
    if (s.includes("<")) throw new XmlError("bare '<'", at);
    return s.replace(/&([^;]*);|&/g, (whole, ent: string | undefined) => {
      if (ent === undefined) throw new XmlError("bare '&'", at);
      if (ent in NAMED) return NAMED[ent];
      const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ent);
      if (!m) throw new XmlError(`unknown entity '${whole}'`, at);
      const code = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
      if (code === 0 || code > 0x10ffff) throw new XmlError(`invalid character reference '${whole}'`, at);
      return String.fromCodePoint(code);
    });
  };
  const misc = () => {
    for (;;) {
      space();
      if (src.startsWith("<!--", i)) {
        const end = src.indexOf("-->", i + 4);
        if (end < 0) fail("unclosed comment");
        i = end + 3;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== "<") fail("expected '<'");
    i++;
    const tag = name();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      space();
      if (src.startsWith("/>", i)) {
        i += 2;
        return { name: tag, attrs, children: [] };
      }
      if (src[i] === ">") {
        i++;
        break;
      }
      if (i === before) fail("expected whitespace before an attribute");
      const key = name();
      space();
      if (src[i] !== "=") fail(`expected '=' after attribute ${key}`);
      i++;
      space();
      const q = src[i];
      if (q !== '"' && q !== "'") fail(`attribute ${key} must be quoted`);
      const end = src.indexOf(q, i + 1);
      if (end < 0) fail(`unterminated value of attribute ${key}`);
      if (key in attrs) fail(`duplicate attribute ${key}`);
      attrs[key] = decode(src.slice(i + 1, end), i);
      i = end + 1;
    }
    const children: XmlNode[] = [];
    for (;;) {
      if (i >= src.length) fail(`unclosed element <${tag}>`);
      if (src.startsWith("</", i)) {
        i += 2;
        const close = name();
        if (close !== tag) fail(`</${close}> closes <${tag}>`);
        space();
        if (src[i] !== ">") fail("expected '>'");
        i++;
        return { name: tag, attrs, children };
      }
      if (src.startsWith("<!--", i)) {
        const end = src.indexOf("-->", i + 4);
        if (end < 0) fail("unclosed comment");
        i = end + 3;
      } else if (src[i] === "<") {
        children.push(element());
      } else {
        const end = src.indexOf("<", i);
        const stop = end < 0 ? src.length : end;
        children.push(decode(src.slice(i, stop), i));
        i = stop;
      }
    }
  };
  if (src.startsWith("<?xml")) {
    const end = src.indexOf("?>");
    if (end < 0) fail("unclosed prolog");
    i = end + 2;
  }
  misc();
  const root = element();
  misc();
  if (i !== src.length) fail("content after the root element");
  return root;
};

/** Every element below (and including) `root` that `pred` accepts, in document order. */
export const findAll = (root: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] => {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (pred(e)) out.push(e);
    for (const c of e.children) if (typeof c !== "string") walk(c);
  };
  walk(root);
  return out;
};

/** The elements whose `class` attribute lists `cls`. */
export const byClass = (root: XmlElement, cls: string): XmlElement[] =>
  findAll(root, (e) => (e.attrs.class ?? "").split(" ").includes(cls));

/** All the text inside `e`. */
export const textOf = (e: XmlElement): string =>
  e.children.map((c) => (typeof c === "string" ? c : textOf(c))).join("");
