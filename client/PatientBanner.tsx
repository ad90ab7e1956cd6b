// The patient banner (SMART need_patient_banner): who this is, so a reviewer never judges the wrong
// chart, plus what could not be read. The age is on the session's date, as the letter's is.
import type { fhir4 } from './fhir-types';
import { ageOn, formatDate, patientName } from './format';

export function PatientBanner({ patient, today, warnings }: { patient: fhir4.Patient; today: string; warnings: string[] }) {
  return (
    <header className="patient-banner screen-only">
      <div className="brand">SIJ medical-necessity review</div>
      <div className="patient">
        <span className="patient-name">{patientName(patient)}</span>
        <span>{patient.gender ?? 'sex unknown'}</span>
        <span>
          born {formatDate(patient.birthDate)} ({ageOn(patient.birthDate, today)})
        </span>
        <span className="meta">id {patient.id}</span>
      </div>
      {warnings.length > 0 && (
        <details className="load-warnings">
          <summary>{warnings.length} part(s) of the record could not be read</summary>
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </details>
      )}
    </header>
  );
}
