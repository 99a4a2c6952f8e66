/**
 * An audit event as liuhen hands it out: the one machine-readable shape of `liuhen audit --json`
 * and `GET /api/audit` alike (player/API.md), camelCase like the rest of the API, its detail an
 * object. The hashes come along so that whoever holds a listing can follow the chain themselves.
 */
import type { AuditEvent } from '../db/schema.ts';

export interface AuditEventView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  outcome: AuditEvent['outcome'];
  address: string | null;
  userAgent: string | null;
  sessionId: string | null;
  object: string | null;
  bytes: number | null;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export function auditEventView(e: AuditEvent): AuditEventView {
  return {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    outcome: e.outcome,
    address: e.address,
    userAgent: e.user_agent,
    sessionId: e.session_id,
    object: e.object,
    bytes: e.bytes,
    detail: detailOf(e.detail),
    prevHash: e.prev_hash,
    hash: e.hash,
  };
}

/**
 * liuhen writes every detail as a JSON object. One that is not was written behind the database's
 * triggers (`liuhen audit verify` names it); listing it must still work, so its text is shown as found.
 */
function detailOf(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // falls through to the text as found
  }
  return { unreadable: text };
}
