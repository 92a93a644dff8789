/**
 * A failure the user can act on: the CLI prints it as one line, what is wrong and how to fix it,
 * without a stack trace.
 */
export class LabError extends Error {
  constructor(message: string, readonly fix: string) {
    super(message);
    this.name = 'LabError';
  }

  get line(): string {
    return `${this.message}; ${this.fix}`;
  }
}

/** Exit code of a command given bad input: a wrong flag, value, name or configuration. */
export const BAD_INPUT_EXIT_CODE = 2;

/**
 * Bad input (a flag, a name, a configuration value): nothing was tried, so CI can tell "you called it
 * wrong" (exit 2) from "the lab failed" (exit 1).
 */
export class InputError extends LabError {
  override name = 'InputError';
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
