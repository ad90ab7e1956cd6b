// The page that plays the EHR: pick a patient, see their draft orders, sign one (a real order-sign
// call to this server's CDS service, prefetch omitted so the service reads the sandbox FHIR server),
// read the cards, and follow a card's SMART link into the app (EHR launch with launch + iss).
import { useEffect, useState } from 'react';
import type { MedicationRequest, ServiceRequest } from '@medplum/fhirtypes';
import { createLaunch, getConfig, launchUrl, searchAll, sign, type CdsLink, type EhrConfig, type PatientSummary, type SignResult } from './api';
import { CdsCard } from './CdsCard';

type Order = ServiceRequest | MedicationRequest;

function orderLabel(o: Order): string {
  const cc = o.resourceType === 'ServiceRequest' ? o.code : o.medicationCodeableConcept;
  const c = cc?.coding?.[0];
  return [c?.code, c?.display ?? cc?.text].filter(Boolean).join(' · ') || `${o.resourceType}/${o.id}`;
}

export function EhrPage() {
  const [config, setConfig] = useState<EhrConfig>();
  const [error, setError] = useState<string>();
  const [patient, setPatient] = useState<PatientSummary>();
  const [orders, setOrders] = useState<Order[]>();
  const [signing, setSigning] = useState<string>();
  const [result, setResult] = useState<{ order: Order; result: SignResult }>();

  useEffect(() => {
    getConfig().then(setConfig, (e: Error) => setError(`Could not load the sandbox configuration: ${e.message}`));
  }, []);

  useEffect(() => {
    if (!config || !patient) return;
    setOrders(undefined);
    setResult(undefined);
    const id = encodeURIComponent(patient.id);
    Promise.all([
      searchAll<ServiceRequest>(`${config.fhirBase}/ServiceRequest?patient=${id}&status=draft,active&_count=50`),
      searchAll<MedicationRequest>(`${config.fhirBase}/MedicationRequest?patient=${id}&status=draft&_count=50`),
    ]).then(([a, b]) => setOrders([...a, ...b]), (e: Error) => setError(e.message));
  }, [config, patient]);

  async function doSign(order: Order) {
    if (!patient) return;
    setSigning(order.id);
    setResult(undefined);
    try {
      setResult({ order, result: await sign(patient.id, order) });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSigning(undefined);
    }
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

  const cards = result && typeof result.result.response === 'object' ? (result.result.response.cards ?? []) : [];
  return (
    <>
      <header className="ehr-bar">
        <span className="ehr-brand">Sandbox EHR</span>
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
                  <span className="meta">
                    {[p.birthDate, p.gender, p.payer ?? 'no coverage'].filter(Boolean).join(' · ')}
                  </span>
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
          {patient && (
            <>
              <section className="ehr-patient-head">
                <h2>{patient.name}</h2>
                <p className="meta">
                  {[patient.birthDate, patient.gender, patient.payer, `Patient/${patient.id}`].filter(Boolean).join(' · ')}
                </p>
                <button type="button" onClick={() => void openApp()}>
                  Open the review app for this patient
                </button>
              </section>
              <section aria-labelledby="orders-title">
                <h2 id="orders-title">Draft orders</h2>
                {!orders && <p role="status">Reading orders…</p>}
                {orders && orders.length === 0 && <p>No draft or active orders.</p>}
                {orders && orders.length > 0 && (
                  <table className="ehr-orders">
                    <thead>
                      <tr>
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
                        <tr key={`${o.resourceType}/${o.id}`}>
                          <td>
                            {orderLabel(o)}
                            <div className="meta">{`${o.resourceType}/${o.id}`}</div>
                          </td>
                          <td>{o.status}</td>
                          <td>{o.authoredOn?.slice(0, 10) ?? ''}</td>
                          <td>
                            <button type="button" className="primary" disabled={!!signing} onClick={() => void doSign(o)}>
                              {signing === o.id ? 'Signing…' : 'Sign'}
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            </>
          )}
          {result && (
            <section aria-labelledby="cards-title" className="ehr-cards">
              <h2 id="cards-title">
                CDS cards for {orderLabel(result.order)}{' '}
                <span className="meta">
                  (order-sign → HTTP {result.result.status}
                  {result.result.ms !== undefined ? `, ${result.result.ms} ms` : ''})
                </span>
              </h2>
              {result.result.error && <p className="ehr-error">{result.result.error}</p>}
              {result.result.status >= 400 && <p className="ehr-error">The CDS service answered {result.result.status}; see the response below.</p>}
              {result.result.status < 400 && cards.length === 0 && <p>The service returned no cards for this order.</p>}
              {cards.map((c, i) => (
                <CdsCard key={c.uuid ?? i} card={c} onLink={(l) => void openApp(l)} />
              ))}
              <details>
                <summary>The CDS Hooks request and response</summary>
                <h3>Request (POST {config?.cdsServiceUrl})</h3>
                <pre>{JSON.stringify(result.result.request, null, 2)}</pre>
                <h3>Response</h3>
                <pre>{typeof result.result.response === 'string' ? result.result.response : JSON.stringify(result.result.response, null, 2)}</pre>
              </details>
            </section>
          )}
        </main>
      </div>
    </>
  );
}
