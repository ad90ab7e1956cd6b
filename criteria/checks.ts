// Order-level checks the seed reviewers make whatever the policy: a diagnosis that does not match the
// targeted anatomy, an irreversible procedure before reversible ones, pain generators not yet
// differentiated, too little conservative care before a destructive procedure. The logic is here;
// the words, citations and alternatives are data (criteria/checks/order-checks.json).
import type { Alternative, Evidence, Finding, RuleKey } from './model';
import type { PolicyLibrary } from './library';
import type { FactContext, FactReader } from './facts';
import { conditionCategories, evidenceOf, type DxCategory } from './records';

const SACRAL: DxCategory[] = ['sij', 'coccydynia', 'sacrococcygeal-unspecified', 'inflammatory'];
const LUMBAR: DxCategory[] = ['lumbar-spondylosis', 'low-back-pain'];
const NEURECTOMY: RuleKey[] = ['64772', '64999:neurectomy'];
const DESTRUCTIVE: RuleKey[] = ['64772', '64999:neurectomy', '64625'];

interface Hit {
  id: string;
  detail: string;
  evidence: Evidence[];
}

function diagnosisMismatch(ctx: FactContext): Hit | undefined {
  const { order, records, lib } = ctx;
  const stated = [
    ...order.reasonConditions.map((c) => ({ cats: c.categories, label: c.text, ev: evidenceOf(c, 'conditionCode', { note: "the order's diagnosis" }) })),
    ...order.reasonCodes.map((rc) => ({
      cats: conditionCategories(lib, rc, []),
      label: rc.coding?.map((c) => `${c.code} ${c.display ?? ''}`.trim()).join(', ') || rc.text || 'coded reason',
      ev: { reference: order.ref.reference, resourceType: order.ref.resourceType, date: order.ref.authoredOn, code: rc.coding?.[0], path: 'reasonCode', note: "the order's diagnosis" } as Evidence,
    })),
  ];
  const basis = stated.length > 0 ? stated : records.conditions.filter((c) => c.active).map((c) => ({ cats: c.categories, label: c.text, ev: evidenceOf(c, 'conditionCode') }));
  const sacral = basis.some((b) => SACRAL.some((k) => b.cats.has(k)));
  const lumbar = basis.filter((b) => LUMBAR.some((k) => b.cats.has(k)));
  if (sacral || lumbar.length === 0) return undefined;
  return {
    id: 'diagnosis-procedure-mismatch',
    detail: `${stated.length > 0 ? 'The order states' : 'The record holds'} only lumbar diagnoses (${lumbar.map((l) => l.label).join('; ')}) for a sacral procedure (${order.ref.code.code}).`,
    evidence: lumbar.map((l) => l.ev),
  };
}

function irreversibleFirst(ctx: FactContext, read: FactReader): Hit | undefined {
  if (!NEURECTOMY.includes(ctx.order.ref.ruleKey)) return undefined;
  const rfa = ctx.records.procedures.filter((p) => p.kind === 'rfa' && p.completed);
  if (rfa.length >= 2) return undefined;
  const blocks = read('lbb-sessions');
  return {
    id: 'irreversible-before-reversible',
    detail: `${rfa.length === 0 ? 'No radiofrequency ablation' : 'Only one RFA'} in the record before an irreversible neurectomy. ${blocks.summary}.`,
    evidence: [...rfa.map((p) => evidenceOf(p, 'procedureCode')), ...blocks.evidence],
  };
}

function undifferentiated(ctx: FactContext): Hit | undefined {
  if (ctx.order.ref.ruleKey === 'J1100' || ctx.order.ref.ruleKey === '64999:coccygeal') return undefined;
  const others = ctx.records.conditions.filter((c) => c.active && (c.categories.has('other-generator') || c.categories.has('stenosis-claudication')));
  if (others.length === 0) return undefined;
  const workup = ctx.records.procedures.filter((p) => p.completed && (p.kind === 'facet-mbb' || p.kind === 'epidural'));
  const workupText = workup.map((p) => `${p.kind === 'facet-mbb' ? 'medial branch block' : 'epidural injection'} ${p.date}${p.relief ? ` ${p.relief.pct}% relief` : ''}`);
  return {
    id: 'pain-generators-not-differentiated',
    detail: `Competing pain generators on record: ${others.map((o) => o.text).join('; ')}.${workupText.length ? ` Work-up so far: ${workupText.join('; ')}.` : ''}`,
    evidence: [...others.map((o) => evidenceOf(o, 'conditionCode', { note: 'competing pain generator' })), ...workup.map((p) => evidenceOf(p, 'procedureCode', { value: p.relief ? `${p.relief.pct}% relief` : undefined }))],
  };
}

function conservativeShort(ctx: FactContext, read: FactReader): Hit | undefined {
  if (!DESTRUCTIVE.includes(ctx.order.ref.ruleKey)) return undefined;
  const care = read('conservative-care-weeks');
  const pt = read('pt-sessions');
  if (care.value !== undefined && (care.value as number) >= 6 && pt.value !== undefined) return undefined;
  return {
    id: 'conservative-care-insufficient',
    detail: `${care.summary}; ${pt.summary}.`,
    evidence: [...care.evidence, ...pt.evidence],
  };
}

const CHECKS: ((ctx: FactContext, read: FactReader) => Hit | undefined)[] = [diagnosisMismatch, irreversibleFirst, undifferentiated, conservativeShort];

/** Runs every check with the order's fact reader, so facts the criteria already computed are reused. */
export function runChecks(lib: PolicyLibrary, ctx: FactContext, read: FactReader): { findings: Finding[]; alternatives: Alternative[] } {
  const findings: Finding[] = [];
  const alternatives: Alternative[] = [];
  for (const check of CHECKS) {
    const hit = check(ctx, read);
    if (!hit) continue;
    const spec = lib.checks.get(hit.id);
    if (!spec) throw new Error(`order check "${hit.id}" has no text in criteria/checks`);
    findings.push({ id: hit.id, text: `${spec.text} ${hit.detail}`, evidence: hit.evidence, citation: spec.citation, confidence: spec.confidence, verified: spec.verified });
    if (spec.alternative) alternatives.push(spec.alternative);
  }
  return { findings, alternatives };
}

/** The check ids the engine can raise; the library must give each its words. */
export const CHECK_IDS = ['diagnosis-procedure-mismatch', 'irreversible-before-reversible', 'pain-generators-not-differentiated', 'conservative-care-insufficient'] as const;
