/**
 * The signed case manifest written when a case is archived: the case's facts, stages, members,
 * actions with their links and reasons, the gap notes of its recordings, each linked recording's
 * manifest hash and the findings at that moment, as canonical JSON (keys sorted, so the same
 * facts always give the same bytes). Signed like a recording's manifest, over the file's exact
 * bytes: `openssl pkeyutl -verify -pubin -inkey keys/<fingerprint>.pem -rawin -in manifest.json
 * -sigfile manifest.json.sig` checks it without liuhen.
 */
import { z } from 'zod';
import { sha256Hex } from '../crypto/hash.ts';
import { publicKeyFingerprint, verifySignature } from '../crypto/signing-key.ts';
import type { CaseRepository, LinkedRecording } from '../db/case-repository.ts';
import type { Case } from '../db/schema.ts';
import { ObjectAlreadyExists, StateConflict } from '../errors.ts';
import { objectKeys } from '../ledger/object-keys.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import type { Finding } from './findings.ts';
import { RECORDING_RULES } from './recording-rules.ts';
import { caseFacts } from './case-facts.ts';

export const CASE_MANIFEST_FORMAT = 'liuhen-case-manifest/1';

/** JSON with every object's keys in code-point order, two-space indented, newline-terminated. */
export function canonicalJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .flatMap((k) => ((v as Record<string, unknown>)[k] === undefined ? [] : [[k, sorted((v as Record<string, unknown>)[k])]])),
      );
    }
    return v;
  };
  return JSON.stringify(sorted(value), null, 2) + '\n';
}

/** What verification reads back; the rest of the manifest is for people and other tools. */
const manifestShape = z.object({
  format: z.literal(CASE_MANIFEST_FORMAT),
  case: z.object({ id: z.string(), caseNo: z.string() }).passthrough(),
  actions: z.array(z.object({ id: z.string(), recordings: z.array(z.string()) }).passthrough()),
  recordings: z.array(z.object({ id: z.string(), manifestKey: z.string(), manifestSha256: z.string() }).passthrough()),
  signingKey: z.string(),
});

export interface Archiving {
  archivedAt: string;
  archivedBy: string;
  findings: Finding[];
  signingKey: string;
}

/**
 * A write-once put where a copy already stored stands (an archiving finished after a crash, a
 * public key stored before): returns the bytes the store holds under `key`.
 */
export async function putOrKeep(store: EvidenceStore, key: string, bytes: Buffer, retainUntil: Date, contentType: string): Promise<Buffer> {
  try {
    await store.putOnce(key, bytes, { sha256: sha256Hex(bytes), retainUntil, contentType });
    return bytes;
  } catch (e) {
    if (!(e instanceof ObjectAlreadyExists)) throw e;
    return store.get(key);
  }
}

export interface CaseVerifyProblem {
  what: 'not_archived' | 'missing_object' | 'manifest' | 'signature' | 'recording_manifest' | 'frozen_links';
  message: string;
}

export interface CaseVerifyReport {
  caseId: string;
  caseNo: string;
  ok: boolean;
  manifestKey: string | null;
  manifestSha256: string | null;
  signingKey: string | null;
  recordings: number;
  problems: CaseVerifyProblem[];
}

/** The signed case manifest: made when a case is archived, checked on request. */
export class CaseManifests {
  constructor(
    private readonly cases: CaseRepository,
    private readonly store: EvidenceStore,
  ) {}

  /** The manifest's bytes, from the database as it stands (the case frozen by the caller). */
  async build(c: Case, a: Archiving): Promise<Buffer> {
    const stages = await this.cases.stages(c.id);
    const members = await this.cases.members(c.id);
    const actions = await this.cases.actions(c.id);
    const links = await this.cases.linksOf(actions.map((x) => x.id));
    const linked = await this.cases.linkedRecordings(c.id);
    const ids = [...new Set(linked.map((l) => l.recordingId))];
    const recordings = await this.cases.recordings(ids);
    const gapNotes = await this.cases.gapNotes(ids);
    const annotations = await this.cases.annotations(c.id);

    const recordingEntries = [];
    for (const r of recordings) {
      if (r.state !== 'closed' || r.manifest_key === null) throw new StateConflict('recording_not_closed', `recording ${r.id} is not closed yet; archive the case when it is`);
      recordingEntries.push({
        id: r.id,
        deviceId: r.device_id,
        officerBadge: r.officer_badge,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        unit: r.unit,
        manifestKey: r.manifest_key,
        manifestSha256: sha256Hex(await this.store.get(r.manifest_key)),
      });
    }
    const manifest = {
      format: CASE_MANIFEST_FORMAT,
      case: caseFacts(c),
      stages: stages.map((s) => ({ stage: s.stage, startedAt: s.started_at, endedAt: s.ended_at })),
      members: members.map((m) => ({ badge: m.badge, role: m.role, addedBy: m.added_by, addedAt: m.added_at })),
      actions: actions.map((x) => ({
        id: x.id,
        kind: x.kind,
        requirement: RECORDING_RULES[x.kind].requirement,
        stage: x.stage,
        at: x.at,
        endedAt: x.ended_at,
        place: x.place,
        officerBadge: x.officer_badge,
        notRecordedReason: x.not_recorded_reason,
        notRecordedText: x.not_recorded_text,
        createdBy: x.created_by,
        createdAt: x.created_at,
        links: links
          .filter((l) => l.action_id === x.id)
          .map((l) => ({
            id: l.id,
            recordingId: l.recording_id,
            deviceId: l.device_id,
            from: l.from_at,
            to: l.to_at,
            linkedBy: l.linked_by,
            linkedAt: l.linked_at,
          })),
        recordings: [...new Set(linked.filter((l) => l.actionId === x.id).map((l) => l.recordingId))],
      })),
      recordings: recordingEntries,
      gapNotes: gapNotes.map((n) => ({ recordingId: n.recording_id, idx: n.idx, reason: n.reason, notedBy: n.noted_by, notedAt: n.noted_at })),
      annotations: annotations.map((n) => ({ id: n.id, text: n.text, by: n.by, at: n.at })),
      findings: a.findings,
      archivedAt: a.archivedAt,
      archivedBy: a.archivedBy,
      signingKey: a.signingKey,
    };
    return Buffer.from(canonicalJson(manifest));
  }

