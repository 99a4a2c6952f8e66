/**
 * Cases over HTTP, addressed by id (the case number travels in bodies). Every route decides by
 * case-policy.ts first (refusals audited); the service audits the acts and the state refusals.
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Viewer } from '../auth/user-registry.ts';
import { actionIdSchema, caseIdSchema, memberSchema } from '../cases/case-input.ts';
import { recordingIdSchema } from '../ids.ts';
import { verifyCaseManifest } from '../cases/case-manifest.ts';
import { CaseService } from '../cases/case-service.ts';
import { caseDetail, listCases } from '../cases/case-view.ts';
import { checkCase } from '../cases/case-check.ts';
import { noteGap } from '../cases/gap-notes.ts';
import { NOT_RECORDED_REASONS, RECORDING_RULES, WRITTEN_REASON_CLAUSES } from '../cases/recording-rules.ts';
import type { Case } from '../db/schema.ts';
import type { Decision } from '../policy/policy.ts';
import { type CaseFacts, mayAddMember, mayAnnotateCase, mayArchiveCase, mayEditCase, mayNoteGap, mayReadCase } from '../policy/case-policy.ts';
import { loadRecording } from '../exports/export-requests.ts';
import { unitSchema } from '../units.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { contextOf } from './request-context.ts';

const caseParam = z.object({ id: caseIdSchema });
const actionParams = z.object({ id: caseIdSchema, actionId: actionIdSchema });
const gapParams = z.object({ id: recordingIdSchema, idx: z.coerce.number().int().positive().max(10_000_000) });

export function caseRoutes(d: ApiDeps): Router {
  const r = Router();
  const cases = new CaseService({ db: d.db, audit: d.audit, store: d.store, signingKey: d.signingKey, retentionDays: d.retentionDays });
  r.use(['/cases', '/action-rules', '/recordings/:id/gaps'], requireAuth(d.auth));

  const by = (req: Request, viewer: Viewer) => ({ actor: `user:${viewer.id}`, ...contextOf(req) });

  /** The case of the URL, after the policy's decision on it (a refusal audited as `action`). */
  const allowed = async (req: Request, viewer: Viewer, decide: (v: Viewer, c: CaseFacts) => Decision, action: string): Promise<Case> => {
    const c = await cases.load(caseParam.parse(req.params).id);
    const viewerIsMember = await cases.isMember(c.id, viewer.badge);
    await enforce(d.audit, req, viewer, decide(viewer, { unit: c.unit, viewerIsMember }), action, c.id);
    return c;
  };
  const actionOf = (req: Request) => actionParams.parse(req.params).actionId;

  r.get('/action-rules', (_req, res) => {
    res.json({ rules: RECORDING_RULES, notRecordedReasons: NOT_RECORDED_REASONS, writtenReasonClauses: WRITTEN_REASON_CLAUSES });
  });

  r.get('/cases', async (_req, res) => {
    res.json({ cases: await listCases(d.db, authOf(res).viewer, new Date()) });
  });

  r.post('/cases', async (req, res) => {
    const { viewer } = authOf(res);
    const { unit } = z.object({ unit: unitSchema }).passthrough().parse(req.body);
    await enforce(d.audit, req, viewer, mayEditCase(viewer, { unit }), 'case.create');
    const c = await cases.create(req.body, by(req, viewer));
    res.status(201).json({ id: c.id, caseNo: c.case_no });
  });

  r.get('/cases/:id', async (req, res) => {
    const c = await allowed(req, authOf(res).viewer, mayReadCase, 'case.read');
    res.json(await caseDetail(d.db, c, new Date()));
  });

  r.get('/cases/:id/check', async (req, res) => {
    const c = await allowed(req, authOf(res).viewer, mayReadCase, 'case.read');
    res.json({ findings: await checkCase(d.db, c.id, new Date()) });
  });

  r.get('/cases/:id/verification', async (req, res) => {
    const c = await allowed(req, authOf(res).viewer, mayReadCase, 'case.read');
    res.json(await verifyCaseManifest(d.db, d.store, c));
  });

  r.post('/cases/:id/members', async (req, res) => {
    const { viewer } = authOf(res);
    // Who may add depends on the role given: a reviewer is the custodian's to add.
    const { role } = memberSchema.parse(req.body);
    const c = await allowed(req, viewer, (v, facts) => mayAddMember(v, facts, role), 'case.member.add');
    await cases.addMember(c, req.body, by(req, viewer));
    res.status(201).json({});
  });

  r.post('/cases/:id/stages', async (req, res) => {
    const { viewer } = authOf(res);
    await cases.stageEvent(await allowed(req, viewer, mayEditCase, 'case.stage'), req.body, by(req, viewer));
    res.json({});
  });

  r.post('/cases/:id/actions', async (req, res) => {
    const { viewer } = authOf(res);
    const action = await cases.addAction(await allowed(req, viewer, mayEditCase, 'case.action.add'), req.body, by(req, viewer));
    res.status(201).json({ id: action.id });
  });

  r.post('/cases/:id/actions/:actionId/links', async (req, res) => {
    const { viewer } = authOf(res);
    const link = await cases.link(await allowed(req, viewer, mayEditCase, 'case.link'), actionOf(req), req.body, by(req, viewer));
    res.status(201).json({ id: link.id });
  });

  r.post('/cases/:id/actions/:actionId/reason', async (req, res) => {
    const { viewer } = authOf(res);
    await cases.setReason(await allowed(req, viewer, mayEditCase, 'case.reason'), actionOf(req), req.body, by(req, viewer));
    res.json({});
  });

  r.post('/cases/:id/approve-emergency', async (req, res) => {
    const { viewer } = authOf(res);
    await cases.approveEmergency(await allowed(req, viewer, mayEditCase, 'case.approve'), req.body, by(req, viewer));
    res.json({});
  });

  r.post('/cases/:id/end', async (req, res) => {
    const { viewer } = authOf(res);
    await cases.end(await allowed(req, viewer, mayEditCase, 'case.end'), req.body, by(req, viewer));
    res.json({});
  });

  r.post('/cases/:id/archive', async (req, res) => {
    const { viewer } = authOf(res);
    res.json(await cases.archive(await allowed(req, viewer, mayArchiveCase, 'case.archive'), by(req, viewer)));
  });

  r.post('/cases/:id/annotations', async (req, res) => {
    const { viewer } = authOf(res);
    res.status(201).json(await cases.annotate(await allowed(req, viewer, mayAnnotateCase, 'case.annotate'), req.body, by(req, viewer)));
  });

  r.post('/recordings/:id/gaps/:idx/note', async (req, res) => {
    const { viewer } = authOf(res);
    const { id, idx } = gapParams.parse(req.params);
    const rec = await loadRecording(d.db, id);
    await enforce(d.audit, req, viewer, mayNoteGap(viewer, { unit: rec.unit, officerBadge: rec.officer_badge }), 'gap.note', rec.id);
    await noteGap(d, rec, idx, req.body, by(req, viewer));
    res.status(201).json({});
  });
  return r;
}
