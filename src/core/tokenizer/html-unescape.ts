// A compact html.unescape (Python) for tokenizer input: numeric references, the HTML 4 Latin-1 names
// (which Python also accepts without a trailing semicolon) and the common typographic names.
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'.split(
    ' ',
  );

/** Names that may appear without `;` (Python's html5 legacy set). */
const LEGACY = new Map<string, string>([
  ['amp', '&'],
  ['AMP', '&'],
  ['lt', '<'],
  ['LT', '<'],
  ['gt', '>'],
  ['GT', '>'],
  ['quot', '"'],
  ['QUOT', '"'],
  ...LATIN1.map((name, i) => [name, String.fromCodePoint(160 + i)] as [string, string]),
]);

const SEMICOLON_ONLY = new Map<string, string>([
  ['apos', "'"],
  ['hellip', '…'],
  ['mdash', '—'],
  ['ndash', '–'],
  ['lsquo', '‘'],
  ['rsquo', '’'],
  ['ldquo', '“'],
  ['rdquo', '”'],
  ['sbquo', '‚'],
  ['bdquo', '„'],
  ['bull', '•'],
  ['trade', '™'],
  ['euro', '€'],
  ['larr', '←'],
  ['rarr', '→'],
  ['uarr', '↑'],
  ['darr', '↓'],
  ['hearts', '♥'],
  ['deg', '°'],
  ['prime', '′'],
  ['Prime', '″'],
  ['minus', '−'],
  ['le', '≤'],
  ['ge', '≥'],
  ['ne', '≠'],
  ['infin', '∞'],
  ['OElig', 'Œ'],
  ['oelig', 'œ'],
  ['Scaron', 'Š'],
  ['scaron', 'š'],
  ['Yuml', 'Ÿ'],
  ['thinsp', '\u2009'],
  ['ensp', '\u2002'],
  ['emsp', '\u2003'],
  ['zwj', '\u200d'],
  ['zwnj', '\u200c'],
]);

function numeric(body: string): string {
  const hex = body[1] === 'x' || body[1] === 'X';
  const code = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
  if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    return '\ufffd';
  }
  return String.fromCodePoint(code);
}

/** Replaces `&amp;`, `&#39;`, `&eacute;`… like Python's html.unescape (a subset of the named entities). */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)/g, (whole, body: string) => {
    if (body.startsWith('#')) return numeric(body.replace(/;$/, ''));
    if (body.endsWith(';')) {
      const name = body.slice(0, -1);
      const hit = LEGACY.get(name) ?? SEMICOLON_ONLY.get(name);
      if (hit !== undefined) return hit;
    }
    // Without `;`, the longest legacy name that prefixes the run is replaced and the rest kept.
    for (let n = Math.min(body.length, 6); n >= 2; n--) {
      const hit = LEGACY.get(body.slice(0, n));
      if (hit !== undefined) return hit + body.slice(n);
    }
    return whole;
  });
}
