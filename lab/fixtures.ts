import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Fills `{{ name }}` placeholders; a placeholder without a value is a bug in the caller, not a blank. */
export function renderTemplate(template: string, vars: Record<string, string | number>, source = 'template'): string {
  return template.replace(/\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`${source} uses {{ ${name} }} but no value was given`);
    return String(vars[name]);
  });
}

export async function renderFixture(relativePath: string, vars: Record<string, string | number>): Promise<string> {
  return renderTemplate(await readFile(FIXTURES_DIR + relativePath, 'utf8'), vars, `fixtures/${relativePath}`);
}
