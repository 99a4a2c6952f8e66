/**
 * The OpenAPI document without a running server: the app is mounted with no services, which
 * mounting never touches. `npm run api:types` generates the player's types from it, and the
 * contract's tests read the routes it declares.
 */
import type { Application } from 'express';
import { openApiDocument } from './api-contract.ts';
import { type AppDeps, createHttpApp } from './app.ts';

/** The app as the server mounts it, answering nothing: its routes and their declarations only. */
export function mountedOnly(): Application {
  return createHttpApp({ api: {}, metrics: {}, ready: async () => ({}), refusals: {}, responseCheck: 'off', trustedProxies: [], onInternalError: () => {} } as unknown as AppDeps);
}

export function apiDocument(): object {
  return openApiDocument(mountedOnly());
}
