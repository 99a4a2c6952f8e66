import type { Request } from 'express';
import type { RequestContext } from '../auth/auth-service.ts';

/** `req.ip` is the socket's address, or, from a trusted load balancer (app.ts), the client it forwards for. */
export function contextOf(req: Request): RequestContext {
  return { address: (req.ip ?? req.socket.remoteAddress)?.replace(/^::ffff:/, '') ?? null, userAgent: req.get('user-agent')?.slice(0, 300) ?? null };
}
