// The engine's public surface. Everything the CDS Hooks service, the SMART app and the CLI need.
//   const library = loadLibrary(files);               // vocabulary, value sets, facts, policies: validated data
//   const determinations = determine(library, resources, { orders, asOf });
//   renderText(d) / renderMarkdown(d)                 // what a reviewer reads
export * from './model';
export { loadLibrary, PolicyLoadError } from './library';
export type { LibraryFile } from './library';
export { determine, determineWithFacts } from './determine';
export * from './questionnaire';
export { readResponse } from './answers';
export type { AnswerRec } from './answers';
export { anyInScope, inScopeCode } from './orders';
export { headline, md, renderText, renderMarkdown } from './explain';
export { careTimeline, CARE_LANES } from './timeline';
export type { CareEvent, CareLane, PainPoint } from './timeline';
export { isolatePatient, ownersOf, patientIdOf, SHARED_TYPES } from './compartment';
export type { Isolated, IsolationCounts } from './compartment';
