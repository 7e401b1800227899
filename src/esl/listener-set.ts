// Listeners that must not break the connection: each call is guarded, a throw is counted and logged.

/** A set of listeners called in registration order; one that throws does not stop the others. */
export class ListenerSet<A extends unknown[]> {
  readonly #listeners = new Set<(...args: A) => void>();
  readonly #onError: (error: unknown) => void;

  /** `onError` gets whatever a listener threw. */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: (...args: A) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls every listener present now (one added meanwhile waits for the next emit). */
  emit(...args: A): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(...args);
      } catch (e) {
        this.#onError(e);
      }
    }
  }
}
