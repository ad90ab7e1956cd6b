// The patient a resource belongs to, for callers that need one id: the engine's own reading
// (criteria/compartment.ts's ownersOf), and only when every owner it names is that one patient.
import { ownersOf } from '../criteria';

export function patientOf(r: Record<string, unknown>): string | undefined {
  const owners = ownersOf(r);
  const first = owners[0];
  return first && !first.startsWith('\u0000') && owners.every((o) => o === first) ? first : undefined;
}
