/**
 * A list page's load loop: fills `target` with a node per item, says in `status` that the list is
 * empty or why loading failed, and (given `everyMs`) loads again until the page is left. Returns
 * the reload, for a page to call after an act changed the list.
 */
import { setText } from './i18n.ts';

export interface ListRefresh<T> {
  signal: AbortSignal;
  target: HTMLElement;
  status: HTMLElement;
  load: () => Promise<T[]>;
  render: (item: T) => Node;
  emptyText: () => string;
  errorText: (err: unknown) => string;
  everyMs?: number;
}

export function refreshList<T>(o: ListRefresh<T>): () => Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async (): Promise<void> => {
    clearTimeout(timer);
    try {
      const items = await o.load();
      o.target.replaceChildren(...items.map(o.render));
      o.status.hidden = items.length > 0;
      o.status.classList.remove('error');
      setText(o.status, o.emptyText);
    } catch (err) {
      if (o.signal.aborted) return;
      o.status.hidden = false;
      o.status.classList.add('error');
      setText(o.status, () => o.errorText(err));
    }
    if (o.everyMs !== undefined && !o.signal.aborted) timer = setTimeout(() => void refresh(), o.everyMs);
  };
  o.signal.addEventListener('abort', () => clearTimeout(timer));
  void refresh();
  return refresh;
}
