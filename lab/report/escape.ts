/**
 * Escaping for every text that leaves certlab in a markup format. Step names, error messages and
 * notes come from command output (Vault, kubectl, openssl), so they may carry anything.
 */

/** Chars XML 1.0 cannot hold at all, not even as references: parsers would reject the whole file. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd
    || (cp >= 0x20 && cp <= 0xd7ff)
    || (cp >= 0xe000 && cp <= 0xfffd)
    || (cp >= 0x10000 && cp <= 0x10ffff);
}

const TEXT_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const QUOTE_ENTITIES: Record<string, string> = { ...TEXT_ENTITIES, '"': '&quot;', "'": '&#39;' };

/** Dropped chars become U+FFFD so the loss stays visible. */
function replaceChars(text: string, entities: Record<string, string>): string {
  let out = '';
  for (const ch of text) {
    if (!isXmlChar(ch.codePointAt(0) ?? 0)) out += '\uFFFD';
    else out += entities[ch] ?? ch;
  }
  return out;
}

/** Text or attribute content for HTML and XML. */
export function escapeXml(text: string): string {
  return replaceChars(text, QUOTE_ENTITIES);
}

/** Attribute values additionally keep their line breaks, which parsers would otherwise fold to spaces. */
export function escapeXmlAttr(text: string): string {
  return escapeXml(text).replaceAll('\r', '&#13;').replaceAll('\n', '&#10;').replaceAll('\t', '&#9;');
}

export const escapeHtml = escapeXml;

/**
 * One GFM table cell. Pipes would split the cell and newlines end the row; angle brackets and
 * ampersands are escaped because GitHub renders inline HTML in job summaries.
 */
export function escapeMarkdownCell(text: string): string {
  return replaceChars(text, TEXT_ENTITIES)
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replaceAll('`', '\\`')
    .replaceAll('*', '\\*')
    .replaceAll('_', '\\_')
    .replace(/\r?\n/g, '<br>');
}

/** A fence longer than any backtick run inside the body, so notes holding ``` cannot close it early. */
export function markdownFence(body: string): string {
  let longest = 0;
  let run = 0;
  for (const ch of body) {
    run = ch === '`' ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return '`'.repeat(Math.max(3, longest + 1));
}
