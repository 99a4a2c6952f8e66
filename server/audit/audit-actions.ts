/**
 * Every action the access audit records, in one list, as the type AuditAction: an action typed so
 * and misspelt is a compile error, not a row no auditor's filter finds. The README and the API
 * (player/API.md) name them; test/unit/audit-actions.test.ts holds those documents to this list.
 * Rows written by an older version may carry actions no longer here: reading the log takes any.
 */
export const AUDIT_ACTIONS = [
  // Devices publishing, uploading and reporting (server/ingest, server/uploads, server/devices).
  'ingest.publish',
  /** refused RTMP publishes, counted per address and minute */
  'ingest.refused',
  'upload.create',
  'upload.request',
  'upload.refused',
  'upload.terminated',
  'upload.sealed',
  /** an unfinished upload expired, by `system` */
  'upload.expired',
  /** a part file no upload needs, removed by `system` */
  'upload.part_removed',
  'device.health',
  /** an RTSP camera lost, and found again */
  'device.error',
  'device.recovered',
  /** a publish refused because another live node records the device (server/cluster/device-leases.ts) */
  'device.publish_refused_leased',
  'device.list',
  'device.add',
  'device.assign',
  'device.cutter',
  'device.revoke',
  'live.list',

  // Recordings: reading, keeping and what is made of them (server/recordings, workers).
  'recording.read',
  'recording.verify',
  'recording.thumbnails',
  'recording.sprite',
  /** the 告知 marker */
  'recording.notice',
  'recording.share',
  'recording.label',
  'recording.retention',
  'recording.hold',
  'recording.release',
  'jobs.read',

  // Playback: each session, playlist, segment and photo served or refused (server/playback).
  'playback.session',
  'playback.playlist',
  'playback.segment',
  'playback.photo',

  // What leaves the agency, and what is hidden first (server/exports, server/redaction, server/forensic).
  'export.request',
  'export.read',
  /** a worker stored the export */
  'export.made',
  'export.download',
  'redaction.request',
  'redaction.list',
  'redaction.read',
  /** a worker made the redaction, or failed to */
  'redaction.made',
  'forensic.trace',

  // Parties' requests and their supervised rooms (server/party).
  'party.request',
  'party.read',
  'party.decision',
  'room.create',
  'room.list',
  'room.read',
  'room.join',
  'room.pause',
  'room.resume',
  'room.end',

  // Cases (server/cases).
  'case.create',
  'case.read',
  'case.member.add',
  /** a policy refusal of a stage event; the events themselves are the two below */
  'case.stage',
  'case.stage.start',
  'case.stage.end',
  'case.action.add',
  'case.link',
  'case.reason',
  'case.approve',
  'case.end',
  'case.archive',
  'case.annotate',
  'gap.note',

  // Retention (server/retention).
  'retention.extend',
  'retention.expire',
  'retention.report',

  // Accounts and signing in (server/auth): the admin proposes, the security officer decides grants.
  'auth.sign_in',
  'auth.refresh',
  'auth.idle',
  'auth.sign_out',
  'user.list',
  'user.add',
  'user.change',
  /** a refused change of an account's role or clearances; the change itself is `user.change` or `grant.propose` */
  'user.grant',
  'user.reset',
  'user.disable',
  'user.enable',
  'user.password',
  'user.history',
  'grant.list',
  'grant.propose',
  'grant.approve',
  'grant.reject',

  // The installation's keys (server/crypto): a new manifest signing key put in force at the command line.
  'keys.rotate_signing',

  // Reading what is audited, and what no action above decided.
  'audit.read',
  'analytics.read',
  'analytics.export',
  /** a refused request no route decided (bad input, unknown ids), with its route */
  'http.request',
  /** refused unauthenticated requests, counted per address and minute */
  'http.refused',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
