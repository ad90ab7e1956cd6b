// The page that plays the EHR, and a test bench for the service and the app: pick a patient, see
// their draft orders, sign one or several in one order-sign request (a real call to this server's CDS
// service, prefetch omitted so the service reads the sandbox FHIR server), read the cards, accept or
// override them (real feedback, read back from the store), switch the patient's payer or state, view,
// edit and replay the raw request, and follow a card's SMART link into the app (EHR launch).
import { useEffect, useState } from 'react';
import type { MedicationRequest, ServiceRequest } from '@medplum/fhirtypes';
import { createLaunch, getConfig, launchUrl, replay, searchAll, sendFeedback, sign, type CdsLink, type EhrConfig, type FeedbackEntry, type PatientSummary, type SignResult } from './api';
import { CdsCard } from './CdsCard';
import { CoveragePanel } from './CoveragePanel';
import { FeedbackLog } from './FeedbackLog';
import { RequestPanel } from './RequestPanel';

type Order = ServiceRequest | MedicationRequest;
const refOf = (o: Order) => `${o.resourceType}/${o.id}`;

function orderLabel(o: Order): string {
  const cc = o.resourceType === 'ServiceRequest' ? o.code : o.medicationCodeableConcept;
  const c = cc?.coding?.[0];
  return [c?.code, c?.display ?? cc?.text].filter(Boolean).join(' · ') || refOf(o);
}

interface Shown {
  /** What was sent: "64772 · …" or "2 orders", or "replayed request". */
  label: string;
  result: SignResult;
}

