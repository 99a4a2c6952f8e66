/** Files from the API saved by the browser: fetched with the token (a plain link carries none). */
import { download } from './api.ts';

/** Saves the response under the server's file name (Content-Disposition), or `fallbackName`. */
export async function saveFile(path: string, fallbackName: string, signal: AbortSignal): Promise<void> {
  const res = await download(path, signal);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the blob once the click is handled; free it after that turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
