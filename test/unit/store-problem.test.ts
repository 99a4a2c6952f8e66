import { describe, expect, it } from 'vitest';
import { StoreUnusable } from '../../server/errors.ts';
import { storeProblem } from '../../server/storage/s3-bucket.ts';

const place = { endpoint: 'https://s3.example.gov', region: 'us-east-1', bucket: 'evidence' };

/** An SDK error as the client throws it: a name (S3's error code) and the HTTP status. */
function s3Error(name: string, httpStatusCode?: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
}

describe('storeProblem: what an operator reads when the store cannot be used', () => {
  it.each([
    [s3Error('NoSuchBucket', 404), 'does not exist: run `liuhen store init`'],
    [s3Error('UnknownError', 404), 'does not exist: run `liuhen store init`'],
    [s3Error('InvalidAccessKeyId', 403), 'refused the credentials (InvalidAccessKeyId)'],
    [s3Error('SignatureDoesNotMatch', 403), 'refused the credentials (SignatureDoesNotMatch)'],
    [s3Error('AccessDenied', 403), 'access denied (AccessDenied)'],
    [s3Error('RequestTimeTooSkewed', 403), 'refused the request time (RequestTimeTooSkewed)'],
    [s3Error('CredentialsProviderError'), 'no credentials'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'cannot reach the store (ECONNREFUSED)'],
    [s3Error('TimeoutError'), 'cannot reach the store (TimeoutError)'],
    [s3Error('InternalError', 500), 'the store answered InternalError (HTTP 500)'],
  ])('%s', (err, says) => {
    const problem = storeProblem(err, place);
    expect(problem).toBeInstanceOf(StoreUnusable);
    expect(problem.message).toContain('S3 bucket "evidence" at https://s3.example.gov');
    expect(problem.message).toContain(says);
  });

  it('names AWS and the region when no endpoint is set', () => {
    expect(storeProblem(s3Error('NoSuchBucket', 404), { region: 'cn-north-1', bucket: 'evidence' }).message).toContain('S3 bucket "evidence" at AWS S3 (cn-north-1)');
  });
});
