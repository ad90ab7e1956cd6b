// The app's flow: sign-in completes (fhir.connect) → the record is read (fhir.loadRecord) → the engine
// decides in the browser (criteria.determine) → a view: the review screen for the order the launch
// named, the list of the patient's orders, or, when the record has no in-scope order, the form that
// evaluates a chosen code hypothetically ("try it on any FHIR server"). Every failure on the way
// becomes an error screen. A new view is one more member of View and one more case in `screen`.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { determine, type Determination } from '../criteria';
import { readConfig } from './config';
import { AppError, toAppError } from './errors';
import { connect, lastServer, loadRecord, readResource, readUser, type PatientRecord, type SmartSession } from './fhir';
import type { fhir4 } from './fhir-types';
import { localToday, orderInWords } from './format';
import { HYPOTHETICAL_ID, hypotheticalOrder, type HypotheticalChoice } from './hypothetical';
import { getLibrary } from './library';
import { ErrorScreen } from './ErrorScreen';
import { EvidenceDialog, type DialogRequest } from './EvidenceDialog';
import { OrderList, groupByOrder } from './OrderList';
import { PatientBanner } from './PatientBanner';
import { ReviewScreen } from './ReviewScreen';
import { TryScreen } from './TryScreen';
import { DocumentationPrompt } from './documentation/DocumentationPrompt';
import { DocumentationView } from './documentation/DocumentationView';
import { isDtrLaunch, withSaved } from './documentation/launch-context';

type View =
  | { kind: 'orders' }
  | { kind: 'review'; reference: string }
  /** The documentation form (Da Vinci DTR) for this order (client/documentation/). */
  | { kind: 'document'; reference: string }
  | { kind: 'try' }
  | { kind: 'hypothetical'; order: fhir4.ServiceRequest; determinations: Determination[] };

interface Ready {
  session: SmartSession;
  record: PatientRecord;
  determinations: Determination[];
  notice?: string;
  /** The session's date: the banner's age, the letter's date and age, a hypothetical order's date. */
  today: string;
  /** The signed-in user (fhirUser), who signs the letter; undefined when it cannot be read. */
  user?: fhir4.Practitioner | fhir4.PractitionerRole;
}

type State = { phase: 'loading'; step: string } | { phase: 'error'; error: AppError } | ({ phase: 'ready' } & Ready);

function library() {
  try {
    return getLibrary();
  } catch (err) {
    throw new AppError('engine', 'The policy library failed validation, so no determination can be made.', String((err as Error).message ?? err));
  }
}

function evaluate(session: SmartSession, record: PatientRecord): { determinations: Determination[]; notice?: string } {
  const lib = library();
  const determinations = determine(lib, record.resources);
  const wanted = session.contextOrder;
  if (!wanted || determinations.some((d) => d.order.reference === wanted)) return { determinations };
  // The launch named an order that is not draft/active (e.g. signed meanwhile): judge it explicitly.
  const resource = record.resources.find((r) => `${r.resourceType}/${r.id}` === wanted);
  if (resource) {
    const explicit = determine(lib, record.resources, { orders: [resource] });
    if (explicit.length > 0) return { determinations: [...determinations, ...explicit] };
    return { determinations, notice: 'The order the launch named is not one this app reviews. Showing the patient\u2019s other orders.' };
  }
  return { determinations, notice: 'The order the launch named was not found in the record. Showing the patient\u2019s orders.' };
}

/** What was read, for the screen that says there is nothing to review. */
function readCounts(record: PatientRecord): string[] {
  return Object.entries(record.counts)
    .filter(([, n]) => n !== undefined)
    .map(([t, n]) => `${t}: ${n}`);
}

/** Sign-in can complete only once (the code is single-use), so the start-up runs once per page. */
let boot: Promise<Ready> | undefined;
let reportStep: (step: string) => void = () => {};

async function start(): Promise<Ready> {
  const session = await connect();
  const today = localToday();
  reportStep('Reading the patient\u2019s record…');
  const [record, user] = await Promise.all([
    loadRecord(session, (done, total) => reportStep(`Reading the patient\u2019s record (${done} of ${total} searches)…`)),
    readUser(session).catch(() => undefined),
  ]);
  reportStep('Checking the record against the policy…');
  const { determinations, notice } = evaluate(session, record);
  return { session, record, determinations, notice, today, user };
}

function firstView(ready: Ready): View {
  const groups = groupByOrder(ready.determinations);
  const wanted = ready.session.contextOrder;
  // A DTR launch on an order with questions opens its documentation form.
  if (wanted && isDtrLaunch(ready.session.appContext) && ready.determinations.some((d) => d.order.reference === wanted && d.questions?.length)) return { kind: 'document', reference: wanted };
  if (wanted && groups.some((g) => g.reference === wanted)) return { kind: 'review', reference: wanted };
  if (groups.length === 0) return { kind: 'try' };
  if (groups.length === 1) return { kind: 'review', reference: groups[0]!.reference };
  return { kind: 'orders' };
}

