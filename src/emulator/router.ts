/**
 * Method + path pattern routing for the API (`/v1/customers/:id`). Handlers are synchronous: the
 * store is in memory, so each request's reads and writes happen atomically.
 */
import type { ApiContext } from './engine.js';

export type Handler = (ctx: ApiContext) => unknown;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export interface RouteMatch {
  handler: Handler;
  path: Record<string, string>;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: 'GET' | 'POST' | 'DELETE', template: string, handler: Handler): this {
    const names: string[] = [];
    const source = template.replace(/:([a-z_]+)/g, (_match, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  get(template: string, handler: Handler): this {
    return this.add('GET', template, handler);
  }

  post(template: string, handler: Handler): this {
    return this.add('POST', template, handler);
  }

  delete(template: string, handler: Handler): this {
    return this.add('DELETE', template, handler);
  }

  match(method: string, pathname: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      const path: Record<string, string> = {};
      route.names.forEach((name, index) => (path[name] = decodeURIComponent(found[index + 1])));
      return { handler: route.handler, path };
    }
    return undefined;
  }
}
