import type { Request } from 'express';
import type { RequestContext } from '../auth/auth-service.ts';

export function contextOf(req: Request): RequestContext {
  return { address: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? null, userAgent: req.get('user-agent')?.slice(0, 300) ?? null };
}
