import { execFileSync } from 'node:child_process';

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function imagePresent(ref: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', ref], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why an integration test cannot run here (no engine, an image missing), or undefined when it can.
 * A test that cannot run prints SKIPPED with the reason and is skipped, never passed.
 */
export function skipReason(images: string[]): string | undefined {
  if (!dockerAnswers()) return 'no container engine answers (run scripts/host/prepare.sh)';
  const missing = images.filter((ref) => !imagePresent(ref));
  if (missing.length) return `image(s) missing: ${missing.join(', ')} (run certlab images build)`;
  return undefined;
}

export function announceSkip(suite: string, reason: string | undefined): void {
  if (reason) process.stdout.write(`SKIPPED: ${suite}: ${reason}\n`);
}

export { isolatedLabContext as testContext } from '../../lab/config/isolated.ts';
