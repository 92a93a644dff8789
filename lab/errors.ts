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

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
