// Runs async work over a list with at most `limit` items in flight.

/**
 * Calls `fn` for every item with at most `limit` calls pending at once, starting items in list order;
 * resolves with the results in list order. `onResult` is called as each finishes (completion order).
 * `fn` must not reject (callers turn failures into values); if it does, the rejection propagates after
 * the calls already started have settled, and no further items are started.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  onResult?: (result: R, index: number) => void,
): Promise<R[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a whole number of at least 1');
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        const r = await fn(items[index]!, index);
        results[index] = r;
        onResult?.(r, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
