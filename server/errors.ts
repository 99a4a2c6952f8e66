/**
 * Domain errors. Thrown inside liuhen; mapped to HTTP statuses in server/http and to exit codes
 * in server/cli, one place each.
 */
export class LiuhenError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A write-once key was written before; evidence is never overwritten. */
export class ObjectAlreadyExists extends LiuhenError {
  constructor(readonly key: string) {
    super('object_exists', `evidence object already exists: ${key}`);
  }
}

export class ObjectNotFound extends LiuhenError {
  constructor(readonly key: string) {
    super('object_not_found', `evidence object not found: ${key}`);
  }
}

/** A key that could escape the store's namespace or is not one liuhen writes. */
export class InvalidObjectKey extends LiuhenError {
  constructor(readonly key: string) {
    super('invalid_key', `invalid evidence object key: ${JSON.stringify(key)}`);
  }
}

/** The bytes handed over do not hash to what the caller said they would. */
export class ChecksumMismatch extends LiuhenError {
  constructor(readonly key: string) {
    super('checksum_mismatch', `checksum mismatch for ${key}`);
  }
}

/** The evidence store cannot guarantee write-once semantics (e.g. bucket without Object Lock). */
export class StoreNotWorm extends LiuhenError {
  constructor(message: string) {
    super('store_not_worm', message);
  }
}

/** The evidence store cannot be used as configured: its bucket is missing, the credentials are refused, it cannot be reached. */
export class StoreUnusable extends LiuhenError {
  constructor(message: string) {
    super('store_unusable', message);
  }
}

/** This node's keys are not the installation's, or `keys init` would overwrite keys that exist. */
export class KeysConflict extends LiuhenError {
  constructor(message: string) {
    super('keys_conflict', message);
  }
}

export class ConfigInvalid extends LiuhenError {
  constructor(message: string) {
    super('config_invalid', message);
  }
}

export class DeviceNotFound extends LiuhenError {
  constructor(readonly deviceId: string) {
    super('device_not_found', `no such device: ${deviceId}`);
  }
}

export class RecordingNotFound extends LiuhenError {
  constructor(readonly recordingId: string) {
    super('recording_not_found', `no such recording: ${recordingId}`);
  }
}

/** A marker or command for a device that has no recording open right now. */
export class NotRecording extends LiuhenError {
  constructor(readonly deviceId: string) {
    super('not_recording', `device ${deviceId} has no recording in progress`);
  }
}

/** An officer already carries an active body camera (004 §16: one per officer). */
export class OfficerHasBodycam extends LiuhenError {
  constructor(
    readonly officerBadge: string,
    readonly deviceId: string,
  ) {
    super('officer_has_bodycam', `officer ${officerBadge} already has an active body camera (${deviceId})`);
  }
}

export class InvalidInput extends LiuhenError {
  constructor(message: string) {
    super('invalid_input', message);
  }
}

export class UserNotFound extends LiuhenError {
  constructor(readonly userId: string) {
    super('user_not_found', `no such user: ${userId}`);
  }
}

export class UserExists extends LiuhenError {
  constructor(readonly badge: string) {
    super('user_exists', `a user with badge ${badge} already exists`);
  }
}

/** A refusal the person can act on (a password rule, their account's state): its message is sent as `message`. */
export class ExplainedRefusal extends LiuhenError {}

/** No valid credentials: a missing, expired, forged or revoked token, or a wrong password. */
export class NotAuthenticated extends LiuhenError {
  constructor(code: 'unauthenticated' | 'bad_credentials' = 'unauthenticated', message = 'sign-in required') {
    super(code, message);
  }
}

/** The policy says no. `reason` is for the audit log, not for the client. */
export class NotAllowed extends LiuhenError {
  constructor(readonly reason: string) {
    super('forbidden', `not allowed: ${reason}`);
  }
}

export class AccountLocked extends LiuhenError {
  constructor(readonly retryAfterSeconds: number) {
    super('locked', `account locked for ${retryAfterSeconds} s after repeated failed sign-ins`);
  }
}

export class RateLimited extends LiuhenError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', `too many attempts; retry in ${retryAfterSeconds} s`);
  }
}

export class RouteNotFound extends LiuhenError {
  constructor(path: string) {
    super('not_found', `no such route: ${path.slice(0, 200)}`);
  }
}

/** A case, action, request, room or redaction that does not exist (`<what>_not_found`, 404). */
export class NotFound extends LiuhenError {
  constructor(what: 'case' | 'action' | 'party_request' | 'room' | 'redaction' | 'gap', id: string) {
    super(`${what}_not_found`, `no such ${what.replace('_', ' ')}: ${id}`);
  }
}

/**
 * The thing asked about is in a state that forbids the act (409): an archived case, a request
 * already decided, a room not open. `code` names the state for the client.
 */
export class StateConflict extends LiuhenError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** Set on an error whose refusal was already written to the audit log where it was decided. */
const AUDITED = Symbol('liuhen.audited');

export function markAudited<E extends Error>(e: E): E {
  (e as E & { [AUDITED]?: true })[AUDITED] = true;
  return e;
}

export function wasAudited(e: unknown): boolean {
  return typeof e === 'object' && e !== null && AUDITED in e;
}
