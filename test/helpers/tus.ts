/** A body camera's side of the offline upload API (tus 1.0.0 plus liuhen's `/result`), for tests. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Device } from '../../server/db/schema.ts';
import { testPatternInputs } from './test-pattern.ts';
import { waitFor } from './wait.ts';

export interface TusCamera {
  device: Pick<Device, 'id'>;
  credential: string;
}

/**
 * What a body camera records offline, written to `file`: H.264 at 25 fps with a keyframe every
 * second and an AAC tone, in an MP4 with its index (moov) at the end, as a camera writes it.
 */
export function cameraRecording(file: string, opts: { seconds: number; size: string }): Buffer {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    ...testPatternInputs(opts.size, 25),
    '-t',
    String(opts.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    file,
  ]);
  return fs.readFileSync(file);
}

export function tusClient(base: string) {
  const headers = (cam: TusCamera, extra: Record<string, string> = {}) => ({
    Authorization: `Device ${cam.device.id}:${cam.credential}`,
    'Tus-Resumable': '1.0.0',
    ...extra,
  });
  const metadata = (fields: Record<string, string>) =>
    Object.entries(fields)
      .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
      .join(',');
  const result = async (cam: TusCamera, url: string) => {
    const res = await fetch(`${url}/result`, { headers: headers(cam) });
    return { status: res.status, recordingHeader: res.headers.get('liuhen-recording'), body: (await res.json()) as Record<string, unknown> };
  };
  const client = {
    headers,
    create: (cam: TusCamera, length: number, fields: Record<string, string> = { startedAt: new Date().toISOString() }) =>
      fetch(`${base}/api/device/uploads`, { method: 'POST', headers: headers(cam, { 'Upload-Length': String(length), 'Upload-Metadata': metadata(fields) }) }),
    /** The created upload's URL; fails the test when it was not created. */
    created: async (cam: TusCamera, length: number, fields?: Record<string, string>) => {
      const res = await client.create(cam, length, fields);
      if (res.status !== 201) throw new Error(`upload not created: ${res.status} ${await res.text()}`);
      return `${base}${res.headers.get('location')}`;
    },
    patch: (cam: TusCamera, url: string, offset: number, body: Uint8Array | ReadableStream<Uint8Array>) =>
      fetch(url, {
        method: 'PATCH',
        headers: headers(cam, { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset) }),
        body,
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit),
    head: (cam: TusCamera, url: string) => fetch(url, { method: 'HEAD', headers: headers(cam) }),
    result,
    /** Waits until the finished upload was sealed or refused. */
    outcome: (cam: TusCamera, url: string) =>
      waitFor(
        'the upload to be checked',
        async () => {
          const r = await result(cam, url);
          return r.body.state === 'sealed' || r.body.state === 'refused' ? r : undefined;
        },
        30_000,
        100,
      ),
    /** One whole-file upload, checked: the way a camera back in coverage sends a short recording. */
    uploadWhole: async (cam: TusCamera, bytes: Buffer, fields?: Record<string, string>) => {
      const url = await client.created(cam, bytes.length, fields);
      const sent = await client.patch(cam, url, 0, new Uint8Array(bytes));
      if (sent.status !== 204) throw new Error(`PATCH answered ${sent.status}`);
      return { url, ...(await client.outcome(cam, url)) };
    },
  };
  return client;
}
