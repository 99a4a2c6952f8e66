import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../../server/audit/audit-actions.ts';
import { JOB_KINDS } from '../../server/queue/job-kinds.ts';

/** The documents that tell auditors which action to look for. */
const DOCUMENTS = ['README.md', 'player/API.md'];

/**
 * Every `domain.verb` the documents quote under a domain the list has: job kinds share some of
 * these domains (`recording.derive`) and are no actions; other dotted names (`detail.reason`,
 * `manifest.json`) are under no such domain.
 */
function documentedActions(): Set<string> {
  const domains = new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0]));
  const jobKinds = new Set<string>(JOB_KINDS);
  const quoted = DOCUMENTS.flatMap((file) => [...fs.readFileSync(file, 'utf8').matchAll(/`([a-z]+(?:\.[a-z_]+){1,2})`/g)].map((m) => m[1]!));
  return new Set(quoted.filter((name) => domains.has(name.split('.')[0]!) && !jobKinds.has(name)));
}

describe('the audit actions', () => {
  it('are listed once each', () => {
    expect(AUDIT_ACTIONS.filter((a, i) => AUDIT_ACTIONS.indexOf(a) !== i)).toEqual([]);
  });

  it('are named domain.verb, in lower case', () => {
    for (const action of AUDIT_ACTIONS) expect(action).toMatch(/^[a-z]+(\.[a-z_]+){1,2}$/);
  });

  it('include every action the README and the API document', () => {
    const documented = documentedActions();
    // The documents do quote actions: an empty set would pass whatever the list held.
    expect(documented.size).toBeGreaterThan(50);
    expect([...documented].filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
  });
});
