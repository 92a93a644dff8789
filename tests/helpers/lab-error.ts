import { expect } from 'vitest';
import { LabError } from '../../lab/errors.ts';

/** The one line of the LabError `fn` throws (what is wrong; how to fix it); fails when it throws none. */
export function lineOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return (err as LabError).line;
  }
  throw new Error('expected a LabError');
}
