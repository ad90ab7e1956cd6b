// The browser build's stand-in for fhirpath.js (aliased in vite.config.ts). Every path the engine
// ships compiles to direct access (criteria/fast-path.ts, tested against fhirpath.js with the R4 model),
// so the ~250 KB gzipped evaluator, its parser and its UCUM tables stay out of the app. An expression
// outside that subset fails loudly here instead of silently returning nothing.
const unavailable = (expression: unknown) => () => {
  throw new Error(`FHIRPath expression outside the engine's compiled subset is not available in the browser build: ${String(expression)}`);
};

export const compile = (expression: unknown) => unavailable(expression);
export default { compile };
