import { parseRoute, routeHash, type Route, type Screen } from './routes';

/** The current route, kept in step with `location.hash` (back/forward work). */
export class Router {
  route = $state<Route>(parseRoute(typeof location === 'undefined' ? '' : location.hash));

  /** Starts following `hashchange`; returns the stop function (use it in an $effect). */
  listen(): () => void {
    const sync = () => (this.route = parseRoute(location.hash));
    window.addEventListener('hashchange', sync);
    sync();
    return () => window.removeEventListener('hashchange', sync);
  }

  go(screen: Screen, caseId: number | null = null): void {
    this.route = { screen, caseId };
    const hash = routeHash({ screen, caseId });
    if (location.hash !== hash) location.hash = hash;
  }
}