  /**
   * Re-reads the case manifest, checks its signature with the stored public key, re-hashes every
   * linked recording's manifest, and checks that the links the database holds for the frozen case
   * (what reviewers replay and the case page shows) are the ones the manifest signed.
   */
  async verify(c: Case): Promise<CaseVerifyReport> {
    const report: CaseVerifyReport = { caseId: c.id, caseNo: c.case_no, ok: false, manifestKey: c.manifest_key, manifestSha256: null, signingKey: null, recordings: 0, problems: [] };
    const problem = (what: CaseVerifyProblem['what'], message: string) => report.problems.push({ what, message });
    const read = async (key: string): Promise<Buffer | null> => {
      if (await this.store.head(key)) return this.store.get(key);
      problem('missing_object', `object ${key} is missing from the store`);
      return null;
    };
    if (c.manifest_key === null) {
      problem('not_archived', `case ${c.case_no} has no manifest: it is not archived${c.archived_at ? ' yet (archiving did not finish; run it again)' : ''}`);
      return report;
    }
    const bytes = await read(c.manifest_key);
    const signature = await read(objectKeys.caseManifestSignature(c.id));
    if (!bytes || !signature) return report;
    report.manifestSha256 = sha256Hex(bytes);

    const parsed = manifestShape.safeParse(JSON.parse(bytes.toString('utf8')));
    if (!parsed.success) {
      problem('manifest', `${c.manifest_key} is not a case manifest: ${parsed.error.issues[0]?.message ?? ''}`);
      return report;
    }
    const m = parsed.data;
    report.signingKey = m.signingKey;
    report.recordings = m.recordings.length;
    if (m.case.id !== c.id || m.case.caseNo !== c.case_no) problem('manifest', `the manifest names case ${m.case.caseNo} (${m.case.id})`);

    const pem = await read(objectKeys.publicKey(m.signingKey));
    if (pem) {
      if (publicKeyFingerprint(pem.toString()) !== m.signingKey) problem('signature', `the stored public key does not have the fingerprint ${m.signingKey}`);
      else if (!verifySignature(pem.toString(), bytes, signature)) problem('signature', 'the signature does not match the manifest’s bytes');
    }
    for (const r of m.recordings) {
      const stored = await read(r.manifestKey);
      if (stored && sha256Hex(stored) !== r.manifestSha256)
        problem('recording_manifest', `recording ${r.id}: its manifest now hashes to ${sha256Hex(stored)}, the case manifest says ${r.manifestSha256}`);
    }
    for (const message of frozenLinkDifferences(m, await this.cases.frozenLinks(c.id))) problem('frozen_links', message);
    report.ok = report.problems.length === 0;
    return report;
  }
}

/** Where the frozen links differ from the signed manifest: its recordings, and each action's. */
function frozenLinkDifferences(m: z.infer<typeof manifestShape>, frozen: LinkedRecording[]): string[] {
  const differences: string[] = [];
  const compare = (what: string, signed: string[], held: string[]) => {
    const [a, b] = [new Set(signed), new Set(held)];
    const extra = [...b].filter((id) => !a.has(id)).sort();
    const missing = [...a].filter((id) => !b.has(id)).sort();
    if (extra.length > 0) differences.push(`${what}: the database links ${extra.join(', ')}, which the case manifest does not list`);
    if (missing.length > 0) differences.push(`${what}: the case manifest lists ${missing.join(', ')}, which the database no longer links`);
  };
  compare(
    'the case',
    m.recordings.map((r) => r.id),
    frozen.map((l) => l.recordingId),
  );
  const actionIds = new Set([...m.actions.map((a) => a.id), ...frozen.map((l) => l.actionId)]);
  for (const id of [...actionIds].sort()) {
    compare(
      `action ${id}`,
      m.actions.find((a) => a.id === id)?.recordings ?? [],
      frozen.filter((l) => l.actionId === id).map((l) => l.recordingId),
    );
  }
  return differences;
}
