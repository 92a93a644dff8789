import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeSecretFile } from '../host/files.ts';
import type { LabPaths } from '../paths.ts';
import type { TsigKey } from './tsig.ts';

export function tsigKeyFile(paths: LabPaths): string {
  return join(paths.secrets, 'dns-tsig.json');
}

/** The lab's RFC 2136 key: made once per lab, 256 random bits (RFC 8945 §6: no shorter than the HMAC's output), kept 0600. */
export async function ensureTsigKey(paths: LabPaths, name: string): Promise<TsigKey> {
  const file = tsigKeyFile(paths);
  if (existsSync(file)) return readJson<TsigKey>(file);
  const key: TsigKey = { name, algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') };
  await writeSecretFile(file, JSON.stringify(key, null, 2) + '\n');
  return key;
}

export async function loadTsigKey(paths: LabPaths): Promise<TsigKey> {
  const file = tsigKeyFile(paths);
  if (!existsSync(file)) throw new Error(`${file} is missing: start the dns component first`);
  return readJson<TsigKey>(file);
}
