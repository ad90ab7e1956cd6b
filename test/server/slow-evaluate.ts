// An engine stand-in for the engine-pool test only: it never finishes when asked to judge as of
// 1900-01-01 (as an evaluation that overruns its deadline would not), and answers at once otherwise.
export function evaluate(_resources: unknown[], options: { asOf?: string; orders: unknown[] }): unknown[] {
  if (options.asOf === '1900-01-01') for (;;) {
    /* busy: only terminating the worker stops this */
  }
  return [{ answered: options.orders.length }];
}
