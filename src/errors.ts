/**
 * One error family. The library throws these and never prints or exits;
 * `cli/main.ts` turns them into one line on stderr and the exit code they carry.
 */
export class BouncelensError extends Error {
  readonly exitCode: number = 2;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An input that cannot be opened, read or recognised. The run goes on with the other inputs. */
export class InputError extends BouncelensError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** A flag, date, zone, host list or config file the user gave is invalid. */
export class UsageError extends BouncelensError {}

/** A named cap from limits.ts was hit in a way that stops an input. */
export class LimitError extends InputError {}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
