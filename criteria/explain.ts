// Stage 4: a Determination in words. renderText for the reviewer's terminal (npm run evaluate),
// renderMarkdown for CDS card detail. Every reason points at dated entries of the record.
import type { CriterionResult, Determination, Evidence, Outcome, Status } from './model';

const OUTCOME_LABEL: Record<Outcome, string> = {
  'not-medically-necessary': 'NOT MEDICALLY NECESSARY',
  'criteria-not-met': 'CRITERIA NOT MET',
  'documentation-needed': 'DOCUMENTATION NEEDED',
  'criteria-met': 'CRITERIA MET',
};
const STATUS_MARK: Record<Status, string> = { met: '[met]    ', 'not-met': '[NOT MET]', unknown: '[unknown]' };

export const outcomeLabel = (o: Outcome): string => OUTCOME_LABEL[o];

export function describeEvidence(e: Evidence): string {
  const code = e.code?.code ? `${e.code.code}${e.code.display ? ` ${e.code.display}` : ''}` : (e.code?.display ?? '');
  return [e.date ?? 'undated', e.reference, code, e.value, e.quote ? `"${e.quote}"` : undefined, e.note].filter(Boolean).join(' · ');
}

const sourceTag = (c: { citation: string; confidence: string; verified: boolean }): string =>
  `[${c.confidence}${c.verified ? '' : ', unverified'}: ${c.citation}]`;

function criterionLines(c: CriterionResult, indent: string): string[] {
  const lines = [`${indent}${STATUS_MARK[c.status]} ${c.text}`, `${indent}          ${c.summary}`, `${indent}          ${sourceTag(c)}`];
  for (const e of c.evidence.slice(0, 8)) lines.push(`${indent}          - ${describeEvidence(e)}`);
  if (c.evidence.length > 8) lines.push(`${indent}          - … ${c.evidence.length - 8} more entries`);
  return lines;
}

