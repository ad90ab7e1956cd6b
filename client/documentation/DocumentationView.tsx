// "Complete documentation" (Da Vinci DTR in the app): the questions the determination leaves unknown,
// as an SDC form (client/documentation/SdcForm.tsx), beside the determination re-evaluated with each
// answer, in the browser, by the same engine. Answers are evidence with their author and date; they
// are kept in this tab as they are given, can be saved unfinished and resumed (an in-progress
// QuestionnaireResponse in the EHR), and on completion are written back with DTR's context and
// coverage extensions, plus an Observation where an answer is naturally one (a pain score). A write
// the EHR refuses, or the scopes do not allow, keeps the response on screen and says what was not saved.
import { Component, lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  determine,
  determineWithFacts,
  draftResponse,
  finalResponse,
  prefillOf,
  questionnaireFor,
  type Determination,
  type FactValue,
} from '../../criteria';
import type { fhir4 } from '../fhir-types';
import { writeResource, type PatientRecord, type SmartSession } from '../fhir';
import { getLibrary } from '../library';
import { canWrite } from '../scopes';
import { OutcomeBanner } from '../OutcomeBanner';
import { STATUS_LOOK } from '../format';
import { Icon } from '../Icon';
import { authorOf, draftKey, dtrBase, fetchPackage, findResume, forgetInTab, keepInTab, loadFromTab, observationsFrom } from './dtr-client';
import './documentation.css';

const SdcForm = lazy(() => import('./SdcForm'));
type Json = Record<string, unknown>;

class FormBoundary extends Component<{ children: ReactNode }, { error?: string }> {
  override state: { error?: string } = {};
  static getDerivedStateFromError(err: unknown) {
    return { error: String((err as Error)?.message ?? err) };
  }
  override render() {
    return this.state.error ? (
      <p className="doc-error" role="alert">
        The form could not be shown: {this.state.error}
      </p>
    ) : (
      this.props.children
    );
  }
}

interface Props {
  session: SmartSession;
  record: PatientRecord;
  determination: Determination;
  onClose(): void;
  /** Resources the form wrote, to add to the record the app judges. */
  onSaved(resources: fhir4.Resource[]): void;
}

interface Saved {
  what: string;
  ok: boolean;
  detail: string;
}

