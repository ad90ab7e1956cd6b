// The Da Vinci DTR 2.1 and CRD 2.x names the questionnaire builder, the answer reader and the
// service share (StructureDefinition and CodeSystem URLs as the IGs publish them), and how this
// product's own questionnaires are recognised. A leaf: it imports nothing.
export const DTR = {
  stdQuestionnaire: 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/dtr-std-questionnaire',
  questionnaireResponse: 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/dtr-questionnaireresponse',
  packageBundle: 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/DTR-QPackageBundle',
  outputParameters: 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/dtr-qpackage-output-parameters',
  context: 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context',
  intendedUse: 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/intendedUse',
  origin: 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/information-origin',
  tempCodes: 'http://hl7.org/fhir/us/davinci-dtr/CodeSystem/temp',
  /** CRD's CodeSystem temp: the documentation purposes (ValueSet DocReason) intendedUse is bound to. */
  crdTempCodes: 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp',
} as const;

/** Every questionnaire of this product has an id (and so a canonical) that starts with this. */
export const QUESTIONNAIRE_ID_PREFIX = 'sij-';
/** A canonical of one of this product's questionnaires: `<base>/Questionnaire/sij-…[|version]`. */
export const OWN_QUESTIONNAIRE = /\/Questionnaire\/(sij-[A-Za-z0-9.-]+)(?:\|(.+))?$/;
