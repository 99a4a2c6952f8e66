import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../../server/auth/auth-service.ts';
import { ViewingRooms } from '../../server/party/viewing-rooms.ts';
import { PlaybackService } from '../../server/playback/playback-service.ts';
import { UrlSigner } from '../../server/playback/url-signer.ts';
import type { World } from './world.ts';

export const CTX: RequestContext = { address: '192.0.2.1', userAgent: 'service-tier' };

/** Sessions of 30 minutes over 2 s segments, signed and marked with keys of this world alone. */
export function playbackOf(w: World): PlaybackService {
  return new PlaybackService(w.repos, w.store, w.audit, new ViewingRooms(w.repos, w.audit, w.clock), new UrlSigner(randomBytes(32), w.clock), randomBytes(32), 30, 2, w.clock);
}

/** The query a signed playback URL carries. */
export function signedQuery(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url, 'http://x').searchParams);
}
