// The R4 model is only needed by fhirpath.js, which the browser build leaves out (see fhirpath-browser.ts).
export default {};
