/**
 * Ctrl-C and SIGTERM as a command's signal to stop: the first one aborts the work in flight, which then
 * undoes what it made and exits 130; a second one exits at once, for a user who will not wait.
 */
export class Interrupted extends Error {
  constructor(readonly signalName: string) {
    super(`interrupted (${signalName})`);
    this.name = 'Interrupted';
  }
}

export const INTERRUPTED_EXIT_CODE = 130;

/** The command's abort signal: aborted (with an Interrupted) by the first Ctrl-C or SIGTERM. */
export function onInterrupt(say: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): AbortSignal {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      say('certlab: interrupted again; exiting without cleaning up (`certlab down` removes what is left)');
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    say(`\ncertlab: interrupted (${name}); undoing what this command started`);
    controller.abort(new Interrupted(name));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return controller.signal;
}

/** The abort reason as an Interrupted, when the signal was aborted by Ctrl-C or SIGTERM. */
export function interruption(signal: AbortSignal | undefined): Interrupted | undefined {
  return signal?.aborted && signal.reason instanceof Interrupted ? signal.reason : undefined;
}
