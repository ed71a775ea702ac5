/**
 * An error that carries a CamelCase reason, so a caller (a controller writing a condition, a server
 * writing an error body) can act on it without parsing messages.
 */
export class ReasonError<R extends string = string> extends Error {
  constructor(
    readonly reason: R,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The message of anything thrown, for logs and status messages. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