export function renderText(d: Determination): string {
  const o = d.order;
  const lines: string[] = [
    `${o.code.code}${o.quantity ? ` x${o.quantity}` : ''} ${o.code.display ?? ''} — ${o.reference} (${o.status}${o.authoredOn ? `, ${o.authoredOn}` : ''})`.trim(),
    `Outcome: ${OUTCOME_LABEL[d.outcome]} — ${d.summary}`,
    `Policy:  ${d.policy.title} (${d.policy.version}, effective ${d.policy.effective})${d.policy.kind === 'clinical-pathway' ? ' — CLINICAL PATHWAY, NOT THE PAYER\'S POLICY' : ''}`,
    `         ${d.policy.url}`,
    `Why this policy: ${d.policyChoice.reason}`,
    `Judged as of ${d.asOf}${d.dateOfService !== d.asOf ? `; date of service ${d.dateOfService}` : ''}.${d.coverage ? ` Coverage: ${d.coverage.reference}${d.coverage.payerName ? ` (${d.coverage.payerName})` : ''}.` : ''}`,
    '',
    'Reasons:',
    ...d.reasons.map((r, i) => `  ${i + 1}. ${r}`),
    '',
    'Criteria:',
    ...d.criteria.flatMap((c) => criterionLines(c, '  ')),
  ];
  if (d.findings.length) {
    lines.push('', 'Order-level findings:');
    for (const f of d.findings) {
      lines.push(`  - ${f.text} ${sourceTag(f)}`);
      for (const e of f.evidence.slice(0, 6)) lines.push(`      · ${describeEvidence(e)}`);
    }
  }
  if (d.flags.length) {
    lines.push('', 'Flags:');
    for (const f of d.flags) lines.push(`  - ${f.text}`);
  }
  if (d.missing.length) lines.push('', 'Missing documentation:', ...d.missing.map((m) => `  - ${m}`));
  if (d.alternatives.length) lines.push('', 'Evidence-based alternative:', ...d.alternatives.map((a) => `  - ${a.text} ${sourceTag(a)}`));
  if (d.advisories.length) lines.push('', 'Advisories:', ...d.advisories.map((a) => `  - ${a.title}: ${a.text} ${a.basis} ${a.url}`));
  if (d.notes.length) lines.push('', 'Notes:', ...d.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}

// ——— Card detail: the determination in at most about 1,200 characters of markdown ———

const LINE_BREAKS = /[\r\n\u000b\u000c\u0085\u2028\u2029]+/g;
const ZWSP = '\u200b';

/**
 * Text made safe for one markdown line, whatever the record put in it: line breaks fold to spaces, a
 * leading block marker (#, -, +, >, 1., ~~~) becomes a character reference, inline markup characters are
 * escaped, and URL starts get a zero-width space so no autolinker sees a link. Patient data cannot add a
 * heading, a list item or a link to a card.
 */
export function md(text: string): string {
  let s = text.replace(LINE_BREAKS, ' ').replace(/^[ \t]+/, '');
  // Only what could start markup: an underscore inside a word (NIA_CG_305) never does in CommonMark.
  s = s.replace(/([\\`*[\]<])/g, '\\$1').replace(/(^|[^A-Za-z0-9])_/g, '$1\\_');
  s = s.replace(/^([#>+~=-])/, (m) => `&#${m.charCodeAt(0)};`).replace(/^(\d{1,9})([.)])/, (_m, n: string, p: string) => `${n}&#${p.charCodeAt(0)};`);
  return s.replace(/(https?|ftp|mailto)(:)/gi, `$1${ZWSP}$2`).replace(/\bwww\./gi, `www${ZWSP}.`);
}

/** Cut at a word boundary, never mid-word. */
const cut = (text: string, max: number): string => {
  if (text.length <= max) return text;
  const head = text.slice(0, max - 1);
  const at = head.lastIndexOf(' ');
  return `${(at > max * 0.5 ? head.slice(0, at) : head).replace(/[\s,;:.(–-]+$/, '')}…`;
};

const HEADLINE: Record<Outcome, string> = {
  'not-medically-necessary': 'Not medically necessary',
  'criteria-not-met': 'Criteria not met',
  'documentation-needed': 'Documentation needed',
  'criteria-met': 'Criteria met',
};

/** The one dated fact a reason rests on: "2025-11-04: 80% relief" or the sentence it was read from. */
function keyFact(c: { evidence: Evidence[] }): string | undefined {
  const e = c.evidence.find((x) => x.quote || (x.value && x.value !== x.date)) ?? c.evidence[0];
  if (!e) return undefined;
  const value = e.value && e.value !== e.date ? e.value : undefined;
  const display = e.code?.display ?? e.code?.code;
  // A status alone ("active") says nothing without the entry it is the status of.
  const what = e.quote ? `"${cut(e.quote, 90)}"` : cut(value && display && /^[a-z-]+$/.test(value) ? `${display}, ${value}` : (value ?? display ?? ''), 90);
  return [e.date, what].filter(Boolean).join(': ') || undefined;
}

/** The decision in one sentence: the outcome, whose policy, and, for the pathway, that no payer policy was found (the payer may be unknown, or have a policy the library lacks). */
export function headline(d: Determination): string {
  return d.policy.kind === 'clinical-pathway'
    ? `${HEADLINE[d.outcome]} on this product's evidence pathway: no payer policy was found for this order.`
    : `${HEADLINE[d.outcome]} under ${d.policy.shortName}, the payer's policy.`;
}

/** Up to three reasons, most important first, each with its key dated fact. */
function briefReasons(d: Determination): string[] {
  const line = (text: string, fact?: string) => `${cut(text, 200)}${fact ? ` (${fact})` : ''}`;
  const out: string[] = [];
  const excluded = d.criteria.find((c) => c.id.endsWith('-excluded') && c.status === 'not-met');
  // A drug that follows its procedure: that first, then the procedure's own reasons.
  const follows = d.criteria.find((c) => c.id.endsWith('-follows-injection'));
  if (follows) out.push(line(follows.text));
  if (excluded) out.push(line(d.reasons[follows ? 1 : 0] ?? excluded.summary, keyFact(excluded)));
  // After an exclusion, the order-level findings matter more than the criteria the exclusion makes moot.
  const findings = d.findings.map((f) => line(f.text.split(':')[0]!, keyFact(f)));
  if (excluded) out.push(...findings);
  for (const c of d.criteria) {
    if (c.gate || c.id.endsWith('-excluded') || c.id.endsWith('-follows-injection')) continue;
    if (c.status === 'not-met') out.push(line(`Not met: ${c.text}`, keyFact(c)));
  }
  if (d.outcome === 'documentation-needed') for (const c of d.criteria.filter((x) => x.status === 'unknown')) out.push(line(`Not established: ${c.text}`));
  if (d.outcome === 'documentation-needed' && out.length === 0) out.push(line(d.reasons[0] ?? "The policy's rule is only partly encoded."));
  if (!excluded) out.push(...findings);
  if (d.outcome === 'criteria-met') {
    const met = d.criteria.filter((c) => c.status === 'met' && !c.gate && !c.id.endsWith('-follows-injection'));
    out.push(met.length === 1 ? 'Its one criterion is met on a dated entry of the record.' : `All ${met.length} criteria are met, each on a dated entry of the record.`);
  }
  return out.slice(0, 3);
}

/** The next step the engine stands behind, or the advice when the usual next step is itself refused. */
function nextStep(d: Determination): string | undefined {
  if (d.outcome === 'criteria-met') {
    return d.policy.kind === 'payer-policy' ? 'Send this determination with the prior authorization request; the payer decides prior authorization.' : undefined;
  }
  const a = d.alternatives.find((x) => x.action && x.actionable) ?? d.alternatives.find((x) => !x.action);
  const advice = d.alternatives.find((x) => x.action && x.actionable === false);
  const parts: string[] = [];
  if (a) parts.push(cut(a.text, 260));
  if (advice?.assessment && advice.action) {
    parts.push(`${advice.action.code.display} (${advice.action.code.code}) is the usual next step, but it ${OUTCOME_WORDS[advice.assessment.outcome]} under ${advice.assessment.policy}.`);
  }
  return parts.length ? parts.join(' ') : undefined;
}
const OUTCOME_WORDS: Record<Outcome, string> = {
  'not-medically-necessary': 'is not medically necessary',
  'criteria-not-met': 'does not meet the criteria',
  'documentation-needed': 'needs documentation',
  'criteria-met': 'meets the criteria',
};

/** What a clinician reads on the card at signing: the outcome, up to three reasons and missing items, the next step. */
export function renderMarkdown(d: Determination, max = 1200): string {
  const parts = [
    `**${md(headline(d))}**`,
    briefReasons(d).map((r) => `- ${md(r)}`).join('\n'),
    d.outcome !== 'criteria-met' && d.outcome !== 'not-medically-necessary' && d.missing.length
      ? `**To document:** ${d.missing.slice(0, 3).map((m) => md(cut(m, 140))).join('; ')}${d.missing.length > 3 ? `; and ${d.missing.length - 3} more` : ''}.`
      : '',
    (() => {
      const n = nextStep(d);
      return n ? `**Next step:** ${md(n)}` : '';
    })(),
    d.advisories.filter((a) => a.safety).map((a) => `**${md(a.title)}:** ${md(cut(a.text, 220))}`).join('\n'),
    d.flags.length ? d.flags.map((f) => md(cut(f.text, 160))).join(' ') : '',
    'The review shows every criterion, its evidence and its source.',
  ].filter(Boolean);
  // Least important first when over the limit: the flags, then the safety line, then the next step's advice.
  let out = parts.join('\n\n');
  while (out.length > max && parts.length > 2) {
    parts.splice(parts.length - 2, 1);
    out = parts.join('\n\n');
  }
  return out.length > max ? cut(out, max) : out;
}
