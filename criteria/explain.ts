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

const md = (s: string): string => s.replace(/([\\`*_[\]<>|])/g, '\\$1');

export function renderMarkdown(d: Determination): string {
  const out: string[] = [
    `**${OUTCOME_LABEL[d.outcome]}** under ${md(d.policy.shortName)}${d.policy.kind === 'clinical-pathway' ? ' — a clinical pathway, not the payer\'s policy' : ''}.`,
    '',
    md(d.policyChoice.reason),
    '',
    '**Reasons**',
    ...d.reasons.slice(0, 8).map((r) => `- ${md(r)}`),
  ];
  const evidenced = d.criteria.filter((c) => c.status !== 'met' || c.evidence.length > 0);
  if (evidenced.length) {
    out.push('', '**Criteria**');
    for (const c of d.criteria) {
      const first = c.evidence[0];
      out.push(`- ${c.status === 'met' ? '✔' : c.status === 'not-met' ? '✘' : '?'} ${md(c.text)} — ${md(c.summary)}${first ? ` (${md(describeEvidence(first))})` : ''}`);
    }
  }
  if (d.flags.length) out.push('', '**Flags**', ...d.flags.map((f) => `- ${md(f.text)}`));
  if (d.missing.length) out.push('', '**Missing documentation**', ...d.missing.map((m) => `- ${md(m)}`));
  if (d.alternatives.length) out.push('', '**Evidence-based alternative**', ...d.alternatives.map((a) => `- ${md(a.text)} _(${md(a.citation)})_`));
  if (d.advisories.length) out.push('', '**Advisories**', ...d.advisories.map((a) => `- [${md(a.title)}](${a.url}): ${md(a.text)}`));
  out.push('', `Policy: [${md(d.policy.title)}](${d.policy.url}), ${md(d.policy.version)}, effective ${d.policy.effective}. Judged as of ${d.asOf}.`);
  return out.join('\n');
}
