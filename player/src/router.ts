/**
 * Hash routes. Each page gets a fresh AbortSignal that fires when the official leaves it: pages
 * hang their timers, players and fetches on it, so nothing keeps running (or keeps a playback
 * session open) behind the next page.
 */
import { currentUser, passwordDue } from './session.ts';
import { homeFor } from './roles.ts';

/** The one page open to a session whose one-time password is still to be changed. */
export const PASSWORD_ROUTE = /^\/password$/;

export interface PageContext {
  root: HTMLElement;
  signal: AbortSignal;
  params: string[];
}

export interface Route {
  pattern: RegExp;
  page: (ctx: PageContext) => void;
  /** reachable signed out; a signed-in official is sent home instead */
  public?: boolean;
}

export function startRouter(routes: Route[], root: HTMLElement, onRoute: () => void): void {
  let leave: AbortController | undefined;

  const resolve = (path: string): { route: Route; params: string[] } | undefined => {
    for (const route of routes) {
      const m = route.pattern.exec(path);
      if (m) return { route, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
    }
    return undefined;
  };

  const render = (): void => {
    const found = resolve(location.hash.replace(/^#/, '') || '/');
    const user = currentUser();
    // Public pages are for the signed-out only, every other page for the signed-in only.
    if (found === undefined || (found.route.public === true) !== (user === null)) {
      location.replace(user === null ? '#/sign-in' : homeFor(user.role));
      return;
    }
    if (user !== null && passwordDue() && found.route.pattern !== PASSWORD_ROUTE) {
      location.replace('#/password');
      return;
    }
    leave?.abort();
    leave = new AbortController();
    root.replaceChildren();
    onRoute();
    found.route.page({ root, signal: leave.signal, params: found.params });
  };

  window.addEventListener('hashchange', render);
  render();
}