export function DocumentationView({ session, record, determination, onClose, onSaved }: Props) {
  const lib = getLibrary();
  const order = determination.order.reference;
  const subject = `Patient/${session.patientId}`;
  const author = authorOf(session.fhirUser);
  const key = draftKey(session.patientId, order);
  // The form opened stays the form on screen: answering it changes the determination, not the questions.
  const [built] = useState(() => questionnaireFor(lib, determination, { canonicalBase: dtrBase() }));

  // What the record already establishes, as "auto" answers (DTR information-origin).
  const prefill = useMemo(() => {
    const out = new Map<string, FactValue | string>();
    if (!built) return out;
    const judged = determineWithFacts(lib, record.resources).find((x) => x.determination.order.reference === order);
    for (const fact of built.facts) {
      const v = judged ? prefillOf(lib.facts.get(fact)!, judged.facts(fact)) : undefined;
      if (v !== undefined) out.set(fact, v);
    }
    return out;
  }, [lib, built, record.resources, order]);

  const resumed = useMemo(() => (built ? findResume(record.resources, built.canonical, order) : undefined), [built, record.resources, order]);
  const [initial] = useState<{ response: Json; from: string } | undefined>(() => {
    if (!built) return undefined;
    if (resumed) return { response: resumed, from: `Resumed the unfinished response saved in the record on ${String(resumed.authored ?? '').slice(0, 10)}.` };
    const kept = loadFromTab(key);
    if (kept && kept.questionnaire === built.canonical) return { response: kept, from: 'Resumed the answers kept in this tab (not yet saved to the record).' };
    return { response: draftResponse(lib, built, { subject, order, coverage: determination.coverage?.reference }, prefill), from: '' };
  });
  const savedId = useRef<string | undefined>(typeof initial?.response.id === 'string' ? initial.response.id : undefined);

  const [questionnaire, setQuestionnaire] = useState<Json | undefined>();
  const [warnings, setWarnings] = useState<string[]>([]);
  useEffect(() => {
    if (!built) return;
    let live = true;
    const coverage = record.resources.find((r) => `${r.resourceType}/${r.id}` === determination.coverage?.reference);
    const orderResource = record.resources.find((r) => `${r.resourceType}/${r.id}` === order);
    const fallback = (why: string) => {
      if (!live) return;
      setQuestionnaire(built.questionnaire);
      setWarnings([`${why} The form is built here from the same policy library instead.`]);
    };
    if (!orderResource) return fallback('The order is not in the record read.');
    fetchPackage(dtrBase(), { coverage, order: orderResource, canonical: built.canonical, patient: record.patient }).then(
      (p) => {
        if (!live) return;
        if (!p.questionnaire) return fallback(p.warnings.join(' ') || 'The questionnaire package was empty.');
        setQuestionnaire(p.questionnaire);
        setWarnings(p.warnings);
      },
      (err: unknown) => fallback(`The questionnaire package could not be fetched (${String((err as Error)?.message ?? err)}).`),
    );
    return () => {
      live = false;
    };
  }, [built, record, order, determination.coverage?.reference]);

  const [answers, setAnswers] = useState<Json | undefined>(initial?.response);
  const onChange = useCallback((r: Json) => setAnswers(r), []);
  const now = () => new Date().toISOString();
  const response = useCallback(
    (status: 'in-progress' | 'completed') =>
      built && answers && author
        ? finalResponse(built, answers, { subject, order, coverage: determination.coverage?.reference, author, authored: now(), status, prefill, id: savedId.current })
        : undefined,
    [built, answers, author, subject, order, determination.coverage?.reference, prefill],
  );

  // Each answer re-evaluates the determination, here in the browser, with the open form as evidence.
  const live = useMemo(() => {
    const draft = response('in-progress');
    const ds = determine(lib, record.resources, draft ? { responses: [draft] } : {});
    return ds.find((d) => d.order.reference === order) ?? determination;
  }, [lib, record.resources, response, order, determination]);

  useEffect(() => {
    const draft = response('in-progress');
    if (draft) keepInTab(key, draft);
  }, [response, key]);

  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<Saved[]>([]);
  const [unsaved, setUnsaved] = useState<Json | undefined>();

  async function save(status: 'in-progress' | 'completed') {
    const qr = response(status);
    if (!qr || !built || !author) return;
    setSaving(true);
    const results: Saved[] = [];
    const written: fhir4.Resource[] = [];
    const op = savedId.current ? 'u' : 'c';
    if (!canWrite(session.grantedScope, 'QuestionnaireResponse', op)) {
      results.push({ what: 'QuestionnaireResponse', ok: false, detail: `not saved: the EHR did not grant patient/QuestionnaireResponse.${op === 'c' ? 'c' : 'u'} (granted: ${session.grantedScope || 'nothing'})` });
    } else {
      const w = await writeResource(session, qr as unknown as fhir4.Resource);
      if (w.ok) {
        savedId.current = w.resource.id;
        written.push(w.resource);
        results.push({ what: 'QuestionnaireResponse', ok: true, detail: `saved as QuestionnaireResponse/${w.resource.id} (${status})` });
      } else {
        results.push({ what: 'QuestionnaireResponse', ok: false, detail: `not saved: the EHR answered ${w.status ?? 'with an error'}: ${w.message}` });
      }
    }
    const qrSaved = written.length > 0;
    if (status === 'completed') {
      const observations = observationsFrom(lib, built, qr, { subject, author, authored: String(qr.authored), response: qrSaved ? `QuestionnaireResponse/${savedId.current}` : undefined });
      for (const o of observations) {
        const label = `Observation ${o.code.coding?.[0]?.code ?? ''} (${o.code.text ?? ''})`;
        if (!qrSaved) results.push({ what: label, ok: false, detail: 'not saved: it is written only with the response it comes from' });
        else if (!canWrite(session.grantedScope, 'Observation', 'c')) results.push({ what: label, ok: false, detail: 'not saved: the EHR did not grant patient/Observation.c' });
        else {
          const w = await writeResource(session, o);
          if (w.ok) written.push(w.resource);
          results.push(w.ok ? { what: label, ok: true, detail: `saved as Observation/${w.resource.id}` } : { what: label, ok: false, detail: `not saved: the EHR answered ${w.status ?? 'with an error'}: ${w.message}` });
        }
      }
    }
    setSaved(results);
    if (results.some((r) => !r.ok)) {
      // Nothing is lost silently: the response stays on screen and in this tab.
      keepInTab(key, qr);
      setUnsaved(qr);
    } else {
      setUnsaved(undefined);
      if (status === 'completed') forgetInTab(key);
    }
    if (written.length) onSaved(written);
    setSaving(false);
  }

  if (!built || !initial) {
    return (
      <main id="main" className="documentation">
        <p>Nothing to document for {order}: the determination does not depend on anything a clinician can answer here.</p>
        <button type="button" onClick={onClose}>
          Back to the determination
        </button>
      </main>
    );
  }
  return (
    <main id="main" className="documentation">
      <nav className="toolbar" aria-label="Documentation actions">
        <button type="button" onClick={onClose}>
          ← Back to the determination
        </button>
        <h1 className="toolbar-title">Complete documentation for {order}</h1>
      </nav>
      {initial.from && <p className="doc-note">{initial.from}</p>}
      {warnings.map((w) => (
        <p key={w} className="doc-note">
          {w}
        </p>
      ))}
      {!author && (
        <p className="doc-error" role="alert">
          The EHR did not say who is signed in (no fhirUser), so answers cannot be attributed: they are not counted as evidence and cannot be saved.
        </p>
      )}
      <div className="doc-layout">
        <section className="doc-form panel" aria-labelledby="doc-form-title">
          <h2 id="doc-form-title">What the record leaves open</h2>
          <p className="meta">
            {built.canonical} · Da Vinci DTR questionnaire, version {built.questionnaire.version} (the policy's effective date)
          </p>
          {questionnaire ? (
            <FormBoundary>
              <Suspense fallback={<p role="status">Loading the form…</p>}>
                <SdcForm questionnaire={questionnaire} response={initial.response} terminologyServerUrl={dtrBase()} onChange={onChange} />
              </Suspense>
            </FormBoundary>
          ) : (
            <p role="status">Fetching the questionnaire package…</p>
          )}
          <div className="doc-actions">
            <button type="button" disabled={saving || !author} onClick={() => void save('in-progress')}>
              Save for later
            </button>
            <button type="button" className="primary" disabled={saving || !author} onClick={() => void save('completed')}>
              Complete and save to the record
            </button>
          </div>
          {saved.length > 0 && (
            <ul className="doc-saved" aria-live="polite">
              {saved.map((s) => (
                <li key={s.what} className={s.ok ? 'doc-ok' : 'doc-refused'}>
                  <strong>{s.what}</strong>: {s.detail}
                </li>
              ))}
            </ul>
          )}
          {unsaved && (
            <div className="doc-error" role="alert">
              <p>
                <strong>Not everything was saved to the record.</strong> Your answers are kept in this tab and shown below; nothing was discarded. Try again, or copy
                the response into the record another way.
              </p>
              <details open>
                <summary>The response that was not saved (QuestionnaireResponse)</summary>
                <pre className="resource-json unsaved-json">{JSON.stringify(unsaved, null, 2)}</pre>
              </details>
            </div>
          )}
        </section>
        <aside className="doc-panel" aria-labelledby="doc-panel-title">
          <h2 id="doc-panel-title">The determination with these answers</h2>
          <div aria-live="polite">
            <OutcomeBanner d={live} />
          </div>
          <ul className="criteria compact">
            {live.criteria.map((c) => {
              const look = STATUS_LOOK[c.status];
              return (
                <li key={c.id} className={`criterion status-${look.tone}`} data-criterion={c.id}>
                  <span className={`status-chip tone-${look.tone}`}>
                    <Icon name={look.icon} size={18} />
                    {look.label}
                  </span>{' '}
                  {c.text}
                  <p className="criterion-summary">{c.summary}</p>
                </li>
              );
            })}
          </ul>
          {live.flags
            .filter((f) => f.id === 'answer-conflicts-with-record')
            .map((f) => (
              <p key={f.text} className="doc-error">
                {f.text}
              </p>
            ))}
        </aside>
      </div>
    </main>
  );
}
