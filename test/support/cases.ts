// The policy-case format (test/cases/*.json): named personas, optional mutations, and what a
// reviewer expects. Loaded by the case runner and by the coverage check.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Determination, Status } from '../../criteria';
import { REPO_ROOT } from '../../server/policy-files';
import type { Mutation } from './fixtures';

export interface Expectation {
  code: string;
  ruleKey?: string;
  outcome: Determination['outcome'];
  policy?: string;
  policyKind?: 'payer-policy' | 'clinical-pathway';
  criteria?: Record<string, Status>;
  /** Every criterion not named in `criteria` is met: the named ones alone make the difference. */
  othersMet?: boolean;
  findings?: string[];
  advisories?: string[];
  alternatives?: string[];
  reasons?: string[];
  missing?: string[];
  /** Flag ids on the determination (a deleted code, an order dated in the future). */
  flags?: string[];
  /** The Coverage the determination names. */
  coverage?: string;
  /** The kind of plan the paying Coverage was read as (medicare, medicare-advantage, medigap, …). */
  planKind?: string;
  /** Fragments of the reason the policy was chosen. */
  policyReason?: string[];
}

export interface Case {
  name: string;
  fixture: string;
  asOf?: string;
  /** Today's date for the run (an order dated after it is judged as of today). */
  today?: string;
  orders?: string[];
  /**
   * The reading rule the case checks (docs: "How records are read" in the README). Cases with
   * `misreading` are the ones an outside review found read wrongly; they also run through the CLI
   * and through order-sign (test/cases-through-surfaces).
   */
  reading?: string;
  misreading?: boolean;
  mutations?: Mutation[];
  /** Which criteria this case exercises. `*-n/a` says why a slot cannot exist (e.g. a fact defined by absence). */
  covers?: { criterion: string; as: 'fails' | 'missing' | 'fails-n/a' | 'missing-n/a'; why?: string }[];
  expect: Expectation[];
}

export interface CaseFile {
  /** The policy id whose criteria the `covers` entries name. */
  policy: string;
  cases: Case[];
}

export const CASES_DIR = join(REPO_ROOT, 'test', 'cases');

export const loadCaseFiles = (): [string, CaseFile][] =>
  readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(CASES_DIR, f), 'utf8')) as CaseFile]);
