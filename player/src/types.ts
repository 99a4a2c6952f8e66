/**
 * Shapes of the viewing API, taken from the types generated from the server's contract
 * (api-schema.ts, `npm run api:types`; player/API.md says what they mean). Only the page's own
 * shapes are written by hand here.
 */
import type { paths } from './api-schema.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The JSON that `method path` answers with `status`, as the server declares it. */
export type Answer<P extends keyof paths, M extends Method, S extends number = 200> =
  NonNullable<paths[P][M]> extends { responses: Record<S, { content: { 'application/json': infer T } }> } ? T : never;

/** The JSON body `method path` reads, as the server declares it. */
export type Body<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]> extends { requestBody?: { content: { 'application/json': infer T } } } ? T : never;

export type User = Answer<'/api/me', 'get'>['user'];
export type Role = User['role'];

/** `mustChangePassword`: a one-time password was used, and until it is changed the session may do nothing else. */
export type AuthSession = Answer<'/api/auth/sign-in', 'post'>;

export type LiveFeed = Answer<'/api/live', 'get'>['feeds'][number];
export type FeedState = LiveFeed['state'];

export type Recording = Answer<'/api/recordings', 'get'>['recordings'][number];
export type RecordingState = Recording['state'];
export type Confidentiality = NonNullable<Recording['confidentiality']>;
/** A recording's flag: a code, or a code with how many times it was found (`decode_errors`). */
export type RecordingFlag = Recording['flags'][number];
/** Its retention category, period and legal hold, shown with it to whoever may replay it. */
export type ShownRetention = Recording['retention'];

export type TimelineEntry = Answer<'/api/recordings/{id}', 'get'>['timeline'][number];
export type GapCause = NonNullable<TimelineEntry['cause']>;

export type Device = Answer<'/api/devices', 'get'>['devices'][number];
export type DeviceKind = Device['kind'];
export type HealthFlag = Device['health']['flags'][number];

/** What `GET /api/recordings/:id/verification` answers: the same document as `liuhen verify --json`. */
export type Verification = Answer<'/api/recordings/{id}/verification', 'get'>;

export type PlaybackSession = Answer<'/api/playback-sessions', 'post', 201>;
export type WatermarkText = PlaybackSession['watermark'];

/** A worker's job for a recording (renditions, watermark variants) or an export. */
export type Job = Answer<'/api/jobs', 'get'>['jobs'][number];
export type JobState = Job['state'];

export type AuditEvent = Answer<'/api/audit', 'get'>['events'][number];
