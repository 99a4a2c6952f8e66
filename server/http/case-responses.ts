/** What the case routes answer (server/cases/case-view.ts and case-manifest.ts make it), as their contract. */
import { z } from 'zod';
import { actionKindSchema, reasonCodeSchema, stageSchema } from '../cases/case-input.ts';

const clauseSchema = z.object({ seed: z.enum(['000', '001', '002', '003', '004']), article: z.number().int(), quote: z.string().describe('the clause, verbatim') }).strict();
const requirementSchema = z.enum(['mandatory', 'recommended', 'optional']);

export const actionRulesSchema = z
  .object({
    rules: z.record(actionKindSchema, z.object({ requirement: requirementSchema, clauses: z.array(clauseSchema) }).strict()),
    notRecordedReasons: z.record(reasonCodeSchema, z.object({ zh: z.string(), clause: clauseSchema.nullable() }).strict()),
    writtenReasonClauses: z.array(clauseSchema),
  })
  .strict();

const findingSchema = z
  .object({
    kind: z.enum(['action_unrecorded', 'gap_without_reason', 'recorded_after_action', 'emergency_approval_late', 'late_upload', 'archive_overdue']),
    caseId: z.string(),
    actionId: z.string().optional(),
    recordingId: z.string().optional(),
    gapIdx: z.number().int().optional(),
    officerBadge: z.string().nullable(),
    at: z.string(),
    clauses: z.array(z.string()).describe('e.g. "001 §11"'),
  })
  .strict();
export const findingsSchema = z.object({ findings: z.array(findingSchema) }).strict();

const caseSchema = z
  .object({
    id: z.string(),
    caseNo: z.string(),
    unit: z.string(),
    title: z.string(),
    emergency: z.boolean(),
    initiatedAt: z.string(),
    approvedAt: z.string().nullable(),
    approvalDeadline: z.string().nullable(),
    endedAt: z.string().nullable(),
    archiveDeadline: z.string().nullable(),
    archiveOverdue: z.boolean(),
    archivedAt: z.string().nullable(),
    archivedBy: z.string().nullable(),
    manifestKey: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    stage: stageSchema.nullable(),
  })
  .strict();

export const caseListSchema = z.object({ cases: z.array(caseSchema.extend({ findings: z.number().int().describe('how many findings it has now') })) }).strict();

export const caseDetailSchema = z
  .object({
    case: caseSchema,
    stages: z.array(z.object({ stage: stageSchema, startedAt: z.string(), endedAt: z.string().nullable() }).strict()),
    members: z.array(z.object({ badge: z.string(), role: z.enum(['officer', 'reviewer']), addedBy: z.string(), addedAt: z.string() }).strict()),
    actions: z.array(
      z
        .object({
          id: z.string(),
          kind: actionKindSchema,
          stage: stageSchema,
          at: z.string(),
          endedAt: z.string().nullable(),
          place: z.string().nullable(),
          officerBadge: z.string().nullable(),
          requirement: requirementSchema,
          clauses: z.array(clauseSchema),
          notRecordedReason: reasonCodeSchema.nullable(),
          notRecordedText: z.string().nullable(),
          links: z.array(
            z
              .object({
                id: z.string(),
                recordingId: z.string().nullable(),
                deviceId: z.string().nullable(),
                from: z.string().nullable(),
                to: z.string().nullable(),
                linkedBy: z.string(),
                linkedAt: z.string(),
              })
              .strict(),
          ),
          recordingIds: z.array(z.string()),
        })
        .strict(),
    ),
    recordings: z.array(
      z
        .object({
          id: z.string(),
          deviceId: z.string(),
          officerBadge: z.string().nullable(),
          startedAt: z.string(),
          endedAt: z.string().nullable(),
          state: z.enum(['live', 'interrupted', 'closed']),
          late: z.boolean(),
          gaps: z.array(z.object({ idx: z.number().int(), startAt: z.string(), note: z.object({ reason: z.string(), by: z.string(), at: z.string() }).strict().nullable() }).strict()),
        })
        .strict(),
    ),
    findings: z.array(findingSchema),
    advice: z.array(z.object({ actionId: z.string(), kind: actionKindSchema, clauses: z.array(z.string()) }).strict()),
    annotations: z.array(z.object({ id: z.string(), text: z.string(), by: z.string(), at: z.string() }).strict()),
  })
  .strict();

export const caseVerificationSchema = z
  .object({
    caseId: z.string(),
    caseNo: z.string(),
    ok: z.boolean(),
    manifestKey: z.string().nullable(),
    manifestSha256: z.string().nullable(),
    signingKey: z.string().nullable(),
    recordings: z.number().int(),
    problems: z.array(z.object({ what: z.enum(['not_archived', 'missing_object', 'manifest', 'signature', 'recording_manifest', 'frozen_links']), message: z.string() }).strict()),
  })
  .strict();

export const createdSchema = z.object({ id: z.string() }).strict();
export const caseCreatedSchema = z.object({ id: z.string(), caseNo: z.string() }).strict();
export const archivedSchema = z.object({ manifestKey: z.string(), sha256: z.string() }).strict();
export const annotatedSchema = z.object({ id: z.string(), at: z.string() }).strict();
