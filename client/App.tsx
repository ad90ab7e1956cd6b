// The app's flow: sign-in completes (fhir.connect) → the record is read (fhir.loadRecord) → the engine
// decides in the browser (criteria.determine) → the review screen for the order the launch named, or
// the list of the patient's orders. Every failure on the way becomes an error screen.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { determine, type Determination } from '../criteria';
import { AppError, toAppError } from './errors';
import { connect, lastServer, loadRecord, readResource, type PatientRecord, type SmartSession } from './fhir';
import { getLibrary } from './library';
import { ErrorScreen } from './ErrorScreen';
import { EvidenceDialog, type DialogRequest } from './EvidenceDialog';
import { OrderList, groupByOrder } from './OrderList';
import { PatientBanner } from './PatientBanner';
import { ReviewScreen } from './ReviewScreen';
import { DocumentationPrompt } from './documentation/DocumentationPrompt';
import { DocumentationView } from './documentation/DocumentationView';
import { isDtrLaunch, withSaved } from './documentation/launch-context';

type State =
  | { phase: 'loading'; step: string }
  | { phase: 'error'; error: AppError }
  | { phase: 'ready'; session: SmartSession; record: PatientRecord; determinations: Determination[]; notice?: string };

function evaluate(session: SmartSession, record: PatientRecord): { determinations: Determination[]; notice?: string } {
  let library;
  try {
    library = getLibrary();
  } catch (err) {
    throw new AppError('engine', 'The policy library failed validation, so no determination can be made.', String((err as Error).message ?? err));
  }
  const determinations = determine(library, record.resources);
  const wanted = session.contextOrder;
  if (!wanted || determinations.some((d) => d.order.reference === wanted)) return { determinations };
  // The launch named an order that is not draft/active (e.g. signed meanwhile): judge it explicitly.
  const resource = record.resources.find((r) => `${r.resourceType}/${r.id}` === wanted);
  if (resource) {
    const explicit = determine(library, record.resources, { orders: [resource] });
    if (explicit.length > 0) return { determinations: [...determinations, ...explicit] };
    return { determinations, notice: `${wanted}, named by the launch, is not an order this app reviews. Showing the patient's other orders.` };
  }
  return { determinations, notice: `${wanted}, named by the launch, was not found in the record. Showing the patient's orders.` };
}

function noData(record: PatientRecord): AppError {
  const counts = Object.entries(record.counts)
    .filter(([, n]) => n !== undefined)
    .map(([t, n]) => `${t}: ${n}`);
  return new AppError(
    'no-data',
    'This patient has no draft or active sacroiliac-joint or sacral-nerve order, so there is no determination to show.',
    undefined,
    counts.length ? [`Read from the record: ${counts.join(', ')}`] : [],
  );
}

type Ready = Extract<State, { phase: 'ready' }>;

/** Sign-in can complete only once (the code is single-use), so the start-up runs once per page. */
let boot: Promise<Omit<Ready, 'phase'>> | undefined;
let reportStep: (step: string) => void = () => {};

async function start(): Promise<Omit<Ready, 'phase'>> {
  const session = await connect();
  reportStep('Reading the patient’s record…');
  const record = await loadRecord(session, (done, total) => reportStep(`Reading the patient’s record (${done} of ${total} searches)…`));
  reportStep('Checking the record against the policy…');
  const { determinations, notice } = evaluate(session, record);
  if (determinations.length === 0) throw noData(record);
  return { session, record, determinations, notice };
}

export function App() {
  const [state, setState] = useState<State>({ phase: 'loading', step: 'Completing sign-in…' });
  const [selected, setSelected] = useState<string | undefined>();
  const [dialog, setDialog] = useState<DialogRequest | null>(null);
  // The documentation form (Da Vinci DTR) for this order, when open.
  const [documenting, setDocumenting] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    reportStep = (step) => live && setState({ phase: 'loading', step });
    boot ??= start();
    // Searches still running after one has failed must not put the loading screen back.
    const settle = () => (reportStep = () => {});
    boot.then(
      (ready) => {
        settle();
        if (!live) return;
        const { session, determinations } = ready;
        setSelected(session.contextOrder && determinations.some((d) => d.order.reference === session.contextOrder) ? session.contextOrder : undefined);
        if (isDtrLaunch(session.appContext) && determinations.some((d) => d.order.reference === session.contextOrder && d.questions?.length)) setDocumenting(session.contextOrder);
        setState({ phase: 'ready', ...ready });
      },
      (err: unknown) => {
        settle();
        if (live) setState({ phase: 'error', error: toAppError(err, 'starting the app') });
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const groups = useMemo(() => (state.phase === 'ready' ? groupByOrder(state.determinations) : []), [state]);
  const load = useCallback(
    async (reference: string) => {
      if (state.phase !== 'ready') throw new Error('No record loaded');
      const found = state.record.resources.find((r) => `${r.resourceType}/${r.id}` === reference);
      return found ?? readResource(state.session, reference);
    },
    [state],
  );

  useEffect(() => {
    document.title =
      state.phase === 'error' ? 'Error · SIJ review' : state.phase === 'loading' ? 'Loading · SIJ review' : selected ? `${selected} · SIJ review` : 'Orders · SIJ review';
  }, [state.phase, selected]);

  if (state.phase === 'loading') {
    return (
      <main id="main" className="loading">
        <div className="spinner" aria-hidden="true" />
        <p role="status">{state.step}</p>
      </main>
    );
  }
  if (state.phase === 'error') return <ErrorScreen error={state.error} lastServer={lastServer()} />;

  const current = groups.find((g) => g.reference === selected) ?? (groups.length === 1 ? groups[0] : undefined);
  const toDocument = current?.determinations.find((d) => d.questions?.length);
  const documented = documenting ? state.determinations.find((d) => d.order.reference === documenting) : undefined;
  if (documented) {
    const saved = (resources: Parameters<typeof withSaved>[1]) => {
      const record = withSaved(state.record, resources);
      setState({ ...state, record, ...evaluate(state.session, record) });
    };
    return (
      <>
        <PatientBanner patient={state.record.patient} warnings={state.record.warnings} />
        <DocumentationView session={state.session} record={state.record} determination={documented} onClose={() => setDocumenting(undefined)} onSaved={saved} />
        <EvidenceDialog request={dialog} load={load} onClose={() => setDialog(null)} />
      </>
    );
  }
  return (
    <>
      <a className="skip-link screen-only" href="#main">
        Skip to the determination
      </a>
      <PatientBanner patient={state.record.patient} warnings={state.record.warnings} />
      {toDocument && <DocumentationPrompt d={toDocument} onStart={() => setDocumenting(toDocument.order.reference)} />}
      {current ? (
        <ReviewScreen
          determinations={current.determinations}
          patient={state.record.patient}
          resources={state.record.resources}
          fhirBase={state.session.fhirBase}
          onOpen={setDialog}
          onBack={groups.length > 1 ? () => setSelected(undefined) : undefined}
        />
      ) : (
        <OrderList groups={groups} onPick={setSelected} notice={state.notice} />
      )}
      <EvidenceDialog request={dialog} load={load} onClose={() => setDialog(null)} />
    </>
  );
}