export function App() {
  const [state, setState] = useState<State>({ phase: 'loading', step: 'Completing sign-in…' });
  const [view, setView] = useState<View>({ kind: 'orders' });
  const [dialog, setDialog] = useState<DialogRequest | null>(null);
  const letterConfig = useMemo(() => readConfig().letter, []);

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
        setView(firstView(ready));
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
  const hypothetical = view.kind === 'hypothetical' ? view.order : undefined;
  const load = useCallback(
    async (reference: string) => {
      if (state.phase !== 'ready') throw new Error('No record loaded');
      // The hypothetical order exists only here: never asked of the server.
      if (hypothetical && reference === `ServiceRequest/${hypothetical.id}`) return hypothetical;
      const found = state.record.resources.find((r) => `${r.resourceType}/${r.id}` === reference);
      return found ?? readResource(state.session, reference);
    },
    [state, hypothetical],
  );

  const tryCode = useCallback(
    (choice: HypotheticalChoice) => {
      if (state.phase !== 'ready') return;
      try {
        const order = hypotheticalOrder(state.session.patientId, choice, state.today);
        const determinations = determine(library(), state.record.resources, { orders: [order], today: state.today }).filter(
          (d) => d.order.reference === `ServiceRequest/${HYPOTHETICAL_ID}`,
        );
        if (determinations.length === 0) throw new AppError('engine', `The engine made no determination for ${choice.code.code}.`);
        setView({ kind: 'hypothetical', order, determinations });
      } catch (err) {
        setState({ phase: 'error', error: toAppError(err, 'evaluating the chosen code') });
      }
    },
    [state],
  );

  const current = view.kind === 'review' ? groups.find((g) => g.reference === view.reference) : undefined;
  useEffect(() => {
    const what =
      state.phase !== 'ready'
        ? state.phase === 'error'
          ? 'Error'
          : 'Loading'
        : view.kind === 'review' && current
          ? orderInWords(current.determinations[0]!.order)
          : view.kind === 'hypothetical'
            ? `Hypothetical ${view.order.code?.coding?.[0]?.code ?? ''}`.trim()
            : view.kind === 'try'
              ? 'Try a procedure'
              : view.kind === 'document'
                ? 'Documentation'
                : 'Orders';
    document.title = `${what} · SIJ review`;
  }, [state.phase, view, current]);

  if (state.phase === 'loading') {
    return (
      <main id="main" className="loading">
        <div className="spinner" aria-hidden="true" />
        <p role="status">{state.step}</p>
      </main>
    );
  }
  if (state.phase === 'error') return <ErrorScreen error={state.error} lastServer={lastServer()} />;

  const letter = { patient: state.record.patient, resources: state.record.resources, fhirBase: state.session.fhirBase, today: state.today, user: state.user, config: letterConfig };
  const toOrders = groups.length > 0 ? () => setView({ kind: 'orders' }) : undefined;
  // Answers saved from the documentation form join the record, and the order is judged again with them.
  const saved = (resources: Parameters<typeof withSaved>[1]) => {
    const record = withSaved(state.record, resources);
    setState({ ...state, record, ...evaluate(state.session, record) });
  };
  const documented = view.kind === 'document' ? state.determinations.find((d) => d.order.reference === view.reference) : undefined;
  const toDocument = view.kind === 'review' ? current?.determinations.find((d) => d.questions?.length) : undefined;
  const screen = (() => {
    switch (view.kind) {
      case 'review':
        if (!current) return <OrderList groups={groups} onPick={(reference) => setView({ kind: 'review', reference })} notice={state.notice} />;
        return <ReviewScreen determinations={current.determinations} letter={letter} onOpen={setDialog} onBack={groups.length > 1 ? toOrders : undefined} />;
      case 'document':
        if (!documented) return <OrderList groups={groups} onPick={(reference) => setView({ kind: 'review', reference })} notice={state.notice} />;
        return <DocumentationView session={state.session} record={state.record} determination={documented} onClose={() => setView({ kind: 'review', reference: view.reference })} onSaved={saved} />;
      case 'hypothetical':
        return <ReviewScreen determinations={view.determinations} letter={letter} hypothetical onOpen={setDialog} onBack={() => setView({ kind: 'try' })} backLabel="← Choose another procedure" />;
      case 'try':
        return <TryScreen today={state.today} readCounts={groups.length === 0 ? readCounts(state.record) : undefined} onEvaluate={tryCode} onBack={toOrders} />;
      case 'orders':
        return <OrderList groups={groups} onPick={(reference) => setView({ kind: 'review', reference })} onTry={() => setView({ kind: 'try' })} notice={state.notice} />;
    }
  })();

  return (
    <>
      <a className="skip-link screen-only" href="#main">
        Skip to the determination
      </a>
      <PatientBanner patient={state.record.patient} today={state.today} warnings={state.record.warnings} />
      {toDocument && <DocumentationPrompt d={toDocument} onStart={() => setView({ kind: 'document', reference: toDocument.order.reference })} />}
      {screen}
      <EvidenceDialog request={dialog} load={load} onClose={() => setDialog(null)} />
    </>
  );
}
