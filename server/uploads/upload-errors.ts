/** What the upload API refuses, in domain words; error-status.ts maps each code to its HTTP status. */
import { ExplainedRefusal, LiuhenError, StateConflict } from '../errors.ts';

/** Unknown, or another device's: a device cannot tell the two apart. */
export class UploadNotFound extends LiuhenError {
  constructor(readonly uploadId: string) {
    super('upload_not_found', `no such upload: ${uploadId}`);
  }
}

/**
 * An unfinished upload whose bytes are on the node that received them, not on this one (the device
 * reached another node while that one was down): no node can continue it here. The device sends the
 * file again as a new upload; the unfinished one expires where it is.
 */
export class UploadElsewhere extends ExplainedRefusal {
  constructor(readonly uploadId: string) {
    super('upload_elsewhere', `upload ${uploadId} is held by the node that received its bytes, not by this one: send the file again as a new upload`);
  }
}

/** More bytes than liuhen accepts for one recording, or than the upload declared. */
export class UploadTooLarge extends LiuhenError {
  constructor(message: string) {
    super('upload_too_large', message);
  }
}

/**
 * No room for a new upload now: the device's unfinished uploads fill its quota, or the disk is
 * below its reserve. Not the file's fault: the device keeps it and tries again later.
 */
export class UploadNoRoom extends LiuhenError {
  constructor(code: 'upload_quota_exceeded' | 'insufficient_storage', reason: string) {
    super(code, reason);
  }
}

/** The client's idea of how much arrived differs from the server's: it must ask (HEAD) and resume from there. */
export class UploadOffsetMismatch extends LiuhenError {
  constructor(readonly given: string | null) {
    super('upload_offset_mismatch', `the upload is not at offset ${given ?? '(none)'}: ask with HEAD where it stands`);
  }
}

/** Termination of an upload that has all its bytes: it is being checked or sealed, or was refused, and stays. */
export class UploadFinished extends StateConflict {
  constructor(readonly uploadId: string) {
    super('upload_finished', `upload ${uploadId} has all its bytes: only an unfinished upload can be terminated`);
  }
}

export class UploadContentType extends LiuhenError {
  constructor() {
    super('upload_content_type', 'PATCH bodies must be application/offset+octet-stream');
  }
}

export class TusVersionUnsupported extends LiuhenError {
  constructor(given: string | undefined) {
    super('tus_version_unsupported', `tus protocol ${given ?? '(none)'} is not supported; use 1.0.0`);
  }
}
