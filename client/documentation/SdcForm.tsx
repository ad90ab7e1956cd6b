// The SDC form renderer, loaded only when a form is opened (a separate chunk: the review screen does
// not pay for it). @aehrc/smart-forms-renderer is CSIRO's SDC form filler (the Smart Forms app's
// engine, Apache-2.0): it renders the Questionnaire, applies enableWhen, units and bounds, and keeps
// the QuestionnaireResponse in its store, which this component reports on every change.
import { useEffect, useRef } from 'react';
import { BaseRenderer, RendererThemeProvider, questionnaireResponseStore, useBuildForm, useRendererQueryClient } from '@aehrc/smart-forms-renderer';
import { QueryClientProvider } from '@tanstack/react-query';
import { restoreStale, shownIn } from './stale-answers';
type Questionnaire = Parameters<typeof useBuildForm>[0]['questionnaire'];
type QuestionnaireResponse = NonNullable<Parameters<typeof useBuildForm>[0]['questionnaireResponse']>;

export interface SdcFormProps {
  questionnaire: Record<string, unknown>;
  response?: Record<string, unknown>;
  /** Where value sets would be expanded: the product's own base, so nothing leaves for a public terminology server. */
  terminologyServerUrl: string;
  onChange(response: Record<string, unknown>): void;
}

export default function SdcForm({ questionnaire, response, terminologyServerUrl, onChange }: SdcFormProps) {
  const building = useBuildForm({
    questionnaire: questionnaire as unknown as Questionnaire,
    questionnaireResponse: response as unknown as QuestionnaireResponse | undefined,
    terminologyServerUrl,
  });
  const queryClient = useRendererQueryClient();
  const box = useRef<HTMLDivElement>(null);
  useEffect(
    () =>
      questionnaireResponseStore.subscribe((state, previous) => {
        if (state.updatableResponse === previous.updatableResponse) return;
        const next = state.updatableResponse as unknown as Record<string, unknown>;
        // A commit on a stale snapshot must not lose an answer already given (stale-answers.ts).
        const restored = restoreStale(previous.updatableResponse as unknown as Record<string, unknown>, next, shownIn(box.current));
        if (restored) return void state.updateResponse(restored as unknown as QuestionnaireResponse, false);
        onChange(next);
      }),
    [onChange],
  );
  if (building) return <p role="status">Building the form…</p>;
  return (
    <div ref={box}>
      <RendererThemeProvider>
        <QueryClientProvider client={queryClient}>
          <BaseRenderer />
        </QueryClientProvider>
      </RendererThemeProvider>
    </div>
  );
}
