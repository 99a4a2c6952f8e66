import { describe, expect, it } from 'vitest';
import { ConnectionBook } from '../../server/ingest/connection-guard.ts';

const limits = { handshakeMs: 2000, idleMs: 5000, maxPerAddress: 2 };

describe('RTMP connection bookkeeping', () => {
  it('caps connections per address, and a released connection frees its place', () => {
    const book = new ConnectionBook<string>(limits);
    expect(book.admit('a1', '10.0.0.1', 0)).toBeUndefined();
    expect(book.admit('a2', '10.0.0.1', 0)).toBeUndefined();
    expect(book.admit('a3', '10.0.0.1', 0)).toBe('per_address_cap');
    expect(book.admit('b1', '10.0.0.2', 0)).toBeUndefined();
    expect(book.size).toBe(3);
    book.release('a1');
    book.release('a1');
    expect(book.size).toBe(2);
    expect(book.admit('a4', '10.0.0.1', 0)).toBeUndefined();
    expect(book.admit('a5', '10.0.0.1', 0)).toBe('per_address_cap');
  });

  it('gives a connection the handshake deadline to become a publisher, whatever it sends', () => {
    const book = new ConnectionBook<string>(limits);
    book.admit('junk', '10.0.0.1', 0);
    book.admit('cam', '10.0.0.2', 0);
    book.data('junk', 1500);
    book.publishing('cam', 1500);
    expect(book.overdue(1999)).toEqual([]);
    expect(book.overdue(2000)).toEqual([{ key: 'junk', reason: 'handshake_timeout' }]);
  });

  it('cuts a publisher only after idleMs without a byte', () => {
    const book = new ConnectionBook<string>(limits);
    book.admit('cam', '10.0.0.2', 0);
    book.publishing('cam', 1000);
    book.data('cam', 5000);
    expect(book.overdue(9999)).toEqual([]);
    expect(book.overdue(10_000)).toEqual([{ key: 'cam', reason: 'idle' }]);
    book.release('cam');
    expect(book.overdue(20_000)).toEqual([]);
  });
});