export function EhrPage() {
  const [config, setConfig] = useState<EhrConfig>();
  const [error, setError] = useState<string>();
  const [patient, setPatient] = useState<PatientSummary>();
  const [orders, setOrders] = useState<Order[]>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [signing, setSigning] = useState(false);
  const [shown, setShown] = useState<Shown>();
  const [stale, setStale] = useState(false);
  const [cardIds, setCardIds] = useState<string[]>([]);
  const [feedbackVersion, setFeedbackVersion] = useState(0);

  useEffect(() => {
    getConfig().then(setConfig, (e: Error) => setError(`Could not load the sandbox configuration: ${e.message}`));
  }, []);

  useEffect(() => {
    if (!config || !patient) return;
    setOrders(undefined);
    setShown(undefined);
    setSelected(new Set());
    setError(undefined);
    const id = encodeURIComponent(patient.id);
    Promise.all([
      searchAll<ServiceRequest>(`${config.fhirBase}/ServiceRequest?patient=${id}&status=draft,active&_count=50`),
      searchAll<MedicationRequest>(`${config.fhirBase}/MedicationRequest?patient=${id}&status=draft&_count=50`),
    ]).then(([a, b]) => setOrders([...a, ...b]), (e: Error) => setError(e.message));
  }, [config, patient]);

  function show(label: string, result: SignResult) {
    setShown({ label, result });
    setStale(false);
    const cards = typeof result.response === 'object' ? (result.response.cards ?? []) : [];
    const ids = cards.map((c) => c.uuid).filter((u): u is string => !!u);
    if (ids.length) setCardIds((prev) => [...prev, ...ids.filter((u) => !prev.includes(u))]);
  }

  async function doSign(list: Order[]) {
    if (!patient || list.length === 0) return;
    setSigning(true);
    setError(undefined);
    try {
      show(list.length === 1 ? orderLabel(list[0]!) : `${list.length} orders signed together`, await sign(patient.id, list));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSigning(false);
    }
  }

  async function doReplay(request: unknown) {
    // Refusals (bad input) come back as errors, shown beside the editor.
    show('the edited request, sent again', await replay(request));
  }

  async function doFeedback(entry: FeedbackEntry): Promise<number> {
    const { status } = await sendFeedback([entry]);
    setFeedbackVersion((v) => v + 1);
    return status;
  }

  async function openApp(link?: CdsLink) {
    if (!config || !patient) return;
    if (link && link.type !== 'smart') {
      window.open(link.url, '_blank', 'noopener');
      return;
    }
    try {
      const { launch, iss } = await createLaunch(patient.id, link?.appContext);
      window.location.assign(launchUrl(link?.url ?? config.appLaunchUrl, launch, iss));
    } catch (e) {
      setError(`Could not start the launch: ${(e as Error).message}`);
    }
  }

  const toggle = (o: Order) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(refOf(o))) next.delete(refOf(o));
      else next.add(refOf(o));
      return next;
    });
  const chosen = (orders ?? []).filter((o) => selected.has(refOf(o)));
  const cards = shown && typeof shown.result.response === 'object' ? (shown.result.response.cards ?? []) : [];
  return (
    <>
      <header className="ehr-bar">
        <a className="ehr-brand" href="/">
          Sandbox EHR
        </a>
        <span className="ehr-note">Plays the EHR for trying the service and the app. Synthetic patients only.</span>
        <span className="ehr-user">Signed in as Dr. Olivia Ordering</span>
      </header>
      <div className="ehr-layout">
        <nav className="ehr-patients" aria-label="Patients">
          <h1>Patients</h1>
          {!config && !error && <p role="status">Loading…</p>}
          <ul>
            {config?.patients.map((p) => (
              <li key={p.id}>
                <button type="button" aria-pressed={patient?.id === p.id} onClick={() => setPatient(p)}>
                  <span className="p-name">{p.name}</span>
                  <span className="meta">{[p.birthDate, p.gender, p.payer ?? 'no coverage'].filter(Boolean).join(' · ')}</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <main className="ehr-chart" id="main">
          {error && (
            <p className="ehr-error" role="alert">
              {error}
            </p>
          )}
          {!patient && <p className="ehr-hint">Pick a patient to see their draft orders.</p>}
          {patient && config && (
            <>
              <section className="ehr-patient-head">
                <h2>{patient.name}</h2>
                <p className="meta">{[patient.birthDate, patient.gender, `Patient/${patient.id}`].filter(Boolean).join(' · ')}</p>
                <button type="button" onClick={() => void openApp()}>
                  Open the review app for this patient
                </button>
              </section>
              <CoveragePanel config={config} patientId={patient.id} onChanged={() => setStale(true)} />
              <section aria-labelledby="orders-title">
                <h2 id="orders-title">Draft orders</h2>
                {!orders && <p role="status">Reading orders…</p>}
                {orders && orders.length === 0 && <p>No draft or active orders.</p>}
                {orders && orders.length > 0 && (
                  <>
                    <table className="ehr-orders">
                      <thead>
                        <tr>
                          <th scope="col">
                            <span className="visually-hidden">Select</span>
                          </th>
                          <th scope="col">Order</th>
                          <th scope="col">Status</th>
                          <th scope="col">Authored</th>
                          <th scope="col">
                            <span className="visually-hidden">Action</span>
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {orders.map((o) => (
                          <tr key={refOf(o)}>
                            <td>
                              <input type="checkbox" checked={selected.has(refOf(o))} onChange={() => toggle(o)} aria-label={`Select ${orderLabel(o)}`} />
                            </td>
                            <td>
                              {orderLabel(o)}
                              <div className="meta">{refOf(o)}</div>
                            </td>
                            <td>{o.status}</td>
                            <td>{o.authoredOn?.slice(0, 10) ?? ''}</td>
                            <td>
                              <button type="button" className="primary" disabled={signing} onClick={() => void doSign([o])}>
                                Sign
                              </button>
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                    <p className="sign-selected">
                      <button type="button" className="primary" disabled={signing || chosen.length === 0} onClick={() => void doSign(chosen)}>
                        {signing ? 'Signing…' : `Sign selected (${chosen.length}) in one request`}
                      </button>
                    </p>
                  </>
                )}
              </section>
            </>
          )}
          {shown && (
            <section aria-labelledby="cards-title" className="ehr-cards">
              <h2 id="cards-title">
                CDS cards for {shown.label}{' '}
                <span className="meta">
                  (order-sign → HTTP {shown.result.status}
                  {shown.result.ms !== undefined ? `, ${shown.result.ms} ms` : ''})
                </span>
              </h2>
              {stale && <p className="notice">The payer or state has changed since these cards: sign again to see the cards under it.</p>}
              {shown.result.error && <p className="ehr-error">{shown.result.error}</p>}
              {shown.result.status >= 400 && <p className="ehr-error">The CDS service answered {shown.result.status}; see the response below.</p>}
              {shown.result.status > 0 && shown.result.status < 400 && cards.length === 0 && <p>The service returned no cards for this request.</p>}
              {cards.map((c, i) => (
                <CdsCard key={c.uuid ?? i} card={c} onLink={(l) => void openApp(l)} onFeedback={doFeedback} />
              ))}
              <RequestPanel result={shown.result} cdsServiceUrl={config?.cdsServiceUrl} onReplay={doReplay} />
            </section>
          )}
          {config?.feedbackView && <FeedbackLog cards={cardIds} version={feedbackVersion} />}
        </main>
      </div>
    </>
  );
}
